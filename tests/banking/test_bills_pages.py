"""The pages of bills of exchange with Django's client: the list, drawing (a customer's open
debits), a bill's page with its history and the forms of the steps it may take, each step
posted from its form, errors beside their field, rights."""

from datetime import date
from decimal import Decimal

import pytest

from banking.models import BillOfExchange
from ledger.models import LedgerEntry
from tests.banking.bills import draw, invoices
from tests.conftest import make_clerk


@pytest.fixture
def clerk(client, bank):
    user = make_clerk("clerk", bank["FAB"])
    client.force_login(user)
    return client


def _html(response) -> str:
    return response.content.decode()


def test_bill_list_shows_the_entitys_bills(clerk, bank):
    bill = draw(bank)
    response = clerk.get("/bills-of-exchange/")
    assert response.status_code == 200
    html = _html(response)
    assert bill.number in html and "150.00 USD" in html and "Draw a bill" in html
    assert bill.number not in _html(clerk.get("/bills-of-exchange/?status=settled"))


def test_bill_draw_page_lists_the_customers_open_debits_and_draws(clerk, bank):
    first, second = invoices(bank, "100.00", "50.00")
    customer = bank["customers"]["FAB"]
    page = clerk.get(f"/bills-of-exchange/draw/?customer={customer.pk}")
    assert page.status_code == 200
    assert f"Mark {first.number}" in _html(page) and f"Mark {second.number}" in _html(page)
    response = clerk.post(
        "/bills-of-exchange/draw/",
        {
            "customer": customer.pk,
            "transactions": [first.open_transaction.pk, second.open_transaction.pk],
            "date": "2026-03-10",
            "due_date": "2026-04-30",
        },
    )
    bill = BillOfExchange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/bills-of-exchange/{bill.pk}/"
    assert bill.amount == Decimal("150.00")
    detail = _html(clerk.get(response["Location"]))
    assert "Drawn" in detail and 'id="step-accept"' in detail and 'id="step-protest"' in detail
    assert 'id="step-remit"' not in detail and 'id="step-settle"' not in detail
    assert "Reverse last step" in detail


def test_bill_draw_page_errors_beside_the_field_keep_the_input(clerk, bank):
    (invoice,) = invoices(bank, "100.00")
    customer = bank["customers"]["FAB"]
    response = clerk.post(
        "/bills-of-exchange/draw/",
        {
            "customer": customer.pk,
            "transactions": [invoice.open_transaction.pk],
            "date": "2026-03-10",
            "due_date": "2026-03-01",
        },
    )
    assert response.status_code == 200
    html = _html(response)
    assert "The due date 2026-03-01 is before the date the bill is drawn (2026-03-10)." in html
    assert 'value="2026-03-01"' in html
    assert not BillOfExchange.objects.exists()
    nothing = clerk.post(
        "/bills-of-exchange/draw/",
        {"customer": customer.pk, "date": "2026-03-10", "due_date": "2026-04-30"},
    )
    assert "Choose at least one open debit of the customer." in _html(nothing)


def test_bill_steps_from_the_page_collection_path(clerk, bank):
    bill = draw(bank)
    url = f"/bills-of-exchange/{bill.pk}/"
    assert clerk.post(f"{url}accept/", {"accept-date": "2026-03-11"}).status_code == 302
    response = clerk.post(
        f"{url}remit/",
        {
            "remit-date": "2026-03-12",
            "remit-bank_account": bank["account"].pk,
            "remit-mode": "collection",
            "remit-charges": "2.50",
        },
    )
    assert response.status_code == 302
    assert clerk.post(f"{url}settle/", {"settle-date": "2026-04-30"}).status_code == 302
    bill.refresh_from_db()
    assert bill.status == "settled"
    html = _html(clerk.get(url))
    assert "Remitted for collection → Settled" in html
    assert 'data-posting-type="bill_remitted_collection"' in html
    assert "Reverse last step" in html and 'id="step-settle"' not in html


def test_bill_step_errors_come_back_beside_the_field(clerk, bank):
    bill = bill_accept_page(clerk, draw(bank))
    entries = LedgerEntry.objects.count()
    response = clerk.post(
        f"/bills-of-exchange/{bill.pk}/remit/",
        {
            "remit-date": "2026-03-12",
            "remit-bank_account": bank["account"].pk,
            "remit-mode": "discount",
            "remit-charges": "-3.00",
        },
    )
    assert response.status_code == 400
    html = _html(response)
    assert "The charges cannot be negative." in html
    assert 'value="-3.00"' in html
    assert LedgerEntry.objects.count() == entries
    out_of_order = clerk.post(
        f"/bills-of-exchange/{bill.pk}/settle/", {"settle-date": "2026-04-30"}
    )
    assert out_of_order.status_code == 409
    assert "it cannot be settled now. Allowed steps: remit for collection, remit for discount" in (
        _html(out_of_order)
    )


def bill_accept_page(client, bill):
    client.post(f"/bills-of-exchange/{bill.pk}/accept/", {"accept-date": "2026-03-11"})
    bill.refresh_from_db()
    return bill


def test_bill_protest_and_reverse_from_the_page(clerk, bank):
    bill = bill_accept_page(clerk, draw(bank))
    response = clerk.post(
        f"/bills-of-exchange/{bill.pk}/protest/",
        {"protest-date": "2026-05-02", "protest-charges": "12.00"},
    )
    assert response.status_code == 302
    html = _html(clerk.get(f"/bills-of-exchange/{bill.pk}/"))
    assert "FAB-BOE00000001: 162.00 open of 162.00" in html
    assert clerk.post(f"/bills-of-exchange/{bill.pk}/reverse/", {}).status_code == 302
    bill.refresh_from_db()
    assert bill.status == "accepted"
    assert "(reversed on 2026-05-02)" in _html(clerk.get(f"/bills-of-exchange/{bill.pk}/"))


def test_bill_pages_need_the_grant_and_the_role(client, bank):
    bill = draw(bank)
    client.force_login(make_clerk("east", bank["FABE"]))
    assert client.get(f"/bills-of-exchange/{bill.pk}/").status_code == 404
    assert client.post(f"/bills-of-exchange/{bill.pk}/accept/", {}).status_code == 404
    from tests.factories.entities import EntityGrantFactory, UserFactory

    reader = UserFactory(username="reader")
    EntityGrantFactory(user=reader, legal_entity=bank["FAB"])
    client.force_login(reader)
    assert client.get(f"/bills-of-exchange/{bill.pk}/").status_code == 200
    response = client.post(f"/bills-of-exchange/{bill.pk}/accept/", {"accept-date": "2026-03-11"})
    assert response.status_code == 403
    bill.refresh_from_db()
    assert bill.status == "drawn"
    assert date(2026, 3, 10) == bill.date
