"""Fiscal years: opened by year, twelve monthly periods; posting needs an open period."""

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from core.errors import ApplicationError
from core.models import AuditEntry
from entities.exceptions import EntityAccessDenied
from ledger.exceptions import FiscalYearExists, PeriodClosed, PeriodMissing
from ledger.models import FiscalPeriod, NumberSequence, Voucher
from ledger.services import (
    fiscal_period_set_status,
    fiscal_year_create,
    legal_entity_create,
)
from receivables.models import Invoice, OpenTransaction, Payment
from receivables.services import DocumentInput, DocumentLineInput, invoice_create, invoice_post
from tests.conftest import make_clerk
from tests.factories.entities import EntityGrantFactory, UserFactory
from tests.factories.ledger import post_simple_voucher
from tests.factories.receivables import post_payment

pytestmark = pytest.mark.django_db


def _sequences(entity) -> dict[str, int]:
    return dict(
        NumberSequence.objects.filter(legal_entity=entity).values_list("name", "next_value")
    )


def _controller(username: str, *entities):
    """A user whose role may change fiscal periods, granted ``entities``."""
    user = UserFactory(username=username)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="ledger", codename="change_fiscalperiod")
    )
    for entity in entities:
        EntityGrantFactory(user=user, legal_entity=entity)
    return user


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


# --- the posting service ---------------------------------------------------------------------


@pytest.mark.parametrize("on", [date(2031, 1, 15), date(1, 12, 5)])
def test_voucher_post_refuses_date_without_period(fabrikam, on):
    fab = fabrikam["FAB"]
    before = _sequences(fab)
    with pytest.raises(
        PeriodMissing, match=f"Legal entity FAB has no fiscal period containing {on}"
    ):
        post_simple_voucher(fab, on=on)
    assert not Voucher.objects.filter(legal_entity=fab).exists()
    assert _sequences(fab) == before


def test_voucher_post_refuses_a_batch_with_one_date_without_period(fabrikam):
    from ledger.services import VoucherInput, VoucherLineInput, vouchers_post

    def spec(entity, on):
        return VoucherInput(
            legal_entity=entity,
            date=on,
            lines=[
                VoucherLineInput(posting_type="bank", currency="USD", amount=Decimal("1.00")),
                VoucherLineInput(posting_type="revenue", currency="USD", amount=Decimal("-1.00")),
            ],
        )

    with pytest.raises(PeriodMissing, match="FABE has no fiscal period containing 2031-01-01"):
        vouchers_post(
            vouchers=[
                spec(fabrikam["FAB"], date(2026, 3, 2)),
                spec(fabrikam["FABE"], date(2031, 1, 1)),
            ],
            actor=None,
        )
    assert not Voucher.objects.exists()


def test_invoice_post_refuses_date_without_period_and_posts_nothing(fabrikam):
    customer = fabrikam["customers"]["FABE"]
    invoice = invoice_create(
        data=DocumentInput(
            legal_entity=customer.legal_entity,
            customer=customer,
            date=date(2031, 1, 15),
            lines=[DocumentLineInput(description="Services", amount=Decimal("100.00"))],
        ),
        actor=None,
    )
    before = _sequences(customer.legal_entity)
    with pytest.raises(PeriodMissing, match="FABE has no fiscal period containing 2031-01-15"):
        invoice_post(invoice=invoice, actor=None)
    invoice.refresh_from_db()
    assert invoice.status == "draft" and not invoice.number
    assert not OpenTransaction.objects.exists()
    assert not Voucher.objects.exists()
    assert _sequences(customer.legal_entity) == before


def test_payment_post_refuses_date_without_period(fabrikam):
    with pytest.raises(PeriodMissing, match="FAB has no fiscal period containing 0001-12-05"):
        post_payment(fabrikam["customers"]["FAB"], on=date(1, 12, 5))
    assert not Payment.objects.exists()
    assert not OpenTransaction.objects.exists()


@pytest.mark.parametrize(("status", "word"), [("on_hold", "on hold"), ("closed", "closed")])
def test_voucher_post_refuses_period_on_hold_or_closed(fabrikam, status, word):
    fab = fabrikam["FAB"]
    period = FiscalPeriod.objects.get(legal_entity=fab, start=date(2027, 1, 1))
    fiscal_period_set_status(period=period, status=status, actor=None)
    with pytest.raises(PeriodClosed, match=f"FAB containing 2027-01-15 is {word}"):
        post_simple_voucher(fab, on=date(2027, 1, 15))
    post_simple_voucher(fab, on=date(2027, 2, 1))
    assert Voucher.objects.filter(legal_entity=fab).count() == 1


# --- fiscal years --------------------------------------------------------------------------------


def test_legal_entity_create_opens_previous_and_current_year(db):
    entity = legal_entity_create(code="NEW", name="New", accounting_currency="USD", actor=None)
    this_year = timezone.localdate().year
    periods = list(FiscalPeriod.objects.filter(legal_entity=entity).order_by("start"))
    assert len(periods) == 24
    assert periods[0].start == date(this_year - 1, 1, 1)
    assert periods[-1].end == date(this_year, 12, 31)
    assert {p.status for p in periods} == {"open"}
    assert all(b.start == a.end + timedelta(days=1) for a, b in pairwise(periods))


def test_fiscal_year_create_opens_twelve_months_audited_once(fabrikam):
    fab = fabrikam["FAB"]
    periods = fiscal_year_create(legal_entity=fab, year=2028, actor=None)
    assert [(p.name, p.start, p.end, p.status) for p in periods[:2]] == [
        ("2028-01", date(2028, 1, 1), date(2028, 1, 31), "open"),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29), "open"),
    ]
    assert len(periods) == 12 and periods[-1].end == date(2028, 12, 31)
    entry = AuditEntry.objects.get(action="fiscal_year.created")
    assert entry.changes == {"fiscal_year": [None, 2028]}
    post_simple_voucher(fab, on=date(2028, 2, 29))
    with pytest.raises(FiscalYearExists, match="FAB already has fiscal periods in 2028"):
        fiscal_year_create(legal_entity=fab, year=2028, actor=None)
    assert FiscalPeriod.objects.filter(legal_entity=fab, start__year=2028).count() == 12


def test_fiscal_year_create_refuses_year_out_of_range(fabrikam):
    with pytest.raises(ApplicationError, match="between 1900 and 2999"):
        fiscal_year_create(legal_entity=fabrikam["FAB"], year=1, actor=None)


def test_fiscal_year_create_needs_role_and_grant(fabrikam):
    fab, fabe = fabrikam["FAB"], fabrikam["FABE"]
    clerk = make_clerk("clerk", fab)
    with pytest.raises(ApplicationError, match="may not open fiscal years") as refused:
        fiscal_year_create(legal_entity=fab, year=2030, actor=clerk)
    assert refused.value.http_status == 403
    controller = _controller("controller", fab)
    with pytest.raises(EntityAccessDenied):
        fiscal_year_create(legal_entity=fabe, year=2030, actor=controller)
    assert len(fiscal_year_create(legal_entity=fab, year=2030, actor=controller)) == 12
    period = FiscalPeriod.objects.get(legal_entity=fab, start=date(2030, 5, 1))
    with pytest.raises(ApplicationError, match="may not open fiscal years or change"):
        fiscal_period_set_status(period=period, status="closed", actor=clerk)
    assert fiscal_period_set_status(period=period, status="closed", actor=controller).status == (
        "closed"
    )


# --- the API ------------------------------------------------------------------------------------

URL = "/api/v1/legal-entities/{}/fiscal-years/"


def test_fiscal_years_api_post_creates_then_conflicts(admin_client, fabrikam):
    response = admin_client.post(URL.format("FAB"), {"year": 2031}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["year"] == 2031
    assert [(p["start"], p["end"], p["status"]) for p in body["periods"][:1]] == [
        ("2031-01-01", "2031-01-31", "open")
    ]
    assert len(body["periods"]) == 12
    again = admin_client.post(URL.format("FAB"), {"year": 2031}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "fiscal_year_exists"
    bad = admin_client.post(URL.format("FAB"), {"year": "soon"}, format="json")
    assert bad.status_code == 400 and "year" in bad.json()["fields"]


def test_fiscal_years_api_lists_periods(admin_client, fabrikam, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = admin_client.get(URL.format("FAB"), {"year": 2026})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 12
    assert body["results"][2] == {
        "id": FiscalPeriod.objects.get(legal_entity=fabrikam["FAB"], start=date(2026, 3, 1)).pk,
        "legal_entity": "FAB",
        "name": "2026-03",
        "start": "2026-03-01",
        "end": "2026-03-31",
        "status": "open",
    }
    everything = admin_client.get(URL.format("FAB"), {"page_size": 1000}).json()
    assert everything["count"] == 36  # the test entities have 2025 to 2027 open


def test_fiscal_period_api_patch_status_and_posting_follows(admin_client, fabrikam):
    url = "/api/v1/legal-entities/FAB/fiscal-periods/2027-03-01/"
    voucher = {
        "legal_entity": "FAB",
        "date": "2027-03-05",
        "lines": [
            {"posting_type": "bank", "currency": "USD", "amount": "10.00"},
            {"posting_type": "revenue", "currency": "USD", "amount": "-10.00"},
        ],
    }
    response = admin_client.patch(url, {"status": "on_hold"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "on_hold"
    refused = admin_client.post("/api/v1/vouchers/", voucher, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "period_not_open"
    assert admin_client.patch(url, {"status": "closed"}, format="json").json()["status"] == (
        "closed"
    )
    reopen = admin_client.patch(url, {"status": "open"}, format="json")
    assert reopen.status_code == 400
    assert reopen.json()["fields"] == {"status": ["A closed period cannot become open."]}
    assert admin_client.patch(url, {"status": "shut"}, format="json").status_code == 400
    assert admin_client.get(
        "/api/v1/legal-entities/FAB/fiscal-periods/2027-03-02/"
    ).status_code == (404)
    assert admin_client.get(
        "/api/v1/legal-entities/FAB/fiscal-periods/2027-13-45/"
    ).status_code == (404)
    assert not Voucher.objects.exists()
    changes = AuditEntry.objects.filter(action="fiscal_period.status_changed").order_by("id")
    assert [a.changes for a in changes] == [
        {"status": ["open", "on_hold"]},
        {"status": ["on_hold", "closed"]},
    ]


def test_posting_api_refuses_date_without_period(admin_client, fabrikam):
    fabe = fabrikam["FABE"]
    before = _sequences(fabe)
    response = admin_client.post(
        "/api/v1/invoices/",
        {
            "legal_entity": "FABE",
            "customer": "4000",
            "date": "2031-01-15",
            "currency": "USD",
            "post": True,
            "lines": [{"description": "Services", "amount": "600.00"}],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "period_missing"
    assert body["message"] == (
        "Legal entity FABE has no fiscal period containing 2031-01-15: open the fiscal year "
        "2031 first."
    )
    assert body["fields"] == {"date": [body["message"]]}
    payment = admin_client.post(
        "/api/v1/payments/",
        {
            "legal_entity": "FAB",
            "customer": "4000",
            "date": "0001-12-05",
            "currency": "USD",
            "amount": "10.00",
            "method": "electronic",
            "post": True,
        },
        format="json",
    )
    assert payment.status_code == 400
    assert payment.json()["details"] == {"legal_entity": "FAB", "date": "0001-12-05"}
    assert not Invoice.objects.exists() and not Payment.objects.exists()
    assert not OpenTransaction.objects.exists() and not Voucher.objects.exists()
    assert _sequences(fabe) == before


def test_fiscal_years_api_needs_role_and_grant(api_client, fabrikam):
    clerk = make_clerk("clerk", fabrikam["FAB"])
    api_client.force_authenticate(clerk)
    assert api_client.get(URL.format("FAB")).status_code == 200
    refused = api_client.post(URL.format("FAB"), {"year": 2031}, format="json")
    assert refused.status_code == 403
    patch = api_client.patch(
        "/api/v1/legal-entities/FAB/fiscal-periods/2026-03-01/", {"status": "closed"}, format="json"
    )
    assert patch.status_code == 403
    assert api_client.get(URL.format("FABW")).status_code == 403
    assert api_client.get(URL.format("NOPE")).status_code == 404
    controller = _controller("controller", fabrikam["FAB"])
    api_client.force_authenticate(controller)
    assert api_client.post(URL.format("FABW"), {"year": 2031}, format="json").status_code == 403
    assert api_client.post(URL.format("FAB"), {"year": 2031}, format="json").status_code == 201
    assert not FiscalPeriod.objects.filter(legal_entity=fabrikam["FABW"], start__year=2031)


def test_admin_opens_the_next_fiscal_year(client, admin_user, fabrikam):
    from django.urls import reverse

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:entities_legalentity_changelist"),
        {"action": "open_next_fiscal_year", "_selected_action": [fabrikam["FABE"].pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "FABE: fiscal year 2028 is open." in response.content.decode()
    assert (
        FiscalPeriod.objects.filter(legal_entity=fabrikam["FABE"], start__year=2028).count() == 12
    )
    assert not FiscalPeriod.objects.filter(legal_entity=fabrikam["FAB"], start__year=2028).exists()


@pytest.mark.postgresql("row locks taken by threads on their own connections")
@pytest.mark.django_db(transaction=True)
def test_fiscal_year_create_concurrently_opens_once(fabrikam):
    import threading

    from django.db import connection

    fab = fabrikam["FAB"]
    barrier = threading.Barrier(2)
    outcomes = []

    def open_year():
        try:
            barrier.wait()
            outcomes.append(len(fiscal_year_create(legal_entity=fab, year=2032, actor=None)))
        except FiscalYearExists:
            outcomes.append("exists")
        finally:
            connection.close()

    threads = [threading.Thread(target=open_year) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [12, "exists"]
    assert FiscalPeriod.objects.filter(legal_entity=fab, start__year=2032).count() == 12
