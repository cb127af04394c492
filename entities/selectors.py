"""Reads of the entities room: which legal entities a user may act in, exchange rates."""

from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from core.models import AuditEntry, Job

from .exceptions import ExchangeRateMissing
from .models import ExchangeRate, LegalEntity, UserPreference

User = AbstractBaseUser | AnonymousUser

# Group-wide data (parties, contacts, exchange rates) is changed by a steward; without the role,
# a party may be changed only by a user granted every entity where it has a customer account.
GROUP_DATA_PERMISSION = "entities.manage_group_data"


def granted_entity_ids(user: User | None) -> frozenset[int] | None:
    """Ids of the legal entities ``user`` may act in; ``None`` means all (superuser or system).

    Cached on the user object for the life of the request.
    """
    if user is None:
        return None
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    cached = getattr(user, "_granted_entity_ids", None)
    if cached is None:
        cached = frozenset(user.entity_grants.values_list("legal_entity_id", flat=True))
        user._granted_entity_ids = cached
    return cached


def in_granted_entities(
    qs: QuerySet, user: User | None, *, field: str = "legal_entity_id"
) -> QuerySet:
    """``qs`` narrowed to the rows whose legal entity (``field``) is granted to ``user``."""
    ids = granted_entity_ids(user)
    return qs if ids is None else qs.filter(**{f"{field}__in": ids})


def user_is_group_data_steward(user: User | None) -> bool:
    """May ``user`` change data shared by the whole group (``None`` is the system)?"""
    if user is None:
        return True
    return bool(user.is_authenticated and user.is_active and user.has_perm(GROUP_DATA_PERMISSION))


def party_entity_ids(party_id: int) -> set[int]:
    """The legal entities where the party has a customer account."""
    from .models import Customer

    return set(
        Customer.objects.filter(party_id=party_id)
        .values_list("legal_entity_id", flat=True)
        .distinct()
    )


def user_can_change_party(user: User | None, party_id: int) -> bool:
    """A steward may; otherwise only a user granted every entity where the party is a
    customer (so no entity's letters can be redirected by a user of another one)."""
    if user_is_group_data_steward(user):
        return True
    ids = granted_entity_ids(user)
    return ids is None or party_entity_ids(party_id) <= ids


def legal_entities_for_user(user: User | None) -> QuerySet[LegalEntity]:
    ids = granted_entity_ids(user)
    qs = LegalEntity.objects.all()
    return qs if ids is None else qs.filter(pk__in=ids)


def user_can_act_in(user: User | None, legal_entity: LegalEntity | int) -> bool:
    ids = granted_entity_ids(user)
    pk = legal_entity if isinstance(legal_entity, int) else legal_entity.pk
    return ids is None or pk in ids


def exchange_rate_get(*, from_currency: str, to_currency: str, on: date) -> Decimal:
    """The rate valid on ``on``: the latest ``valid_from`` ≤ ``on``. 1 for the same currency."""
    if from_currency == to_currency:
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(
            from_currency=from_currency, to_currency=to_currency, valid_from__lte=on
        )
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise ExchangeRateMissing(from_currency, to_currency, on)
    return rate


class RateBook:
    """Memoizes rate look-ups within one use case (a journal of many lines, a settlement)."""

    def __init__(self) -> None:
        self._rates: dict[tuple[str, str, date], Decimal] = {}

    def get(self, from_currency: str, to_currency: str, on: date) -> Decimal:
        key = (from_currency, to_currency, on)
        if key not in self._rates:
            self._rates[key] = exchange_rate_get(
                from_currency=from_currency, to_currency=to_currency, on=on
            )
        return self._rates[key]


def audit_entries_for(obj: object, *, user: User | None = None) -> QuerySet[AuditEntry]:
    """The audit rows of ``obj`` that ``user`` may see (all of them for the system)."""
    from django.contrib.contenttypes.models import ContentType

    return (
        audit_entries_for_user(user)
        .filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
        .select_related("actor")
    )


def audit_entries_for_user(user: User | None) -> QuerySet[AuditEntry]:
    """Audit rows whose legal entities are all granted to ``user``. Rows that concern no legal
    entity (group-wide data and setup) only for group data stewards and admins."""
    from django.db.models import Exists, OuterRef

    qs = AuditEntry.objects.all()
    ids = granted_entity_ids(user)
    if ids is None:
        return qs
    links = AuditEntry.legal_entities.through.objects.filter(auditentry_id=OuterRef("pk"))
    qs = qs.exclude(Exists(links.exclude(legalentity_id__in=ids)))
    if not user_is_group_data_steward(user):
        qs = qs.filter(Exists(links))
    return qs


def jobs_for_user(user: User | None) -> QuerySet[Job]:
    """Jobs whose legal entities are all granted to ``user``."""
    qs = Job.objects.select_related("started_by").order_by("-created_at", "-id")
    ids = granted_entity_ids(user)
    if ids is None:
        return qs
    return qs.exclude(legal_entities__in=LegalEntity.objects.exclude(pk__in=ids))


def user_language(user) -> str:
    """The language ``user`` chose for their pages, or "" when they left it to the browser."""
    chosen = UserPreference.objects.filter(user=user).values_list("language", flat=True).first()
    return chosen or ""


def saved_filters_for_user(user: User | None, *, list_key: str | None = None) -> QuerySet:
    """The saved filters ``user`` sees: their own and those shared with them, of the legal
    entities they may act in; each with ``is_default`` (the one their list opens with)."""
    from django.db.models import Exists, OuterRef, Q

    from .models import SavedFilter, SavedFilterDefault

    if user is None or not user.is_authenticated:
        return SavedFilter.objects.none()
    qs = in_granted_entities(SavedFilter.objects.filter(Q(owner=user) | Q(shared=True)), user)
    if list_key is not None:
        qs = qs.filter(list_key=list_key)
    defaults = SavedFilterDefault.objects.filter(user=user, saved_filter=OuterRef("pk"))
    return (
        qs.annotate(is_default=Exists(defaults))
        .select_related("owner", "legal_entity")
        .order_by("list_key", "name", "id")
    )


def saved_filter_default_for(user: User | None, list_key: str):
    """The saved filter ``user``'s list ``list_key`` opens with, if they still see it."""
    return saved_filters_for_user(user, list_key=list_key).filter(is_default=True).first()
