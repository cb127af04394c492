"""Factories of the entities room."""

import calendar
from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from entities.models import Customer, EntityGrant, ExchangeRate, LegalEntity, Party
from receivables.models import CashDiscount, CashDiscountPeriod, PaymentTerms, SalesTaxCode

PASSWORD = "pw-for-tests-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_active = True

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


# The years the suite posts in; the service opens only the previous and the current one.
TEST_FISCAL_YEARS = (2025, 2026, 2027)


def fiscal_years_open(entity, years) -> None:
    """Open those of ``years`` in which ``entity`` has no period yet: twelve monthly periods
    (fixture rows, not audited)."""
    from ledger.models import FiscalPeriod

    for year in years:
        if FiscalPeriod.objects.filter(legal_entity=entity, start__year=year).exists():
            continue
        FiscalPeriod.objects.bulk_create(
            FiscalPeriod(
                legal_entity=entity,
                name=f"{year}-{month:02d}",
                start=date(year, month, 1),
                end=date(year, month, calendar.monthrange(year, month)[1]),
            )
            for month in range(1, 13)
        )


class LegalEntityFactory(factory.django.DjangoModelFactory):
    """A legal entity with its default chart of accounts, as the service creates it, and the
    fiscal years ``fiscal_years`` open (default ``TEST_FISCAL_YEARS``)."""

    class Meta:
        model = LegalEntity

    code = factory.Sequence(lambda n: f"LE{n}")
    name = factory.LazyAttribute(lambda o: f"Entity {o.code}")
    accounting_currency = "USD"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from ledger.services import legal_entity_create

        years = kwargs.pop("fiscal_years", TEST_FISCAL_YEARS)
        params = {k: kwargs.pop(k) for k in list(kwargs) if k in LegalEntity.PARAMETER_FIELDS}
        existing = LegalEntity.objects.filter(code=kwargs["code"]).first()
        if existing:
            return existing
        entity = legal_entity_create(
            code=kwargs["code"],
            name=kwargs["name"],
            accounting_currency=kwargs["accounting_currency"],
            parameters=params,
            actor=None,
        )
        fiscal_years_open(entity, years)
        return entity


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Faker("company")


class PaymentTermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentTerms
        django_get_or_create = ("code",)

    code = "N30"
    net_days = 30


class CashDiscountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CashDiscount
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = "2P10"

    @factory.post_generation
    def periods(obj, create, extracted, **kwargs):
        if not create or obj.periods.exists():
            return
        for days, percent in extracted or [(10, Decimal("2"))]:
            CashDiscountPeriod.objects.create(cash_discount=obj, days=days, percent=percent)


class SalesTaxCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesTaxCode
        django_get_or_create = ("code",)

    code = "VAT6"
    percent = Decimal("6.37")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("legal_entity", "account")

    legal_entity = factory.SubFactory(LegalEntityFactory)
    account = factory.Sequence(lambda n: f"{4000 + n}")
    party = factory.SubFactory(PartyFactory)
    currency = "USD"


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate
        django_get_or_create = ("from_currency", "to_currency", "valid_from")

    from_currency = "EUR"
    to_currency = "USD"
    rate = Decimal("1.2062")
    valid_from = date(2026, 1, 1)


class EntityGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntityGrant
        django_get_or_create = ("user", "legal_entity")

    user = factory.SubFactory(UserFactory)
    legal_entity = factory.SubFactory(LegalEntityFactory)
