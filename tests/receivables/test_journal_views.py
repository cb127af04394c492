"""The payment journal pages without a browser: "Add a line" without JavaScript, a posted
journal posted again, journals of entities not granted."""

import pytest

from receivables.models import Payment
from receivables.services import JournalLineInput, journal_create, journal_post
from tests.conftest import make_clerk

pytestmark = pytest.mark.django_db


def _management(total: int) -> dict:
    return {"lines-TOTAL_FORMS": str(total), "lines-INITIAL_FORMS": "0"}


def test_add_a_line_without_javascript_copies_the_date_and_method(client, fabrikam):
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    response = client.post(
        "/payments/journal/",
        {
            **_management(1),
            "lines-0-date": "2026-03-02",
            "lines-0-method": "check",
            "lines-0-amount": "5.00",
            "add_line": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="lines-1-date" value="2026-03-02"' in html
    assert '<option value="check" selected>' in html.split('name="lines-1-method"')[1]
    assert 'name="lines-1-customer"' in html.split("autofocus")[0].rsplit("<select", 1)[1]


def test_a_posted_journal_posted_again_posts_nothing_more(client, fabrikam):
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    journal = journal_create(
        legal_entity=fabrikam["FAB"],
        actor=None,
        lines=[JournalLineInput(customer=fabrikam["customers"]["FAB"], amount=5, date=None)],
    )
    journal.lines.update(date="2026-03-09")
    journal_post(journal=journal, actor=None)
    response = client.post(f"/payments/journals/{journal.pk}/", {**_management(0), "post": ""})
    assert response.status_code == 302
    assert Payment.objects.count() == 1
    page = client.get(f"/payments/journals/{journal.pk}/")
    assert 'id="journal-status">Posted' in page.content.decode()


def test_journals_of_entities_not_granted_are_not_found(client, fabrikam):
    theirs = journal_create(legal_entity=fabrikam["FABE"], actor=None)
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    assert client.get(f"/payments/journals/{theirs.pk}/").status_code == 404
    assert client.post(f"/payments/journals/{theirs.pk}/", {"post": ""}).status_code == 404
    listed = client.get("/payments/journals/").content.decode()
    assert f'data-journal="{theirs.pk}"' not in listed


def test_a_draft_is_deleted_after_a_confirmation_in_the_users_language(client, fabrikam):
    from core.models import AuditEntry
    from entities.models import UserPreference
    from receivables.models import PaymentJournal

    clerk = make_clerk("clerk", fabrikam["FAB"])
    client.force_login(clerk)
    journal = journal_create(
        legal_entity=fabrikam["FAB"],
        actor=None,
        lines=[JournalLineInput(customer=fabrikam["customers"]["FAB"], amount=5, date=None)] * 2,
    )
    page = client.get(f"/payments/journals/{journal.pk}/").content.decode()
    assert f'href="/payments/journals/{journal.pk}/delete/" id="journal-delete"' in page

    confirm = client.get(f"/payments/journals/{journal.pk}/delete/").content.decode()
    assert f"Journal {journal.pk} is a draft with 2 lines." in confirm
    assert PaymentJournal.objects.filter(pk=journal.pk).exists(), "a GET deletes nothing"

    response = client.post(f"/payments/journals/{journal.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/payments/journals/"
    assert not PaymentJournal.objects.filter(pk=journal.pk).exists()
    assert AuditEntry.objects.filter(action="payment_journal.deleted").count() == 1
    assert f"Journal {journal.pk} deleted." in client.get("/payments/journals/").content.decode()

    other = journal_create(legal_entity=fabrikam["FAB"], actor=None)
    UserPreference.objects.update_or_create(user=clerk, defaults={"language": "fr"})
    client.cookies["django_language"] = "fr"
    confirm = client.get(f"/payments/journals/{other.pk}/delete/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Supprimer le journal" in confirm.content.decode()


def test_a_posted_journal_is_not_deleted_and_others_entities_are_not_found(client, fabrikam):
    from receivables.models import PaymentJournal

    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    posted = journal_create(
        legal_entity=fabrikam["FAB"],
        actor=None,
        lines=[JournalLineInput(customer=fabrikam["customers"]["FAB"], amount=5, date=None)],
    )
    posted.lines.update(date="2026-03-09")
    journal_post(journal=posted, actor=None)
    response = client.post(f"/payments/journals/{posted.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == f"/payments/journals/{posted.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f"Journal {posted.pk} is posted: it cannot be deleted." in page
    assert 'id="journal-delete"' not in page
    assert PaymentJournal.objects.filter(pk=posted.pk).exists()
    theirs = journal_create(legal_entity=fabrikam["FABE"], actor=None)
    assert client.post(f"/payments/journals/{theirs.pk}/delete/").status_code == 404
    assert PaymentJournal.objects.filter(pk=theirs.pk).exists()
