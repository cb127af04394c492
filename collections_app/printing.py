"""Documents the collections room prints: a collection letter as PDF (reportlab). The
collections list's CSV and XLSX exports are in ``services.exports``."""

from datetime import date
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.money import format_amount_localized


def letter_pdf(letter) -> bytes:
    """The letter as it was sent, in its language: who, the intro, the transactions listed and
    the total."""
    with translation.override(letter.language):
        return _letter_pdf(letter)


def _letter_pdf(letter) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from .services.letters import letter_intro

    styles = getSampleStyleSheet()
    customer, step = letter.customer, letter.step
    intro = letter_intro(step, customer=customer, total=letter.total, currency=letter.currency)
    rows = [
        [_("Document"), pgettext("due date", "Due"), _("Days overdue"), _("Open")],
        *(
            [
                r["document_number"],
                date_format(date.fromisoformat(r["due_date"]), "SHORT_DATE_FORMAT"),
                str(r["days_overdue"]),
                format_amount_localized(Decimal(r["open_amount"]), letter.currency),
            ]
            for r in letter.transactions
        ),
    ]
    total = f"{format_amount_localized(letter.total, letter.currency)} {letter.currency}"
    rows.append([_("Total due"), "", "", total])
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
    subject = step.display_subject
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=subject, author=letter.legal_entity.name
    )
    customer_line = _("Customer %(account)s") % {"account": customer.account}
    closing = _(
        "Letter %(step)s of our reminders. If you have already paid, please disregard this letter."
    ) % {"step": step.step}
    document.build(
        [
            Paragraph(f"<b>{escape(letter.legal_entity.name)}</b>", styles["Normal"]),
            Spacer(1, 6 * mm),
            Paragraph(
                f"{escape(customer.display_name)}<br/>{escape(customer_line)}", styles["Normal"]
            ),
            Paragraph(date_format(letter.date, "SHORT_DATE_FORMAT"), styles["Normal"]),
            Spacer(1, 8 * mm),
            Paragraph(escape(subject), styles["Heading1"]),
            Paragraph(escape(intro), styles["Normal"]),
            Spacer(1, 6 * mm),
            table,
            Spacer(1, 6 * mm),
            Paragraph(escape(closing), styles["Normal"]),
        ]
    )
    return buffer.getvalue()
