"""The links the banking room registers with lower rooms: the page of a voucher it posted links
to the bank statement or the bill of exchange behind it (``ledger.sources``), and a job's page
to the statements it matched or the collection it made (``core.jobs``)."""

from django.urls import reverse
from django.utils.translation import gettext_noop

from core.jobs import JOB_OUTPUTS_SHOWN
from core.links import Link
from ledger.models import Voucher

from .selectors import bank_statements_for_user, bills_for_user, direct_debit_collections_for_user


def _statement_link(statement) -> Link:
    return Link(
        kind=gettext_noop("Bank statement"),
        label=statement.statement_id,
        url=reverse("bank-statement-detail", args=[statement.pk]),
        note=f"{statement.bank_account.legal_entity.code} · {statement.from_date.isoformat()} "
        f"to {statement.to_date.isoformat()}",
    )


def _bank_line(rest: str, voucher: Voucher, user) -> Link | None:
    """ "bank-line:<line pk>" and "bank-line-fee:<line pk>": the line's statement."""
    if not rest.isdigit():
        return None
    statement = bank_statements_for_user(user).filter(lines__pk=rest).first()
    return _statement_link(statement) if statement is not None else None


def _bill(kind: str):
    """A resolver of "bill:<number>:<step>:<n>" and "bill-reversal:<number>:<step pk>"."""

    def resolve(rest: str, voucher: Voucher, user) -> Link | None:
        number = rest.partition(":")[0]
        bill = (
            bills_for_user(user)
            .prefetch_related(None)
            .filter(legal_entity_id=voucher.legal_entity_id, number=number)
            .first()
        )
        if bill is None:
            return None
        return Link(
            kind=kind,
            label=bill.number,
            url=reverse("bill-of-exchange-detail", args=[bill.pk]),
        )

    return resolve


VOUCHER_SOURCES = {
    "bank-line": _bank_line,
    "bank-line-fee": _bank_line,
    "bill": _bill(gettext_noop("Bill of exchange")),
    "bill-reversal": _bill(gettext_noop("Reversal of a step of bill of exchange")),
}


def statements_matched(job, user) -> list[Link]:
    ids = [int(pk) for pk in job.parameters.get("statements") or [] if str(pk).isdigit()]
    statements = bank_statements_for_user(user).filter(pk__in=ids).order_by("pk")
    return [_statement_link(s) for s in statements[:JOB_OUTPUTS_SHOWN]]


def collection_made(job, user) -> list[Link]:
    collections = direct_debit_collections_for_user(user).filter(job=job).order_by("pk")
    return [
        Link(
            kind=gettext_noop("Direct debit collection"),
            label=str(c.pk),
            url=reverse("dd-collection-detail", args=[c.pk]),
            note=f"{c.legal_entity.code} · collected on {c.collection_date.isoformat()} · "
            f"{c.get_status_display().lower()}",
        )
        for c in collections[:JOB_OUTPUTS_SHOWN]
    ]
