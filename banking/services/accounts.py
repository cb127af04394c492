"""The legal entities' bank accounts and their CSV layouts: created and changed here, checked
(IBAN and BIC by schwifty, the main account in the same entity), audited."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from core.audit import Actor, audit_record
from core.bank_codes import bic_normalize, iban_normalize
from core.errors import InvalidInput
from core.money import currency_is_known
from entities.models import LegalEntity
from entities.services import ensure_can_act
from ledger.models import MainAccount

from ..models import BankAccount, CsvMapping

_BANK_ACCOUNT_FIELDS = ("code", "name", "iban", "account_number", "bic", "main_account", "active")


def _bank_account_clean(data: dict[str, Any], entity: LegalEntity) -> dict[str, Any]:
    """Normalized IBAN and BIC; the main account an active one of the entity."""
    try:
        if "iban" in data:
            data["iban"] = iban_normalize(data["iban"])
        if data.get("bic"):
            data["bic"] = bic_normalize(data["bic"])
    except DjangoValidationError as error:
        field = "iban" if "IBAN" in error.messages[0] else "bic"
        raise InvalidInput(error.messages[0], field=field) from error
    if "account_number" in data:
        data["account_number"] = (data["account_number"] or "").replace(" ", "")
    account = data.get("main_account")
    if account is not None and (
        not isinstance(account, MainAccount) or account.legal_entity_id != entity.pk
    ):
        raise InvalidInput(
            f"The main account must be an account of {entity.code}.", field="main_account"
        )
    return data


def _unique_check(entity: LegalEntity, data: Mapping[str, Any], instance=None) -> None:
    others = BankAccount.objects.exclude(pk=instance.pk) if instance else BankAccount.objects
    if "iban" in data and others.filter(iban=data["iban"]).exists():
        raise InvalidInput(f"IBAN {data['iban']} is already a bank account.", field="iban")
    if data.get("account_number") and others.filter(account_number=data["account_number"]):
        raise InvalidInput(
            f"Account number {data['account_number']} is already a bank account.",
            field="account_number",
        )
    account = data.get("main_account")
    if account is not None and others.filter(main_account=account).exists():
        raise InvalidInput(
            f"Main account {account.number} is already another bank account's: each bank "
            "account has its own, which its reconciliation reads.",
            field="main_account",
        )
    if "code" in data and others.filter(legal_entity=entity, code=data["code"]).exists():
        raise InvalidInput(f"{entity.code} already has bank account {data['code']}.", field="code")


@transaction.atomic
def bank_account_create(
    *, legal_entity: LegalEntity, currency: str, actor: Actor, **fields: Any
) -> BankAccount:
    """A bank account of ``legal_entity``; its bank postings go to ``main_account``."""
    ensure_can_act(actor, legal_entity)
    if not currency_is_known(currency):
        raise InvalidInput(f"Unknown currency {currency!r}.", field="currency")
    for required in ("code", "name", "iban", "main_account"):
        if not fields.get(required):
            raise InvalidInput("This field is required.", field=required)
    data = _bank_account_clean(dict(fields), legal_entity)
    _unique_check(legal_entity, data)
    account = BankAccount(legal_entity=legal_entity, currency=currency, **data)
    account.full_clean()
    account.save()
    audit_record(
        actor=actor,
        action="bank_account.created",
        obj=account,
        changes={k: (None, str(getattr(account, k))) for k in ("code", "iban", "currency")},
        legal_entity=legal_entity,
    )
    return account


@transaction.atomic
def bank_account_update(
    *, bank_account: BankAccount, data: Mapping[str, Any], actor: Actor
) -> BankAccount:
    """Change what may change of a bank account (not its entity or currency once it has
    statements)."""
    account = BankAccount.objects.select_for_update().get(pk=bank_account.pk)
    ensure_can_act(actor, account.legal_entity)
    unknown = set(data) - set(_BANK_ACCOUNT_FIELDS) - {"currency"}
    if unknown:
        raise InvalidInput(f"{min(unknown)} cannot be changed.", field=min(unknown))
    data = _bank_account_clean(dict(data), account.legal_entity)
    if "currency" in data and data["currency"] != account.currency:
        if account.statements.exists():
            raise InvalidInput(
                "The currency of a bank account with statements cannot change.", field="currency"
            )
        if not currency_is_known(data["currency"]):
            raise InvalidInput(f"Unknown currency {data['currency']!r}.", field="currency")
    _unique_check(account.legal_entity, data, instance=account)
    changes = {k: (getattr(account, k), v) for k, v in data.items() if getattr(account, k) != v}
    for key, value in data.items():
        setattr(account, key, value)
    account.full_clean()
    account.save()
    if changes:
        audit_record(
            actor=actor,
            action="bank_account.changed",
            obj=account,
            changes={k: (str(old), str(new)) for k, (old, new) in changes.items()},
            legal_entity=account.legal_entity,
        )
    return account


_CSV_FIELDS = {
    "booking_date",
    "value_date",
    "amount",
    "debit",
    "credit",
    "indicator",
    "currency",
    "counterparty_name",
    "counterparty_iban",
    "counterparty_bic",
    "remittance_info",
    "structured_reference",
    "end_to_end_id",
    "bank_reference",
    "opening_balance",
    "closing_balance",
}


@transaction.atomic
def csv_mapping_save(
    *, legal_entity: LegalEntity, name: str, actor: Actor, instance=None, **fields: Any
) -> CsvMapping:
    """Create or change a CSV layout; the columns name known fields only, and the amount is
    read one way (amount, or debit and credit)."""
    ensure_can_act(actor, legal_entity)
    columns = fields.get("columns", instance.columns if instance else {})
    if not isinstance(columns, dict) or not columns:
        raise InvalidInput("Map at least the booking date and the amount.", field="columns")
    unknown = set(columns) - _CSV_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown field {min(unknown)!r} in the columns.", field="columns")
    sign = fields.get("sign", instance.sign if instance else CsvMapping.Sign.SIGNED)
    needed = ("debit", "credit") if sign == CsvMapping.Sign.DEBIT_CREDIT else ("amount",)
    needed += ("indicator",) if sign == CsvMapping.Sign.INDICATOR else ()
    for column in ("booking_date", *needed):
        if column not in columns:
            raise InvalidInput(f"Map the column of {column}.", field="columns")
    mapping = instance or CsvMapping(legal_entity=legal_entity)
    mapping.name = name
    for key, value in fields.items():
        setattr(mapping, key, value)
    try:
        mapping.full_clean(exclude=["legal_entity"])
    except DjangoValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise InvalidInput(messages[0], field=field) from error
    mapping.save()
    audit_record(
        actor=actor,
        action="csv_mapping.saved",
        obj=mapping,
        changes={"columns": (None, columns)},
        legal_entity=legal_entity,
    )
    return mapping
