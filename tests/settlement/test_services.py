from datetime import date
from decimal import Decimal

import pytest

from entities.exceptions import ExchangeRateMissing
from entities.services import legal_entity_update
from ledger.models import LedgerEntry, Voucher
from ledger.selectors import entity_accounting_total, ledger_integrity_problems
from receivables.models import OpenTransaction
from settlement.exceptions import SettlementAlreadyReversed, SettlementInvalid
from settlement.models import Settlement
from settlement.services import (
    SettlementLineInput,
    settlement_create,
    settlement_preview,
    settlement_reverse,
)
from tests.conftest import make_clerk
from tests.factories.entities import (
    CashDiscountFactory,
    CustomerFactory,
    ExchangeRateFactory,
    PartyFactory,
)
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db
D = Decimal
MAR9 = date(2026, 3, 9)


def ot(document) -> OpenTransaction:
    return OpenTransaction.objects.get(pk=document.open_transaction.pk)


def settle(*documents, on=MAR9, primary=None, actor=None, **per_line):
    lines = [
        SettlementLineInput(transaction=ot(d).pk, **per_line.get(f"l{i}", {}))
        for i, d in enumerate(documents)
    ]
    return settlement_create(
        lines=lines, on=on, primary=ot(primary).pk if primary else None, actor=actor
    )


def postings(settlement) -> dict:
    rows = {}
    for e in LedgerEntry.objects.filter(voucher__in=settlement.vouchers.all()).select_related(
        "legal_entity", "counterparty"
    ):
        key = (e.legal_entity.code, e.posting_type, e.counterparty.code if e.counterparty else None)
        a, b = rows.get(key, (D(0), D(0)))
        rows[key] = (a + e.amount, b + e.accounting_amount)
    return {k: v for k, v in rows.items() if v != (0, 0)}


def assert_sound():
    assert ledger_integrity_problems() == []
    from core.aggregates import DecimalSum

    for entity_id in OpenTransaction.objects.values_list("legal_entity", flat=True).distinct():
        balance = (
            LedgerEntry.objects.filter(
                legal_entity_id=entity_id, posting_type="customer_balance"
            ).aggregate(s=DecimalSum("accounting_amount"))["s"]
            or 0
        )
        opened = (
            OpenTransaction.objects.filter(legal_entity_id=entity_id).aggregate(
                s=DecimalSum("open_accounting_amount")
            )["s"]
            or 0
        )
        assert balance == opened


@pytest.fixture
def disc(db):
    return CashDiscountFactory()


def test_a1_service(fabrikam):
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00")
    s = settle(payment, invoice)
    assert postings(s) == {
        ("FAB", "customer_balance", None): (D("600"), D("600")),
        ("FAB", "intercompany_due_to", "FABE"): (D("-600"), D("-600")),
        ("FABE", "intercompany_due_from", "FAB"): (D("600"), D("600")),
        ("FABE", "customer_balance", None): (D("-600"), D("-600")),
    }
    assert ot(invoice).open_amount == 0 and ot(payment).open_amount == 0
    assert ot(invoice).closed_on == MAR9
    assert_sound()


def test_a4_service_line_values(fabrikam, disc):
    from tests.factories.entities import PaymentTermsFactory, SalesTaxCodeFactory

    ExchangeRateFactory(rate=D("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=D("1.2277"), valid_from=MAR9)
    tax = SalesTaxCodeFactory(code="VAT6", percent=D("6.37"))
    invoice = post_invoice(
        fabrikam["customers"]["FABE"],
        amounts=["600.00"],
        currency="EUR",
        tax_code=tax,
        terms=PaymentTermsFactory(),
        cash_discount=disc,
    )
    payment = post_payment(fabrikam["customers"]["FAB"], amount="626.22", currency="EUR")
    s = settle(payment, invoice)
    assert postings(s) == {
        ("FAB", "customer_balance", None): (D("626.22"), D("768.81")),
        ("FAB", "intercompany_due_to", "FABE"): (D("-626.22"), D("-755.35")),
        ("FAB", "fx_realized_gain", None): (D("0"), D("-13.46")),
        ("FABE", "intercompany_due_from", "FAB"): (D("626.22"), D("755.35")),
        ("FABE", "customer_balance", None): (D("-638.22"), D("-769.82")),
        ("FABE", "cash_discount", None): (D("12.00"), D("14.47")),
    }
    lines = {line.open_transaction_id: line for line in s.lines.all()}
    inv = lines[ot(invoice).pk]
    assert (
        inv.settled_amount,
        inv.cash_discount,
        inv.amount,
        inv.accounting_amount,
        inv.fx_difference,
    ) == (D("626.22"), D("12.00"), D("638.22"), D("769.82"), D("-13.46"))
    pay = lines[ot(payment).pk]
    assert (pay.settled_amount, pay.amount, pay.accounting_amount) == (
        D("-626.22"),
        D("-626.22"),
        D("-768.81"),
    )
    assert_sound()


def test_fx_posted_in_invoice_entity(fabrikam):
    ExchangeRateFactory(rate=D("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=D("1.2277"), valid_from=MAR9)
    legal_entity_update(legal_entity=fabrikam["FAB"], data={"fx_posted_in": "invoice"}, actor=None)
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"], currency="EUR")
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00", currency="EUR")
    s = settle(payment, invoice)
    # The pair carries the payment's accounting value; the invoice entity books the gain.
    assert postings(s) == {
        ("FAB", "customer_balance", None): (D("600"), D("736.62")),
        ("FAB", "intercompany_due_to", "FABE"): (D("-600"), D("-736.62")),
        ("FABE", "intercompany_due_from", "FAB"): (D("600"), D("736.62")),
        ("FABE", "customer_balance", None): (D("-600"), D("-723.72")),
        ("FABE", "fx_realized_gain", None): (D("0"), D("-12.90")),
    }


def test_fx_loss_when_rate_falls(fabrikam):
    ExchangeRateFactory(rate=D("1.2277"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=D("1.2062"), valid_from=MAR9)
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["600.00"], currency="EUR")
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00", currency="EUR")
    s = settle(payment, invoice)
    assert postings(s)[("FAB", "fx_realized_loss", None)] == (D("0"), D("12.90"))
    assert_sound()


def test_cash_discount_posted_in_payment_entity(fabrikam):
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"cash_discount_posted_in": "payment"}, actor=None
    )
    code = CashDiscountFactory(code="4P10", periods=[(10, D("4"))])
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"], cash_discount=code)
    payment = post_payment(fabrikam["customers"]["FAB"], amount="580.00")
    s = settle(payment, invoice, l1={"cash_discount": D("20.00")})
    assert postings(s) == {
        ("FAB", "customer_balance", None): (D("580"), D("580")),
        ("FAB", "cash_discount", None): (D("20"), D("20")),
        ("FAB", "intercompany_due_to", "FABE"): (D("-600"), D("-600")),
        ("FABE", "intercompany_due_from", "FAB"): (D("600"), D("600")),
        ("FABE", "customer_balance", None): (D("-600"), D("-600")),
    }
    assert_sound()


def test_partial_payment_with_discount_then_final_in_period(fabrikam):
    """1 % within 14 days on 1,000.00; 297.00 paid → 3.00 discount, 700.00 open; a later
    693.00 in the period → 7.00, closed (SPEC section 5)."""
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"cash_discount_on_partial_payments": True}, actor=None
    )
    code = CashDiscountFactory(code="1P14", periods=[(14, D("1"))])
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["1000.00"], cash_discount=code, on=date(2026, 3, 1))
    first = post_payment(customer, amount="297.00", on=date(2026, 3, 5))
    s1 = settle(first, invoice, on=date(2026, 3, 5))
    assert ot(invoice).open_amount == D("700.00")
    assert s1.lines.get(open_transaction=ot(invoice)).cash_discount == D("3.00")
    second = post_payment(customer, amount="693.00", on=date(2026, 3, 12))
    s2 = settle(second, invoice, on=date(2026, 3, 12))
    assert ot(invoice).open_amount == 0
    assert s2.lines.get(open_transaction=ot(invoice)).cash_discount == D("7.00")
    assert_sound()


def test_discount_not_available_after_the_period(fabrikam, disc):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"], cash_discount=disc)
    payment = post_payment(customer, amount="98.00", on=date(2026, 3, 13))
    settle(payment, invoice, on=date(2026, 3, 13))
    assert ot(invoice).open_amount == D("2.00")


def test_several_periods_first_unexpired_applies(fabrikam):
    code = CashDiscountFactory(code="2-5/1-14", periods=[(5, D("2")), (14, D("1"))])
    customer = fabrikam["customers"]["FAB"]
    early = post_invoice(customer, amounts=["1000.00"], cash_discount=code)
    late = post_invoice(customer, amounts=["1000.00"], cash_discount=code)
    p1 = post_payment(customer, amount="980.00", on=date(2026, 3, 7))
    settle(p1, early, on=date(2026, 3, 7))  # last day of the 2 % period
    p2 = post_payment(customer, amount="990.00", on=date(2026, 3, 8))
    settle(p2, late, on=date(2026, 3, 8))  # 1 % period
    assert ot(early).open_amount == 0 and ot(late).open_amount == 0


def test_one_payment_several_invoices_in_due_date_order(fabrikam, disc):
    customer = fabrikam["customers"]["FAB"]
    older = post_invoice(customer, amounts=["300.00"], on=date(2026, 3, 1))
    newer = post_invoice(customer, amounts=["500.00"], on=date(2026, 3, 3))
    payment = post_payment(customer, amount="580.00")
    settle(newer, payment, older)
    assert ot(older).open_amount == 0
    assert ot(newer).open_amount == D("220.00")
    assert ot(payment).open_amount == 0


def test_credits_beyond_debits_leave_the_payment_open(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["420.00"])
    payment = post_payment(customer, amount="1000.00")
    settle(payment, invoice)
    assert ot(payment).open_amount == D("-580.00")
    assert ot(invoice).open_amount == 0


def test_amount_to_settle_and_explicit_discount(fabrikam, disc):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["1000.00"])
    payment = post_payment(customer, amount="1000.00")
    settle(payment, invoice, l1={"amount": D("250.00")})
    assert ot(invoice).open_amount == D("750.00")
    assert ot(payment).open_amount == D("-750.00")


def test_overpayment_within_tolerance(fabrikam):
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"max_overpayment": D("0.50")}, actor=None
    )
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["1000.00"])
    payment = post_payment(customer, amount="1000.30")
    s = settle(payment, invoice)
    assert ot(payment).open_amount == 0
    assert postings(s)[("FAB", "payment_difference", None)] == (D("-0.30"), D("-0.30"))
    assert_sound()


def test_underpayment_with_discount_shortfall_within_tolerance(fabrikam, disc):
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"max_underpayment": D("0.50")}, actor=None
    )
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"], cash_discount=disc)
    payment = post_payment(customer, amount="97.95")
    s = settle(payment, invoice)
    line = s.lines.get(open_transaction=ot(invoice))
    assert (line.cash_discount, line.payment_difference) == (D("2.00"), D("0.05"))
    assert ot(invoice).open_amount == 0


def test_reverse_restores_open_amounts_and_posts_mirror(fabrikam):
    ExchangeRateFactory(rate=D("1.2062"), valid_from=date(2026, 3, 2))
    ExchangeRateFactory(rate=D("1.2277"), valid_from=MAR9)
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"], currency="EUR")
    payment = post_payment(fabrikam["customers"]["FAB"], amount="600.00", currency="EUR")
    before = {o.pk: (o.open_amount, o.open_accounting_amount) for o in (ot(invoice), ot(payment))}
    s = settle(payment, invoice)
    reversed_ = settlement_reverse(settlement=s, actor=None)
    assert reversed_.status == "reversed"
    after = {o.pk: (o.open_amount, o.open_accounting_amount) for o in (ot(invoice), ot(payment))}
    assert after == before
    assert ot(invoice).closed_on is None
    for entity in ("FAB", "FABE"):
        assert entity_accounting_total(legal_entity=fabrikam[entity]) == 0
    assert reversed_.reversal_vouchers.count() == s.vouchers.count() == 2
    with pytest.raises(SettlementAlreadyReversed):
        settlement_reverse(settlement=s, actor=None)
    assert_sound()


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("two_parties", "different parties"),
        ("too_much", "more than its open amount"),
        ("discount_too_big", "more than the 2.00 available"),
        ("nothing", "at least one debit"),
        ("before_date", "before the date of"),
        ("twice", "marked twice"),
        ("currencies", "different currencies"),
        ("primary_not_payment", "primary payment"),
    ],
)
def test_bad_settlements_post_nothing(fabrikam, disc, case, message):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"], cash_discount=disc)
    payment = post_payment(customer, amount="100.00")
    lines = [SettlementLineInput(ot(payment).pk), SettlementLineInput(ot(invoice).pk)]
    on, primary = MAR9, None
    if case == "two_parties":
        other = CustomerFactory(
            legal_entity=fabrikam["FAB"], account="7000", party=PartyFactory(number="7000")
        )
        lines[0] = SettlementLineInput(ot(post_payment(other, amount="5.00")).pk)
    elif case == "too_much":
        lines[1] = SettlementLineInput(ot(invoice).pk, amount=D("100.01"))
    elif case == "discount_too_big":
        lines[1] = SettlementLineInput(ot(invoice).pk, cash_discount=D("2.01"))
    elif case == "nothing":
        lines = [lines[1]]
    elif case == "before_date":
        on = date(2026, 3, 1)
    elif case == "twice":
        lines.append(lines[1])
    elif case == "currencies":
        ExchangeRateFactory(valid_from=date(2026, 1, 1))
        lines[0] = SettlementLineInput(ot(post_payment(customer, amount="5.00", currency="EUR")).pk)
    elif case == "primary_not_payment":
        primary = ot(invoice).pk
    vouchers = Voucher.objects.count()
    with pytest.raises(SettlementInvalid, match=message):
        settlement_create(lines=lines, on=on, primary=primary, actor=None)
    assert Voucher.objects.count() == vouchers
    assert Settlement.objects.filter(status="posted").count() == 0


def test_clerk_cannot_settle_with_transactions_of_an_entity_not_granted(fabrikam):
    """Another entity's transaction answers as one that does not exist: no number leaks."""
    invoice = post_invoice(fabrikam["customers"]["FABW"], amounts=["100.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="100.00")
    clerk = make_clerk("clerk", fabrikam["FAB"])
    with pytest.raises(
        SettlementInvalid, match=f"^Open transaction {ot(invoice).pk} does not exist.$"
    ):
        settle(payment, invoice, actor=clerk)


def test_preview_writes_nothing_and_matches_posting(fabrikam, disc):
    customer = fabrikam["customers"]["FAB"]
    invoice = post_invoice(customer, amounts=["100.00"], cash_discount=disc)
    payment = post_payment(customer, amount="98.00")
    lines = [SettlementLineInput(ot(payment).pk), SettlementLineInput(ot(invoice).pk)]
    plan = settlement_preview(lines=lines, on=MAR9, primary=None, actor=None)
    assert plan.item(ot(invoice).pk).discount == D("2.00")
    assert Settlement.objects.count() == 0 and ot(invoice).open_amount == D("100.00")


def test_entities_with_different_accounting_currencies(fabrikam):
    from ledger.services import legal_entity_create

    euro = legal_entity_create(
        code="FABF", name="Fabrikam France", accounting_currency="EUR", actor=None
    )
    french = CustomerFactory(
        legal_entity=euro, account="F4050", party=fabrikam["party"], currency="USD"
    )
    ExchangeRateFactory(
        from_currency="USD", to_currency="EUR", rate=D("0.82"), valid_from=date(2026, 3, 2)
    )
    ExchangeRateFactory(from_currency="USD", to_currency="EUR", rate=D("0.80"), valid_from=MAR9)
    invoice = post_invoice(french, amounts=["1000.00"])  # 820.00 EUR
    payment = post_payment(fabrikam["customers"]["FAB"], amount="1000.00")  # 1,000.00 USD
    s = settle(payment, invoice)
    got = postings(s)
    assert got[("FAB", "intercompany_due_to", "FABF")] == (D("-1000"), D("-1000"))
    assert got[("FABF", "intercompany_due_from", "FAB")] == (D("1000"), D("800.00"))
    assert got[("FABF", "customer_balance", None)] == (D("-1000"), D("-820.00"))
    assert got[("FABF", "fx_realized_loss", None)] == (D("0"), D("20.00"))
    assert_sound()


def test_missing_rate_for_a_foreign_entity_posts_nothing(fabrikam):
    from entities.models import ExchangeRate
    from ledger.services import legal_entity_create

    euro = legal_entity_create(
        code="FABF", name="Fabrikam France", accounting_currency="EUR", actor=None
    )
    french = CustomerFactory(
        legal_entity=euro, account="F4050", party=fabrikam["party"], currency="USD"
    )
    ExchangeRateFactory(
        from_currency="USD", to_currency="EUR", rate=D("0.82"), valid_from=date(2026, 3, 2)
    )
    invoice = post_invoice(french, amounts=["10.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="10.00")
    # The rate the invoice used is withdrawn; the next one starts after the settlement date.
    ExchangeRate.objects.filter(from_currency="USD").delete()
    ExchangeRateFactory(
        from_currency="USD", to_currency="EUR", rate=D("0.80"), valid_from=date(2026, 3, 10)
    )
    with pytest.raises(ExchangeRateMissing, match="USD→EUR on 2026-03-09"):
        settle(payment, invoice)
    assert Settlement.objects.count() == 0
    assert ot(invoice).open_amount == D("10.00")


def test_underpayment_tolerance_is_in_accounting_currency(fabrikam):
    """The entity's maximum underpayment is an accounting-currency amount (USD here)."""
    ExchangeRateFactory(rate=D("1.5"), valid_from=date(2026, 1, 1))
    legal_entity_update(
        legal_entity=fabrikam["FAB"], data={"max_underpayment": D("0.50")}, actor=None
    )
    customer = fabrikam["customers"]["FAB"]
    within = post_invoice(customer, amounts=["100.00"], currency="EUR")
    settle(post_payment(customer, amount="99.67", currency="EUR"), within)  # 0.33 EUR = 0.50
    assert ot(within).open_amount == 0
    beyond = post_invoice(customer, amounts=["100.00"], currency="EUR")
    settle(post_payment(customer, amount="99.66", currency="EUR"), beyond)  # 0.34 EUR = 0.51
    assert ot(beyond).open_amount == D("0.34")


def test_reimburse_a_credit_balance(fabrikam):
    """A customer's unapplied payment is paid back: a refund (customer balance Dr / bank Cr)
    settled against it."""
    from settlement.services import reimburse

    payment = post_payment(fabrikam["customers"]["FABE"], amount="250.00")
    s = reimburse(
        transaction_id=ot(payment).pk,
        on=date(2026, 3, 20),
        actor=None,
        amount=D("100.00"),
        method="check",
    )
    assert ot(payment).open_amount == D("-150.00")
    refund = OpenTransaction.objects.get(kind="refund")
    assert (refund.amount, refund.open_amount) == (D("100.00"), D("0"))
    refund_postings = {
        (e.posting_type, e.amount) for e in LedgerEntry.objects.filter(voucher=refund.voucher)
    }
    assert refund_postings == {("customer_balance", D("100.00")), ("bank", D("-100.00"))}
    assert s.lines.count() == 2
    reimburse(transaction_id=ot(payment).pk, on=date(2026, 3, 21), actor=None)
    assert ot(payment).open_amount == 0
    assert_sound()
    invoice = post_invoice(fabrikam["customers"]["FABE"])
    with pytest.raises(SettlementInvalid, match="is not an open credit"):
        reimburse(transaction_id=ot(invoice).pk, on=date(2026, 3, 21), actor=None)


def test_settlement_create_writes_its_links_lines_and_audit_row(fabrikam):
    from core.models import AuditEntry

    clerk = make_clerk("clerk", fabrikam["FAB"], fabrikam["FABE"])
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="250.00")
    s = settle(payment, invoice, actor=clerk)
    assert (s.party, s.currency, s.date, s.status, s.created_by) == (
        fabrikam["party"],
        "USD",
        MAR9,
        Settlement.Status.POSTED,
        clerk,
    )
    stored = Settlement.objects.get()
    assert (stored.pk, stored.created_at, stored.created_by) == (s.pk, s.created_at, clerk)
    assert sorted(stored.vouchers.values_list("source_key", flat=True)) == [
        f"settlement:{s.pk}:FAB",
        f"settlement:{s.pk}:FABE",
    ]
    assert sorted(stored.lines.values_list("amount", "accounting_amount")) == [
        (D("-250"), D("-250")),
        (D("250"), D("250")),
    ]
    entry = AuditEntry.objects.get(action="settlement.posted")
    assert (entry.actor, entry.object_id, entry.object_repr) == (
        clerk,
        str(s.pk),
        f"Settlement {s.pk} of party 4050",
    )
    assert entry.target == stored
    assert entry.changes == {
        ot(payment).document_number: ["-250.00", "0.00"],
        ot(invoice).document_number: ["600.00", "350.00"],
    }
    assert_sound()
