from datetime import date

import pytest

from banking.models import BankAccount
from entities.models import PartyBankAccount
from ledger.models import MainAccount

FAB_IBAN = "DE89370400440532013000"
NORTHWIND_IBAN = "GB29NWBK60161331926819"


@pytest.fixture
def bank(fabrikam):
    """Fabrikam's group with a USD bank account of FAB (main account 110200) and Northwind's
    IBAN known."""
    fab = fabrikam["FAB"]
    main = MainAccount.objects.create(
        legal_entity=fab, number="110200", name="Bank USD", kind=MainAccount.Kind.ASSET
    )
    account = BankAccount.objects.create(
        legal_entity=fab,
        code="MAIN",
        name="Main USD",
        iban=FAB_IBAN,
        bic="COBADEFFXXX",
        currency="USD",
        main_account=main,
    )
    PartyBankAccount.objects.create(party=fabrikam["party"], iban=NORTHWIND_IBAN)
    return {**fabrikam, "account": account, "main": main, "on": date(2026, 3, 10)}


from .dd_helpers import dd  # noqa: E402,F401  (the direct debit tests' euro entity)
