from datetime import date
from importlib import import_module

import pytest
from playwright.sync_api import expect

from core.jobs import job_run, job_start
from entities.models import UserPreference
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _default_aging_periods(transactional_db):
    """The data migration's default aging period set (a test that commits ends with a flush)."""
    from django.apps import apps

    import_module("collections_app.migrations.0002_default_aging_periods").create(apps, None)


def test_switching_to_french_shows_the_collections_page_in_french(page, fabrikam):
    post_invoice(fabrikam["customers"]["FAB"], amounts=["1234.56"], on=date(2026, 6, 10))
    clerk = make_clerk("collector", fabrikam["FAB"])
    job = job_start(
        kind="aging_snapshot",
        legal_entities=[fabrikam["FAB"]],
        as_of=date(2026, 6, 30),
        actor=clerk,
        enqueue=False,
    )
    assert job_run(job_id=job.pk).state == "done"

    sign_in(page, "collector")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Collections").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collections")
    balance = page.locator("#collections-table tbody tr td").nth(9)
    assert balance.text_content() == "1,234.56 USD"

    # The switcher sends itself when a language is chosen (arrow keys or mouse alike).
    with page.expect_navigation():
        page.get_by_label("Language").select_option("fr")
    expect(page).to_have_url("/collections/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recouvrements")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".messages")).to_have_text("Les pages s'affichent désormais en français.")
    expect(page.locator("#collections-table thead th")).to_have_text(
        [
            "Client",
            "Entité juridique",
            "Tiers",
            "Current",
            "1–30",
            "31–60",
            "61–90",
            "Over 90",
            "Échu",
            "Solde",
            "Utilisation du crédit",
            "Dernière activité",
            "Promesse",
            "Agent",
        ]
    )
    assert balance.text_content() == "1\xa0234,56 USD"
    assert page.locator("#collections-table tbody tr td").nth(4).text_content() == "1\xa0234,56"
    assert UserPreference.objects.get(user=clerk).language == "fr"

    # Kept: the next page, and the next sign-in, are French too.
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Accueil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accueil")
    page.get_by_role("button", name="Se déconnecter").click()
    sign_in_in_french(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Accueil")


def sign_in_in_french(page) -> None:
    from tests.factories.entities import PASSWORD

    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.get_by_label("Nom d'utilisateur").fill("collector")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_label("Mot de passe").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
