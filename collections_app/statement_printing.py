"""A customer statement as printed: the page the browser shows (``documents/statement.html``,
with the print stylesheet) and the same page as PDF, from the figures stored on it."""

from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from core.pdf import html_to_pdf
from receivables.printing import party_address_lines

from .models import CustomerStatement


def _shown(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored sections with each line's debit or credit blank where it is zero."""
    return [
        {
            **section,
            "lines": [
                {
                    **line,
                    "debit_shown": "" if Decimal(line["debit"]) == 0 else line["debit"],
                    "credit_shown": "" if Decimal(line["credit"]) == 0 else line["credit"],
                }
                for line in section["lines"]
            ],
        }
        for section in sections
    ]


def statement_print_context(statement: CustomerStatement) -> dict[str, Any]:
    entities = list(statement.legal_entities.order_by("code"))
    return {
        "statement": statement,
        "entities": entities,
        "entity": entities[0] if len(entities) == 1 else None,
        "party": statement.party,
        "customer": statement.customer,
        "address_lines": party_address_lines(statement.party),
        "sections": _shown(statement.sections),
        "several_entities": len(entities) > 1,
        "printed_on": statement.created_at.date() if statement.created_at else None,
    }


def statement_print_html(statement: CustomerStatement) -> str:
    return render_to_string("documents/statement.html", statement_print_context(statement))


def statement_pdf(statement: CustomerStatement) -> bytes:
    return html_to_pdf(statement_print_html(statement))
