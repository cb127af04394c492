"""Writes of customer pools: the saved criteria that filter the collections list."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from core.audit import Actor, audit_record
from core.errors import InvalidInput
from core.money import currency_is_known
from entities.models import LegalEntity

from ..models import CustomerPool
from .common import acting_user

POOL_CRITERIA = {
    "min_days_overdue": int,
    "min_overdue": Decimal,
    "min_balance": Decimal,
    "legal_entities": list,
    "currency": str,
    "agent": str,
}


def pool_criteria_validate(criteria: Any) -> dict[str, Any]:
    """Clean a pool's criteria, or say which one is wrong."""
    from django.contrib.auth import get_user_model

    if not isinstance(criteria, dict):
        raise InvalidInput("Criteria are an object of name → value.", field="criteria")
    unknown = sorted(set(criteria) - set(POOL_CRITERIA))
    if unknown:
        raise InvalidInput(
            f"Unknown criterion {unknown[0]!r}: use {', '.join(sorted(POOL_CRITERIA))}.",
            field="criteria",
        )
    clean: dict[str, Any] = {}
    for name, value in criteria.items():
        if value is None or value == "" or value == []:
            continue
        expected = list if name == "legal_entities" else (int, float, str)
        if (
            isinstance(value, bool)
            or not isinstance(value, expected)
            or (name == "legal_entities" and not all(isinstance(c, str) for c in value))
        ):
            raise InvalidInput(
                f"criteria.{name}: {value!r} is not a valid value.", field="criteria"
            )
        try:
            if name == "min_days_overdue":
                clean[name] = int(value)
                if not 0 <= clean[name] <= 36_500:
                    raise ValueError
            elif name in ("min_overdue", "min_balance"):
                clean[name] = str(Decimal(str(value)))
                if not Decimal(clean[name]).is_finite():
                    raise ValueError
            elif name == "legal_entities":
                codes = [str(c) for c in value]
                known = set(
                    LegalEntity.objects.filter(code__in=codes).values_list("code", flat=True)
                )
                if set(codes) - known:
                    raise InvalidInput(
                        f"criteria.legal_entities: unknown legal entity "
                        f"{sorted(set(codes) - known)[0]!r}.",
                        field="criteria",
                    )
                clean[name] = codes
            elif name == "currency":
                if not currency_is_known(str(value).upper()):
                    raise ValueError
                clean[name] = str(value).upper()
            elif name == "agent":
                if "\x00" in str(value) or not (
                    get_user_model().objects.filter(username=str(value)).exists()
                ):
                    raise InvalidInput(f"criteria.agent: no user {value!r}.", field="criteria")
                clean[name] = str(value)
        except (ValueError, TypeError, ArithmeticError):
            raise InvalidInput(
                f"criteria.{name}: {value!r} is not a valid value.", field="criteria"
            ) from None
    return clean


@transaction.atomic
def customer_pool_save(
    *,
    code: str,
    name: str,
    criteria: dict[str, Any],
    actor: Actor,
    instance: CustomerPool | None = None,
) -> CustomerPool:
    clean = pool_criteria_validate(criteria)
    if not (code or "").strip():
        raise InvalidInput("A code is required.", field="code")
    if instance is None and CustomerPool.objects.filter(code=code).exists():
        raise InvalidInput(f"Customer pool {code} already exists.", field="code")
    pool = instance or CustomerPool(code=code, created_by=acting_user(actor))
    old = dict(pool.criteria) if instance else None
    pool.name = (name or code).strip()[:120]
    pool.criteria = clean
    pool.full_clean(validate_unique=False)
    pool.save()
    audit_record(
        actor=actor, action="customer_pool.saved", obj=pool, changes={"criteria": (old, clean)}
    )
    return pool
