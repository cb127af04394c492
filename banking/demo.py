"""The demo's bank: a USD account of Fabrikam (FAB) at a demo bank, the IBANs some demo
parties pay from, and a camt.053 statement of today that pays the demo's open invoices in the
ways bank files really do (a document number in the text, an IBAN and an amount only, a name
only, two invoices at once), with a bank fee and a line nobody can match. Loaded once."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.money import format_amount
from entities.models import LegalEntity, Party, PartyBankAccount
from ledger.models import MainAccount
from receivables.models import OpenTransaction

from .camt_write import camt053
from .models import BankAccount

DEMO_IBAN = "DE89370400440532013000"
PARTY_IBANS = {
    "4050": "GB29NWBK60161331926819",  # Northwind Traders
    "4051": "FR1420041010050500013M02606",  # Contoso Retail
    "4057": "NL91ABNA0417164300",  # Coho Winery
}


@transaction.atomic
def demo_banking() -> str:
    """Create what is missing of the demo bank account and the parties' IBANs."""
    created = []
    fab = LegalEntity.objects.filter(code="FAB").first()
    if fab is None:
        return ""
    main, _ = MainAccount.objects.get_or_create(
        legal_entity=fab,
        number="110200",
        defaults={"name": "Bank USD (Demo Bank)", "kind": MainAccount.Kind.ASSET},
    )
    _, made = BankAccount.objects.get_or_create(
        iban=DEMO_IBAN,
        defaults={
            "legal_entity": fab,
            "code": "DEMO-USD",
            "name": "Demo Bank USD",
            "bic": "COBADEFFXXX",
            "currency": "USD",
            "main_account": main,
        },
    )
    if made:
        created.append("bank account DEMO-USD")
    for number, iban in PARTY_IBANS.items():
        party = Party.objects.filter(number=number).first()
        if party is not None:
            _, made = PartyBankAccount.objects.get_or_create(
                iban=iban, defaults={"party": party, "name": party.name}
            )
            created += ["party IBANs"] if made and "party IBANs" not in created else []
    return ", ".join(created)


def _open_invoice(entity: str, account: str) -> OpenTransaction | None:
    return (
        OpenTransaction.objects.filter(
            legal_entity__code=entity,
            customer__account=account,
            kind=OpenTransaction.Kind.INVOICE,
        )
        .exclude(open_amount=0)
        .order_by("date", "pk")
        .first()
    )


def demo_statement_file(on: date | None = None) -> bytes:
    """A camt.053 statement of ``on`` (today) for the demo bank account, paying the demo's
    open invoices as they stand now."""
    on = on or timezone.localdate()
    entries = []

    def pay(invoices, **how):
        invoices = [ot for ot in invoices if ot is not None]
        if invoices:
            total = sum((ot.open_amount for ot in invoices), Decimal("0"))
            entries.append(
                {"amount": format_amount(total, "USD"), "ref": f"DEMO{len(entries) + 1}", **how}
            )
        return invoices

    # Northwind pays Fabrikam East's invoice and one of Fabrikam's, naming both, into
    # Fabrikam's account: a centralized payment.
    northwind = [_open_invoice("FABE", "4000"), _open_invoice("FAB", "4000")]
    numbers = " ".join(ot.document_number for ot in northwind if ot is not None)
    pay(northwind, name="Northwind Traders", iban=PARTY_IBANS["4050"], text=f"Invoices {numbers}")
    # Contoso names nothing: its IBAN and the amount say which invoice.
    pay(
        [_open_invoice("FAB", "4001")],
        name="CONTOSO RETAIL SA",
        iban=PARTY_IBANS["4051"],
        text="Payment",
    )
    # Wide World Importers pays Fabrikam West's invoice, by name only.
    pay([_open_invoice("FABW", "10005")], name="Wide World Importers Inc.", text="Remittance")
    entries.append({"amount": "-12.50", "ref": f"DEMO{len(entries) + 1}", "text": "Account fees"})
    entries.append(
        {
            "amount": "99.00",
            "ref": f"DEMO{len(entries) + 1}",
            "name": "Unknown Payer GmbH",
            "text": "Order 7781",
        }
    )
    total = sum((Decimal(e["amount"]) for e in entries), Decimal("0"))
    return camt053(
        iban=DEMO_IBAN,
        entries=[{**e, "booking_date": on, "value_date": on} for e in entries],
        statement_id=f"DEMO-{on.isoformat()}",
        opening="0.00",
        closing=format_amount(total, "USD"),
        on=on,
    )
