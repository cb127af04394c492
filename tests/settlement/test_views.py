"""The Settle transactions page's live preview against the API's: one preview, the same figures."""

import re

import pytest

from settlement.services import SettlementLineInput
from settlement.services.preview import settlement_preview_data
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db

MAR9 = "2026-03-09"


@pytest.fixture
def partial(fabrikam):
    """An invoice of 600.00 in FABE, a payment of 250.00 in FAB: the payment settles part of it."""
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="250.00")
    return invoice.open_transaction, payment.open_transaction


def _cells(html: str, document_number: str) -> list[str]:
    row = re.search(rf'<tr data-document="{document_number}">(.*?)</tr>', html).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def test_settlement_preview_data_signs_amounts_as_the_transactions(partial):
    invoice, payment = partial
    preview = settlement_preview_data(
        lines=[SettlementLineInput(transaction=t.pk) for t in (payment, invoice)],
        on=payment.date,
        primary=None,
        actor=None,
    )
    lines = {line.transaction.pk: line for line in preview.lines}
    assert (lines[invoice.pk].settled_amount, lines[invoice.pk].open_amount_after) == (250, 350)
    assert (lines[payment.pk].settled_amount, lines[payment.pk].open_amount_after) == (-250, 0)
    totals = preview.totals
    assert (totals.marked_debit, totals.marked_credit) == (600, 250)
    assert (totals.open_debit, totals.open_credit) == (350, 0)
    assert {v.legal_entity.code for v in preview.vouchers} == {"FAB", "FABE"}
    assert len(preview.postings) == sum(len(v.lines) for v in preview.vouchers)


def test_settle_preview_page_shows_the_api_preview(client, admin_user, api_client, partial):
    invoice, payment = partial
    client.force_login(admin_user)
    page = client.post(
        "/settle/preview/",
        {
            "payment": payment.pk,
            "date": MAR9,
            f"mark_{invoice.pk}": "on",
            f"mark_{payment.pk}": "on",
        },
    )
    assert page.status_code == 200
    html = page.content.decode()
    api_client.force_authenticate(admin_user)
    body = {"date": MAR9, "lines": [{"transaction": payment.pk}, {"transaction": invoice.pk}]}
    api = api_client.post("/api/v1/settlements/preview/", body, format="json").json()
    for line in api["lines"]:
        settled, discount, difference, after = _cells(html, line["document_number"])
        assert settled == line["settled_amount"]
        assert discount == line["cash_discount"]
        assert difference == line["payment_difference"]
        assert after == line["open_amount_after"]
    assert [line["settled_amount"] for line in api["lines"]] == ["-250.00", "250.00"]
    assert 'id="stays-open">debits 350.00 · credits 0.00</dd>' in html
    entities = re.findall(r'<table class="data postings" data-entity="(\w+)">', html)
    assert entities == sorted({p["legal_entity"] for p in api["postings"]})


def test_preview_names_the_accounts_of_the_posting_setup(client, admin_user, api_client, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"]).open_transaction
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00").open_transaction
    api_client.force_authenticate(admin_user)
    body = {"date": MAR9, "lines": [{"transaction": payment.pk}, {"transaction": invoice.pk}]}
    api = api_client.post("/api/v1/settlements/preview/", body, format="json").json()
    assert {
        (p["legal_entity"], p["account"], p["account_name"], p["amount"]) for p in api["postings"]
    } == {
        ("FAB", "130100", "Accounts receivable", "600.00"),
        ("FAB", "245000-FABE", "Due to Fabrikam East", "-600.00"),
        ("FABE", "145000-FAB", "Due from Fabrikam", "600.00"),
        ("FABE", "130100", "Accounts receivable", "-600.00"),
    }
    client.force_login(admin_user)
    html = client.post(
        "/settle/preview/",
        {
            "payment": payment.pk,
            "date": MAR9,
            f"mark_{invoice.pk}": "on",
            f"mark_{payment.pk}": "on",
        },
    ).content.decode()
    accounts = re.findall(r'<td class="account">([^<]*)</td>', html)
    assert sorted(accounts) == [
        "130100 Accounts receivable",
        "130100 Accounts receivable",
        "145000-FAB Due from Fabrikam",
        "245000-FABE Due to Fabrikam East",
    ]
    assert "customer_balance</td>" not in html and "-0.00" not in html
