"""A euro legal entity collecting SEPA direct debits, for the direct debit tests: its creditor
identifier, a EUR bank account, customers and their mandates, invoices posted relative to today
(a collection date must be a coming business day)."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sepaxml
from django.utils import timezone

from banking.models import BankAccount
from banking.services.direct_debits import mandate_create, next_business_day
from ledger.models import MainAccount
from tests.factories.entities import (
    CashDiscountFactory,
    CustomerFactory,
    LegalEntityFactory,
    PartyFactory,
    PaymentTermsFactory,
)
from tests.factories.receivables import post_invoice

CREDITOR_ID = "DE98ZZZ09999999999"
BANK_IBAN = "DE02120300000000202051"
DEBTOR_IBANS = ["DE89370400440532013000", "FR1420041010050500013M02606", "NL91ABNA0417164300"]
PAIN008_XSD = Path(sepaxml.__file__).parent / "schemas" / "pain.008.001.08.xsd"


def today() -> date:
    return timezone.localdate()


def collect_on() -> date:
    """The earliest collection date a run accepts today."""
    return next_business_day(today())


@pytest.fixture
def dd(db):
    return dd_book()


def dd_book() -> dict:
    """SEPA (EUR, creditor id DE98ZZZ09999999999) with a EUR bank account (main account
    110300) and customers 5001–5003 in EUR, terms N30 and a 2 % / 10 days cash discount."""
    entity = LegalEntityFactory(
        code="SEPA",
        name="Fabrikam Europe GmbH",
        accounting_currency="EUR",
        sepa_creditor_identifier=CREDITOR_ID,
    )
    main = MainAccount.objects.create(
        legal_entity=entity, number="110300", name="Bank EUR", kind=MainAccount.Kind.ASSET
    )
    account = BankAccount.objects.create(
        legal_entity=entity,
        code="EUR",
        name="Main EUR",
        iban=BANK_IBAN,
        bic="MARKDEF1100",
        currency="EUR",
        main_account=main,
    )
    customers = [
        CustomerFactory(
            legal_entity=entity,
            account=f"500{n}",
            party=PartyFactory(number=f"P500{n}", name=name),
            currency="EUR",
        )
        for n, name in enumerate(["Müller & Söhne", "Dupont SA", "Jansen BV"], start=1)
    ]
    return {
        "entity": entity,
        "account": account,
        "main": main,
        "customers": customers,
        "terms": PaymentTermsFactory(code="N0", net_days=0),
        "discount": CashDiscountFactory(code="2P10"),
    }


def mandate_for(dd, n: int, *, recurrent: bool = True, signed: date | None = None, **fields):
    """An active mandate of customer ``n`` (0-based), signed a year ago unless said."""
    return mandate_create(
        legal_entity=dd["entity"],
        customer=dd["customers"][n],
        reference=fields.pop("reference", f"MNDT-{n + 1:04d}"),
        iban=fields.pop("iban", DEBTOR_IBANS[n % len(DEBTOR_IBANS)]),
        signature_date=signed or today() - timedelta(days=365),
        recurrent=recurrent,
        actor=None,
        **fields,
    )


def invoice_for(dd, n: int, amount: str, *, on: date | None = None, discount: bool = False):
    """A posted EUR invoice of customer ``n``, due on its date (today unless said)."""
    return post_invoice(
        dd["customers"][n],
        amounts=(amount,),
        on=on or today(),
        terms=dd["terms"],
        cash_discount=dd["discount"] if discount else None,
    )


def run_inputs(dd, **given) -> dict:
    return {
        "legal_entity": dd["entity"],
        "bank_account": dd["account"],
        "collection_date": given.pop("collection_date", collect_on()),
        "due_until": given.pop("due_until", collect_on()),
        **given,
    }


D = Decimal
