"""Writes of the entities room: legal entities' parameters, parties, customers, exchange rates
and grants, each audited."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model

from core.audit import Actor, audit_record
from core.bank_codes import creditor_identifier_normalize
from core.countries import country_is_known, country_unknown_message
from core.errors import ApplicationError, InvalidInput
from core.money import currency_is_known
from entities.exceptions import EntityAccessDenied, GroupDataDenied

from ..models import Customer, EntityGrant, ExchangeRate, LegalEntity
from ..selectors import (
    user_can_act_in,
    user_is_group_data_steward,
)


def ensure_can_act(actor: Actor, legal_entity: LegalEntity, *, field: str = "legal_entity") -> None:
    """Refuse when ``actor`` may not act in ``legal_entity`` (``None`` is the system)."""
    if not user_can_act_in(actor, legal_entity):
        raise EntityAccessDenied(legal_entity.code, field=field)


def _diff(obj: Model, data: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (getattr(obj, k), v) for k, v in data.items() if getattr(obj, k) != v}


def _validate_currency_field(value: str, field: str) -> None:
    if not currency_is_known(value):
        raise InvalidInput(f"Unknown currency {value!r}: use an ISO 4217 code.", field=field)


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
    """A new legal entity with its AR ``parameters`` and its ``letterhead`` (address, VAT
    number; ``LegalEntity.LETTERHEAD_FIELDS``); its creator, unless a superuser, is granted it.
    The ledger opens its books (``ledger.services.legal_entity_create``)."""
    if (
        actor is not None
        and not actor.is_superuser
        and not actor.has_perm("entities.add_legalentity")
    ):
        raise ApplicationError(
            "You may not create legal entities.", code="permission_denied", http_status=403
        )
    if not currency_is_known(accounting_currency):
        raise InvalidInput(
            f"Unknown currency {accounting_currency!r}: use an ISO 4217 code.",
            field="accounting_currency",
        )
    if LegalEntity.objects.filter(code=code).exists():
        raise InvalidInput(f"Legal entity {code} already exists.", field="code")
    params = dict(parameters or {})
    unknown = set(params) - set(LegalEntity.PARAMETER_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown parameter {min(unknown)}.", field="parameters")
    params = _parameters_normalized(params)
    address = dict(letterhead or {})
    unknown = set(address) - set(LegalEntity.LETTERHEAD_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown letterhead field {min(unknown)}.", field=min(unknown))
    address = _letterhead_normalized(address)
    entity = LegalEntity(
        code=code, name=name, accounting_currency=accounting_currency, **params, **address
    )
    entity.full_clean(validate_unique=False)
    entity.save()
    if actor is not None and not actor.is_superuser:
        entity_grant_create(user=actor, legal_entity=entity, actor=actor)
    audit_record(actor=actor, action="legal_entity.created", obj=entity, legal_entity=entity)
    return entity


def _parameters_normalized(params: Mapping[str, Any]) -> dict[str, Any]:
    """The creditor identifier in its compact form, checked (country, mod-97 check digits)."""
    params = dict(params)
    if params.get("sepa_creditor_identifier"):
        try:
            params["sepa_creditor_identifier"] = creditor_identifier_normalize(
                params["sepa_creditor_identifier"]
            )
        except DjangoValidationError as error:
            raise InvalidInput(error.messages[0], field="sepa_creditor_identifier") from error
    return params


def _letterhead_normalized(data: Mapping[str, Any]) -> dict[str, Any]:
    """The letterhead fields as stored: trimmed, the address without blank lines, the country
    code upper case and known (refused naming the field otherwise)."""
    data = {k: "" if v is None else str(v).strip() for k, v in data.items()}
    if "address_lines" in data:
        data["address_lines"] = "\n".join(
            line.strip() for line in data["address_lines"].splitlines() if line.strip()
        )
    if data.get("country"):
        data["country"] = data["country"].upper()
        if not country_is_known(data["country"]):
            raise InvalidInput(country_unknown_message(data["country"]), field="country")
    return data


@transaction.atomic
def legal_entity_update(
    *, legal_entity: LegalEntity, data: Mapping[str, Any], actor: Actor
) -> LegalEntity:
    """Change a legal entity's name, AR parameters or letterhead; each change is audited."""
    ensure_can_act(actor, legal_entity, field="code")
    allowed = {"name", *LegalEntity.PARAMETER_FIELDS, *LegalEntity.LETTERHEAD_FIELDS}
    unknown = set(data) - allowed
    if unknown:
        raise InvalidInput(f"Cannot change {', '.join(sorted(unknown))}.", field=min(unknown))
    letterhead = {k: v for k, v in data.items() if k in LegalEntity.LETTERHEAD_FIELDS}
    data = {**_parameters_normalized(data), **_letterhead_normalized(letterhead)}
    changes = _diff(legal_entity, data)
    if not changes:
        return legal_entity
    for key, (_old, new) in changes.items():
        setattr(legal_entity, key, new)
    legal_entity.full_clean()
    legal_entity.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        action="legal_entity.parameters_changed",
        obj=legal_entity,
        changes=changes,
        legal_entity=legal_entity,
        currency=legal_entity.accounting_currency,
    )
    return legal_entity


@transaction.atomic
def customer_create(*, actor: Actor, **fields: Any) -> Customer:
    legal_entity: LegalEntity = fields["legal_entity"]
    ensure_can_act(actor, legal_entity)
    _validate_currency_field(fields.get("currency", ""), "currency")
    if Customer.objects.filter(legal_entity=legal_entity, account=fields["account"]).exists():
        raise InvalidInput(
            f"Customer account {fields['account']} already exists in {legal_entity.code}.",
            field="account",
        )
    customer = Customer(**fields)
    customer.full_clean(validate_unique=False)
    customer.save()
    audit_record(actor=actor, action="customer.created", obj=customer, legal_entity=legal_entity)
    return customer


# Why a customer account may not move to another party, as the apps above know it (the ledger:
# the account has postings); each answers a refusal or None.
_party_change_guards: list[Callable[[Customer], str | None]] = []


def customer_party_change_guard_register(guard: Callable[[Customer], str | None]) -> None:
    """Called by an app's ``ready()``: ``guard`` refuses moving a customer to another party."""
    if guard not in _party_change_guards:
        _party_change_guards.append(guard)


@transaction.atomic
def customer_update(*, customer: Customer, data: Mapping[str, Any], actor: Actor) -> Customer:
    ensure_can_act(actor, customer.legal_entity)
    if "legal_entity" in data and data["legal_entity"] != customer.legal_entity:
        raise InvalidInput(
            "A customer account cannot move to another legal entity.", field="legal_entity"
        )
    if "account" in data and data["account"] != customer.account:
        raise InvalidInput("A customer account number cannot change.", field="account")
    if "currency" in data:
        _validate_currency_field(data["currency"], "currency")
    if "party" in data and data["party"] != customer.party:
        for guard in _party_change_guards:
            refusal = guard(customer)
            if refusal:
                raise InvalidInput(refusal, field="party")
    changes = _diff(customer, {k: v for k, v in data.items() if k not in {"legal_entity"}})
    if not changes:
        return customer
    for key, (_old, new) in changes.items():
        setattr(customer, key, new)
    customer.full_clean(validate_unique=False)
    customer.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        action="customer.changed",
        obj=customer,
        changes=changes,
        legal_entity=customer.legal_entity,
        currency=customer.currency,
    )
    return customer


@transaction.atomic
def exchange_rate_create(
    *, from_currency: str, to_currency: str, rate: Decimal, valid_from, actor: Actor
) -> ExchangeRate:
    """Add a rate; every legal entity posts with it, so only a group data steward may."""
    if not user_is_group_data_steward(actor):
        raise GroupDataDenied(
            "Exchange rates are shared by every legal entity: only a group data steward may "
            "add one."
        )
    _validate_currency_field(from_currency, "from_currency")
    _validate_currency_field(to_currency, "to_currency")
    if from_currency == to_currency:
        raise InvalidInput("The two currencies must differ.", field="to_currency")
    if rate is None or rate <= 0:
        raise InvalidInput("The rate must be greater than zero.", field="rate")
    if ExchangeRate.objects.filter(
        from_currency=from_currency, to_currency=to_currency, valid_from=valid_from
    ).exists():
        raise InvalidInput(
            f"A {from_currency}→{to_currency} rate valid from {valid_from} already exists.",
            field="valid_from",
        )
    exchange_rate = ExchangeRate.objects.create(
        from_currency=from_currency, to_currency=to_currency, rate=rate, valid_from=valid_from
    )
    audit_record(actor=actor, action="exchange_rate.created", obj=exchange_rate)
    return exchange_rate


@transaction.atomic
def entity_grant_create(*, user, legal_entity: LegalEntity, actor: Actor) -> EntityGrant:
    grant, created = EntityGrant.objects.get_or_create(user=user, legal_entity=legal_entity)
    user.__dict__.pop("_granted_entity_ids", None)
    if created:
        audit_record(
            actor=actor,
            action="grant.created",
            obj=grant,
            changes={"user": (None, user.get_username())},
            legal_entity=legal_entity,
        )
    return grant


@transaction.atomic
def entity_grant_delete(*, grant: EntityGrant, actor: Actor) -> None:
    audit_record(
        actor=actor,
        action="grant.deleted",
        obj=grant,
        changes={"user": (grant.user.get_username(), None)},
        legal_entity=grant.legal_entity,
    )
    grant.user.__dict__.pop("_granted_entity_ids", None)
    grant.delete()


# The address book's writes, kept where callers have always found them.
from .parties import (  # noqa: E402, F401
    PartyAddressInput,
    PartyBankAccountInput,
    PartyContactInput,
    party_changed_record,
    party_save,
    party_snapshot,
)
