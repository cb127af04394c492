"""Browser pages of card payments: the list, "Take a card payment" for an invoice, and a card
payment's page with its capture, void and refund buttons. Every action calls the service the API
calls."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from core.money import format_amount
from core.permissions import role_required_for_writes
from entities.selectors import audit_entries_for, in_granted_entities
from receivables.models import OpenTransaction

from .cards import CardData
from .forms_cards import CaptureForm, CardPaymentForm, RefundForm
from .models import CardPayment
from .selectors import card_payments_for_user
from .services.card_refunds import card_payment_refund
from .services.cards import card_payment_authorize, card_payment_capture, card_payment_void

WRITE = "banking.add_cardpayment"
# Service fields → the form's fields.
FORM_FIELDS = {
    "transaction": "invoice",
    "card.number": "number",
    "card.expiry_month": "expiry_month",
    "card.expiry_year": "expiry_year",
    "card.cvc": "cvc",
    "card": None,
}


def card_payment_list(request):
    payments = card_payments_for_user(request.user).order_by("-created_at", "-id")
    page = Paginator(payments, 50).get_page(request.GET.get("page"))
    return render(request, "banking/cards/list.html", {"page": page})


def _invoice_of(request, number: str) -> OpenTransaction | None:
    """The open transaction of the invoice numbered ``number`` among the user's entities."""
    qs = OpenTransaction.objects.filter(
        document_number=number.strip(), kind=OpenTransaction.Kind.INVOICE
    )
    return in_granted_entities(qs, request.user).first()


@role_required_for_writes(WRITE)
def card_payment_new(request):
    """Take a card payment: authorize an amount on a card for an invoice."""
    if request.method != "POST":
        number = request.GET.get("invoice", "")
        ot = _invoice_of(request, number) if number else None
        initial = {"invoice": number, "amount": ot.open_amount if ot else None}
        form = CardPaymentForm(initial=initial)
        return render(request, "banking/cards/new.html", {"form": form})
    form = CardPaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ot = _invoice_of(request, data["invoice"])
        if ot is None:
            form.add_error(
                "invoice",
                _("No invoice %(number)s in your legal entities.") % {"number": data["invoice"]},
            )
        else:
            try:
                card_payment = card_payment_authorize(
                    open_transaction_id=ot.pk,
                    amount=data["amount"],
                    card=_card(data),
                    token=data["token"] or None,
                    actor=request.user,
                )
            except ApplicationError as error:
                _attach(form, error)
            else:
                _announce(request, card_payment, _("Card payment %(pk)s authorized."))
                return redirect("card-payment-detail", pk=card_payment.pk)
    # Shown again without the card number and the CVC (password inputs do not render them).
    return render(request, "banking/cards/new.html", {"form": form})


def _card(data: dict) -> CardData | None:
    if not data.get("number"):
        return None
    return CardData(
        number=data["number"],
        expiry_month=data["expiry_month"],
        expiry_year=data["expiry_year"],
        cvc=data["cvc"],
    )


def _attach(form, error: ApplicationError) -> None:
    field = FORM_FIELDS.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


def _announce(request, card_payment: CardPayment, done: str) -> None:
    if card_payment.status in (CardPayment.Status.DECLINED, CardPayment.Status.FAILED):
        messages.error(request, f"{card_payment.get_status_display()}: {card_payment.message}")
    else:
        messages.success(request, done % {"pk": card_payment.pk})


def _credits(card_payment: CardPayment):
    """The customer's open credits a refund may pay back (credit notes, payments)."""
    return OpenTransaction.objects.filter(
        customer_id=card_payment.customer_id,
        currency=card_payment.currency,
        amount__lt=0,
        open_amount__lt=0,
    ).order_by("date", "pk")


def _detail(request, card_payment: CardPayment, capture=None, refund=None, status=200):
    credits = _credits(card_payment)
    return render(
        request,
        "banking/cards/detail.html",
        {
            "card_payment": card_payment,
            "events": card_payment.events.all(),
            "refunds": card_payment.refunds.select_related("refund"),
            "capture_form": capture or CaptureForm(),
            "refund_form": refund or RefundForm(credits=credits),
            "credits": credits,
            "audit_entries": audit_entries_for(card_payment, user=request.user)[:20],
        },
        status=status,
    )


def card_payment_detail(request, pk: int):
    card_payment = get_object_or_404(card_payments_for_user(request.user), pk=pk)
    return _detail(request, card_payment)


@require_POST
@role_required_for_writes(WRITE)
def card_payment_capture_view(request, pk: int):
    card_payment = get_object_or_404(card_payments_for_user(request.user), pk=pk)
    form = CaptureForm(request.POST)
    if form.is_valid():
        try:
            card_payment = card_payment_capture(
                card_payment=card_payment, amount=form.cleaned_data["amount"], actor=request.user
            )
        except ApplicationError as error:
            _attach(form, error)
        else:
            _announce(request, card_payment, _("Card payment %(pk)s captured."))
            return redirect("card-payment-detail", pk=pk)
    card_payment.refresh_from_db()
    return _detail(request, card_payment, capture=form, status=400)


@require_POST
@role_required_for_writes(WRITE)
def card_payment_void_view(request, pk: int):
    card_payment = get_object_or_404(card_payments_for_user(request.user), pk=pk)
    try:
        card_payment_void(card_payment=card_payment, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Card payment %(pk)s voided.") % {"pk": pk})
    return redirect("card-payment-detail", pk=pk)


@require_POST
@role_required_for_writes(WRITE)
def card_payment_refund_view(request, pk: int):
    card_payment = get_object_or_404(card_payments_for_user(request.user), pk=pk)
    form = RefundForm(request.POST, credits=_credits(card_payment))
    if form.is_valid():
        try:
            card_payment_refund(
                card_payment=card_payment,
                amount=form.cleaned_data["amount"],
                credit_id=form.cleaned_data["credit"],
                actor=request.user,
            )
        except ApplicationError as error:
            _attach(form, error)
        else:
            refunded = format_amount(form.cleaned_data["amount"], card_payment.currency)
            messages.success(request, _("Refunded %(amount)s.") % {"amount": refunded})
            return redirect("card-payment-detail", pk=pk)
    card_payment.refresh_from_db()
    return _detail(request, card_payment, refund=form, status=400)
