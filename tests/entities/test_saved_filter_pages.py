"""Saved filters on the list pages: the default filter a list opens with, an explicit query
string winning over it, a saved filter picked from the menu, and the menu's writes."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from core.models import AuditEntry
from entities.models import SavedFilter
from entities.services.saved_filters import saved_filter_create, saved_filter_default_set
from receivables.services import DocumentInput, DocumentLineInput, invoice_create
from tests.factories.entities import EntityGrantFactory, UserFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(fabrikam):
    """In FAB: invoice FAB-INV… posted, and a draft; Alice and Bob act in FAB."""
    customer = fabrikam["customers"]["FAB"]
    posted = post_invoice(customer, amounts=["100.00"])
    draft = invoice_create(
        data=DocumentInput(
            legal_entity=fabrikam["FAB"],
            customer=customer,
            date=date(2026, 3, 5),
            lines=[DocumentLineInput(description="Later", amount=Decimal("7.00"))],
        ),
        actor=None,
    )
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        EntityGrantFactory(user=user, legal_entity=fabrikam["FAB"])
    return {"posted": posted, "draft": draft, "alice": alice, "bob": bob, **fabrikam}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _save(book, owner="alice", name="Posted", status="posted", **kwargs):
    return saved_filter_create(
        list_key="invoices",
        name=name,
        parameters={"status": status},
        legal_entity=book["FAB"],
        actor=book[owner],
        **kwargs,
    )


def _shown(response) -> set[int]:
    assert response.status_code == 200
    return {document.pk for document in response.context["page"]}


def test_invoice_list_opens_with_the_default_filter(book):
    client = _client(book["alice"])
    assert _shown(client.get("/invoices/")) == {book["posted"].pk, book["draft"].pk}
    saved = _save(book, default=True)
    response = client.get("/invoices/")
    assert _shown(response) == {book["posted"].pk}
    assert response.context["status"] == "posted"
    page = response.content.decode()
    assert '<strong id="current-saved-filter">Posted</strong>' in page
    assert f'href="/invoices/?saved_filter={saved.pk}" aria-current="true"' in page
    # Paging through the list keeps the default filter.
    assert _shown(client.get("/invoices/?page=1")) == {book["posted"].pk}
    # Bob's list, and Alice's credit notes, open unfiltered.
    assert _shown(_client(book["bob"]).get("/invoices/")) == {book["posted"].pk, book["draft"].pk}
    assert _client(book["alice"]).get("/credit-notes/").context["status"] == ""


def test_an_explicit_query_string_wins_over_the_default_filter(book):
    _save(book, default=True)
    client = _client(book["alice"])
    assert _shown(client.get("/invoices/?status=draft")) == {book["draft"].pk}
    # "All" in the filter bar is a filter too.
    assert _shown(client.get("/invoices/?status=")) == {book["posted"].pk, book["draft"].pk}
    assert _shown(client.get("/invoices/?saved_filter=none")) == {
        book["posted"].pk,
        book["draft"].pk,
    }


def test_a_saved_filter_picked_from_the_menu_is_applied(book):
    _save(book, default=True)
    drafts = _save(book, name="Drafts", status="draft")
    response = _client(book["alice"]).get(f"/invoices/?saved_filter={drafts.pk}")
    assert _shown(response) == {book["draft"].pk}
    assert '<strong id="current-saved-filter">Drafts</strong>' in response.content.decode()


def test_another_users_private_filter_is_not_found(book):
    private = _save(book, owner="bob", name="Bob's")
    shared = _save(book, owner="bob", name="Team", status="draft", shared=True)
    client = _client(book["alice"])
    assert client.get(f"/invoices/?saved_filter={private.pk}").status_code == 404
    assert client.get("/invoices/?saved_filter=x1").status_code == 404
    assert client.get(f"/credit-notes/?saved_filter={shared.pk}").status_code == 404
    assert _shown(client.get(f"/invoices/?saved_filter={shared.pk}")) == {book["draft"].pk}
    page = client.get("/invoices/").content.decode()
    assert "Team" in page and "shared by bob in FAB" in page and "Bob&#x27;s" not in page
    for url in ("/saved-filters/{}/", "/saved-filters/{}/default/", "/saved-filters/{}/delete/"):
        response = client.post(url.format(private.pk), {"name": "Mine", "next": "/invoices/"})
        assert response.status_code == 404
    assert SavedFilter.objects.get(pk=private.pk).name == "Bob's"


def test_the_menu_saves_the_current_filter_without_unknown_parameters(book):
    client = _client(book["alice"])
    response = client.post(
        "/saved-filters/",
        {
            "list_key": "invoices",
            "name": "Posted",
            "query": "status=posted&customer=4000&page=2",
            "default": "on",
            "next": "/invoices/?status=posted",
        },
    )
    saved = SavedFilter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/invoices/?saved_filter={saved.pk}"
    assert (saved.parameters, saved.shared, saved.legal_entity) == (
        {"status": "posted"},
        False,
        book["FAB"],
    )
    assert _shown(client.get("/invoices/")) == {book["posted"].pk}


def test_the_menu_shows_a_refused_name_beside_its_field(book):
    _save(book)
    client = _client(book["alice"])
    response = client.post(
        "/saved-filters/",
        {"list_key": "invoices", "name": "Posted", "query": "status=draft", "next": "/invoices/"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<span class="error" id="saved-filter-error-new">You already have a filter named '
        "&#x27;Posted&#x27; on this list.</span>"
    ) in page
    assert 'value="Posted"' in page and "<details open>" in page
    assert SavedFilter.objects.count() == 1
    # Without htmx: back to the list, the error among the messages.
    response = client.post(
        "/saved-filters/",
        {"list_key": "invoices", "name": "", "query": "", "next": "/invoices/?status=draft"},
        follow=True,
    )
    assert response.redirect_chain == [("/invoices/?status=draft", 302)]
    assert "Give the filter a name." in response.content.decode()


def test_the_menu_renames_shares_makes_default_and_deletes(book):
    saved = _save(book)
    client = _client(book["alice"])
    response = client.post(
        f"/saved-filters/{saved.pk}/", {"name": "Posted ones", "next": "/invoices/?status="}
    )
    assert response["Location"] == "/invoices/?status="
    client.post(f"/saved-filters/{saved.pk}/", {"shared": "1", "next": "/invoices/"})
    client.post(f"/saved-filters/{saved.pk}/default/", {"default": "1", "next": "/invoices/"})
    saved.refresh_from_db()
    assert (saved.name, saved.shared) == ("Posted ones", True)
    assert _shown(client.get("/invoices/")) == {book["posted"].pk}
    # Bob may open his list with Alice's shared filter, but not change it.
    bob = _client(book["bob"])
    bob.post(f"/saved-filters/{saved.pk}/default/", {"default": "1", "next": "/invoices/"})
    assert _shown(bob.get("/invoices/")) == {book["posted"].pk}
    refused = bob.post(f"/saved-filters/{saved.pk}/delete/", {"next": "/invoices/"}, follow=True)
    assert "Only alice may change the filter &#x27;Posted ones&#x27;." in refused.content.decode()
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.post(f"/saved-filters/{saved.pk}/delete/", {"next": "https://elsewhere.example/"})
    assert not SavedFilter.objects.exists()
    assert _shown(bob.get("/invoices/")) == {book["posted"].pk, book["draft"].pk}
    assert list(
        AuditEntry.objects.filter(action__startswith="saved_filter")
        .order_by("id")
        .values_list("action", "actor__username")
    ) == [
        ("saved_filter.created", "alice"),
        ("saved_filter.changed", "alice"),
        ("saved_filter.changed", "alice"),
        ("saved_filter.default_set", "alice"),
        ("saved_filter.default_set", "bob"),
        ("saved_filter.deleted", "alice"),
    ]


def test_the_menus_writes_need_the_csrf_token(book):
    saved = _save(book)
    client = Client(enforce_csrf_checks=True)
    client.force_login(book["alice"])
    assert client.post("/saved-filters/", {"list_key": "invoices", "name": "X"}).status_code == 403
    assert client.post(f"/saved-filters/{saved.pk}/delete/").status_code == 403
    assert SavedFilter.objects.count() == 1
    page = client.get("/invoices/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 5


@pytest.mark.parametrize(
    ("url", "list_key", "parameters"),
    [
        ("/customers/", "customers", {"q": "north", "entity": "FAB"}),
        ("/invoices/", "invoices", {"status": "posted"}),
        ("/credit-notes/", "credit_notes", {"status": "draft"}),
        ("/interest-notes/", "interest_notes", {"status": "posted"}),
        ("/bank/statements/", "bank_statements", {"status": "reconciled"}),
        ("/collections/", "collections", {"currency": "USD", "agent": "all"}),
    ],
)
def test_each_list_opens_with_its_default_filter(book, url, list_key, parameters):
    saved = saved_filter_create(
        list_key=list_key,
        name="Mine",
        parameters=parameters,
        legal_entity=book["FAB"],
        actor=book["alice"],
    )
    saved_filter_default_set(list_key=list_key, saved_filter=saved, actor=book["alice"])
    response = _client(book["alice"]).get(url)
    assert response.status_code == 200
    assert {name: response.wsgi_request.GET.get(name) for name in parameters} == parameters
    assert '<strong id="current-saved-filter">Mine</strong>' in response.content.decode()


@pytest.mark.parametrize("url", ["/payments/", "/settlements/", "/ledger/vouchers/"])
def test_a_list_without_filter_parameters_shows_no_menu(book, url):
    response = _client(book["alice"]).get(url)
    assert response.status_code == 200
    assert 'id="saved-filters"' not in response.content.decode()


def test_a_refused_rename_is_shown_beside_that_filters_field(book):
    saved = _save(book)
    _save(book, name="Drafts", status="draft")
    response = _client(book["alice"]).post(
        f"/saved-filters/{saved.pk}/",
        {"name": "Drafts", "next": "/invoices/?status=posted"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f'<span class="error" id="saved-filter-error-{saved.pk}">You already have a filter '
        "named &#x27;Drafts&#x27; on this list.</span>"
    ) in page
    assert '<strong id="current-saved-filter">Posted</strong>' in page
    saved.refresh_from_db()
    assert saved.name == "Posted"
