"""No card number is ever stored: every outcome is run through the API and the pages, then every
column of every table is searched for the numbers used."""

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

from .cards import CAPTURE_DECLINED, CAPTURE_FAILS, TEST_NUMBERS, ot_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/card-payments/"
MORE_NUMBERS = ("5555555555554444", "378282246310005", "4000000000000010")


def rows_holding(needle: str) -> list[tuple[str, str]]:
    """(table, column) of every value that, read as text, contains ``needle``."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [
                c.name for c in connection.introspection.get_table_description(cursor, table)
            ]
            for column in columns:
                cursor.execute(
                    f"SELECT 1 FROM {quote(table)} WHERE CAST({quote(column)} AS TEXT) LIKE %s "
                    "LIMIT 1",
                    [f"%{needle}%"],
                )
                if cursor.fetchone():
                    found.append((table, column))
    return found


def test_card_numbers_are_stored_nowhere(api_client, bank):
    customer = bank["customers"]["FAB"]
    clerk = make_clerk("clerk", bank["FAB"])
    api_client.force_authenticate(clerk)
    numbers = TEST_NUMBERS + MORE_NUMBERS
    for number in numbers:
        invoice = post_invoice(customer, amounts=("100.00",))
        card = {"number": number, "expiry_month": 12, "expiry_year": 2030, "cvc": "1234"}
        response = api_client.post(
            URL,
            {"transaction": ot_of(invoice).pk, "amount": "100.00", "card": card},
            format="json",
        )
        if response.status_code == 201:
            pk = response.json()["id"]
            captured = api_client.post(f"{URL}{pk}/capture/", {"amount": "90.00"}, format="json")
            if captured.status_code == 200:
                api_client.post(f"{URL}{pk}/refund/", {"amount": "10.00"}, format="json")
        # Bad input carrying the number: as a token, and with an expired card.
        api_client.post(
            URL,
            {"transaction": ot_of(invoice).pk, "amount": "1.00", "token": number},
            format="json",
        )
        api_client.post(
            URL,
            {
                "transaction": ot_of(invoice).pk,
                "amount": "1.00",
                "card": {**card, "expiry_year": 2020},
            },
            format="json",
        )
    browser = Client()
    browser.force_login(clerk)
    invoice = post_invoice(customer, amounts=("50.00",))
    for number in ("4242 4242 4242 4242", "4242-4242-4242-4242"):
        browser.post(
            "/card-payments/new/",
            {
                "invoice": invoice.number,
                "amount": "50.00",
                "number": number,
                "expiry_month": "12",
                "expiry_year": "2030",
                "cvc": "123",
            },
        )
    # The run did what it should: captures approved, refused and failed are all recorded.
    from banking.models import CardGatewayEvent, CardPayment

    assert CardPayment.objects.filter(status="partially_refunded").count() == 3
    assert CardPayment.objects.filter(status="declined").count() == 4
    assert CardPayment.objects.filter(status="failed").count() == 2
    assert CardPayment.objects.filter(status="authorized").count() == 2
    assert CardGatewayEvent.objects.filter(operation="capture", approved=False).count() == 2
    assert {CAPTURE_DECLINED[-4:], CAPTURE_FAILS[-4:]} <= set(
        CardPayment.objects.values_list("last4", flat=True)
    )

    for number in (*numbers, "4242 4242 4242 4242", "4242-4242-4242-4242"):
        assert rows_holding(number) == [], number
    # The search itself finds what is there: the token of a test card is stored.
    assert ("banking_cardpayment", "token") in rows_holding("tok_test_4242_")
