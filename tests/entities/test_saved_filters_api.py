"""``/api/v1/saved-filters/``: a user's own filters and those shared with them in granted legal
entities; only the owner changes one, anyone who sees it may make it their default."""

import pytest

from entities.models import SavedFilter
from entities.services.saved_filters import saved_filter_create
from tests.factories.entities import EntityGrantFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/saved-filters/"


@pytest.fixture
def people(fabrikam):
    """Alice and Bob act in FAB, Carol in FABE. Bob has a private and a shared filter in FAB,
    Carol a shared one in FABE."""
    alice, bob, carol = (UserFactory(username=n) for n in ("alice", "bob", "carol"))
    EntityGrantFactory(user=alice, legal_entity=fabrikam["FAB"])
    EntityGrantFactory(user=bob, legal_entity=fabrikam["FAB"])
    EntityGrantFactory(user=carol, legal_entity=fabrikam["FABE"])

    def save(owner, name, entity, shared):
        return saved_filter_create(
            list_key="invoices",
            name=name,
            parameters={"status": "posted"},
            legal_entity=fabrikam[entity],
            shared=shared,
            actor=owner,
        )

    return {
        "alice": alice,
        "bob_private": save(bob, "Bob's", "FAB", False),
        "bob_shared": save(bob, "Team", "FAB", True),
        "carol_shared": save(carol, "East", "FABE", True),
    }


@pytest.fixture
def alice(api_client, people):
    api_client.force_authenticate(people["alice"])
    return api_client


def _create(client, **body):
    data = {
        "list_key": "invoices",
        "name": "Drafts",
        "parameters": {"status": "draft", "customer": "4000"},
        "legal_entity": "FAB",
        **body,
    }
    return client.post(URL, data, format="json")


def test_saved_filter_create_drops_unknown_parameters(alice, people):
    response = _create(alice, is_default=True)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: v for k, v in body.items() if k not in ("id", "created_at", "updated_at")} == {
        "list_key": "invoices",
        "list_label": "Invoices",
        "name": "Drafts",
        "parameters": {"status": "draft"},
        "legal_entity": "FAB",
        "shared": False,
        "is_default": True,
        "owner": "alice",
        "read_only": False,
    }
    assert SavedFilter.objects.get(pk=body["id"]).owner == people["alice"]


def test_saved_filter_create_refuses_bad_input_naming_the_field(alice):
    unknown = _create(alice, list_key="nope")
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == {"list_key": ["Unknown list 'nope'."]}
    _create(alice)
    taken = _create(alice)
    assert taken.status_code == 400
    assert taken.json()["fields"] == {
        "name": ["You already have a filter named 'Drafts' on this list."]
    }
    not_text = _create(alice, name="Other", parameters={"status": ["a"]})
    assert not_text.status_code == 400
    assert "parameters" in not_text.json()["fields"]
    not_granted = _create(alice, name="East", legal_entity="FABE")
    assert not_granted.status_code == 403
    assert not_granted.json()["message"] == "You may not act in legal entity FABE."
    assert SavedFilter.objects.filter(owner__username="alice").count() == 1


def test_saved_filter_list_shows_own_and_shared_filters_of_granted_entities(
    alice, people, django_assert_max_num_queries
):
    _create(alice)
    with django_assert_max_num_queries(6):
        response = alice.get(URL)
    assert response.status_code == 200
    rows = [(r["name"], r["owner"], r["read_only"]) for r in response.json()["results"]]
    assert rows == [("Drafts", "alice", False), ("Team", "bob", True)]
    assert alice.get(URL, {"shared": "true"}).json()["count"] == 1
    assert alice.get(URL, {"list_key": "credit_notes"}).json()["count"] == 0
    assert alice.get(URL, {"owner": "bob"}).status_code == 400  # unknown filter


def test_another_users_private_filter_is_not_found(alice, people):
    for pk in (people["bob_private"].pk, people["carol_shared"].pk):
        assert alice.get(f"{URL}{pk}/").status_code == 404
        assert alice.patch(f"{URL}{pk}/", {"name": "Mine"}, format="json").status_code == 404
        assert alice.patch(f"{URL}{pk}/", {"is_default": True}, format="json").status_code == 404
        assert alice.delete(f"{URL}{pk}/").status_code == 404
    assert SavedFilter.objects.get(pk=people["bob_private"].pk).name == "Bob's"


def test_a_shared_filter_is_read_only_but_may_be_made_ones_default(alice, people):
    url = f"{URL}{people['bob_shared'].pk}/"
    renamed = alice.patch(url, {"name": "Ours"}, format="json")
    assert renamed.status_code == 403
    assert renamed.json()["message"] == "Only bob may change the filter 'Team'."
    assert alice.delete(url).status_code == 403
    made = alice.patch(url, {"is_default": True}, format="json")
    assert made.status_code == 200
    assert (made.json()["is_default"], made.json()["name"]) == (True, "Team")
    assert alice.patch(url, {"is_default": False}, format="json").json()["is_default"] is False


def test_saved_filter_patch_and_delete_ones_own(alice):
    pk = _create(alice).json()["id"]
    changed = alice.patch(
        f"{URL}{pk}/",
        {"name": "Open drafts", "parameters": {"status": "draft", "x": "1"}, "shared": True},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["name"], body["parameters"], body["shared"]) == (
        "Open drafts",
        {"status": "draft"},
        True,
    )
    blank = alice.patch(f"{URL}{pk}/", {"name": " "}, format="json")
    assert blank.status_code == 400
    assert alice.put(f"{URL}{pk}/", {"name": "X"}, format="json").status_code == 405
    assert alice.delete(f"{URL}{pk}/").status_code == 204
    assert alice.get(f"{URL}{pk}/").status_code == 404


def test_saved_filters_need_a_signed_in_user(api_client, people):
    assert api_client.get(URL).status_code in (401, 403)
    assert _create(api_client).status_code in (401, 403)
