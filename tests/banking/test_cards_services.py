"""Card payments through the services: every outcome ends in an exact ledger."""

from decimal import Decimal

import pytest

from banking.exceptions import CardGatewayRefused, CardPaymentInvalid
from banking.models import CardGatewayEvent, CardPayment
from banking.services.card_refunds import card_payment_refund
from banking.services.cards import (
    card_payment_authorize,
    card_payment_capture,
    card_payment_void,
)
from core.errors import InvalidInput
from ledger.selectors import ledger_integrity_problems
from receivables.models import OpenTransaction, Payment
from tests.factories.receivables import post_credit_note, post_invoice

from .cards import (
    APPROVES,
    CAPTURE_DECLINED,
    CAPTURE_FAILS,
    DECLINES,
    FAILS,
    INSUFFICIENT_FUNDS,
    ON,
    balances,
    card,
    clearing,
    lines_of,
    ot_of,
)

pytestmark = pytest.mark.django_db
D = Decimal
Status = CardPayment.Status


def authorize(bank, number=APPROVES, amount="100.00", invoice=None, **kwargs):
    invoice = invoice or post_invoice(bank["customers"]["FAB"], amounts=("100.00",))
    return invoice, card_payment_authorize(
        open_transaction_id=ot_of(invoice).pk,
        amount=D(amount),
        card=card(number) if "token" not in kwargs else None,
        actor=None,
        **kwargs,
    )


def test_card_payment_authorize_keeps_only_the_token_brand_last4_and_expiry(bank):
    invoice, cp = authorize(bank)

    assert (cp.status, cp.authorized_amount, cp.currency) == (Status.AUTHORIZED, D("100.00"), "USD")
    assert (cp.brand, cp.last4, cp.expiry_month, cp.expiry_year) == ("visa", "4242", 12, 2030)
    assert cp.token.startswith("tok_test_4242_122030_")
    assert cp.authorization_reference.startswith("auth_test_4242_")
    assert (cp.legal_entity, cp.customer) == (bank["FAB"], bank["customers"]["FAB"])
    # Nothing is posted by an authorization: the invoice is still open.
    assert ot_of(invoice).open_amount == D("100.00")
    assert balances(bank["FAB"]) == {"130100": D("100.00"), "401100": D("-100.00")}
    (event,) = cp.events.all()
    assert (event.operation, event.approved, event.code, event.amount) == (
        "authorize",
        True,
        "approved",
        D("100.00"),
    )


def test_card_payment_capture_posts_a_card_payment_settled_against_the_invoice(bank):
    clearing(bank)
    invoice, cp = authorize(bank)

    cp = card_payment_capture(card_payment=cp, actor=None, on=ON)

    assert (cp.status, cp.captured_amount, cp.code) == (Status.CAPTURED, D("100.00"), "approved")
    payment = cp.payment
    assert (payment.method, payment.amount, payment.date, payment.bank_account) == (
        Payment.Method.CARD,
        D("100.00"),
        ON,
        "MAIN",
    )
    # Card clearing (the bank account's main account 110200) Dr / customer balance Cr.
    assert lines_of(payment.voucher) == [
        ("110200", "bank", D("100.00")),
        ("130100", "customer_balance", D("-100.00")),
    ]
    assert ot_of(invoice).open_amount == 0
    assert OpenTransaction.objects.get(payment=payment).open_amount == 0
    assert balances(bank["FAB"]) == {"110200": D("100.00"), "401100": D("-100.00")}
    assert ledger_integrity_problems() == []


def test_card_payment_capture_without_clearing_account_posts_to_the_bank_posting_setup(bank):
    _, cp = authorize(bank)

    cp = card_payment_capture(card_payment=cp, actor=None, on=ON)

    assert lines_of(cp.payment.voucher) == [
        ("110100", "bank", D("100.00")),
        ("130100", "customer_balance", D("-100.00")),
    ]
    assert cp.payment.bank_account == ""


def test_card_payment_capture_partial_leaves_the_rest_of_the_invoice_open(bank):
    clearing(bank)
    invoice, cp = authorize(bank, amount="80.00")

    cp = card_payment_capture(card_payment=cp, amount=D("60.00"), actor=None, on=ON)

    assert (cp.status, cp.authorized_amount, cp.captured_amount) == (
        Status.CAPTURED,
        D("80.00"),
        D("60.00"),
    )
    assert lines_of(cp.payment.voucher) == [
        ("110200", "bank", D("60.00")),
        ("130100", "customer_balance", D("-60.00")),
    ]
    assert ot_of(invoice).open_amount == D("40.00")
    assert balances(bank["FAB"]) == {
        "110200": D("60.00"),
        "130100": D("40.00"),
        "401100": D("-100.00"),
    }


def test_card_payment_capture_retried_posts_once(bank):
    _, cp = authorize(bank)
    first = card_payment_capture(card_payment=cp, actor=None, on=ON)

    again = card_payment_capture(card_payment=cp, actor=None, on=ON)

    assert again.payment_id == first.payment_id
    assert Payment.objects.filter(method=Payment.Method.CARD).count() == 1
    assert list(cp.events.values_list("operation", flat=True)) == ["authorize", "capture"]
    assert balances(bank["FAB"]) == {"110100": D("100.00"), "401100": D("-100.00")}


@pytest.mark.parametrize(
    "number, status, code",
    [
        (DECLINES, Status.DECLINED, "card_declined"),
        (INSUFFICIENT_FUNDS, Status.DECLINED, "insufficient_funds"),
        (FAILS, Status.FAILED, "processing_error"),
    ],
)
def test_card_payment_authorize_declined_or_failed_is_recorded_and_posts_nothing(
    bank, number, status, code
):
    invoice, cp = authorize(bank, number=number)

    assert (cp.status, cp.code, cp.token, cp.last4) == (status, code, "", "")
    (event,) = cp.events.all()
    assert (event.approved, event.code) == (False, code)
    assert ot_of(invoice).open_amount == D("100.00")
    with pytest.raises(CardPaymentInvalid, match=f"is {status}: it cannot be captured"):
        card_payment_capture(card_payment=cp, actor=None, on=ON)
    assert balances(bank["FAB"]) == {"130100": D("100.00"), "401100": D("-100.00")}


@pytest.mark.parametrize(
    "number, status, code, message",
    [
        (
            CAPTURE_DECLINED,
            Status.DECLINED,
            "capture_declined",
            "The capture was declined by the card's bank.",
        ),
        (
            CAPTURE_FAILS,
            Status.FAILED,
            "processing_error",
            "The card could not be processed; try again later.",
        ),
    ],
)
def test_card_payment_capture_declined_or_failed_leaves_the_invoice_open(
    bank, number, status, code, message
):
    invoice, cp = authorize(bank, number=number)

    cp = card_payment_capture(card_payment=cp, actor=None, on=ON)

    assert (cp.status, cp.code, cp.message, cp.payment, cp.captured_amount) == (
        status,
        code,
        message,
        None,
        D("0"),
    )
    capture = cp.events.get(operation="capture")
    assert (capture.approved, capture.code, capture.amount) == (False, code, D("100.00"))
    assert ot_of(invoice).open_amount == D("100.00")
    assert not Payment.objects.exists()
    assert balances(bank["FAB"]) == {"130100": D("100.00"), "401100": D("-100.00")}


def test_card_payment_void_releases_the_authorization_and_posts_nothing(bank):
    invoice, cp = authorize(bank)

    cp = card_payment_void(card_payment=cp, actor=None)

    assert (cp.status, cp.code) == (Status.VOIDED, "approved")
    assert cp.void_reference.startswith("void_test_")
    assert ot_of(invoice).open_amount == D("100.00")
    assert balances(bank["FAB"]) == {"130100": D("100.00"), "401100": D("-100.00")}
    with pytest.raises(
        CardPaymentInvalid, match=f"Card payment {cp.pk} is voided: it cannot be captured."
    ):
        card_payment_capture(card_payment=cp, actor=None, on=ON)


def test_card_payment_void_of_a_captured_payment_is_refused(bank):
    _, cp = authorize(bank)
    card_payment_capture(card_payment=cp, actor=None, on=ON)

    with pytest.raises(
        CardPaymentInvalid, match=f"Card payment {cp.pk} was captured: refund it instead."
    ):
        card_payment_void(card_payment=cp, actor=None)


def test_card_payment_refund_posts_a_refund_and_the_invoice_stays_settled(bank):
    clearing(bank)
    invoice, cp = authorize(bank)
    card_payment_capture(card_payment=cp, actor=None, on=ON)

    refund = card_payment_refund(card_payment=cp, amount=D("30.00"), actor=None, on=ON)

    cp.refresh_from_db()
    assert (cp.status, cp.refunded_amount, cp.refundable_amount) == (
        Status.PARTIALLY_REFUNDED,
        D("30.00"),
        D("70.00"),
    )
    # Customer balance Dr / card clearing Cr; the refund is an open debit of the customer.
    assert lines_of(refund.refund.voucher) == [
        ("130100", "customer_balance", D("30.00")),
        ("110200", "bank", D("-30.00")),
    ]
    assert refund.refund.method == Payment.Method.CARD
    assert ot_of(invoice).open_amount == 0
    assert OpenTransaction.objects.get(refund=refund.refund).open_amount == D("30.00")
    assert balances(bank["FAB"]) == {
        "110200": D("70.00"),
        "130100": D("30.00"),
        "401100": D("-100.00"),
    }

    card_payment_refund(card_payment=cp, amount=D("70.00"), actor=None, on=ON)
    cp.refresh_from_db()
    assert (cp.status, cp.refunded_amount) == (Status.REFUNDED, D("100.00"))
    assert balances(bank["FAB"]) == {"130100": D("100.00"), "401100": D("-100.00")}
    assert ledger_integrity_problems() == []


def test_card_payment_refund_against_a_credit_note_nets_the_customer_balance(bank):
    clearing(bank)
    customer = bank["customers"]["FAB"]
    invoice, cp = authorize(bank)
    card_payment_capture(card_payment=cp, actor=None, on=ON)
    credit_note = post_credit_note(customer, amounts=("30.00",), invoice=invoice)

    refund = card_payment_refund(
        card_payment=cp, amount=D("30.00"), credit_id=ot_of(credit_note).pk, actor=None, on=ON
    )

    assert refund.settlement is not None
    assert ot_of(credit_note).open_amount == 0
    assert OpenTransaction.objects.get(refund=refund.refund).open_amount == 0
    # Revenue 100 less returns 30; the card clearing holds the 70 kept; the customer owes nothing.
    assert balances(bank["FAB"]) == {
        "110200": D("70.00"),
        "401100": D("-100.00"),
        "403000": D("30.00"),
    }


def test_card_payment_refund_above_what_is_left_is_refused(bank):
    _, cp = authorize(bank)
    card_payment_capture(card_payment=cp, amount=D("60.00"), actor=None, on=ON)
    card_payment_refund(card_payment=cp, amount=D("50.00"), actor=None, on=ON)

    with pytest.raises(
        CardPaymentInvalid, match=r"The amount 10.01 is above what is left to refund, 10.00 USD."
    ):
        card_payment_refund(card_payment=cp, amount=D("10.01"), actor=None, on=ON)


def test_card_payment_refund_of_an_uncaptured_payment_is_refused(bank):
    _, cp = authorize(bank)

    with pytest.raises(
        CardPaymentInvalid,
        match=f"Card payment {cp.pk} is authorized: only a captured payment is refunded.",
    ):
        card_payment_refund(card_payment=cp, amount=D("10.00"), actor=None, on=ON)


def test_card_payment_capture_above_the_authorization_is_refused(bank):
    _, cp = authorize(bank, amount="80.00")

    with pytest.raises(
        CardPaymentInvalid, match="The amount 80.01 is above the authorization 80.00 USD."
    ) as error:
        card_payment_capture(card_payment=cp, amount=D("80.01"), actor=None, on=ON)

    assert error.value.field == "amount"
    assert list(cp.events.values_list("operation", flat=True)) == ["authorize"]


def test_card_payment_authorize_above_the_open_amount_is_refused(bank):
    invoice = post_invoice(bank["customers"]["FAB"], amounts=("100.00",))

    with pytest.raises(
        CardPaymentInvalid, match="The amount 100.01 is above the open amount 100.00 USD."
    ):
        authorize(bank, amount="100.01", invoice=invoice)
    assert not CardPayment.objects.exists()


def test_card_payment_authorize_with_the_token_of_an_earlier_card(bank):
    _, first = authorize(bank)

    _, second = authorize(bank, token=first.token)

    assert (second.status, second.token, second.last4, second.expiry_year) == (
        Status.AUTHORIZED,
        first.token,
        "4242",
        2030,
    )


def test_card_payment_authorize_with_a_card_number_as_token_is_refused(bank):
    with pytest.raises(CardPaymentInvalid, match="This is a card number, not a token") as error:
        authorize(bank, token="4242 4242 4242 4242")
    assert error.value.field == "token"
    assert APPROVES not in error.value.message


def test_card_payment_capture_that_cannot_be_posted_keeps_the_answer_and_posts_on_retry(
    bank, monkeypatch
):
    from banking.services import cards as services

    invoice, cp = authorize(bank)
    calls = []
    original = services.payments_post

    def refusing(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise InvalidInput("No open period on 2026-03-10.", field="date")
        return original(**kwargs)

    monkeypatch.setattr(services, "payments_post", refusing)

    with pytest.raises(InvalidInput, match="No open period on 2026-03-10."):
        card_payment_capture(card_payment=cp, actor=None, on=ON)

    cp.refresh_from_db()
    assert (cp.status, cp.payment, cp.captured_amount) == (Status.AUTHORIZED, None, D("100.00"))
    assert cp.capture_reference.startswith("ch_test_")
    assert cp.posting_error == "No open period on 2026-03-10."
    capture = CardGatewayEvent.objects.get(card_payment=cp, operation="capture")
    assert (capture.approved, capture.posting_error) == (True, "No open period on 2026-03-10.")
    assert ot_of(invoice).open_amount == D("100.00")

    cp = card_payment_capture(card_payment=cp, actor=None, on=ON)

    assert (cp.status, cp.payment.amount, cp.posting_error) == (Status.CAPTURED, D("100.00"), "")
    # The gateway was asked once; the retry only posted.
    assert cp.events.filter(operation="capture").count() == 1
    assert ot_of(invoice).open_amount == 0


def test_card_payment_capture_records_a_posting_refusal_in_english_for_a_french_clerk(
    bank, monkeypatch
):
    from django.utils import translation

    from banking.services import cards as services
    from core.errors import InvalidInput as Refused

    invoice, cp = authorize(bank)
    seen = []

    def refusing(**kwargs):
        seen.append(translation.get_language())
        raise Refused(translation.gettext("Choose a customer."), field="customer")

    monkeypatch.setattr(services, "payments_post", refusing)

    with translation.override("fr"), pytest.raises(Refused):
        card_payment_capture(card_payment=cp, actor=None, on=ON)

    assert seen == ["en"], "posted in the site's language, whoever asked"
    cp.refresh_from_db()
    assert cp.posting_error == "Choose a customer."


def test_card_payment_refund_refused_by_the_gateway_is_recorded(bank, monkeypatch):
    from banking.cards.gateways import GatewayResult, TestGateway

    _, cp = authorize(bank)
    card_payment_capture(card_payment=cp, actor=None, on=ON)
    monkeypatch.setattr(
        TestGateway,
        "refund",
        lambda self, **kw: GatewayResult(
            False, "processing_error", "The card could not be processed; try again later."
        ),
    )

    with pytest.raises(CardGatewayRefused, match="The card could not be processed"):
        card_payment_refund(card_payment=cp, amount=D("10.00"), actor=None, on=ON)

    cp.refresh_from_db()
    assert (cp.status, cp.refunded_amount, cp.code) == (Status.CAPTURED, D("0"), "processing_error")
    refund = cp.events.get(operation="refund")
    assert (refund.approved, refund.code) == (False, "processing_error")


def test_card_clearing_account_set_refuses_another_entitys_bank_account(bank):
    from banking.services.cards import card_clearing_account_set

    with pytest.raises(
        CardPaymentInvalid, match="Bank account MAIN is not an account of FABE."
    ) as error:
        card_clearing_account_set(
            legal_entity=bank["FABE"], bank_account=bank["account"], actor=None
        )
    assert error.value.field == "bank_account"

    saved = card_clearing_account_set(
        legal_entity=bank["FAB"], bank_account=bank["account"], actor=None
    )
    assert saved.bank_account == bank["account"]
    assert (
        card_clearing_account_set(legal_entity=bank["FAB"], bank_account=None, actor=None) is None
    )
