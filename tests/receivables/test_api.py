from datetime import date
from decimal import Decimal

import pytest

from ledger.models import Voucher
from receivables.models import Invoice, OpenTransaction, Payment
from tests.conftest import make_clerk
from tests.factories.entities import ExchangeRateFactory
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def invoice_payload(**changes):
    payload = {
        "legal_entity": "FAB",
        "customer": "4000",
        "date": "2026-03-02",
        "lines": [{"description": "Services", "amount": "100.00"}],
        "post": True,
    }
    payload.update(changes)
    return payload


def payment_payload(**changes):
    payload = {
        "legal_entity": "FAB",
        "customer": "4000",
        "date": "2026-03-09",
        "amount": "100.00",
        "method": "check",
        "post": True,
    }
    payload.update(changes)
    return payload


def test_invoice_draft_then_post(client, fabrikam):
    draft = client.post("/api/v1/invoices/", invoice_payload(post=False), format="json")
    assert draft.status_code == 201
    body = draft.json()
    assert (body["status"], body["number"], body["voucher"], body["open_transaction"]) == (
        "draft",
        "",
        None,
        None,
    )
    assert body["total"] == "100.00" and body["customer"] == "4000"
    posted = client.post(f"/api/v1/invoices/{body['id']}/post/", format="json")
    assert posted.status_code == 200
    assert posted.json()["status"] == "posted" and posted.json()["number"] == "FAB-INV00000001"
    again = client.post(f"/api/v1/invoices/{body['id']}/post/", format="json")
    assert again.status_code == 400
    assert again.json()["fields"] == {"status": ["Invoice FAB-INV00000001 is already posted."]}
    assert again.json()["code"] == "invalid_status_transition"
    assert Voucher.objects.count() == 1


def test_invoice_lines_with_quantity_unit_price_and_tax(client, fabrikam):
    client.post("/api/v1/sales-tax-codes/", {"code": "VAT6", "percent": "6.37"}, format="json")
    response = client.post(
        "/api/v1/invoices/",
        invoice_payload(
            lines=[
                {
                    "description": "Hours",
                    "quantity": "2.5",
                    "unit_price": "80.00",
                    "sales_tax_code": "VAT6",
                },
                {"description": "Travel", "amount": "35.10"},
            ]
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(x["amount"], x["tax_amount"]) for x in body["lines"]] == [
        ("200.00", "12.74"),
        ("35.10", "0.00"),
    ]
    assert (body["total"], body["tax_amount"]) == ("247.84", "12.74")


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"lines": [{"description": "x", "amount": "-5.00"}]}, "lines", "greater than zero"),
        ({"lines": [{"description": "x", "amount": "0"}]}, "lines", "greater than zero"),
        ({"lines": [{"description": "x", "amount": "1.005"}]}, "lines", "more decimals"),
        ({"lines": []}, "lines", ""),
        ({"currency": "GBP"}, "date", "No exchange rate GBP→USD on 2026-03-02"),
        ({"customer": "10000"}, "customer", "No customer '10000' in legal entity FAB"),
        ({"legal_entity": "NOPE"}, "legal_entity", "Unknown legal entity"),
        ({"currency": "XXY"}, "currency", "Unknown currency"),
        ({"date": "2026-02-30"}, "date", ""),
        ({"due_date": "2026-03-01"}, "due_date", "before the document date"),
        ({"payment_terms": "NOPE"}, "payment_terms", ""),
    ],
)
def test_invoice_bad_input_is_400_and_posts_nothing(client, fabrikam, changes, field, text):
    response = client.post("/api/v1/invoices/", invoice_payload(**changes), format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert field in body["fields"], body
    assert text in str(body["fields"][field])
    assert Invoice.objects.count() == 0 and Voucher.objects.count() == 0


def test_blocked_customer_is_400(client, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    customer.blocked = True
    customer.save()
    response = client.post("/api/v1/invoices/", invoice_payload(), format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"customer": ["Customer 4000 in FAB is blocked."]}


def test_credit_note_against_invoice_and_limit(client, fabrikam):
    invoice = client.post("/api/v1/invoices/", invoice_payload(), format="json").json()
    client.patch(
        "/api/v1/legal-entities/FAB/",
        {"parameters": {"credit_note_limited_to_invoice_open": True}},
        format="json",
    )
    too_big = client.post(
        "/api/v1/credit-notes/",
        invoice_payload(
            invoice=invoice["id"], lines=[{"description": "Return", "amount": "100.01"}]
        ),
        format="json",
    )
    assert too_big.status_code == 400
    assert "larger than the open amount" in too_big.json()["message"]
    response = client.post(
        "/api/v1/credit-notes/",
        invoice_payload(
            invoice=invoice["id"], lines=[{"description": "Return", "amount": "40.00"}]
        ),
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["invoice"] == invoice["id"] and body["number"] == "FAB-CN00000001"
    ot = client.get(f"/api/v1/open-transactions/{body['open_transaction']}/").json()
    assert (ot["kind"], ot["amount"], ot["open_amount"]) == ("credit_note", "-40.00", "-40.00")


def test_payment_create_post_and_reverse(client, fabrikam):
    response = client.post(
        "/api/v1/payments/", payment_payload(reference="CHK 1001"), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["method"], body["status"], body["amount"]) == (
        "FAB-PAY00000001",
        "check",
        "posted",
        "100.00",
    )
    ot = client.get(f"/api/v1/open-transactions/{body['open_transaction']}/").json()
    assert (ot["amount"], ot["open_accounting_amount"]) == ("-100.00", "-100.00")
    reversed_ = client.post(f"/api/v1/payments/{body['id']}/reverse/", {}, format="json")
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
    assert (
        client.get(f"/api/v1/open-transactions/{body['open_transaction']}/").json()["status"]
        == "closed"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"method": "barter"}, "method"),
        ({"customer": "nope"}, "customer"),
    ],
)
def test_payment_bad_input(client, fabrikam, changes, field):
    response = client.post("/api/v1/payments/", payment_payload(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Payment.objects.count() == 0


def test_bulk_payments_all_or_nothing(client, fabrikam):
    rows = [payment_payload(amount=f"{10 + i}.00") for i in range(5)]
    rows[3] = payment_payload(amount="-3.00")
    response = client.post("/api/v1/payments/bulk/", {"payments": rows}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]["payments"]) == ["3"]
    assert Payment.objects.count() == 0 and Voucher.objects.count() == 0
    rows[3] = payment_payload(amount="13.00", customer="4001")
    response = client.post("/api/v1/payments/bulk/", {"payments": rows}, format="json")
    assert response.status_code == 400
    assert "No customer '4001'" in str(response.json()["fields"]["payments"])
    rows[3] = payment_payload(amount="13.00")
    response = client.post("/api/v1/payments/bulk/", {"payments": rows}, format="json")
    assert response.status_code == 201
    assert [p["amount"] for p in response.json()] == ["10.00", "11.00", "12.00", "13.00", "14.00"]
    assert OpenTransaction.objects.filter(kind="payment").count() == 5


def test_bulk_limit_is_1000(client, fabrikam):
    rows = [payment_payload()] * 1001
    response = client.post("/api/v1/payments/bulk/", {"payments": rows}, format="json")
    assert response.status_code == 400


def test_open_transaction_filters_and_discounts(client, fabrikam):
    client.post(
        "/api/v1/cash-discounts/",
        {"code": "2P10", "periods": [{"days": 10, "percent": "2"}]},
        format="json",
    )
    client.post("/api/v1/invoices/", invoice_payload(cash_discount="2P10"), format="json")
    client.post("/api/v1/invoices/", invoice_payload(legal_entity="FABE"), format="json")
    client.post(
        "/api/v1/payments/", payment_payload(legal_entity="FABW", customer="10000"), format="json"
    )
    get = lambda **q: client.get("/api/v1/open-transactions/", q).json()  # noqa: E731
    assert get(party="4050")["count"] == 3
    assert get(legal_entity="FAB")["count"] == 1
    assert get(kind="payment")["results"][0]["amount"] == "-100.00"
    assert get(status="closed")["count"] == 0
    fab = get(legal_entity="FAB")["results"][0]
    assert fab["cash_discounts"] == [{"until": "2026-03-12", "percent": "2.0000", "amount": "2.00"}]
    assert fab["party"] == "4050" and fab["customer"] == "4000"


def test_clerk_documents_scoped_to_granted_entities(api_client, fabrikam):
    post_invoice(fabrikam["customers"]["FABW"])
    post_payment(fabrikam["customers"]["FABE"])
    clerk = make_clerk("clerk", fabrikam["FABE"])
    api_client.force_authenticate(clerk)
    assert api_client.get("/api/v1/invoices/").json()["count"] == 0
    assert api_client.get("/api/v1/open-transactions/").json()["count"] == 1
    assert api_client.get("/api/v1/open-transactions/?legal_entity=FABW").status_code == 403
    response = api_client.post(
        "/api/v1/invoices/", invoice_payload(legal_entity="FABW", customer="10000"), format="json"
    )
    assert response.status_code == 403
    response = api_client.post(
        "/api/v1/invoices/", invoice_payload(legal_entity="FABE"), format="json"
    )
    assert response.status_code == 201


def test_lists_use_a_fixed_number_of_queries(client, fabrikam, django_assert_max_num_queries):
    for _ in range(10):
        post_invoice(fabrikam["customers"]["FAB"], amounts=["1.00", "2.00"])
        post_payment(fabrikam["customers"]["FAB"])
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/invoices/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/payments/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/open-transactions/").status_code == 200


def test_payment_in_eur_needs_rate_of_its_date(client, fabrikam):
    response = client.post("/api/v1/payments/", payment_payload(currency="EUR"), format="json")
    assert response.status_code == 400
    assert response.json()["message"] == "No exchange rate EUR→USD on 2026-03-09."
    ExchangeRateFactory(rate=Decimal("1.2277"), valid_from=date(2026, 3, 9))
    response = client.post("/api/v1/payments/", payment_payload(currency="EUR"), format="json")
    assert response.status_code == 201


def test_bulk_with_one_bad_row_reports_it_by_index(client, fabrikam):
    response = client.post(
        "/api/v1/payments/bulk/", {"payments": [payment_payload(amount="-1.00")]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "payments": {"0": {"amount": ["The amount must be greater than zero."]}}
    }


def test_draft_can_be_replaced_and_deleted_but_not_once_posted(client, fabrikam):
    draft = client.post("/api/v1/invoices/", invoice_payload(post=False), format="json").json()
    changed = client.put(
        f"/api/v1/invoices/{draft['id']}/",
        invoice_payload(
            lines=[{"description": "A", "amount": "10.00"}, {"description": "B", "amount": "5.50"}]
        ),
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["total"] == "15.50" and changed.json()["status"] == "draft"
    assert len(changed.json()["lines"]) == 2
    assert client.delete(f"/api/v1/invoices/{draft['id']}/").status_code == 204
    assert Invoice.objects.count() == 0
    posted = client.post("/api/v1/invoices/", invoice_payload(), format="json").json()
    response = client.put(f"/api/v1/invoices/{posted['id']}/", invoice_payload(), format="json")
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Invoice FAB-INV00000001 is posted: it cannot be changed."
    )
    assert client.delete(f"/api/v1/invoices/{posted['id']}/").status_code == 400


def test_cash_discounts_follow_the_open_amount(client, fabrikam):
    from receivables.models import OpenTransaction

    client.post(
        "/api/v1/cash-discounts/",
        {"code": "2P10", "periods": [{"days": 10, "percent": "2"}]},
        format="json",
    )
    invoice = client.post(
        "/api/v1/invoices/",
        invoice_payload(cash_discount="2P10", lines=[{"description": "S", "amount": "1000.00"}]),
        format="json",
    ).json()
    ot_id = invoice["open_transaction"]
    assert (
        client.get(f"/api/v1/open-transactions/{ot_id}/").json()["cash_discounts"][0]["amount"]
        == "20.00"
    )
    OpenTransaction.objects.filter(pk=ot_id).update(
        open_amount=Decimal("600.00"), open_accounting_amount=Decimal("600.00")
    )
    assert (
        client.get(f"/api/v1/open-transactions/{ot_id}/").json()["cash_discounts"][0]["amount"]
        == "12.00"
    )
