"""Card payment pages with Django's test client: take a card payment for an invoice, then
capture, void and refund from its page."""

from decimal import Decimal

import pytest
from django.test import Client

from banking.models import CardPayment
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

from .cards import APPROVES, DECLINES, ot_of

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def browser(bank):
    client = Client()
    client.force_login(make_clerk("clerk", bank["FAB"]))
    return client


@pytest.fixture
def invoice(bank):
    return post_invoice(bank["customers"]["FAB"], amounts=("100.00",))


def take(browser, invoice, number=APPROVES, amount="100.00", **more):
    data = {
        "invoice": invoice.number,
        "amount": amount,
        "number": number,
        "expiry_month": "12",
        "expiry_year": "2030",
        "cvc": "123",
        **more,
    }
    return browser.post("/card-payments/new/", data, follow=True)


def test_card_payment_new_prefills_the_invoice_and_its_open_amount(browser, invoice):
    page = browser.get(f"/card-payments/new/?invoice={invoice.number}").content.decode()

    assert f'value="{invoice.number}"' in page
    assert 'value="100.0000"' in page or 'value="100.00"' in page
    assert 'autocomplete="cc-number"' in page


def test_card_payment_new_authorizes_and_shows_only_the_last_four_digits(browser, invoice):
    response = take(browser, invoice)

    page = response.content.decode()
    card_payment = CardPayment.objects.get()
    assert response.redirect_chain == [(f"/card-payments/{card_payment.pk}/", 302)]
    assert f"Card payment {card_payment.pk} authorized." in page
    assert "visa •••• 4242, expires 12/2030" in page
    assert APPROVES not in page
    assert 'id="capture-form"' in page and 'id="void-form"' in page


def test_card_payment_new_declined_is_shown_and_recorded(browser, invoice):
    page = take(browser, invoice, number=DECLINES).content.decode()

    assert "Declined: The card was declined." in page
    assert CardPayment.objects.get().status == "declined"
    assert DECLINES not in page


def test_card_payment_new_bad_input_is_shown_beside_the_field_without_the_number(browser, invoice):
    response = take(browser, invoice, expiry_year="2020")

    page = response.content.decode()
    assert response.status_code == 200
    assert "The card expired at the end of 12/2020." in page
    assert APPROVES not in page
    assert f'value="{invoice.number}"' in page  # what was typed stays, but the card number
    assert not CardPayment.objects.exists()


def test_card_payment_new_unknown_invoice_is_refused(browser, invoice, bank):
    east = post_invoice(bank["customers"]["FABE"], amounts=("10.00",))

    page = take(browser, east, amount="10.00").content.decode()

    assert f"No invoice {east.number} in your legal entities." in page


def test_card_payment_capture_refund_and_void_from_the_page(browser, invoice, bank):
    take(browser, invoice, amount="80.00")
    card_payment = CardPayment.objects.get()
    url = f"/card-payments/{card_payment.pk}/"

    too_much = browser.post(f"{url}capture/", {"amount": "80.01"})
    assert too_much.status_code == 400
    assert "The amount 80.01 is above the authorization 80.00 USD." in too_much.content.decode()

    page = browser.post(f"{url}capture/", {"amount": "80.00"}, follow=True).content.decode()
    assert f"Card payment {card_payment.pk} captured." in page
    assert ot_of(invoice).open_amount == D("20.00")
    assert 'id="refund-form"' in page

    page = browser.post(f"{url}refund/", {"amount": "30.00"}, follow=True).content.decode()
    card_payment.refresh_from_db()
    assert (card_payment.status, card_payment.refunded_amount) == (
        "partially_refunded",
        D("30.00"),
    )
    assert "Refunded 30.00." in page

    second = post_invoice(bank["customers"]["FAB"], amounts=("40.00",))
    take(browser, second, amount="40.00")
    other = CardPayment.objects.exclude(pk=card_payment.pk).get()
    page = browser.post(f"/card-payments/{other.pk}/void/", follow=True).content.decode()
    assert f"Card payment {other.pk} voided." in page
    other.refresh_from_db()
    assert other.status == "voided"


def test_card_payment_list_shows_the_users_card_payments(browser, invoice):
    take(browser, invoice)

    page = browser.get("/card-payments/").content.decode()

    assert invoice.number in page
    assert "visa •••• 4242" in page
    assert APPROVES not in page


def test_card_payment_amounts_are_typed_in_the_clerks_language(browser, invoice):
    from django.contrib.auth.models import User

    from entities.models import UserPreference

    clerk = User.objects.get(username="clerk")
    UserPreference.objects.create(user=clerk, language="fr")
    browser.force_login(clerk)  # the language is taken at sign-in
    page = browser.get(f"/card-payments/new/?invoice={invoice.number}").content.decode()
    assert 'name="amount" value="100,0000"' in page and 'inputmode="decimal"' in page

    take(browser, invoice, amount="80,50")
    card_payment = CardPayment.objects.get()
    assert card_payment.authorized_amount == D("80.50")
    url = f"/card-payments/{card_payment.pk}/"
    browser.post(f"{url}capture/", {"amount": "80,50"})
    card_payment.refresh_from_db()
    assert card_payment.captured_amount == D("80.50")
