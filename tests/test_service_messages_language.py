"""The service layer's refusals in the clerk's language: a French or Norwegian clerk reads the
payment journal's validation and a refused settlement in their language on the pages, while
the API, for the same user and the same request, answers in English (its contract)."""

import pytest
from django.urls import reverse

from core.errors import ApplicationError
from entities.models import UserPreference
from tests.banking.conftest import bank  # noqa: F401  (the bank account fixture)
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db


def _clerk(fabrikam, language: str):
    user = make_clerk(f"clerk-{language}", fabrikam["FAB"], fabrikam["FABE"], fabrikam["FABW"])
    UserPreference.objects.create(user=user, language=language)
    return user


def _journal_without_customer() -> dict:
    return {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-date": "2026-03-09",
        "lines-0-method": "electronic",
        "lines-0-amount": "5.00",
        "validate": "",
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", "Choisissez un client."), ("nb", "Velg en kunde."), ("en", "Choose a customer.")],
)
def test_the_payment_journal_validation_speaks_the_clerks_language(
    client, fabrikam, language, expected
):
    client.force_login(_clerk(fabrikam, language))
    response = client.post("/payments/journal/", _journal_without_customer())
    assert expected in response.content.decode()


def test_a_refused_settlement_speaks_the_clerks_language_on_the_settle_page(client, fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    ot = invoice.open_transaction.pk
    data = {"date": "2026-03-09", f"mark_{ot}": "on", "party": fabrikam["party"].number}
    client.force_login(_clerk(fabrikam, "fr"))
    html = client.post(reverse("settle"), data).content.decode()
    assert "Marquez au moins un débit (facture) et un crédit (paiement ou avoir)." in html
    client.force_login(_clerk(fabrikam, "nb"))
    html = client.post(reverse("settle"), data).content.decode()
    assert "Merk minst én debet (faktura) og én kredit (innbetaling eller kreditnota)." in html


def test_the_api_answers_in_english_to_a_french_clerk(api_client, fabrikam):
    clerk = _clerk(fabrikam, "fr")
    api_client.force_authenticate(clerk)
    api_client.cookies["django_language"] = "fr"
    journal = api_client.post(
        "/api/v1/payment-journals/",
        {"legal_entity": "FAB", "lines": [{"date": "2026-03-09", "amount": "5.00"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    ).json()
    response = api_client.post(
        f"/api/v1/payment-journals/{journal['id']}/post/", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Line 1: Choose a customer."

    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"])
    response = api_client.post(
        "/api/v1/settlements/",
        {"date": "2026-03-09", "lines": [{"transaction": invoice.open_transaction.pk}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
        HTTP_IDEMPOTENCY_KEY="fr-1",
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Mark at least one debit (invoice) and one credit (payment or credit note)."
    )


def test_a_bank_line_refuses_in_the_clerks_language_but_records_its_posting_error_in_english(
    bank,  # noqa: F811  (the fixture imported above)
    admin_user,
):
    from django.utils import translation

    from banking.exceptions import LineInvalid
    from banking.models import BankStatementLine
    from banking.services.lines import line_customer_set
    from banking.services.posting import line_post
    from tests.banking.helpers import line, statement_with

    statement = statement_with(bank, [{"amount": "75.00"}])
    first = line(statement, 1)
    with translation.override("fr"), pytest.raises(LineInvalid) as refused:
        line_customer_set(line=first, customer=bank["customers"]["FABE"], actor=admin_user)
    assert refused.value.message == (
        "Le client 4000 n'est pas dans FAB, où le paiement est comptabilisé."
    )
    # A line left with another entity's customer: the payment's own check refuses it. The
    # refusal stays on the line for every reader, so it is recorded (and raised) in English.
    BankStatementLine.objects.filter(pk=first.pk).update(
        customer=bank["customers"]["FABE"], status=BankStatementLine.Status.MATCHED
    )
    with translation.override("fr"), pytest.raises(ApplicationError) as refused:
        line_post(line=first, actor=admin_user)
    assert refused.value.message == "Customer 4000 is not a customer of FAB."
    first.refresh_from_db()
    assert first.error == "Customer 4000 is not a customer of FAB."


def test_a_closed_period_refuses_in_the_clerks_language_and_in_english_through_the_api(
    client, api_client, fabrikam
):
    from datetime import date

    from ledger.models import FiscalPeriod
    from ledger.services import fiscal_period_set_status

    period = FiscalPeriod.objects.get(legal_entity=fabrikam["FAB"], start=date(2026, 3, 1))
    fiscal_period_set_status(period=period, status="closed", actor=None)
    clerk = _clerk(fabrikam, "fr")
    client.force_login(clerk)
    form = {
        "customer": fabrikam["customers"]["FAB"].pk,
        "date": "2026-03-31",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "Après la clôture",
        "lines-0-quantity": "1",
        "lines-0-amount": "10,00",
        "post": "",
    }
    html = client.post("/invoices/new/", form).content.decode()
    assert (
        "La période comptable de FAB contenant le 2026-03-31 est clôturée : "
        "rien ne peut y être comptabilisé."
    ) in html

    api_client.force_authenticate(clerk)
    response = api_client.post(
        "/api/v1/invoices/",
        {
            "legal_entity": "FAB",
            "customer": fabrikam["customers"]["FAB"].account,
            "date": "2026-03-31",
            "lines": [{"description": "After", "amount": "10.00"}],
            "post": True,
        },
        format="json",
    )
    assert response.status_code in (400, 409), response.json()
    assert response.json()["message"] == (
        "The fiscal period of FAB containing 2026-03-31 is closed: nothing can be posted into it."
    )
