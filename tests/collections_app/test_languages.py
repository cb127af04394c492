"""The collections pages in the user's language, with numbers and dates written its way; letters
in the customer's language (its own, or its legal entity's), whoever sends them."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from collections_app.forms import WriteOffForm
from collections_app.models import CollectionLetter
from collections_app.services import letter_send
from entities.models import PartyContact
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db

SENT_ON = date(2026, 4, 15)


@pytest.fixture
def customer(fabrikam):
    """FAB/4000 with an invoice of 1,234.56 USD due 2026-03-03 (43 days overdue on 04-15)."""
    customer = fabrikam["customers"]["FAB"]
    customer.payment_terms = PaymentTermsFactory()
    customer.save()
    post_invoice(customer, amounts=["1234.56"], on=date(2026, 2, 1), terms=customer.payment_terms)
    return customer


def _customer_page(client, user, customer, language: str) -> str:
    client.force_login(user)
    client.post("/preferences/language/", {"language": language})
    return client.get(f"/collections/customers/{customer.pk}/").content.decode()


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                '<html lang="en">',
                "<h2>Open transactions</h2>",
                '<th scope="col">Due</th><th scope="col" class="num">Days overdue</th>',
                "<td>2026-03-03</td>",
                '<td class="num">1,234.56 USD</td>',
                '<button type="submit">Send next letter</button>',
                '<a href="/collections/">Collections</a>',
            ],
        ),
        (
            "fr",
            [
                '<html lang="fr">',
                "<h2>Transactions ouvertes</h2>",
                '<th scope="col">Échéance</th><th scope="col" class="num">Jours de retard</th>',
                "<td>03/03/2026</td>",
                '<td class="num">1\xa0234,56 USD</td>',
                '<button type="submit">Envoyer la relance suivante</button>',
                '<a href="/collections/">Recouvrements</a>',
            ],
        ),
        (
            "nb",
            [
                '<html lang="nb">',
                "<h2>Åpne transaksjoner</h2>",
                '<th scope="col">Forfallsdato</th><th scope="col" class="num">Dager forfalt</th>',
                "<td>03.03.2026</td>",
                '<td class="num">1\xa0234,56 USD</td>',
                '<button type="submit">Send neste purring</button>',
                '<a href="/collections/">Innkrevinger</a>',
            ],
        ),
    ],
)
def test_customer_collections_page_in_the_user_language(
    client, admin_user, customer, language, texts
):
    page = _customer_page(client, admin_user, customer, language)
    missing = [text for text in texts if text not in page]
    assert missing == []


def test_credit_limit_and_totals_use_the_language_separators(client, admin_user, customer):
    customer.credit_limit = Decimal("25000")
    customer.save()
    page = _customer_page(client, admin_user, customer, "fr")
    assert "<dt>Limite de crédit</dt><dd>25\xa0000,00 USD</dd>" in page
    page = _customer_page(client, admin_user, customer, "en")
    assert "<dt>Credit limit</dt><dd>25,000.00 USD</dd>" in page


def test_a_letter_to_a_norwegian_customer_is_in_norwegian(customer, mailoutbox):
    customer.language = "nb"
    customer.save()
    PartyContact.objects.create(party=customer.party, name="AP", email="ap@northwind.example")
    with translation.override("fr"):  # the sender's own language plays no part
        letter = letter_send(customer=customer, on=SENT_ON, actor=None)
    assert letter.language == "nb"
    html = letter.html
    assert '<html lang="nb">' in html
    assert "<h1>Betalingspåminnelse</h1>" in html
    assert (
        "<p>Kjære Northwind Traders, ifølge våre opplysninger er følgende beløp til Fabrikam "
        "forfalt, til sammen 1\xa0234,56 USD. Vi ber om at beløpet blir betalt.</p>"
    ) in html
    assert "<p>15.04.2026</p>" in html
    assert "<td>03.03.2026</td>" in html
    assert '<th colspan="3">Totalt å betale</th><td class="num">1\xa0234,56 USD</td>' in html
    assert "Purring nr. 1. Dersom du allerede har betalt" in html
    assert "Payment" not in html and "Due" not in html


def test_a_letter_is_emailed_in_its_language(customer, django_capture_on_commit_callbacks):
    customer.language = "nb"
    customer.save()
    PartyContact.objects.create(party=customer.party, name="AP", email="ap@northwind.example")
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        letter_send(customer=customer, on=SENT_ON, actor=None)
    (message,) = mail.outbox
    assert message.subject == "Fabrikam: Betalingspåminnelse"
    assert "til sammen 1\xa0234,56 USD" in message.body


def test_a_letter_takes_the_legal_entity_language_when_the_customer_names_none(customer):
    entity = customer.legal_entity
    entity.language = "fr"
    entity.save()
    letter = letter_send(customer=customer, on=SENT_ON, actor=None)
    assert letter.language == "fr"
    assert "<h1>Rappel de paiement</h1>" in letter.html
    assert "pour un total de 1\xa0234,56 USD" in letter.html
    assert "<td>03/03/2026</td>" in letter.html


def test_a_letter_to_an_english_customer_sent_from_a_french_page_is_english(
    client, admin_user, customer
):
    client.force_login(admin_user)
    client.post("/preferences/language/", {"language": "fr"})
    response = client.post(
        f"/collections/customers/{customer.pk}/letter/", {"email": ""}, follow=True
    )
    message = [str(m) for m in response.context["messages"]][-1]
    assert message.startswith("Lettre 1 créée, non envoyée par e-mail : le client n'a pas")
    letter = CollectionLetter.objects.get()
    assert letter.language == "en"
    assert "<h1>Payment reminder</h1>" in letter.html
    assert "1,234.56 USD in all" in letter.html
    # The clerk's page lists it in French, with the subject translated.
    assert ">Lettre 1 : Rappel de paiement</a>" in response.content.decode()


def test_a_subject_written_in_the_admin_is_sent_as_written(customer):
    from collections_app.models import LetterStep

    LetterStep.objects.filter(sequence="STANDARD", step=1).update(subject="Petit rappel")
    customer.language = "nb"
    customer.save()
    letter = letter_send(customer=customer, on=SENT_ON, actor=None)
    assert "<h1>Petit rappel</h1>" in letter.html
    assert "Kjære Northwind Traders" in letter.html


def test_letter_pdf_is_written_in_the_letter_language(client, admin_user, customer):
    from collections_app.printing import letter_pdf
    from tests.pdf_text import laid_out_pages

    customer.language = "nb"
    customer.save()
    letter = letter_send(customer=customer, on=SENT_ON, actor=None)
    with translation.override("en"):
        pdf = letter_pdf(letter)
        (text,) = laid_out_pages(letter.html)
    assert pdf.startswith(b"%PDF-")
    assert "Betalingspåminnelse" in text
    assert "Forfallsdato" in text and "03.03.2026" in text
    assert "Totalt å betale" in text and "1\xa0234,56 USD" in text
    assert "Purring nr. 1. Dersom du allerede har betalt" in text


def test_an_amount_typed_on_a_french_page_may_use_a_comma():
    data = {"transaction": "1", "amount": "0,40", "reason": "small"}
    with translation.override("fr"):
        form = WriteOffForm(data)
        assert form.is_valid()
        assert form.cleaned_data["amount"] == Decimal("0.40")
        form = WriteOffForm({**data, "amount": "beaucoup"})
        assert not form.is_valid()
        assert form.errors["amount"] == ["Saisissez un montant, par exemple 0,40."]
