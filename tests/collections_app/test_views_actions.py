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


def _letter_message(client, customer, email: str = "") -> str:
    from datetime import date

    from collections_app.services import aging_period_set_default_ensure
    from collections_app.services.letters import letter_steps_default_ensure
    from tests.factories.receivables import post_invoice

    # A test that commits starts from a flushed database: the defaults come back first.
    aging_period_set_default_ensure()
    letter_steps_default_ensure()
    post_invoice(customer, amounts=["100.00"], on=date(2026, 1, 5))
    response = client.post(
        f"/collections/customers/{customer.pk}/letter/", {"email": email}, follow=True
    )
    (message,) = [str(m) for m in response.context["messages"]]
    return message


@pytest.mark.django_db(transaction=True)
def test_a_letter_says_it_was_emailed_only_when_it_was(client, admin_user, fabrikam, mailoutbox):
    client.force_login(admin_user)
    customer = fabrikam["customers"]["FAB"]
    assert _letter_message(client, customer, "ap@northwind.example") == (
        "Letter 1 emailed to ap@northwind.example."
    )
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_letter_without_an_address_says_it_was_not_emailed(client, admin_user, fabrikam):
    client.force_login(admin_user)
    message = _letter_message(client, fabrikam["customers"]["FAB"])
    assert message.startswith("Letter 1 created, not emailed: the customer has no contact email")


@pytest.mark.django_db(transaction=True)
def test_a_letter_whose_email_failed_says_so(client, admin_user, fabrikam, monkeypatch):
    from django.core.mail import EmailMultiAlternatives

    def refuse(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    client.force_login(admin_user)
    message = _letter_message(client, fabrikam["customers"]["FAB"], "ap@northwind.example")
    assert message.startswith("Letter 1 created, but emailing it to ap@northwind.example failed")
