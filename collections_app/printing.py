"""Documents the collections room prints: a collection letter as PDF (reportlab). The
collections list's CSV and XLSX exports are in ``services.exports``."""

from io import BytesIO
from xml.sax.saxutils import escape

from core.money import format_amount


def letter_pdf(letter) -> bytes:
    """The letter as it was sent: who, the intro, the transactions listed and the total."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    customer, step = letter.customer, letter.step
    intro = step.body.format(
        customer=customer.display_name,
        legal_entity=letter.legal_entity.name,
        total=f"{format_amount(letter.total, letter.currency)} {letter.currency}",
    )
    rows = [["Document", "Due", "Days overdue", "Open"]] + [
        [
            r["document_number"],
            r["due_date"],
            str(r["days_overdue"]),
            format_amount(r["open_amount"], letter.currency),
        ]
        for r in letter.transactions
    ]
    rows.append(
        ["Total due", "", "", f"{format_amount(letter.total, letter.currency)} {letter.currency}"]
    )
    table = Table(rows, colWidths=[60 * mm, 35 * mm, 30 * mm, 40 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.grey),
            ]
        )
    )
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=step.subject, author=letter.legal_entity.name
    )
    document.build(
        [
            Paragraph(f"<b>{escape(letter.legal_entity.name)}</b>", styles["Normal"]),
            Spacer(1, 6 * mm),
            Paragraph(
                f"{escape(customer.display_name)}<br/>Customer {escape(customer.account)}",
                styles["Normal"],
            ),
            Paragraph(letter.date.isoformat(), styles["Normal"]),
            Spacer(1, 8 * mm),
            Paragraph(escape(step.subject), styles["Heading1"]),
            Paragraph(escape(intro), styles["Normal"]),
            Spacer(1, 6 * mm),
            table,
            Spacer(1, 6 * mm),
            Paragraph(
                f"Letter {step.step} of our reminders. If you have already paid, please "
                "disregard this letter.",
                styles["Normal"],
            ),
        ]
    )
    return buffer.getvalue()
