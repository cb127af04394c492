"""A settlement that loses a race after the winner committed is a 409 ``transaction_changed``
with the current open amount, as one that loses during the winner's transaction is a 409: a
client can tell a changed transaction from bad input (a 400)."""

import pytest

from ledger.models import Voucher
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def _settle(client, *lines, url="/api/v1/settlements/"):
    return client.post(url, {"date": "2026-03-09", "lines": list(lines)}, format="json")


def test_settlement_create_of_a_transaction_closed_meanwhile_is_409(client, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["600.00"]).open_transaction.pk
    first = post_payment(customer, amount="600.00").open_transaction.pk
    second = post_payment(customer, amount="600.00").open_transaction.pk
    assert _settle(client, {"transaction": first}, {"transaction": invoice}).status_code == 201
    vouchers = Voucher.objects.count()
    lost = _settle(client, {"transaction": second}, {"transaction": invoice})
    assert lost.status_code == 409
    body = lost.json()
    assert body["code"] == "transaction_changed"
    assert body["details"]["open_amount"] == "0.00"
    assert body["details"]["transaction"] == invoice
    assert "settled meanwhile" in body["message"]
    assert Voucher.objects.count() == vouchers


def test_settlement_create_of_an_amount_settled_meanwhile_is_409_with_the_open_amount(
    client, fabrikam
):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["600.00"]).open_transaction.pk
    first = post_payment(customer, amount="200.00").open_transaction.pk
    second = post_payment(customer, amount="600.00").open_transaction.pk
    assert _settle(client, {"transaction": first}, {"transaction": invoice}).status_code == 201
    lost = _settle(client, {"transaction": second}, {"transaction": invoice, "amount": "600.00"})
    assert lost.status_code == 409
    assert lost.json()["code"] == "transaction_changed"
    assert lost.json()["details"]["open_amount"] == "400.00"
    # The same request read again is bad input only when it asks more than the invoice ever was.
    bad = _settle(client, {"transaction": second}, {"transaction": invoice, "amount": "600.01"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "settlement_invalid"


def test_settlement_preview_of_another_entitys_transaction_does_not_exist(api_client, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABW"], amounts=["100.00"]).open_transaction
    payment = post_payment(fabrikam["customers"]["FAB"], amount="100.00").open_transaction
    api_client.force_authenticate(make_clerk("clerk", fabrikam["FAB"]))
    missing = _settle(
        api_client,
        {"transaction": payment.pk},
        {"transaction": 987654},
        url="/api/v1/settlements/preview/",
    )
    other = _settle(
        api_client,
        {"transaction": payment.pk},
        {"transaction": invoice.pk},
        url="/api/v1/settlements/preview/",
    )
    assert (missing.status_code, other.status_code) == (400, 400)
    assert missing.json()["message"] == "Open transaction 987654 does not exist."
    assert other.json()["message"] == f"Open transaction {invoice.pk} does not exist."
    assert invoice.document_number not in other.content.decode()
