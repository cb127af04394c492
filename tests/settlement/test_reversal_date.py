"""``settlement_reverse`` on a date: the reversing vouchers dated as asked, refused before the
settlement's date and in a period not open, through the service and ``POST
/api/v1/settlements/{id}/reverse/``."""

from datetime import date
from decimal import Decimal as D

import pytest

from ledger.exceptions import PeriodClosed
from ledger.models import FiscalPeriod, LedgerEntry, Voucher
from ledger.services import fiscal_period_set_status
from receivables.models import OpenTransaction
from settlement.exceptions import SettlementInvalid
from settlement.models import Settlement
from settlement.services import settlement_reverse

from .conftest import MAR9

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled_items(settled):
    """``settled`` with the open transactions of its invoice and payment."""
    fabrikam, settlement, invoice, payment = settled
    return fabrikam, settlement, invoice.open_transaction, payment.open_transaction


def _postings(vouchers) -> set:
    return set(
        LedgerEntry.objects.filter(voucher__in=vouchers).values_list(
            "legal_entity__code", "date", "posting_type", "amount"
        )
    )


def _close(entity, start: date) -> None:
    period = FiscalPeriod.objects.get(legal_entity=entity, start=start)
    fiscal_period_set_status(period=period, status="closed", actor=None)


def test_settlement_reverse_posts_on_the_date_given(settled_items):
    fabrikam, settlement, invoice, payment = settled_items
    reversed_ = settlement_reverse(settlement=settlement, actor=None, on=date(2026, 4, 2))
    assert (reversed_.status, reversed_.reversed_on) == ("reversed", date(2026, 4, 2))
    apr2 = date(2026, 4, 2)
    assert _postings(reversed_.reversal_vouchers.all()) == {
        ("FAB", apr2, "customer_balance", D("-600.00")),
        ("FAB", apr2, "intercompany_due_to", D("600.00")),
        ("FABE", apr2, "intercompany_due_from", D("-600.00")),
        ("FABE", apr2, "customer_balance", D("600.00")),
    }
    assert {v.reverses_id for v in reversed_.reversal_vouchers.all()} == set(
        settlement.vouchers.values_list("pk", flat=True)
    )
    invoice.refresh_from_db()
    payment.refresh_from_db()
    assert (invoice.open_amount, payment.open_amount) == (D("600.00"), D("-600.00"))


def test_settlement_reverse_defaults_to_the_settlement_date(settled_items):
    _, settlement, _, _ = settled_items
    reversed_ = settlement_reverse(settlement=settlement, actor=None)
    assert reversed_.reversed_on == MAR9
    assert set(reversed_.reversal_vouchers.values_list("date", flat=True)) == {MAR9}


def test_settlement_reverse_refuses_a_date_before_the_settlement(settled_items):
    _, settlement, invoice, _ = settled_items
    vouchers = Voucher.objects.count()
    with pytest.raises(SettlementInvalid) as caught:
        settlement_reverse(settlement=settlement, actor=None, on=date(2026, 3, 8))
    assert caught.value.message == (
        "The reversal date 2026-03-08 is before the settlement's date 2026-03-09."
    )
    assert caught.value.field == "date"
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"
    assert Voucher.objects.count() == vouchers
    assert OpenTransaction.objects.get(pk=invoice.pk).open_amount == 0


def test_settlement_reverse_refuses_a_closed_period_of_any_entity(settled_items):
    fabrikam, settlement, invoice, payment = settled_items
    _close(fabrikam["FABE"], date(2026, 4, 1))
    vouchers = Voucher.objects.count()
    with pytest.raises(PeriodClosed, match="The fiscal period of FABE containing 2026-04-10 is"):
        settlement_reverse(settlement=settlement, actor=None, on=date(2026, 4, 10))
    # Nothing half-posted: FAB's reversal went with the rest.
    assert Voucher.objects.count() == vouchers
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"
    assert OpenTransaction.objects.get(pk=payment.pk).open_amount == 0
    # Another date, in an open period, goes through.
    settlement_reverse(settlement=settlement, actor=None, on=date(2026, 5, 4))
    assert Settlement.objects.get(pk=settlement.pk).reversed_on == date(2026, 5, 4)


@pytest.fixture
def api(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def test_reverse_api_takes_a_date(api, settled_items):
    _, settlement, _, _ = settled_items
    answer = api.post(
        f"/api/v1/settlements/{settlement.pk}/reverse/", {"date": "2026-03-31"}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["status"], body["reversed_on"]) == ("reversed", "2026-03-31")
    assert set(
        Voucher.objects.filter(pk__in=body["reversal_vouchers"]).values_list("date", flat=True)
    ) == {date(2026, 3, 31)}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-02-30", "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
        ("2026-03-08", "The reversal date 2026-03-08 is before the settlement's date 2026-03-09."),
        (
            "2026-04-10",
            "The fiscal period of FAB containing 2026-04-10 is closed: nothing can be posted "
            "into it.",
        ),
    ],
)
def test_reverse_api_refuses_a_bad_date_naming_the_field(api, settled_items, value, message):
    fabrikam, settlement, _, _ = settled_items
    _close(fabrikam["FAB"], date(2026, 4, 1))
    answer = api.post(
        f"/api/v1/settlements/{settlement.pk}/reverse/", {"date": value}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"date": [message]}
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"
