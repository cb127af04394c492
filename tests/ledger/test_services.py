from datetime import date
from decimal import Decimal

import pytest

from entities.exceptions import EntityAccessDenied, ExchangeRateMissing
from ledger.exceptions import (
    InvalidPosting,
    PeriodClosed,
    PostingSetupMissing,
    VoucherAlreadyReversed,
    VoucherUnbalanced,
)
from ledger.models import FiscalPeriod, LedgerEntry, MainAccount, PostingSetup, Voucher
from ledger.selectors import entity_accounting_total, trial_balance
from ledger.services import (
    VoucherInput,
    VoucherLineInput,
    fiscal_period_set_status,
    legal_entity_setup_defaults,
    voucher_post,
    voucher_reverse,
    vouchers_post,
)
from tests.conftest import make_clerk
from tests.factories.entities import ExchangeRateFactory, LegalEntityFactory
from tests.factories.ledger import post_simple_voucher

D = Decimal
MAR2 = date(2026, 3, 2)


def line(posting_type, amount, currency="USD", **kw):
    return VoucherLineInput(posting_type=posting_type, currency=currency, amount=D(amount), **kw)


def test_legal_entity_create_makes_default_setup_and_intercompany_accounts(fabrikam):
    fab = fabrikam["FAB"]
    setup = {
        (s.posting_type, s.counterparty.code if s.counterparty else None): s.account.number
        for s in PostingSetup.objects.filter(legal_entity=fab).select_related(
            "account", "counterparty"
        )
    }
    assert setup[("customer_balance", None)] == "130100"
    assert setup[("intercompany_due_to", "FABE")] == "245000-FABE"
    assert setup[("intercompany_due_from", "FABW")] == "145000-FABW"
    # Every posting type of SPEC section 3 has a default account.
    from ledger.models import PostingType

    assert {t for t, cp in setup if cp is None} == set(PostingType.values)
    legal_entity_setup_defaults(legal_entity=fab)  # idempotent
    assert PostingSetup.objects.filter(legal_entity=fab).count() == len(setup)


def test_voucher_post_numbers_are_gap_free_per_entity(fabrikam):
    fab, fabe = fabrikam["FAB"], fabrikam["FABE"]
    numbers = [post_simple_voucher(fab).number for _ in range(3)]
    assert numbers == ["FAB-V00000001", "FAB-V00000002", "FAB-V00000003"]
    assert post_simple_voucher(fabe).number == "FABE-V00000001"
    with pytest.raises(VoucherUnbalanced):
        voucher_post(
            voucher=VoucherInput(
                legal_entity=fab, date=MAR2, lines=[line("bank", "1.00"), line("revenue", "-2.00")]
            ),
            actor=None,
        )
    assert post_simple_voucher(fab).number == "FAB-V00000004"


def test_voucher_post_converts_each_line_at_the_date_rate(fabrikam):
    ExchangeRateFactory(rate=D("1.2062"), valid_from=MAR2)
    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=fabrikam["FABE"],
            date=MAR2,
            lines=[
                line("customer_balance", "638.22", "EUR"),
                line("revenue", "-600.00", "EUR"),
                line("sales_tax", "-38.22", "EUR"),
            ],
        ),
        actor=None,
    )
    got = {(e.posting_type, e.amount, e.accounting_amount) for e in voucher.lines.all()}
    assert got == {
        ("customer_balance", D("638.22"), D("769.82")),
        ("revenue", D("-600.00"), D("-723.72")),
        ("sales_tax", D("-38.22"), D("-46.10")),
    }


def test_voucher_post_refuses_accounting_difference_unless_rounding_asked(fabrikam):
    ExchangeRateFactory(rate=D("1.2062"), valid_from=MAR2)
    lines = [
        line("customer_balance", "0.03", "EUR"),
        line("revenue", "-0.01", "EUR"),
        line("revenue", "-0.01", "EUR"),
        line("revenue", "-0.01", "EUR"),
    ]
    # 0.03 × 1.2062 = 0.04, three times 0.01 × 1.2062 = 0.01 each: 0.01 left over.
    with pytest.raises(VoucherUnbalanced, match="accounting amounts in EUR sum to 0.01"):
        voucher_post(
            voucher=VoucherInput(legal_entity=fabrikam["FAB"], date=MAR2, lines=lines), actor=None
        )
    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=fabrikam["FAB"], date=MAR2, lines=lines, balance_rounding=True
        ),
        actor=None,
    )
    rounding = voucher.lines.get(posting_type="rounding")
    assert (rounding.amount, rounding.accounting_amount) == (D("0"), D("-0.01"))


def test_voucher_post_unbalanced_error_carries_currency_and_difference(fabrikam):
    with pytest.raises(VoucherUnbalanced) as caught:
        voucher_post(
            voucher=VoucherInput(
                legal_entity=fabrikam["FAB"],
                date=MAR2,
                lines=[
                    line("bank", "10.00", "EUR", accounting_amount=D("12")),
                    line("revenue", "-9.99", "EUR", accounting_amount=D("-12")),
                ],
            ),
            actor=None,
        )
    assert caught.value.currency == "EUR"
    assert caught.value.difference == D("0.01")
    assert Voucher.objects.count() == 0


def test_vouchers_post_is_all_or_nothing(fabrikam):
    good = VoucherInput(
        legal_entity=fabrikam["FAB"],
        date=MAR2,
        lines=[line("bank", "5.00"), line("revenue", "-5.00")],
    )
    bad = VoucherInput(
        legal_entity=fabrikam["FABE"],
        date=MAR2,
        lines=[line("bank", "5.00", "EUR"), line("revenue", "-5.00", "EUR")],
    )
    with pytest.raises(ExchangeRateMissing, match="EUR→USD on 2026-03-02"):
        vouchers_post(vouchers=[good, bad], actor=None)
    assert Voucher.objects.count() == 0 and LedgerEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("lines", "error", "message"),
    [
        ([line("bank", "1.005"), line("revenue", "-1.005")], InvalidPosting, "more decimals"),
        (
            [line("bank", "1", "XYZ"), line("revenue", "-1", "XYZ")],
            InvalidPosting,
            "unknown currency",
        ),
        (
            [line("intercompany_due_to", "1"), line("bank", "-1")],
            InvalidPosting,
            "needs a counterparty",
        ),
        ([line("nonsense", "1"), line("bank", "-1")], InvalidPosting, "unknown posting type"),
        ([], InvalidPosting, "at least one line"),
    ],
)
def test_voucher_post_refuses_bad_lines(fabrikam, lines, error, message):
    with pytest.raises(error, match=message):
        voucher_post(
            voucher=VoucherInput(legal_entity=fabrikam["FAB"], date=MAR2, lines=lines), actor=None
        )
    assert Voucher.objects.count() == 0


def test_voucher_post_intercompany_uses_counterparty_account(fabrikam):
    fab, fabe = fabrikam["FAB"], fabrikam["FABE"]
    voucher = voucher_post(
        voucher=VoucherInput(
            legal_entity=fab,
            date=MAR2,
            lines=[
                line("customer_balance", "600.00"),
                line("intercompany_due_to", "-600.00", counterparty=fabe),
            ],
        ),
        actor=None,
    )
    due_to = voucher.lines.get(posting_type="intercompany_due_to")
    assert due_to.account.number == "245000-FABE"
    assert due_to.counterparty == fabe


def test_voucher_post_missing_posting_setup_is_named(fabrikam):
    PostingSetup.objects.filter(legal_entity=fabrikam["FAB"], posting_type="interest").delete()
    with pytest.raises(PostingSetupMissing, match="FAB has no account for posting type interest"):
        post_simple_voucher(fabrikam["FAB"], credit="interest")


def test_voucher_post_refuses_period_not_open(fabrikam):
    fab = fabrikam["FAB"]
    period = FiscalPeriod.objects.get(legal_entity=fab, start=date(2026, 3, 1))
    post_simple_voucher(fab)
    for status, word in (("on_hold", "on hold"), ("closed", "closed")):
        fiscal_period_set_status(period=period, status=status, actor=None)
        with pytest.raises(PeriodClosed, match=f"FAB containing 2026-03-02 is {word}"):
            post_simple_voucher(fab)
    post_simple_voucher(fab, on=date(2026, 4, 1))  # the next period is not closed
    assert Voucher.objects.filter(legal_entity=fab).count() == 2


def test_voucher_post_refuses_entity_not_granted(fabrikam):
    clerk = make_clerk("clerk", fabrikam["FABE"])
    with pytest.raises(EntityAccessDenied, match="may not act in legal entity FABW"):
        post_simple_voucher(fabrikam["FABW"], actor=clerk)
    post_simple_voucher(fabrikam["FABE"], actor=clerk)


def test_voucher_post_source_key_posts_once(fabrikam):
    from django.db import IntegrityError, transaction

    post_simple_voucher(fabrikam["FAB"], source_key="invoice:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        post_simple_voucher(fabrikam["FAB"], source_key="invoice:1")
    assert Voucher.objects.filter(source_key="invoice:1").count() == 1


def test_voucher_reverse_mirrors_lines_and_only_once(fabrikam):
    fab = fabrikam["FAB"]
    original = post_simple_voucher(fab, amount="250.00")
    reversal = voucher_reverse(voucher=original, actor=None)
    assert reversal.reverses == original
    assert sorted(e.accounting_amount for e in reversal.lines.all()) == [D("-250.00"), D("250.00")]
    assert entity_accounting_total(legal_entity=fab) == 0
    tb = {r.account.number: r.balance for r in trial_balance(legal_entity=fab).rows}
    assert tb["110100"] == 0 and tb["401100"] == 0
    with pytest.raises(VoucherAlreadyReversed):
        voucher_reverse(voucher=original, actor=None)
    with pytest.raises(InvalidPosting, match="itself a reversal"):
        voucher_reverse(voucher=reversal, actor=None)


def test_trial_balance_debits_credits_and_dates(fabrikam):
    fab = fabrikam["FAB"]
    post_simple_voucher(fab, amount="100.00", on=date(2026, 3, 1))
    post_simple_voucher(fab, amount="40.00", on=date(2026, 3, 20), debit="revenue", credit="bank")
    tb = trial_balance(legal_entity=fab)
    rows = {r.account.number: r for r in tb.rows}
    assert (rows["110100"].debit, rows["110100"].credit, rows["110100"].balance) == (
        D("100"),
        D("40"),
        D("60"),
    )
    assert tb.total_debit == tb.total_credit == D("140")
    assert tb.total_balance == 0
    march_first = trial_balance(legal_entity=fab, date_to=date(2026, 3, 10))
    assert {r.account.number: r.balance for r in march_first.rows}["110100"] == D("100")
    assert MainAccount.objects.filter(legal_entity=fab).count() == len(tb.rows)


def test_other_entity_unaffected(fabrikam):
    post_simple_voucher(fabrikam["FAB"])
    other = LegalEntityFactory(code="OTH")
    assert entity_accounting_total(legal_entity=other) == 0


def test_vouchers_post_in_several_entities_takes_each_entitys_next_numbers(fabrikam):
    fab, fabe, fabw = fabrikam["FAB"], fabrikam["FABE"], fabrikam["FABW"]
    post_simple_voucher(fabe)
    posted = vouchers_post(
        vouchers=[
            VoucherInput(
                legal_entity=entity,
                date=MAR2,
                lines=[line("bank", "5.00"), line("revenue", "-5.00")],
            )
            for entity in (fabw, fab, fabe, fabw)
        ],
        actor=None,
    )
    assert [v.number for v in posted] == [
        "FABW-V00000001",
        "FAB-V00000001",
        "FABE-V00000002",
        "FABW-V00000002",
    ]
    stored = {v.pk: v for v in Voucher.objects.filter(pk__in=[v.pk for v in posted])}
    for voucher in posted:
        assert stored[voucher.pk].number == voucher.number
        assert stored[voucher.pk].created_at == voucher.created_at
        assert list(stored[voucher.pk].lines.values_list("amount", flat=True)) == [
            D("5"),
            D("-5"),
        ]
    assert post_simple_voucher(fab).number == "FAB-V00000002"
