"""Ledger invariants under random sequences of postings (hypothesis)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.exceptions import VoucherUnbalanced
from ledger.models import LedgerEntry, MainAccount, Voucher
from ledger.selectors import entity_accounting_total, trial_balance
from ledger.services import VoucherInput, VoucherLineInput, voucher_post, voucher_reverse
from tests.factories.entities import ExchangeRateFactory

CURRENCIES = {"USD": 2, "EUR": 2, "JPY": 0, "KWD": 3}
POSTING_TYPES = ["bank", "revenue", "sales_tax", "cash_discount", "write_off", "interest"]
DAY0 = date(2026, 1, 1)

hyp_settings = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def amounts(places: int):
    unit = Decimal(1).scaleb(-places)
    return st.integers(min_value=-(10**7), max_value=10**7).filter(bool).map(lambda n: n * unit)


@st.composite
def balanced_group(draw):
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    parts = draw(st.lists(amounts(CURRENCIES[currency]), min_size=1, max_size=4))
    rest = -sum(parts)
    if rest != 0:
        parts.append(rest)
    elif len(parts) == 1:
        parts.append(-parts[0])
    return [
        VoucherLineInput(
            posting_type=draw(st.sampled_from(POSTING_TYPES)), currency=currency, amount=a
        )
        for a in parts
    ]


@st.composite
def voucher_specs(draw):
    groups = draw(st.lists(balanced_group(), min_size=1, max_size=3))
    return {
        "entity": draw(st.sampled_from(["FAB", "FABE", "FABW"])),
        "day": draw(st.integers(min_value=0, max_value=60)),
        "lines": [line for group in groups for line in group],
        "reverse": draw(st.booleans()),
    }


def _rates():
    for offset, (eur, jpy, kwd) in enumerate(
        [("1.2062", "0.0067", "3.2511"), ("1.2277", "0.0069", "3.2617")]
    ):
        on = DAY0 + timedelta(days=30 * offset)
        ExchangeRateFactory(from_currency="EUR", rate=Decimal(eur), valid_from=on)
        ExchangeRateFactory(from_currency="JPY", rate=Decimal(jpy), valid_from=on)
        ExchangeRateFactory(from_currency="KWD", rate=Decimal(kwd), valid_from=on)


def assert_ledger_sound(entities):
    for entity in entities:
        assert entity_accounting_total(legal_entity=entity) == 0
        tb = trial_balance(legal_entity=entity)
        assert tb.total_debit == tb.total_credit
    for voucher_id in Voucher.objects.values_list("id", flat=True):
        per_currency: dict[str, list[Decimal]] = {}
        for e in LedgerEntry.objects.filter(voucher_id=voucher_id):
            sums = per_currency.setdefault(e.currency, [Decimal(0), Decimal(0)])
            sums[0] += e.amount
            sums[1] += e.accounting_amount
        assert all(a == 0 and b == 0 for a, b in per_currency.values())


@pytest.mark.django_db
def test_random_balanced_vouchers_keep_every_trial_balance_at_zero(fabrikam):
    _rates()
    entities = [fabrikam[c] for c in ("FAB", "FABE", "FABW")]

    @hyp_settings
    @given(st.lists(voucher_specs(), min_size=1, max_size=5))
    def run(specs):
        for spec in specs:
            voucher = voucher_post(
                voucher=VoucherInput(
                    legal_entity=fabrikam[spec["entity"]],
                    date=DAY0 + timedelta(days=spec["day"]),
                    lines=spec["lines"],
                    balance_rounding=True,
                ),
                actor=None,
            )
            if spec["reverse"]:
                voucher_reverse(voucher=voucher, actor=None)
            assert_ledger_sound(entities)

    run()


@st.composite
def unbalanced_lines(draw):
    parts = draw(st.lists(amounts(2), min_size=1, max_size=5))
    if sum(parts) == 0:
        parts.append(Decimal("0.01"))
    return parts


@pytest.mark.postgresql("the deferred balance trigger")
@pytest.mark.django_db
def test_random_unbalanced_vouchers_refused_by_service_and_database(fabrikam):
    fab = fabrikam["FAB"]
    bank = MainAccount.objects.get(legal_entity=fab, number="110100")

    @hyp_settings
    @given(unbalanced_lines())
    def run(parts):
        lines = [VoucherLineInput(posting_type="bank", currency="USD", amount=a) for a in parts]
        with pytest.raises(VoucherUnbalanced) as caught:
            voucher_post(voucher=VoucherInput(legal_entity=fab, date=DAY0, lines=lines), actor=None)
        assert caught.value.difference == sum(parts)
        # The same lines written with raw SQL: PostgreSQL refuses them when the deferred
        # constraint is checked (SET CONSTRAINTS ALL IMMEDIATE checks it at once).
        with (
            pytest.raises(IntegrityError, match="does not balance"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, "
                "created_at) VALUES (%s, 'RAW', %s, '', now()) RETURNING id",
                [fab.pk, DAY0],
            )
            voucher_id = cursor.fetchone()[0]
            values = ", ".join(["(%s, %s, %s, %s, 'bank', 'USD', %s, %s, '')"] * len(parts))
            params = []
            for a in parts:
                params += [voucher_id, fab.pk, DAY0, bank.pk, a, a]
            cursor.execute(
                "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, "
                "account_id, posting_type, currency, amount, accounting_amount, description) "
                f"VALUES {values}",  # noqa: S608
                params,
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        assert Voucher.objects.count() == 0

    run()
