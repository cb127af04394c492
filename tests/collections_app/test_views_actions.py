"""The actions of a customer's collections view: typed input that does not parse goes back
beside its field with what was typed; each action answers at its own address only by POST."""

import pytest

from collections_app.models import Activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, admin_user):
    client.force_login(admin_user)
    return client


def test_activity_with_text_that_does_not_parse_goes_back_beside_its_fields(browser, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    typed = {
        "kind": "call",
        "subject": "Called",
        "follow_up_on": "soon",
        "promised_on": "2026-13-01",
        "promised_amount": "a lot",
    }
    response = browser.post(f"/collections/customers/{customer.pk}/activity/", typed)
    assert response.status_code == 302
    assert response["Location"] == f"/collections/customers/{customer.pk}/"
    assert browser.session["collections_errors"] == {
        "activity_follow_up_on": "Enter a date as YYYY-MM-DD.",
        "activity_promised_on": "Enter a date as YYYY-MM-DD.",
        "activity_promised_amount": "Enter an amount such as 120.00.",
    }
    assert browser.session["collections_form"] == typed
    assert not Activity.objects.exists()
    page = browser.get(f"/collections/customers/{customer.pk}/").content.decode()
    assert 'value="a lot"' in page and "Enter an amount such as 120.00." in page


def test_write_off_amount_that_does_not_parse_goes_back_beside_it(browser, fabrikam):
    customer = fabrikam["customers"]["FAB"]
    browser.post(
        f"/collections/customers/{customer.pk}/write-off/",
        {"transaction": "1", "amount": "0,40", "reason": "small"},
    )
    assert browser.session["collections_errors"] == {
        "write_off_amount": "Enter an amount such as 0.40."
    }


@pytest.mark.parametrize(
    ("method", "verb", "status"), [("post", "nope", 404), ("get", "letter", 405)]
)
def test_customer_action_answers_only_its_actions_by_post(browser, fabrikam, method, verb, status):
    customer = fabrikam["customers"]["FAB"]
    url = f"/collections/customers/{customer.pk}/{verb}/"
    assert getattr(browser, method)(url).status_code == status
