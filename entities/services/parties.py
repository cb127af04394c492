"""Writes of the address book: parties with their addresses, contacts and bank accounts, each
change audited."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction

from core.audit import Actor, audit_record
from core.bank_codes import bic_normalize, iban_normalize
from core.errors import InvalidInput
from entities.exceptions import GroupDataDenied

from ..selectors import party_entity_ids, user_can_change_party


@dataclass(frozen=True)
class PartyAddressInput:
    purpose: str = "business"
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class PartyContactInput:
    name: str
    email: str = ""
    phone: str = ""
    role: str = ""


@dataclass(frozen=True)
class PartyBankAccountInput:
    iban: str
    bic: str = ""
    name: str = ""


def _bank_accounts_snapshot(party) -> list[dict[str, Any]]:
    return [
        {"iban": b.iban, "bic": b.bic, "name": b.name} for b in party.bank_accounts.order_by("pk")
    ]


def _bank_accounts_replace(party, bank_accounts: Iterable[PartyBankAccountInput]) -> None:
    """Replace the party's bank accounts: each IBAN and BIC checked, one IBAN one party."""
    from ..models import PartyBankAccount

    rows, seen = [], set()
    for index, given in enumerate(bank_accounts):
        where = f"bank_accounts[{index}]"
        try:
            iban = iban_normalize(given.iban)
            bic = bic_normalize(given.bic) if given.bic else ""
        except DjangoValidationError as error:
            raise InvalidInput(f"{where}: {error.messages[0]}", field="bank_accounts") from error
        if iban in seen:
            raise InvalidInput(f"{where}: IBAN {iban} is given twice.", field="bank_accounts")
        seen.add(iban)
        rows.append(PartyBankAccount(party=party, iban=iban, bic=bic, name=given.name[:120]))
    others = {
        b.iban: b.party.number
        for b in PartyBankAccount.objects.filter(iban__in=seen)
        .exclude(party=party)
        .select_related("party")
    }
    for index, row in enumerate(rows):
        if row.iban in others:
            raise InvalidInput(
                f"bank_accounts[{index}]: IBAN {row.iban} belongs to party {others[row.iban]}: "
                "an IBAN identifies one party.",
                field="bank_accounts",
            )
    party.bank_accounts.all().delete()
    PartyBankAccount.objects.bulk_create(rows)


def _addresses_snapshot(party) -> list[dict[str, Any]]:
    return [
        {
            "purpose": a.purpose,
            "street": a.street,
            "city": a.city,
            "postal_code": a.postal_code,
            "country": a.country,
            "is_primary": a.is_primary,
        }
        for a in party.addresses.order_by("pk")
    ]


def _contacts_snapshot(party) -> list[dict[str, Any]]:
    return [
        {"name": c.name, "email": c.email, "phone": c.phone, "role": c.role}
        for c in party.contacts.order_by("pk")
    ]


@transaction.atomic
def party_save(
    *,
    number: str,
    name: str,
    actor: Actor,
    addresses: Iterable[PartyAddressInput] | None = None,
    contacts: Iterable[PartyContactInput] | None = None,
    bank_accounts: Iterable[PartyBankAccountInput] | None = None,
    instance=None,
):
    """Create a party, or change its name (and replace addresses/contacts when given).

    A party is shared by every legal entity where it has a customer account: changing one needs
    the group data steward role, or a grant on each of those entities. The audit row holds the
    old and the new name, addresses and contacts."""
    from ..models import Party, PartyAddress, PartyContact

    if instance is None:
        if Party.objects.filter(number=number).exists():
            raise InvalidInput(f"Party {number} already exists.", field="number")
        party = Party(number=number, name=name)
        changes: dict[str, tuple[Any, Any]] = {"name": (None, name)}
    else:
        party = Party.objects.select_for_update().get(pk=instance.pk)
        if not user_can_change_party(actor, party.pk):
            raise GroupDataDenied(
                f"Party {party.number} has customer accounts in legal entities you are not "
                "granted: only a group data steward or a user granted all of them may change it."
            )
        if number != party.number:
            raise InvalidInput("A party's number cannot change.", field="number")
        changes = {"name": (party.name, name)} if party.name != name else {}
        party.name = name
    party.full_clean(validate_unique=False)
    party.save()
    if addresses is not None:
        old = _addresses_snapshot(party) if instance is not None else None
        party.addresses.all().delete()
        PartyAddress.objects.bulk_create(PartyAddress(party=party, **a.__dict__) for a in addresses)
        new = _addresses_snapshot(party)
        if old != new:
            changes["addresses"] = (old, new)
    if contacts is not None:
        old = _contacts_snapshot(party) if instance is not None else None
        party.contacts.all().delete()
        PartyContact.objects.bulk_create(PartyContact(party=party, **c.__dict__) for c in contacts)
        new = _contacts_snapshot(party)
        if old != new:
            changes["contacts"] = (old, new)
    if bank_accounts is not None:
        old = _bank_accounts_snapshot(party) if instance is not None else None
        _bank_accounts_replace(party, bank_accounts)
        new = _bank_accounts_snapshot(party)
        if old != new:
            changes["bank_accounts"] = (old, new)
    if instance is None or changes:
        audit_record(
            actor=actor,
            action="party.created" if instance is None else "party.changed",
            obj=party,
            changes=changes,
            legal_entities=party_entity_ids(party.pk),
        )
    return party


def party_snapshot(party) -> dict[str, Any]:
    """A party's name, addresses and contacts as the audit trail records them."""
    return {
        "name": party.name,
        "addresses": _addresses_snapshot(party),
        "contacts": _contacts_snapshot(party),
        "bank_accounts": _bank_accounts_snapshot(party),
    }


@transaction.atomic
def party_changed_record(*, party, before: dict[str, Any] | None, actor: Actor) -> None:
    """Audit a party created or changed outside ``party_save`` (the admin's inline forms), old
    → new; ``before`` is ``None`` for a new party."""
    after = party_snapshot(party)
    old = before or {}
    changes = {k: (old.get(k), after[k]) for k in after if old.get(k) != after[k]}
    if changes:
        audit_record(
            actor=actor,
            action="party.created" if before is None else "party.changed",
            obj=party,
            changes=changes,
            legal_entities=party_entity_ids(party.pk),
        )
