"""Writes of collection letters: the next letter of a sequence that is due, kept as HTML and
emailed after commit, and the standard sequence of letter steps.

A letter is written in the customer's language (``Customer.document_language``): its words,
dates and amounts. The standard steps' texts are translated; a text changed in the admin is
sent as written."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext_noop

from core.audit import Actor, audit_record
from core.errors import InvalidInput
from core.money import ZERO, format_amount, format_amount_localized
from entities.models import Customer
from entities.services import ensure_can_act
from receivables.models import OpenTransaction
from receivables.selectors import open_transactions_matching_for_update

from ..models import Activity, CollectionLetter, LetterStep
from .common import DEBIT_KINDS, acting_user, timeline_activity_add


@transaction.atomic
def letter_send(
    *,
    customer: Customer,
    actor: Actor,
    on: date | None = None,
    email: str | None = None,
    transactions: list[OpenTransaction] | None = None,
    sequence: str = "STANDARD",
) -> CollectionLetter:
    """Send the next letter of the sequence that is due: it lists the overdue transactions not
    in dispute (or the ones given, none of which may be in dispute), is kept as HTML, emailed
    after commit when there is an address, and logged as an activity."""
    ensure_can_act(actor, customer.legal_entity, field="customer")
    if email is not None:
        email = _one_email_address(email)
    on = on or timezone.localdate()
    chosen = _letter_transactions(customer, on, transactions)
    last, step = _letter_step_due(
        customer, sequence, oldest=max((on - t.due_date).days for t in chosen)
    )
    currencies = {t.currency for t in chosen}
    if len(currencies) > 1:
        raise InvalidInput(
            "The overdue transactions are in several currencies: send one letter per currency.",
            field="transactions",
        )
    currency = currencies.pop()
    total = sum((t.open_amount for t in chosen), ZERO)
    rows = _letter_rows(chosen, on)
    language = customer.document_language
    html = _letter_html(
        customer, step, on=on, rows=rows, total=total, currency=currency, language=language
    )
    recipient = email or _contact_email(customer)
    letter = CollectionLetter.objects.create(
        customer=customer,
        legal_entity=customer.legal_entity,
        step=step,
        date=on,
        currency=currency,
        total=total,
        transactions=rows,
        html=html,
        language=language,
        emailed_to=recipient or "",
        created_by=acting_user(actor),
    )
    sent_to = f" to {recipient}" if recipient else ""
    timeline_activity_add(
        customer, Activity.Kind.LETTER, f"{step.subject} (letter {step.step}) sent{sent_to}", actor
    )
    audit_record(
        actor=actor,
        action="collection_letter.sent",
        obj=letter,
        changes={"step": (last.step.step if last else None, step.step)},
        legal_entity=customer.legal_entity,
    )
    if recipient:
        # After commit, and robust: a mail server that fails leaves the letter recorded
        # (and shown as not emailed), never the request failing after the letter is saved.
        transaction.on_commit(lambda: _email(letter.pk), robust=True)
    return letter


def _overdue_debits(customer: Customer, on: date) -> list[OpenTransaction]:
    locked = open_transactions_matching_for_update(
        OpenTransaction.objects.filter(
            customer=customer, kind__in=DEBIT_KINDS, open_amount__gt=0, due_date__lt=on
        )
    )
    return sorted(locked, key=lambda t: (t.due_date, t.pk))


def _letter_transactions(
    customer: Customer, on: date, transactions: list[OpenTransaction] | None
) -> list[OpenTransaction]:
    """The overdue debits the letter lists, locked: the ones given (all overdue, none in
    dispute), or every overdue one not in dispute."""
    overdue = list(_overdue_debits(customer, on))
    if transactions is not None:
        wanted = {t.pk for t in transactions}
        chosen = [t for t in overdue if t.pk in wanted]
        missing = wanted - {t.pk for t in chosen}
        if missing:
            raise InvalidInput(
                "Only open overdue invoices of the customer go in a letter.", field="transactions"
            )
        disputed = [t.document_number for t in chosen if t.disputed]
        if disputed:
            raise InvalidInput(
                f"{', '.join(disputed)} in dispute: no letter for a disputed transaction.",
                field="transactions",
            )
    else:
        chosen = [t for t in overdue if not t.disputed]
    if not chosen:
        raise InvalidInput(
            f"Customer {customer.account} has nothing overdue to remind outside disputes.",
            field="customer",
        )
    return chosen


def _letter_step_due(
    customer: Customer, sequence: str, *, oldest: int
) -> tuple[CollectionLetter | None, LetterStep]:
    """The customer's last letter of the sequence and the step after it that the oldest
    transaction's days overdue have reached."""
    last = (
        CollectionLetter.objects.filter(customer=customer, step__sequence=sequence)
        .select_related("step")
        .order_by("-date", "-id")
        .first()
    )
    step = (
        LetterStep.objects.filter(
            sequence=sequence,
            step__gt=last.step.step if last else 0,
            days_overdue__lte=oldest,
        )
        .order_by("step")
        .first()
    )
    if step is None:
        raise InvalidInput(
            f"No letter of sequence {sequence} is due: the oldest transaction is {oldest} days "
            f"overdue{' and letter ' + str(last.step.step) + ' was sent' if last else ''}.",
            field="customer",
        )
    return last, step


def _letter_rows(chosen: list[OpenTransaction], on: date) -> list[dict[str, Any]]:
    """The letter's transactions as kept on it (JSON), so the letter shows what it said."""
    return [
        {
            "open_transaction": t.pk,
            "document_number": t.document_number,
            "due_date": t.due_date.isoformat(),
            "days_overdue": (on - t.due_date).days,
            "open_amount": format_amount(t.open_amount, t.currency),
        }
        for t in chosen
    ]


def _letter_html(
    customer: Customer,
    step: LetterStep,
    *,
    on: date,
    rows: list[dict[str, Any]],
    total: Decimal,
    currency: str,
    language: str,
) -> str:
    with translation.override(language):
        context = {
            "customer": customer,
            "entity": customer.legal_entity,
            "step": step,
            "subject": step.display_subject,
            "on": on,
            "rows": [{**r, "due_date": date.fromisoformat(r["due_date"])} for r in rows],
            "total": total,
            "currency": currency,
            "language": language,
            "intro": letter_intro(step, customer=customer, total=total, currency=currency),
        }
        return render_to_string("collections_app/letter.html", context)


def letter_intro(step: LetterStep, *, customer: Customer, total: Decimal, currency: str) -> str:
    """The step's text before the list, in the active language, its placeholders filled."""
    return step.display_body.format(
        customer=customer.display_name,
        legal_entity=customer.legal_entity.name,
        total=f"{format_amount_localized(total, currency)} {currency}",
    )


# Stored in English, as the data migration wrote them; translated when a letter is written.
DEFAULT_LETTER_STEPS = [
    (1, 15, gettext_noop("Payment reminder"),
     gettext_noop("Dear {customer}, our records show the following amounts to {legal_entity} "
                  "are past due, {total} in all. We would be grateful for your payment.")),
    (2, 30, gettext_noop("Second reminder"),
     gettext_noop("Dear {customer}, despite our reminder the following amounts, {total} in all, "
                  "are still unpaid. Please pay them within 8 days or contact us.")),
    (3, 60, gettext_noop("Final notice"),
     gettext_noop("Dear {customer}, the following amounts, {total} in all, remain unpaid. "
                  "Without payment within 8 days we will place your account on credit hold.")),
]  # fmt: skip


def letter_steps_default_ensure() -> None:
    """The standard letter sequence (15, 30, 60 days), created when missing. The data migration
    creates it; this puts it back after a database flush (tests that commit)."""
    for step, days, subject, body in DEFAULT_LETTER_STEPS:
        LetterStep.objects.get_or_create(
            sequence="STANDARD",
            step=step,
            defaults={"days_overdue": days, "subject": subject, "body": body},
        )


def _one_email_address(value: str) -> str:
    """One address, as the API's EmailField takes it: a list would send the letter to others."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidInput(
            f"{value!r} is not one email address: enter one, such as name@example.com.",
            field="email",
        ) from None
    return value


def _contact_email(customer: Customer) -> str:
    contact = customer.party.contacts.exclude(email="").order_by("name").first()
    return contact.email if contact else ""


def _email(letter_id: int) -> None:
    """The letter as HTML with its PDF attached (after commit: never for a rolled-back letter)."""
    from ..printing import letter_pdf

    letter = CollectionLetter.objects.select_related("legal_entity", "customer__party", "step").get(
        pk=letter_id
    )
    with translation.override(letter.language):
        subject = f"{letter.legal_entity.name}: {letter.step.display_subject}"
    message = EmailMultiAlternatives(subject, strip_tags(letter.html), to=[letter.emailed_to])
    message.attach_alternative(letter.html, "text/html")
    message.attach(f"letter-{letter.pk}.pdf", letter_pdf(letter), "application/pdf")
    message.send()
    CollectionLetter.objects.filter(pk=letter.pk).update(emailed_at=timezone.now())
