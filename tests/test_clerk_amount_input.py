"""Amounts typed in the clerk's pages, read in the user's language: a French or Norwegian clerk
types "120,50" (or "1 000,25") in the payment journal, an invoice line, the Settle transactions
page, and gets 120.50 stored; the inputs and the journal's totals come back written with a
comma. An English clerk's pages read and show amounts as before, and the API reads "1234.56"
only, whatever the user's language."""

from decimal import Decimal

import pytest

from entities.models import UserPreference
from receivables.models import Invoice, Payment, PaymentJournal
from settlement.models import Settlement
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
MAR9 = "2026-03-09"


def _clerk(client, fabrikam, language: str = ""):
    user = make_clerk(f"clerk-{language or 'en'}", fabrikam["FAB"])
    if language:
        UserPreference.objects.create(user=user, language=language)
    client.force_login(user)
    return user


def _journal_lines(*lines: dict) -> dict:
    data = {"lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0", "save": ""}
    for i, line in enumerate(lines):
        for name, value in {"date": MAR9, "method": "electronic", **line}.items():
            data[f"lines-{i}-{name}"] = value
    return data


@pytest.mark.parametrize("language", ["fr", "nb"])
def test_journal_reads_a_decimal_comma_and_shows_it_back(client, fabrikam, language):
    _clerk(client, fabrikam, language)
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00"])
    customer = fabrikam["customers"]["FAB"].pk
    response = client.post(
        "/payments/journal/",
        _journal_lines(
            {"customer": customer, "amount": "120,50", "settle": f"{invoice.number}:120,50"},
            {"customer": customer, "amount": f"1{NBSP}000,25"},
        ),
    )
    assert response.status_code == 302, response.content.decode()
    journal = PaymentJournal.objects.get()
    lines = list(journal.lines.order_by("position"))
    assert [line.amount for line in lines] == [Decimal("120.50"), Decimal("1000.25")]
    assert [m.amount for m in lines[0].marks.all()] == [Decimal("120.50")]

    page = client.get(f"/payments/journals/{journal.pk}/").content.decode()
    assert f'data-decimal-separator="," data-thousand-separator="{NBSP}"' in page
    assert 'name="lines-0-amount" value="120,50"' in page
    assert 'name="lines-1-amount" value="1000,25"' in page  # an input is not grouped
    assert f'name="lines-0-settle" value="{invoice.number}:120,50"' in page
    assert f'data-currency="USD">1{NBSP}120,75 USD (2)</span>' in page


def test_journal_in_french_posts_the_payment_typed_with_a_comma(client, fabrikam):
    _clerk(client, fabrikam, "fr")
    data = _journal_lines({"customer": fabrikam["customers"]["FAB"].pk, "amount": "120,50"})
    del data["save"]
    response = client.post("/payments/journal/", {**data, "post": ""})
    assert response.status_code == 302, response.content.decode()
    assert Payment.objects.get().amount == Decimal("120.50")


def test_journal_in_french_refuses_what_is_no_amount_in_french(client, fabrikam):
    _clerk(client, fabrikam, "fr")
    customer = fabrikam["customers"]["FAB"].pk
    response = client.post(
        "/payments/journal/",
        _journal_lines(
            {"customer": customer, "amount": "1,234.56"},
            {"customer": customer, "amount": "5", "settle": "FAB-INV1:12,3x"},
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Saisissez un montant, par exemple 600,00." in html
    assert (
        "&#x27;12,3x&#x27; après FAB-INV1 n&#x27;est pas un montant : écrivez FAB-INV1:150,00."
        in html
    )
    assert 'value="1,234.56"' in html  # kept as typed
    assert not PaymentJournal.objects.exists()


def test_invoice_lines_read_quantities_and_prices_in_french(client, fabrikam):
    _clerk(client, fabrikam, "fr")
    data = {
        "customer": fabrikam["customers"]["FAB"].pk,
        "date": MAR9,
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Consulting",
        "lines-0-quantity": "2,5",
        "lines-0-unit_price": "48,20",
        "lines-1-description": "Licence",
        "lines-1-quantity": "1",
        "lines-1-amount": "1 120,50",
        "save": "",
    }
    response = client.post("/invoices/new/", data)
    assert response.status_code == 302, response.content.decode()
    invoice = Invoice.objects.get()
    lines = list(invoice.lines.order_by("pk"))
    assert [(x.quantity, x.unit_price, x.amount) for x in lines] == [
        (Decimal("2.5"), Decimal("48.20"), Decimal("120.50")),
        (Decimal("1"), None, Decimal("1120.50")),
    ]
    page = client.get(f"/invoices/{invoice.pk}/edit/").content.decode()
    assert 'name="lines-0-quantity" value="2,5000"' in page
    assert 'name="lines-0-unit_price" value="48,20"' in page
    assert 'name="lines-1-amount" value="1120,50"' in page
    assert 'inputmode="decimal"' in page and 'type="number"' not in page


def test_invoice_line_error_names_the_field_in_french(client, fabrikam):
    _clerk(client, fabrikam, "fr")
    data = {
        "customer": fabrikam["customers"]["FAB"].pk,
        "date": MAR9,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Consulting",
        "lines-0-quantity": "2,5x",
        "lines-0-amount": "10",
        "save": "",
    }
    html = client.post("/invoices/new/", data).content.decode()
    assert "Quantité : saisissez un nombre, par exemple 120,50." in html
    assert not Invoice.objects.exists()


def test_settle_page_reads_and_fills_amounts_in_french(client, fabrikam):
    _clerk(client, fabrikam, "fr")
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00"]).open_transaction
    payment = post_payment(fabrikam["customers"]["FAB"], amount="500.00").open_transaction
    marks = {"payment": payment.pk, "date": MAR9, f"mark_{invoice.pk}": "on"}
    marks[f"mark_{payment.pk}"] = "on"
    fill = client.post("/settle/fill/", {**marks, "fill": [invoice.pk, payment.pk]}).json()
    assert fill["lines"][str(invoice.pk)]["amount"] == "500,00"
    page = client.get(f"/settle/?payment={payment.pk}").content.decode()
    assert f'name="amount_{payment.pk}" value="500,00"' in page
    assert 'data-filled="500,00"' in page

    response = client.post(
        "/settle/",
        {**marks, f"amount_{invoice.pk}": "120,50", f"amount_{payment.pk}": "120.50", "post": ""},
    )
    assert response.status_code == 302, response.content.decode()
    lines = Settlement.objects.get().lines.all()
    settled = {line.open_transaction_id: line.settled_amount for line in lines}
    assert settled == {invoice.pk: Decimal("120.50"), payment.pk: Decimal("-120.50")}


def test_english_pages_read_and_show_amounts_as_before(client, fabrikam):
    _clerk(client, fabrikam)
    customer = fabrikam["customers"]["FAB"].pk
    refused = client.post(
        "/payments/journal/", _journal_lines({"customer": customer, "amount": "120,50"})
    )
    assert refused.status_code == 400
    assert "Enter an amount such as 600.00." in refused.content.decode()
    response = client.post(
        "/payments/journal/",
        _journal_lines(
            {"customer": customer, "amount": "1,234.56"},
            {"customer": customer, "amount": "100.00"},
        ),
    )
    assert response.status_code == 302
    journal = PaymentJournal.objects.get()
    assert [x.amount for x in journal.lines.order_by("position")] == [
        Decimal("1234.56"),
        Decimal("100.00"),
    ]
    page = client.get(f"/payments/journals/{journal.pk}/").content.decode()
    assert 'data-decimal-separator="." data-thousand-separator=","' in page
    assert 'name="lines-0-amount" value="1234.56"' in page
    assert 'data-currency="USD">1,334.56 USD (2)</span>' in page


def test_the_api_reads_1234_56_only_whatever_the_users_language(api_client, fabrikam):
    user = make_clerk("clerk", fabrikam["FAB"])
    UserPreference.objects.create(user=user, language="fr")
    api_client.force_authenticate(user)

    def create(amount):
        return api_client.post(
            "/api/v1/payment-journals/",
            {"legal_entity": "FAB", "lines": [{"customer": "4000", "amount": amount}]},
            format="json",
        )

    refused = create("120,50")
    assert refused.status_code == 400
    assert refused.json()["fields"]["lines"]["0"]["amount"] == ["Enter an amount such as 600.00."]
    assert create("1 234,56").status_code == 400
    created = create("1234.56")
    assert created.status_code == 201
    assert created.json()["lines"][0]["amount"] == "1234.56"
