"""The demo group: Fabrikam (FAB), Fabrikam East (FABE), Fabrikam West (FABW), all in USD;
party 4050 Northwind Traders as customer 4000 / 4000 / 10000 and a dozen more, created with the
defaults the caller gives (the receivables demo gives its terms and cash discount); EUR, GBP and
JPY rates; a few cash sales vouchers; the fiscal years those dates fall in, open.

Every object is looked up by its natural key first, so loading twice creates nothing new.
"""

import os
import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from entities.models import Customer, ExchangeRate, LegalEntity, Party

from .models import FiscalPeriod, Voucher
from .services import (
    VoucherInput,
    VoucherLineInput,
    fiscal_year_create,
    legal_entity_create,
    voucher_post,
)

ENTITIES = [("FAB", "Fabrikam"), ("FABE", "Fabrikam East"), ("FABW", "Fabrikam West")]
PARTIES = [
    ("4050", "Northwind Traders", {"FAB": "4000", "FABE": "4000", "FABW": "10000"}, "USD"),
    ("4051", "Contoso Retail", {"FAB": "4001", "FABE": "4001"}, "USD"),
    ("4052", "Adventure Works", {"FAB": "4002", "FABW": "10002"}, "EUR"),
    ("4053", "Litware Inc.", {"FABE": "4003"}, "USD"),
    ("4054", "Tailspin Toys", {"FAB": "4004", "FABE": "4004", "FABW": "10004"}, "GBP"),
    ("4055", "Wide World Importers", {"FABW": "10005"}, "USD"),
    ("4056", "Fourth Coffee", {"FAB": "4006"}, "EUR"),
    ("4057", "Coho Winery", {"FAB": "4007", "FABW": "10007"}, "USD"),
    ("4058", "Alpine Ski House", {"FABE": "4008"}, "JPY"),
    ("4059", "Margie's Travel", {"FAB": "4009", "FABE": "4009"}, "USD"),
    ("4060", "Proseware", {"FABW": "10010"}, "USD"),
    ("4061", "Blue Yonder Airlines", {"FAB": "4011", "FABE": "4011", "FABW": "10011"}, "EUR"),
    ("4062", "Trey Research", {"FAB": "4012"}, "USD"),
]
RATES = [
    ("EUR", "USD", "2026-01-01", "1.1800"),
    ("EUR", "USD", "2026-03-02", "1.2062"),
    ("EUR", "USD", "2026-03-09", "1.2277"),
    ("GBP", "USD", "2026-01-01", "1.3400"),
    ("JPY", "USD", "2026-01-01", "0.0067"),
]


# The years of the dates above (rates, cash sales).
DEMO_YEARS = (2026,)


def demo_fiscal_years_open(entity: LegalEntity, years) -> list[str]:
    """Open the years a demo posts into that the entity has no period in yet."""
    opened = []
    for year in sorted(set(years)):
        if not FiscalPeriod.objects.filter(legal_entity=entity, start__year=year).exists():
            fiscal_year_create(legal_entity=entity, year=year, actor=None)
            opened.append(f"fiscal year {year} of {entity.code}")
    return opened


@transaction.atomic
def demo_load(*, customer_defaults: Mapping[str, Any] | None = None) -> str:
    """Create what is missing of the demo; return a summary of what was created ('' if none).
    ``customer_defaults`` are fields given to the customer accounts it creates."""
    entities, created = _demo_legal_entities()
    created += _demo_rates()
    created += _demo_customers(entities, defaults=customer_defaults or {})
    created += _demo_cash_sales(entities)
    return ", ".join(created)


def _demo_legal_entities() -> tuple[dict[str, LegalEntity], list[str]]:
    """The three entities by code, each with the fiscal years the demo posts into, and what of
    them was created."""
    created: list[str] = []
    entities = {}
    for code, name in ENTITIES:
        entity = LegalEntity.objects.filter(code=code).first()
        if entity is None:
            entity = legal_entity_create(
                code=code,
                name=name,
                accounting_currency="USD",
                actor=None,
                parameters={
                    "max_underpayment": Decimal("0.50"),
                    "max_overpayment": Decimal("0.50"),
                    "max_write_off": Decimal("10.00"),
                },
            )
            created.append(f"legal entity {code}")
        entities[code] = entity
        created += demo_fiscal_years_open(entity, DEMO_YEARS)
    return entities, created


def _demo_rates() -> list[str]:
    created = []
    for from_currency, to_currency, valid_from, rate in RATES:
        _, made = ExchangeRate.objects.get_or_create(
            from_currency=from_currency,
            to_currency=to_currency,
            valid_from=date.fromisoformat(valid_from),
            defaults={"rate": Decimal(rate)},
        )
        if made:
            created.append(f"rate {from_currency}→{to_currency} {valid_from}")
    return created


def _demo_customers(entities: dict[str, LegalEntity], *, defaults: Mapping[str, Any]) -> list[str]:
    """The parties and their customer accounts in the entities they buy from."""
    created = []
    for number, name, accounts, currency in PARTIES:
        party, made = Party.objects.get_or_create(number=number, defaults={"name": name})
        if made:
            created.append(f"party {number}")
        for code, account in accounts.items():
            _, made = Customer.objects.get_or_create(
                legal_entity=entities[code],
                account=account,
                defaults={
                    **defaults,
                    "party": party,
                    "currency": currency,
                    "credit_limit": Decimal("50000"),
                },
            )
            if made:
                created.append(f"customer {code}/{account}")
    return created


def _demo_cash_sales(entities: dict[str, LegalEntity]) -> list[str]:
    """Cash sales so the ledger pages show numbers before any document is posted."""
    created = []
    for code, amount in (("FAB", "25000.00"), ("FABE", "12000.00"), ("FABW", "8000.00")):
        key = f"demo:cash-sales:{code}"
        if Voucher.objects.filter(legal_entity=entities[code], source_key=key).exists():
            continue
        voucher_post(
            voucher=VoucherInput(
                legal_entity=entities[code],
                date=date(2026, 1, 1),
                description="Cash sales",
                source_key=key,
                lines=[
                    VoucherLineInput(posting_type="bank", currency="USD", amount=Decimal(amount)),
                    VoucherLineInput(
                        posting_type="revenue",
                        currency="USD",
                        amount=-Decimal(amount),
                        description="Cash sales",
                    ),
                ],
            ),
            actor=None,
        )
        created.append(f"cash sales voucher {code}")
    return created


def demo_password() -> str:
    """The demo users' password: kept in ``VAR_DIR/demo-sign-in.txt`` (owner only) once chosen,
    from ``DEMO_PASSWORD`` or at random."""
    secrets_file = Path(settings.VAR_DIR) / "demo-sign-in.txt"
    if secrets_file.exists():
        return secrets_file.read_text().strip()
    password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    secrets_file.write_text(password + "\n")
    secrets_file.chmod(0o600)
    return password
