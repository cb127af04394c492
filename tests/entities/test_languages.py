"""The language pages are written in: the browser's Accept-Language until the user chooses one in
the switcher; the choice is kept (preference, session, cookie) and comes back at each sign-in.
The API answers in English whatever the client asks."""

from datetime import date

import pytest
from django.conf import settings

from core.middleware import LANGUAGE_SESSION_KEY
from core.models import AuditEntry
from entities.models import Customer, UserPreference
from entities.services import legal_entity_update
from tests.conftest import make_clerk
from tests.factories.entities import PASSWORD
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(fabrikam):
    return make_clerk("clerk", fabrikam["FAB"])


def _switch(client, language: str, next_page: str = "/"):
    return client.post("/preferences/language/", {"language": language, "next": next_page})


def test_pages_follow_accept_language_until_the_user_chooses(client, clerk):
    client.force_login(clerk)
    assert "<h1>Home</h1>" in client.get("/").content.decode()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="fr">' in page and "<h1>Accueil</h1>" in page
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="nb-NO,nb;q=0.9").content.decode()
    assert '<html lang="nb">' in page and "<h1>Hjem</h1>" in page
    # A language the product does not speak: English.
    assert "<h1>Home</h1>" in client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()


def test_switcher_keeps_the_choice_in_preference_session_and_cookie(client, clerk):
    client.force_login(clerk)
    response = _switch(client, "nb", "/collections/?view=party")
    assert response.status_code == 302
    assert response["Location"] == "/collections/?view=party"
    assert UserPreference.objects.get(user=clerk).language == "nb"
    assert client.session[LANGUAGE_SESSION_KEY] == "nb"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nb"
    entry = AuditEntry.objects.get(action="user_preference.changed")
    assert (entry.actor, entry.changes) == (clerk, {"language": ["", "nb"]})

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # The choice wins over the browser's language.
    assert "<h1>Hjem</h1>" in page
    assert "Sidene vises nå på norsk (bokmål)." in page
    assert '<option value="nb" lang="nb" selected>Norsk bokmål</option>' in page


def test_the_choice_comes_back_at_the_next_sign_in(client, clerk):
    client.force_login(clerk)
    _switch(client, "fr")
    client.logout()
    client.cookies.clear()
    response = client.post(
        "/accounts/login/", {"username": "clerk", "password": PASSWORD}, follow=True
    )
    page = response.content.decode()
    assert "<h1>Accueil</h1>" in page
    assert "Vos entités juridiques au" in page


def test_sign_in_page_is_in_the_browser_language(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Se connecter</h1>" in page
    assert '<label for="id_username">Nom d\'utilisateur</label>' in page


def test_an_unknown_language_is_refused_and_nothing_changes(client, clerk):
    client.force_login(clerk)
    _switch(client, "fr")
    response = _switch(client, "xx")
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Unknown language &#x27;xx&#x27;: choose one of en, fr, nb." in page
    assert UserPreference.objects.get(user=clerk).language == "fr"
    assert client.session[LANGUAGE_SESSION_KEY] == "fr"


def test_no_choice_gives_the_browser_language_back(client, clerk):
    client.force_login(clerk)
    _switch(client, "fr")
    response = _switch(client, "")
    assert UserPreference.objects.get(user=clerk).language == ""
    assert LANGUAGE_SESSION_KEY not in client.session
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    assert "<h1>Home</h1>" in client.get("/").content.decode()


def test_switcher_needs_a_post_and_a_signed_in_user(client, clerk):
    assert client.post("/preferences/language/", {"language": "fr"}).status_code == 302
    assert not UserPreference.objects.exists()
    client.force_login(clerk)
    assert client.get("/preferences/language/").status_code == 405


def test_api_ignores_accept_language_and_the_user_choice(client, clerk, fabrikam):
    post_invoice(fabrikam["customers"]["FAB"], amounts=["1234.56"], on=date(2026, 3, 9))
    client.force_login(clerk)
    _switch(client, "fr")
    headers = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}

    response = client.get("/api/v1/open-transactions/", **headers)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    (row,) = response.json()["results"]
    assert (row["amount"], row["open_amount"], row["date"]) == ("1234.56", "1234.56", "2026-03-09")

    response = client.post("/api/v1/parties/", {}, content_type="application/json", **headers)
    assert response.status_code == 400
    assert response.json()["fields"]["number"] == ["This field is required."]

    response = client.get("/api/v1/invoices/999999/", **headers)
    assert response.status_code == 404
    assert response.json()["message"] == "Not found."


def test_customer_language_through_the_api(client, clerk, fabrikam):
    client.force_login(clerk)
    body = {"legal_entity": "FAB", "account": "7000", "party": "4050", "currency": "EUR"}
    response = client.post(
        "/api/v1/customers/", {**body, "language": "nb"}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["language"] == "nb"
    customer = Customer.objects.get(legal_entity__code="FAB", account="7000")
    assert customer.document_language == "nb"

    response = client.post(
        "/api/v1/customers/",
        {**body, "account": "7001", "language": "de"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["language"] == ['"de" is not a valid choice.']


def test_a_customer_without_a_language_writes_in_its_legal_entity_language(fabrikam):
    customer = fabrikam["customers"]["FABE"]
    assert (customer.language, customer.document_language) == ("", "en")
    legal_entity_update(legal_entity=fabrikam["FABE"], data={"language": "fr"}, actor=None)
    customer.refresh_from_db()
    assert customer.document_language == "fr"
    entry = AuditEntry.objects.get(action="legal_entity.parameters_changed")
    assert entry.changes == {"language": ["en", "fr"]}


@pytest.mark.parametrize("language", ["en", "fr", "nb"])
def test_date_inputs_keep_iso_dates_in_every_language(language):
    """An ``<input type="date">`` shows only an ISO value: the forms of every page write and
    read dates that way whatever the language; pages show them the language's way."""
    from django import forms
    from django.template import Context, Template
    from django.utils import translation

    class DateForm(forms.Form):
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    with translation.override(language):
        html = str(DateForm(initial={"day": date(2026, 3, 9)})["day"])
        assert 'value="2026-03-09"' in html
        form = DateForm({"day": "2026-03-09"})
        assert form.is_valid() and form.cleaned_data["day"] == date(2026, 3, 9)
        shown = Template('{{ day|date:"SHORT_DATE_FORMAT" }}').render(
            Context({"day": date(2026, 3, 9)})
        )
    assert shown == {"en": "2026-03-09", "fr": "09/03/2026", "nb": "09.03.2026"}[language]
