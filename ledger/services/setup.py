"""The default chart of accounts and posting setup of a legal entity, and its creation with
its books."""

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.audit import Actor
from entities import services as entities_services
from entities.models import LegalEntity

from ..models import (
    MainAccount,
    NumberSequence,
    PostingSetup,
    PostingType,
)
from .numbers import VOUCHER_SEQUENCE
from .periods import _fiscal_year_write

# --- default setup of a legal entity -------------------------------------------------------

K = MainAccount.Kind
DEFAULT_ACCOUNTS: tuple[tuple[str, str, str, PostingType], ...] = (
    ("110100", "Bank", K.ASSET, PostingType.BANK),
    ("130100", "Accounts receivable", K.ASSET, PostingType.CUSTOMER_BALANCE),
    ("131000", "Bills of exchange receivable", K.ASSET, PostingType.BILL_OF_EXCHANGE),
    (
        "131100",
        "Bills remitted for collection",
        K.ASSET,
        PostingType.BILL_REMITTED_COLLECTION,
    ),
    ("255000", "Bills remitted for discount", K.LIABILITY, PostingType.BILL_REMITTED_DISCOUNT),
    ("145000", "Due from intercompany", K.ASSET, PostingType.INTERCOMPANY_DUE_FROM),
    ("220000", "Sales tax payable", K.LIABILITY, PostingType.SALES_TAX),
    ("245000", "Due to intercompany", K.LIABILITY, PostingType.INTERCOMPANY_DUE_TO),
    ("401100", "Revenue", K.REVENUE, PostingType.REVENUE),
    ("403000", "Sales returns", K.REVENUE, PostingType.SALES_RETURNS),
    ("710100", "Interest income", K.REVENUE, PostingType.INTEREST),
    ("711000", "Realized exchange gain", K.REVENUE, PostingType.FX_REALIZED_GAIN),
    ("520000", "Cash discount", K.EXPENSE, PostingType.CASH_DISCOUNT),
    ("520100", "Over/underpayment", K.EXPENSE, PostingType.PAYMENT_DIFFERENCE),
    ("520200", "Bad debt write-off", K.EXPENSE, PostingType.WRITE_OFF),
    ("605000", "Bank charges", K.EXPENSE, PostingType.BANK_CHARGES),
    ("606000", "Bill discount charges", K.EXPENSE, PostingType.BILL_DISCOUNT_CHARGES),
    ("801000", "Realized exchange loss", K.EXPENSE, PostingType.FX_REALIZED_LOSS),
    ("809000", "Rounding difference", K.EXPENSE, PostingType.ROUNDING),
)
DUE_FROM_PREFIX = "145000"
DUE_TO_PREFIX = "245000"


def _intercompany_setup(entity: LegalEntity, counterparty: LegalEntity) -> None:
    """Due from / due to accounts of ``entity`` for one counterparty entity."""
    for prefix, kind, posting_type, label in (
        (DUE_FROM_PREFIX, K.ASSET, PostingType.INTERCOMPANY_DUE_FROM, "Due from"),
        (DUE_TO_PREFIX, K.LIABILITY, PostingType.INTERCOMPANY_DUE_TO, "Due to"),
    ):
        account, _ = MainAccount.objects.get_or_create(
            legal_entity=entity,
            number=f"{prefix}-{counterparty.code}",
            defaults={"name": f"{label} {counterparty.name}"[:120], "kind": kind},
        )
        PostingSetup.objects.get_or_create(
            legal_entity=entity,
            posting_type=posting_type,
            counterparty=counterparty,
            defaults={"account": account},
        )


@transaction.atomic
def legal_entity_setup_defaults(*, legal_entity: LegalEntity) -> None:
    """Create what is missing of the default chart, posting setup and voucher sequence."""
    for number, name, kind, posting_type in DEFAULT_ACCOUNTS:
        account, _ = MainAccount.objects.get_or_create(
            legal_entity=legal_entity, number=number, defaults={"name": name, "kind": kind}
        )
        PostingSetup.objects.get_or_create(
            legal_entity=legal_entity,
            posting_type=posting_type,
            counterparty=None,
            defaults={"account": account},
        )
    NumberSequence.objects.get_or_create(
        legal_entity=legal_entity,
        name=VOUCHER_SEQUENCE,
        defaults={"prefix": f"{legal_entity.code}-V"},
    )
    for other in LegalEntity.objects.exclude(pk=legal_entity.pk):
        _intercompany_setup(legal_entity, other)
        _intercompany_setup(other, legal_entity)


@transaction.atomic
def legal_entity_create(
    *,
    code: str,
    name: str,
    accounting_currency: str,
    parameters: Mapping[str, Any] | None = None,
    letterhead: Mapping[str, Any] | None = None,
    actor: Actor,
) -> LegalEntity:
    """A new legal entity (created by the entities room) with its books: the default chart of
    accounts and posting setup, and the previous and the current calendar year open."""
    entity = entities_services.legal_entity_create(
        code=code,
        name=name,
        accounting_currency=accounting_currency,
        parameters=parameters,
        letterhead=letterhead,
        actor=actor,
    )
    legal_entity_setup_defaults(legal_entity=entity)
    this_year = timezone.localdate().year
    for year in (this_year - 1, this_year):
        _fiscal_year_write(entity, year)
    return entity
