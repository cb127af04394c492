"""A customer statement as printed: the page the browser shows (``documents/statement.html``,
with the print stylesheet) and the same page as PDF, from the figures stored on it, written in
the customer's language (``statement_language``): its words, dates, amounts, the default aging
buckets' labels and the movements the posting services describe."""

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext, pgettext_lazy

from core.pdf import html_to_pdf
from entities.models import Customer
from receivables.printing import party_address_lines

from .models import CustomerStatement

# The default aging period set's labels (migration 0002), named here for makemessages; a label
# written in the admin prints as written.
_DEFAULT_BUCKET_LABELS = (
    pgettext_lazy("aging bucket", "Current"),
    pgettext_lazy("aging bucket", "Over 90"),
)

# Voucher descriptions as the posting services write them (in English, in the ledger), and how
# a statement prints them in the customer's language; any other prints as written.
_DESCRIPTIONS = [
    (re.compile(r"Invoice (?P<number>\S+)"), gettext_noop("Invoice %(number)s")),
    (re.compile(r"Credit note (?P<number>\S+)"), gettext_noop("Credit note %(number)s")),
    (re.compile(r"Payment (?P<number>\S+)"), gettext_noop("Payment %(number)s")),
    (re.compile(r"Refund (?P<number>\S+)"), gettext_noop("Refund %(number)s")),
    (re.compile(r"Interest note (?P<number>\S+)"), gettext_noop("Interest note %(number)s")),
    (re.compile(r"Settlement of (?P<number>\S+)"), gettext_noop("Settlement of %(number)s")),
    (re.compile(r"Reversal of (?P<number>\S+)"), gettext_noop("Reversal of %(number)s")),
    (
        re.compile(r"Correction of invoice (?P<number>\S+)"),
        gettext_noop("Correction of invoice %(number)s"),
    ),
    (
        re.compile(r"Write-off (?P<number>[^\s:]+): (?P<reason>.*)", re.DOTALL),
        gettext_noop("Write-off %(number)s: %(reason)s"),
    ),
]


def movement_description(text: str) -> str:
    """A movement's voucher description in the active language, when a posting service wrote
    it; as written otherwise (a journal voucher's, a bank line's)."""
    for pattern, message in _DESCRIPTIONS:
        match = pattern.fullmatch(text)
        if match:
            return gettext(message) % match.groupdict()
    return text


def statement_language(statement: CustomerStatement) -> str:
    """The language the statement is printed and emailed in: its customer's
    (``Customer.document_language``). A party's statement has no one customer: it is written in
    the language of the party's customer account in the first legal entity it covers (by code,
    the entity its letterhead names first), English when there is none."""
    if statement.customer_id:
        return statement.customer.document_language
    account = (
        Customer.objects.filter(
            party_id=statement.party_id,
            legal_entity__in=statement.legal_entities.all(),
        )
        .select_related("legal_entity")
        .order_by("legal_entity__code", "account")
        .first()
    )
    return account.document_language if account else settings.LANGUAGE_CODE


def _shown(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The stored sections as printed in the active language: each line's date as a date, its
    debit or credit blank where it is zero, its description and the aging labels translated."""
    return [
        {
            **section,
            "lines": [
                {
                    **line,
                    "date": date.fromisoformat(line["date"]),
                    "description": movement_description(line["description"]),
                    "debit_shown": "" if Decimal(line["debit"]) == 0 else line["debit"],
                    "credit_shown": "" if Decimal(line["credit"]) == 0 else line["credit"],
                }
                for line in section["lines"]
            ],
            "aging": [
                {**bucket, "label": pgettext("aging bucket", bucket["label"])}
                for bucket in section["aging"]
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
    with translation.override(statement_language(statement)):
        return render_to_string("documents/statement.html", statement_print_context(statement))


def statement_pdf(statement: CustomerStatement) -> bytes:
    return html_to_pdf(statement_print_html(statement))
