"""The banking room's blocker of the AR close: a statement of the entity with lines dated in the
period, not reconciled."""

from datetime import date

import pytest

from banking.models import BankAccount, BankStatement
from banking.services.lines import line_status_set, statement_warnings_resolve
from ledger.models import FiscalPeriod, MainAccount
from receivables.ar_close import ar_close_blockers
from receivables.exceptions import ArCloseBlocked
from receivables.services import ar_close
from tests.banking.helpers import line, statement_with

pytestmark = pytest.mark.django_db


def march(entity) -> FiscalPeriod:
    return FiscalPeriod.objects.get(legal_entity=entity, start=date(2026, 3, 1))


def blockers(entity):
    return [
        (b.kind, b.object_id, b.message, b.url)
        for b in ar_close_blockers(legal_entity=entity, period=march(entity))
    ]


def test_a_statement_with_lines_of_the_period_not_posted_nor_ignored_blocks(bank, admin_user):
    fab = bank["FAB"]
    march_statement = statement_with(bank, [{"amount": "100.00"}, {"amount": "-4.50"}])
    statement_with(
        bank,
        [{"amount": "7.00", "booking_date": date(2026, 4, 1), "value_date": date(2026, 4, 1)}],
        statement_id="S-APRIL",
    )
    # Another entity's statement of March stands in the way of that entity only.
    fabe_account = BankAccount.objects.create(
        legal_entity=bank["FABE"],
        code="FABE-MAIN",
        name="FABE main",
        iban="FR1420041010050500013M02606",
        currency="USD",
        main_account=MainAccount.objects.create(
            legal_entity=bank["FABE"], number="110200", name="Bank", kind="asset"
        ),
    )
    statement_with({**bank, "account": fabe_account}, [{"amount": "1.00"}], statement_id="S-FABE")

    assert blockers(fab) == [
        (
            "bank_statement",
            march_statement.pk,
            "Bank statement S1 of bank account MAIN is not reconciled: 2 lines dated in the "
            "period neither posted nor ignored.",
            f"/bank/statements/{march_statement.pk}/",
        )
    ]
    with pytest.raises(ArCloseBlocked, match="Bank statement S1 of bank account MAIN"):
        ar_close(legal_entity=fab, period=march(fab), actor=admin_user)
    line_status_set(line=line(march_statement, 1), status="ignored", actor=admin_user)
    assert "1 line dated in the period neither posted nor ignored" in blockers(fab)[0][2]
    line_status_set(line=line(march_statement, 2), status="ignored", actor=admin_user)
    assert blockers(fab) == []
    assert [
        b.kind for b in ar_close_blockers(legal_entity=bank["FABE"], period=march(bank["FABE"]))
    ] == ["bank_statement"]
    period, _ = ar_close(legal_entity=fab, period=march(fab), actor=admin_user)
    assert period.status == "closed"


def test_a_statement_with_balance_warnings_not_resolved_blocks(bank, admin_user):
    statement = statement_with(bank, [{"amount": "100.00"}], statement_id="S-WARN")
    BankStatement.objects.filter(pk=statement.pk).update(
        balance_warnings=["The closing balance differs from the lines by 0.01."]
    )
    line_status_set(line=line(statement, 1), status="ignored", actor=admin_user)
    ((kind, _pk, message, _url),) = blockers(bank["FAB"])
    assert message == (
        "Bank statement S-WARN of bank account MAIN is not reconciled: balance warnings not "
        "resolved."
    )
    statement_warnings_resolve(statement=statement, note="Bank fee rounding", actor=admin_user)
    assert blockers(bank["FAB"]) == []
