"""Writes of saved filters: save a list's filters under a name, rename, change, share, delete
them, and choose the one a list opens with. Only the owner changes a filter; a filter shared
with a user is read-only to them, though they may open their list with it. Each write is
audited in the legal entity the filter belongs to."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.audit import audit_record
from core.errors import ApplicationError, InvalidInput
from core.lists import FilteredList, filtered_list_get

from ..exceptions import SavedFilterNotFound
from ..models import LegalEntity, SavedFilter, SavedFilterDefault
from ..selectors import saved_filters_for_user
from . import ensure_can_act

NAME_MAX_LENGTH = SavedFilter._meta.get_field("name").max_length
VALUE_MAX_LENGTH = 200


def _filtered_list(list_key: str) -> FilteredList:
    filtered = filtered_list_get(list_key)
    if filtered is None:
        raise InvalidInput(f"Unknown list {list_key!r}.", field="list_key")
    return filtered


def saved_filter_parameters_clean(list_key: str, parameters: Mapping[str, Any]) -> dict[str, str]:
    """The parameters the list filters by, in its order; any other parameter is dropped. A
    parameter given several times (a query string) keeps its last value."""
    filtered = _filtered_list(list_key)
    cleaned: dict[str, str] = {}
    for name in filtered.parameters:
        if name not in parameters:
            continue
        value = parameters[name]
        if isinstance(value, list | tuple):
            if not value:
                continue
            value = value[-1]
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise InvalidInput(f"{name}: give the value as text.", field="parameters")
        value = str(value)
        if len(value) > VALUE_MAX_LENGTH:
            raise InvalidInput(
                f"{name}: at most {VALUE_MAX_LENGTH} characters.", field="parameters"
            )
        cleaned[name] = value
    return cleaned


def _name_clean(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Give the filter a name.", field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(f"A name has at most {NAME_MAX_LENGTH} characters.", field="name")
    return name


def _name_free(*, owner, list_key: str, name: str, exclude: int | None = None) -> None:
    taken = SavedFilter.objects.filter(owner=owner, list_key=list_key, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise InvalidInput(f"You already have a filter named {name!r} on this list.", field="name")


def _ensure_owner(saved_filter: SavedFilter, actor: AbstractBaseUser) -> None:
    if saved_filter.owner_id != actor.pk:
        raise ApplicationError(
            f"Only {saved_filter.owner.get_username()} may change the filter "
            f"{saved_filter.name!r}.",
            code="permission_denied",
            http_status=403,
        )


def _default_replace(*, user, list_key: str, saved_filter: SavedFilter | None) -> None:
    SavedFilterDefault.objects.filter(user=user, list_key=list_key).delete()
    if saved_filter is not None:
        SavedFilterDefault.objects.create(user=user, list_key=list_key, saved_filter=saved_filter)


@transaction.atomic
def saved_filter_create(
    *,
    list_key: str,
    name: str,
    parameters: Mapping[str, Any],
    legal_entity: LegalEntity,
    shared: bool = False,
    default: bool = False,
    actor: AbstractBaseUser,
) -> SavedFilter:
    """Save ``parameters`` of the list ``list_key`` under ``name`` for ``actor``, seen in
    ``legal_entity`` (by every user granted it when ``shared``); with ``default``, the list
    opens with it from now on."""
    parameters = saved_filter_parameters_clean(list_key, parameters)
    name = _name_clean(name)
    ensure_can_act(actor, legal_entity)
    _name_free(owner=actor, list_key=list_key, name=name)
    saved_filter = SavedFilter.objects.create(
        owner=actor,
        list_key=list_key,
        name=name,
        parameters=parameters,
        legal_entity=legal_entity,
        shared=shared,
    )
    audit_record(
        actor=actor,
        action="saved_filter.created",
        obj=saved_filter,
        changes={
            "name": (None, name),
            "parameters": (None, parameters),
            "shared": (None, shared),
        },
        legal_entity=legal_entity,
    )
    if default:
        saved_filter_default_set(list_key=list_key, saved_filter=saved_filter, actor=actor)
    return saved_filter


@transaction.atomic
def saved_filter_update(
    *,
    saved_filter: SavedFilter,
    actor: AbstractBaseUser,
    name: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    shared: bool | None = None,
    default: bool | None = None,
) -> SavedFilter:
    """Rename, change the parameters of, share or stop sharing one's own filter (when it is no
    longer shared, the other users' lists stop opening with it); and, with ``default``, open
    one's list with it, or no longer, which a user may do with a filter shared with them."""
    if name is not None or parameters is not None or shared is not None:
        saved_filter = _filter_change(
            saved_filter=saved_filter, actor=actor, name=name, parameters=parameters, shared=shared
        )
    if default is True:
        saved_filter_default_set(
            list_key=saved_filter.list_key, saved_filter=saved_filter, actor=actor
        )
    elif default is False and saved_filter.defaults.filter(user=actor).exists():
        saved_filter_default_set(list_key=saved_filter.list_key, saved_filter=None, actor=actor)
    return saved_filter


def _filter_change(
    *,
    saved_filter: SavedFilter,
    actor: AbstractBaseUser,
    name: str | None,
    parameters: Mapping[str, Any] | None,
    shared: bool | None,
) -> SavedFilter:
    saved_filter = (
        SavedFilter.objects.select_for_update().select_related("owner").get(pk=saved_filter.pk)
    )
    _ensure_owner(saved_filter, actor)
    ensure_can_act(actor, saved_filter.legal_entity)
    changes: dict[str, tuple[Any, Any]] = {}
    if name is not None:
        name = _name_clean(name)
        _name_free(owner=actor, list_key=saved_filter.list_key, name=name, exclude=saved_filter.pk)
        if name != saved_filter.name:
            changes["name"] = (saved_filter.name, name)
    if parameters is not None:
        parameters = saved_filter_parameters_clean(saved_filter.list_key, parameters)
        if parameters != saved_filter.parameters:
            changes["parameters"] = (saved_filter.parameters, parameters)
    if shared is not None and shared != saved_filter.shared:
        changes["shared"] = (saved_filter.shared, shared)
    if not changes:
        return saved_filter
    for field, (_, new) in changes.items():
        setattr(saved_filter, field, new)
    saved_filter.save(update_fields=[*changes, "updated_at"])
    if changes.get("shared") == (True, False):
        saved_filter.defaults.exclude(user=actor).delete()
    audit_record(
        actor=actor,
        action="saved_filter.changed",
        obj=saved_filter,
        changes=changes,
        legal_entity=saved_filter.legal_entity,
    )
    return saved_filter


@transaction.atomic
def saved_filter_delete(*, saved_filter: SavedFilter, actor: AbstractBaseUser) -> None:
    """Delete one's own filter; the lists that opened with it open unfiltered."""
    saved_filter = (
        SavedFilter.objects.select_for_update().select_related("owner").get(pk=saved_filter.pk)
    )
    _ensure_owner(saved_filter, actor)
    ensure_can_act(actor, saved_filter.legal_entity)
    audit_record(
        actor=actor,
        action="saved_filter.deleted",
        obj=saved_filter,
        changes={"name": (saved_filter.name, None), "parameters": (saved_filter.parameters, None)},
        legal_entity=saved_filter.legal_entity,
    )
    saved_filter.delete()


@transaction.atomic
def saved_filter_default_set(
    *, list_key: str, saved_filter: SavedFilter | None, actor: AbstractBaseUser
) -> SavedFilter | None:
    """Open ``actor``'s list ``list_key`` with ``saved_filter`` (one they see: their own or one
    shared with them) when it is opened without filters; ``None``: open it unfiltered."""
    _filtered_list(list_key)
    if saved_filter is not None:
        visible = saved_filters_for_user(actor, list_key=list_key).filter(pk=saved_filter.pk)
        if not visible.exists():
            raise SavedFilterNotFound()
    previous = (
        SavedFilterDefault.objects.select_for_update()
        .filter(user=actor, list_key=list_key)
        .select_related("saved_filter__legal_entity")
        .first()
    )
    before = previous.saved_filter if previous else None
    if before == saved_filter:
        return saved_filter
    _default_replace(user=actor, list_key=list_key, saved_filter=saved_filter)
    audited = saved_filter or before
    audit_record(
        actor=actor,
        action="saved_filter.default_set" if saved_filter else "saved_filter.default_cleared",
        obj=audited,
        changes={"default": (before.name if before else None, getattr(saved_filter, "name", None))},
        legal_entity=audited.legal_entity,
    )
    return saved_filter
