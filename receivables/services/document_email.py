"""Emailing a posted invoice or credit note to the customer, its PDF attached, both written in
the customer's language: the recipient is the address given or the party's contact email; the
audit row is written in the request's transaction and the mail leaves after commit (never for a
rolled-back request)."""

import logging

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, translation
from django.utils.translation import gettext, gettext_noop

from core.audit import Actor, audit_record
from core.errors import InvalidInput
from entities.services import ensure_can_act

from ..models import CreditNote, Invoice
from ..printing import (
    TITLES,
    document_kind,
    document_language,
    document_pdf,
    document_pdf_filename,
    document_printable_check,
    party_contact_email,
)

logger = logging.getLogger(__name__)

_SUBJECTS = {
    "invoice": gettext_noop("%(legal_entity)s: invoice %(number)s"),
    "credit_note": gettext_noop("%(legal_entity)s: credit note %(number)s"),
}
_BODIES = {
    "invoice": gettext_noop(
        "Dear %(customer)s,\n\nplease find attached invoice %(number)s of %(date)s.\n\n"
        "%(legal_entity)s"
    ),
    "credit_note": gettext_noop(
        "Dear %(customer)s,\n\nplease find attached credit note %(number)s of %(date)s.\n\n"
        "%(legal_entity)s"
    ),
}


def email_address_one(value: str, *, field: str = "email") -> str:
    """One address (a list would send the document to others too)."""
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidInput(
            f"{value!r} is not one email address: enter one, such as name@example.com.",
            field=field,
        ) from None
    return value


@transaction.atomic
def document_email(*, document: Invoice | CreditNote, actor: Actor, email: str = "") -> str:
    """Email the posted ``document`` to ``email``, or to the customer's contact email; returns
    the address. Refused for a draft, or when there is no address to send to."""
    kind = document_kind(document)
    ensure_can_act(actor, document.legal_entity, field="document")
    document_printable_check(document)
    recipient = email_address_one(email) if email else party_contact_email(document.customer.party)
    if not recipient:
        raise InvalidInput(
            f"Party {document.customer.party.number} has no contact with an email address: add "
            "one to its contacts, or enter the address to send to.",
            field="email",
        )
    audit_record(
        actor=actor,
        action=f"{kind}.emailed",
        obj=document,
        changes={"emailed_to": (None, recipient)},
        legal_entity=document.legal_entity,
    )
    model, pk = type(document), document.pk
    transaction.on_commit(lambda: _send(model, pk, recipient), robust=True)
    return recipient


def _send(model: type[Invoice] | type[CreditNote], pk: int, recipient: str) -> None:
    document = model.objects.select_related(
        "legal_entity", "customer__party", "customer__legal_entity"
    ).get(pk=pk)
    kind = document_kind(document)
    with translation.override(document_language(document)):
        values = {
            "legal_entity": document.legal_entity.name,
            "customer": document.customer.display_name,
            "number": document.number,
            "date": formats.date_format(document.date, "SHORT_DATE_FORMAT"),
        }
        subject = gettext(_SUBJECTS[kind]) % values
        body = gettext(_BODIES[kind]) % values
    message = EmailMessage(subject, body, to=[recipient])
    message.attach(document_pdf_filename(document), document_pdf(document), "application/pdf")
    message.send()
    logger.info("%s %s emailed to %s", TITLES[kind], document.number, recipient)
