"""After a partial payment the customer page, the document page, the open-transactions API and a
settlement offer the same cash discount: the period's percent of what is still open (SPEC
section 5), and nothing once the period has ended.

SPEC's example: 1 % within 14 days on 1,000.00; 297.00 paid → 3.00 discount, 700.00 open; a later
693.00 in the period → 7.00, closed. The discount stored at posting (10.00) is no longer offered.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from entities.models import LegalEntity
from settlement.services import SettlementLineInput, settlement_create
from tests.factories.entities import CashDiscountFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db

INSIDE = date(2026, 3, 10)  # the period runs from 2026-03-02 to 2026-03-16
AFTER = date(2026, 3, 17)


@pytest.fixture
def partly_paid(fabrikam, admin_user):
    """Invoice 1,000.00 with 1 % within 14 days, 297.00 of it settled on 2026-03-05."""
    LegalEntity.objects.filter(code="FAB").update(cash_discount_on_partial_payments=True)
    fabrikam["FAB"].refresh_from_db()
    customer = fabrikam["customers"]["FAB"]
    code = CashDiscountFactory(code="1P14", periods=[(14, Decimal("1"))])
    invoice = post_invoice(customer, amounts=["1000.00"], on=date(2026, 3, 2), cash_discount=code)
    first = post_payment(customer, amount="297.00", on=date(2026, 3, 5))
    settlement = settlement_create(
        lines=[
            SettlementLineInput(first.open_transaction.pk),
            SettlementLineInput(invoice.open_transaction.pk),
        ],
        on=date(2026, 3, 5),
        primary=None,
        actor=admin_user,
    )
    assert [line.cash_discount for line in settlement.lines.all().order_by("id")] == [
        Decimal("0.00"),
        Decimal("3.00"),
    ]
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == Decimal("700.00")
    assert [d.amount for d in invoice.open_transaction.cash_discounts.all()] == [Decimal("10.00")]
    second = post_payment(customer, amount="693.00", on=INSIDE)
    return {"customer": customer, "invoice": invoice, "payment": second}


@pytest.fixture
def today(monkeypatch):
    """Set the date the pages and the API take as today."""

    def set_today(on: date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: on)

    return set_today


@pytest.fixture
def pages(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def api(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


OFFER = re.compile(r"(-?[\d,]+\.\d{2}) until (\d{4}-\d{2}-\d{2})")


def _customer_page_discounts(pages, customer, number: str) -> list[tuple[str, str]]:
    html = pages.get(reverse("customer-detail", args=[customer.pk])).content.decode()
    row = re.search(rf'<tr data-document="{number}">(.*?)</tr>', html, re.S)
    assert row, html
    cell = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)[-1]
    return OFFER.findall(cell)


def _document_page_discounts(pages, invoice) -> list[tuple[str, str]]:
    html = pages.get(reverse("invoices-detail", args=[invoice.pk])).content.decode()
    line = re.search(r'<p id="open-amount">(.*?)</p>', html, re.S)
    assert line, html
    assert line.group(1).startswith("Open: 700.00 USD")
    return OFFER.findall(line.group(1))


def _api_discount(api, invoice) -> dict | None:
    ot = api.get(f"/api/v1/open-transactions/{invoice.open_transaction.pk}/").json()
    return ot["cash_discount_available"]


def _preview_discount(api, data, on: date) -> str:
    body = {
        "date": on.isoformat(),
        "primary_payment": None,
        "lines": [
            {"transaction": data["payment"].open_transaction.pk},
            {"transaction": data["invoice"].open_transaction.pk},
        ],
    }
    response = api.post("/api/v1/settlements/preview/", body, format="json")
    assert response.status_code == 200, response.json()
    lines = {line["transaction"]: line for line in response.json()["lines"]}
    return lines[data["invoice"].open_transaction.pk]["cash_discount"]


def test_pages_api_and_settlement_offer_the_same_discount_after_a_partial_payment(
    partly_paid, pages, api, today, admin_user
):
    invoice, number = partly_paid["invoice"], partly_paid["invoice"].number
    today(INSIDE)
    assert _customer_page_discounts(pages, partly_paid["customer"], number) == [
        ("7.00", "2026-03-16")
    ]
    assert _document_page_discounts(pages, invoice) == [("7.00", "2026-03-16")]
    assert _api_discount(api, invoice) == {
        "until": "2026-03-16",
        "percent": "1.0000",
        "amount": "7.00",
    }
    assert _preview_discount(api, partly_paid, INSIDE) == "7.00"

    today(AFTER)
    assert _customer_page_discounts(pages, partly_paid["customer"], number) == []
    assert _document_page_discounts(pages, invoice) == []
    assert _api_discount(api, invoice) is None
    assert _preview_discount(api, partly_paid, AFTER) == "0.00"

    # Settled inside the period, the settlement takes the figure the pages offered then.
    settlement = settlement_create(
        lines=[
            SettlementLineInput(partly_paid["payment"].open_transaction.pk),
            SettlementLineInput(invoice.open_transaction.pk),
        ],
        on=INSIDE,
        primary=None,
        actor=admin_user,
    )
    line = settlement.lines.get(open_transaction=invoice.open_transaction)
    assert (line.settled_amount, line.cash_discount) == (Decimal("693.00"), Decimal("7.00"))
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == 0


def test_customer_page_offers_the_discount_as_of_its_date(partly_paid, pages, today):
    today(AFTER)
    url = reverse("customer-detail", args=[partly_paid["customer"].pk])
    html = pages.get(url, {"as_of": INSIDE.isoformat()}).content.decode()
    assert "7.00 until 2026-03-16" in html
    assert "10.00 until" not in html
