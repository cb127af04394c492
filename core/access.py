"""Who may act in which legal entity, as core asks it: the grants belong to the app that owns
legal entities, which registers its check here when it is ready (as apps register their job
kinds), so that core names no app above it."""

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model

from core.audit import Actor

# (actor, legal entity, field=…) → None, raising the owner's refusal.
AccessCheck = Callable[..., None]

_check: AccessCheck | None = None


def access_check_register(check: AccessCheck) -> None:
    """Install the check ``ensure_can_act`` runs (the legal entities' app, in ``ready()``)."""
    global _check
    _check = check


def ensure_can_act(actor: Actor, legal_entity: Model, *, field: str = "legal_entity") -> None:
    """Refuse, with the registered check's error, when ``actor`` may not act in
    ``legal_entity`` (``None`` is the system)."""
    if _check is None:
        raise ImproperlyConfigured("No legal entity access check is registered.")
    _check(actor, legal_entity, field=field)
