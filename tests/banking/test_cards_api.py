"""Card payments through the API: authorize, capture, void, refund, and the bad input."""

from decimal import Decimal

import pytest

from banking.models import CardPayment
from receivables.models import Payment
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

from .cards import APPROVES, CAPTURE_DECLINED, DECLINES, clearing, ot_of

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/api/v1/card-payments/"


@pytest.fixture
def clerk_client(api_client, bank):
    api_client.force_authenticate(make_clerk("clerk", bank["FAB"]))
    return api_client


@pytest.fixture
def invoice(bank):
    return post_invoice(bank["customers"]["FAB"], amounts=("100.00",))


def card_body(number=APPROVES, **more):
    return {"number": number, "expiry_month": 12, "expiry_year": 2030, "cvc": "123", **more}


def authorize(client, invoice, number=APPROVES, amount="100.00"):
    return client.post(
        URL,
        {"transaction": ot_of(invoice).pk, "amount": amount, "card": card_body(number)},
        format="json",
    )


def test_card_payments_authorize_answers_the_token_and_never_the_number(clerk_client, invoice):
    response = authorize(clerk_client, invoice)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("status", "authorized_amount", "brand", "last4", "currency")} == {
        "status": "authorized",
        "authorized_amount": "100.00",
        "brand": "visa",
        "last4": "4242",
        "currency": "USD",
    }
    assert (body["expiry_month"], body["expiry_year"], body["document_number"]) == (
        12,
        2030,
        invoice.number,
    )
    assert body["token"].startswith("tok_test_4242_")
    assert APPROVES not in response.content.decode()


def test_card_payments_authorize_by_invoice_then_capture_posts_and_settles(
    clerk_client, bank, invoice
):
    clearing(bank)
    response = clerk_client.post(
        URL,
        {"invoice": invoice.pk, "amount": "100.00", "card": card_body()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]

    captured = clerk_client.post(f"{URL}{pk}/capture/", {"amount": "75.00"}, format="json")

    assert captured.status_code == 200, captured.json()
    body = captured.json()
    assert (body["status"], body["captured_amount"]) == ("captured", "75.00")
    payment = Payment.objects.get(pk=body["payment"])
    assert (payment.method, payment.amount) == ("card", D("75.00"))
    assert ot_of(invoice).open_amount == D("25.00")
    assert [e["operation"] for e in body["events"]] == ["authorize", "capture"]
    # Retried: the same answer, nothing posted twice.
    again = clerk_client.post(f"{URL}{pk}/capture/", {"amount": "75.00"}, format="json")
    assert (again.status_code, again.json()["payment"]) == (200, payment.pk)
    assert Payment.objects.count() == 1


def test_card_payments_capture_above_the_authorization_is_400(clerk_client, invoice):
    pk = authorize(clerk_client, invoice, amount="80.00").json()["id"]

    response = clerk_client.post(f"{URL}{pk}/capture/", {"amount": "80.01"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "The amount 80.01 is above the authorization 80.00 USD.",
        "fields": {"amount": ["The amount 80.01 is above the authorization 80.00 USD."]},
    }


def test_card_payments_card_number_as_token_is_400_naming_the_field(clerk_client, invoice):
    response = clerk_client.post(
        URL,
        {"transaction": ot_of(invoice).pk, "amount": "10.00", "token": "4242424242424242"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["token"]
    assert response.json()["message"].startswith("This is a card number, not a token")
    assert APPROVES not in response.content.decode()
    assert not CardPayment.objects.exists()


@pytest.mark.parametrize(
    "card, field, message",
    [
        (
            card_body("4242424242424241"),
            "card.number",
            "The card number is not valid: its check digit is wrong.",
        ),
        (card_body("4242"), "card.number", "Enter the card number: 12 to 19 digits."),
        (
            card_body(expiry_year=2020),
            "card.expiry_year",
            "The card expired at the end of 12/2020.",
        ),
        (card_body(cvc="12a"), "card.cvc", "The CVC is the 3 or 4 digits on the card."),
    ],
)
def test_card_payments_bad_card_is_400_naming_the_field(
    clerk_client, invoice, card, field, message
):
    response = clerk_client.post(
        URL, {"transaction": ot_of(invoice).pk, "amount": "10.00", "card": card}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {field: [message]}
    assert card["number"] not in response.content.decode()


def test_card_payments_card_and_token_together_is_400(clerk_client, invoice):
    response = clerk_client.post(
        URL,
        {"invoice": invoice.pk, "amount": "10.00", "card": card_body(), "token": "tok_test_x"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"card": ["Give either card or token."]}
    assert APPROVES not in response.content.decode()


def test_card_payments_declined_authorization_is_402_and_recorded(clerk_client, invoice):
    response = authorize(clerk_client, invoice, number=DECLINES)

    assert response.status_code == 402
    body = response.json()
    assert (body["code"], body["message"]) == ("card_declined", "The card was declined.")
    assert body["details"]["status"] == "declined"
    assert CardPayment.objects.get().status == "declined"
    assert DECLINES not in response.content.decode()


def test_card_payments_declined_capture_is_402_and_leaves_the_invoice_open(clerk_client, invoice):
    pk = authorize(clerk_client, invoice, number=CAPTURE_DECLINED).json()["id"]

    response = clerk_client.post(f"{URL}{pk}/capture/", {}, format="json")

    assert response.status_code == 402
    assert response.json()["code"] == "capture_declined"
    assert response.json()["details"]["status"] == "declined"
    assert ot_of(invoice).open_amount == D("100.00")


def test_card_payments_void_and_refund(clerk_client, invoice, bank):
    second = post_invoice(bank["customers"]["FAB"], amounts=("50.00",))
    voided = authorize(clerk_client, invoice).json()["id"]
    response = clerk_client.post(f"{URL}{voided}/void/")
    assert (response.status_code, response.json()["status"]) == (200, "voided")

    pk = authorize(clerk_client, second, amount="50.00").json()["id"]
    clerk_client.post(f"{URL}{pk}/capture/", {}, format="json")
    response = clerk_client.post(f"{URL}{pk}/refund/", {"amount": "20.00"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["refunded_amount"]) == ("partially_refunded", "20.00")
    assert [(r["amount"], r["refund"][:7]) for r in body["refunds"]] == [("20.00", "FAB-REF")]
    too_much = clerk_client.post(f"{URL}{pk}/refund/", {"amount": "30.01"}, format="json")
    assert too_much.status_code == 400
    assert too_much.json()["fields"] == {
        "amount": ["The amount 30.01 is above what is left to refund, 30.00 USD."]
    }


def test_card_payments_of_another_entity_are_not_found(api_client, bank, invoice):
    api_client.force_authenticate(make_clerk("east", bank["FABE"]))

    response = authorize(api_client, invoice)

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "transaction": [f"Open transaction {ot_of(invoice).pk} does not exist."]
    }


def test_card_payments_list_is_paginated_in_few_queries(
    clerk_client, bank, django_assert_max_num_queries
):
    for _ in range(3):
        authorize(clerk_client, post_invoice(bank["customers"]["FAB"]))

    with django_assert_max_num_queries(8):
        response = clerk_client.get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 3
