"""Saved filters' services: what is stored, the default a list opens with, renaming, deleting,
and who sees and changes a shared filter."""

import pytest

from core.errors import ApplicationError, InvalidInput
from core.models import AuditEntry
from entities.exceptions import EntityAccessDenied, SavedFilterNotFound
from entities.models import SavedFilter, SavedFilterDefault
from entities.selectors import saved_filter_default_for, saved_filters_for_user
from entities.services import entity_grant_delete
from entities.services.saved_filters import (
    saved_filter_create,
    saved_filter_default_set,
    saved_filter_delete,
    saved_filter_update,
)
from tests.factories.entities import EntityGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(fabrikam):
    """Alice and Bob act in FAB; Carol only in FABE."""
    alice, bob, carol = (UserFactory(username=n) for n in ("alice", "bob", "carol"))
    EntityGrantFactory(user=alice, legal_entity=fabrikam["FAB"])
    EntityGrantFactory(user=bob, legal_entity=fabrikam["FAB"])
    EntityGrantFactory(user=carol, legal_entity=fabrikam["FABE"])
    return {"alice": alice, "bob": bob, "carol": carol, **fabrikam}


def _save(people, owner="alice", name="Posted", parameters=None, entity="FAB", **kwargs):
    return saved_filter_create(
        list_key="invoices",
        name=name,
        parameters={"status": "posted"} if parameters is None else parameters,
        legal_entity=people[entity],
        actor=people[owner],
        **kwargs,
    )


def test_saved_filter_create_stores_only_the_lists_parameters(people):
    saved = _save(
        people, parameters={"status": "posted", "customer": "4000", "page": "3"}, name=" Posted "
    )
    saved.refresh_from_db()
    assert saved.parameters == {"status": "posted"}
    assert saved.name == "Posted"
    assert (saved.owner, saved.list_key, saved.shared) == (people["alice"], "invoices", False)
    entry = AuditEntry.objects.get(action="saved_filter.created")
    assert entry.actor == people["alice"]
    assert entry.legal_entity == people["FAB"]
    assert entry.changes == {
        "name": [None, "Posted"],
        "parameters": [None, {"status": "posted"}],
        "shared": [None, False],
    }


def test_saved_filter_create_keeps_the_last_value_of_a_repeated_parameter(people):
    saved = saved_filter_create(
        list_key="collections",
        name="Mine, EUR",
        parameters={"currency": ["USD", "EUR"], "agent": "me", "as_of": "2026-03-01"},
        legal_entity=people["FAB"],
        actor=people["alice"],
    )
    assert saved.parameters == {"currency": "EUR", "agent": "me"}


def test_saved_filter_create_refuses_an_unknown_list_a_blank_or_taken_name(people):
    with pytest.raises(InvalidInput, match="Unknown list 'nope'.") as error:
        saved_filter_create(
            list_key="nope",
            name="X",
            parameters={},
            legal_entity=people["FAB"],
            actor=people["alice"],
        )
    assert error.value.fields == {"list_key": ["Unknown list 'nope'."]}
    with pytest.raises(InvalidInput, match="Give the filter a name.") as error:
        _save(people, name="   ")
    assert error.value.field == "name"
    _save(people)
    with pytest.raises(
        InvalidInput, match="You already have a filter named 'Posted' on this list."
    ):
        _save(people, parameters={"status": "draft"})
    # The same name is free on another list, and for another user.
    saved_filter_create(
        list_key="credit_notes",
        name="Posted",
        parameters={},
        legal_entity=people["FAB"],
        actor=people["alice"],
    )
    _save(people, owner="bob")
    assert SavedFilter.objects.count() == 3


def test_saved_filter_create_refuses_a_legal_entity_not_granted(people):
    with pytest.raises(EntityAccessDenied, match="You may not act in legal entity FABE."):
        _save(people, entity="FABE")
    assert not SavedFilter.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="saved_filter").exists()


def test_saved_filter_default_is_the_one_the_list_opens_with(people):
    assert saved_filter_default_for(people["alice"], "invoices") is None
    posted = _save(people, default=True)
    assert saved_filter_default_for(people["alice"], "invoices") == posted
    drafts = _save(people, name="Drafts", parameters={"status": "draft"})
    saved_filter_default_set(list_key="invoices", saved_filter=drafts, actor=people["alice"])
    assert saved_filter_default_for(people["alice"], "invoices") == drafts
    assert SavedFilterDefault.objects.filter(user=people["alice"]).count() == 1
    # Another list and another user keep their own defaults.
    assert saved_filter_default_for(people["alice"], "credit_notes") is None
    assert saved_filter_default_for(people["bob"], "invoices") is None
    saved_filter_default_set(list_key="invoices", saved_filter=None, actor=people["alice"])
    assert saved_filter_default_for(people["alice"], "invoices") is None
    actions = list(
        AuditEntry.objects.filter(action__startswith="saved_filter.default")
        .order_by("id")
        .values_list("action", "changes")
    )
    assert actions == [
        ("saved_filter.default_set", {"default": [None, "Posted"]}),
        ("saved_filter.default_set", {"default": ["Posted", "Drafts"]}),
        ("saved_filter.default_cleared", {"default": ["Drafts", None]}),
    ]


def test_saved_filter_update_renames_and_changes_parameters(people):
    saved = _save(people)
    _save(people, name="Drafts", parameters={"status": "draft"})
    saved = saved_filter_update(
        saved_filter=saved,
        name="Posted only",
        parameters={"status": "", "unknown": "x"},
        actor=people["alice"],
    )
    saved.refresh_from_db()
    assert (saved.name, saved.parameters) == ("Posted only", {"status": ""})
    entry = AuditEntry.objects.get(action="saved_filter.changed")
    assert entry.changes == {
        "name": ["Posted", "Posted only"],
        "parameters": [{"status": "posted"}, {"status": ""}],
    }
    with pytest.raises(InvalidInput, match="You already have a filter named 'Drafts'"):
        saved_filter_update(saved_filter=saved, name="Drafts", actor=people["alice"])
    # Nothing changed, nothing audited.
    saved_filter_update(saved_filter=saved, name="Posted only", actor=people["alice"])
    assert AuditEntry.objects.filter(action="saved_filter.changed").count() == 1


def test_saved_filter_delete_removes_it_and_the_default_it_was(people):
    saved = _save(people, default=True)
    saved_filter_delete(saved_filter=saved, actor=people["alice"])
    assert not SavedFilter.objects.exists()
    assert not SavedFilterDefault.objects.exists()
    assert saved_filter_default_for(people["alice"], "invoices") is None
    entry = AuditEntry.objects.get(action="saved_filter.deleted")
    assert entry.object_id == str(saved.pk)
    assert entry.changes == {"name": ["Posted", None], "parameters": [{"status": "posted"}, None]}


def test_a_shared_filter_is_seen_in_its_legal_entity_only_and_read_only_to_others(people):
    private = _save(people, name="Mine")
    shared = _save(people, name="Team", parameters={"status": "draft"}, shared=True)
    assert set(saved_filters_for_user(people["alice"])) == {private, shared}
    assert list(saved_filters_for_user(people["bob"])) == [shared]
    assert list(saved_filters_for_user(people["carol"])) == []  # not granted FAB
    message = "Only alice may change the filter 'Team'."
    with pytest.raises(ApplicationError, match=message) as error:
        saved_filter_update(saved_filter=shared, name="Ours", actor=people["bob"])
    assert error.value.http_status == 403
    with pytest.raises(ApplicationError, match=message):
        saved_filter_update(saved_filter=shared, shared=False, actor=people["bob"])
    with pytest.raises(ApplicationError, match=message):
        saved_filter_delete(saved_filter=shared, actor=people["bob"])
    shared.refresh_from_db()
    assert (shared.name, shared.shared) == ("Team", True)


def test_a_shared_filter_may_be_anyones_default_until_it_is_no_longer_shared(people):
    private = _save(people, name="Mine")
    shared = _save(people, name="Team", shared=True, default=True)
    with pytest.raises(SavedFilterNotFound, match="No such saved filter."):
        saved_filter_default_set(list_key="invoices", saved_filter=private, actor=people["bob"])
    with pytest.raises(SavedFilterNotFound):
        saved_filter_default_set(list_key="invoices", saved_filter=shared, actor=people["carol"])
    # Changing a shared filter is refused whole, even with the default asked for alongside.
    with pytest.raises(ApplicationError, match="Only alice may change the filter 'Team'."):
        saved_filter_update(saved_filter=shared, name="Ours", default=True, actor=people["bob"])
    assert saved_filter_default_for(people["bob"], "invoices") is None
    saved_filter_update(saved_filter=shared, default=True, actor=people["bob"])
    assert saved_filter_default_for(people["bob"], "invoices") == shared
    saved_filter_update(saved_filter=shared, default=False, actor=people["bob"])
    assert saved_filter_default_for(people["bob"], "invoices") is None
    assert saved_filter_default_for(people["alice"], "invoices") == shared
    saved_filter_update(saved_filter=shared, default=True, actor=people["bob"])
    saved_filter_update(saved_filter=shared, shared=False, actor=people["alice"])
    assert saved_filter_default_for(people["bob"], "invoices") is None
    assert saved_filter_default_for(people["alice"], "invoices") == shared
    assert list(SavedFilterDefault.objects.values_list("user__username", flat=True)) == ["alice"]


def test_a_users_own_filters_are_hidden_while_they_are_not_granted_the_entity(people):
    saved = _save(people, default=True)
    grant = people["alice"].entity_grants.get()
    entity_grant_delete(grant=grant, actor=None)
    assert list(saved_filters_for_user(people["alice"])) == []
    assert saved_filter_default_for(people["alice"], "invoices") is None
    with pytest.raises(EntityAccessDenied):
        saved_filter_update(saved_filter=saved, name="Other", actor=people["alice"])
