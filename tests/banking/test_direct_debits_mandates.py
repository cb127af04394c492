"""Direct debit mandates and bad input: IBAN, BIC, reference (SEPA set, 35 characters, unique
per creditor), creditor identifier, collection dates, bank accounts, cancelled or expired
mandates; the 36-month expiry by the daily job; a returned collection reopening its invoice,
booking the fee and telling its mandate."""

import re
from datetime import date, timedelta

import pytest

from banking.exceptions import CollectionInvalid, MandateInvalid, MandateTransitionInvalid
from banking.models import BankAccount, DirectDebitCollection, DirectDebitMandate
from banking.services.direct_debits import (
    collection_preview,
    collection_start,
    is_business_day,
    mandate_cancel,
    mandate_update,
    mandates_expire,
    next_business_day,
)
from banking.services.direct_debits.mandates import EXPIRY_JOB, expiry_cutoff
from banking.services.posting import line_post
from banking.services.returns import returns_match
from core.jobs import job_run, job_start
from ledger.models import LedgerEntry, MainAccount
from ledger.selectors import ledger_integrity_problems
from receivables.models import Payment
from tests.factories.entities import LegalEntityFactory

from .dd_helpers import D, collect_on, invoice_for, mandate_for, run_inputs, today
from .helpers import line, statement_with
from .test_direct_debits import ot_of, run

pytestmark = pytest.mark.django_db


# --- business days ---------------------------------------------------------------------------


def test_next_business_day_skips_weekends_and_target2_holidays():
    assert next_business_day(date(2026, 12, 24)) == date(2026, 12, 28)  # 25, 26 Dec, weekend
    assert next_business_day(date(2026, 4, 2)) == date(2026, 4, 7)  # Good Friday, Easter Monday
    assert next_business_day(date(2026, 4, 30)) == date(2026, 5, 4)  # 1 May, weekend
    assert next_business_day(date(2027, 12, 31)) == date(2028, 1, 3)
    assert not is_business_day(date(2027, 3, 26))  # Good Friday 2027
    assert is_business_day(date(2026, 12, 7))


# --- mandates ---------------------------------------------------------------------------------


def test_mandate_create_normalizes_iban_and_bic(dd):
    mandate = mandate_for(dd, 0, iban="de89 3704 0044 0532 0130 00", bic="cobadeffxxx")
    assert (mandate.iban, mandate.bic) == ("DE89370400440532013000", "COBADEFFXXX")
    assert (mandate.status, mandate.next_sequence_type) == ("active", "FRST")
    assert mandate_for(dd, 1, recurrent=False).next_sequence_type == "OOFF"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"iban": "DE89370400440532013001"}, "iban", "is not a valid IBAN"),
        ({"bic": "COBADEF"}, "bic", "is not a valid BIC"),
        (
            {"reference": "MANDAT Müller 1"},
            "reference",
            "The mandate reference holds characters outside the SEPA set ('ü')",
        ),
        (
            {"reference": "M" * 36},
            "reference",
            "The mandate reference has 36 characters; at most 35 are allowed.",
        ),
        (
            {"reference": " M-1"},
            "reference",
            "The mandate reference cannot start or end with a space.",
        ),
        ({"reference": "M//1"}, "reference", 'cannot start or end with "/" nor hold "//"'),
        ({"reference": "M_1"}, "reference", "outside the SEPA set ('_')"),
        ({"signed": date(2099, 1, 1)}, "signature_date", "is in the future"),
        ({"scheme": "COR1"}, "scheme", "Unknown scheme 'COR1': use CORE or B2B."),
    ],
)
def test_mandate_create_refuses_bad_input_naming_the_field(dd, fields, field, message):
    with pytest.raises(MandateInvalid, match=re.escape(message)) as e:
        mandate_for(dd, 0, **fields)
    assert e.value.field == field
    assert DirectDebitMandate.objects.count() == 0


def test_mandate_create_refuses_a_reference_used_under_the_same_creditor(dd):
    mandate_for(dd, 0, reference="MNDT-1")
    with pytest.raises(MandateInvalid, match="SEPA already has mandate mndt-1.") as e:
        mandate_for(dd, 1, reference="mndt-1")
    assert e.value.field == "reference"
    other = LegalEntityFactory(code="OTHER", accounting_currency="EUR")
    from banking.services.direct_debits import mandate_create
    from tests.factories.entities import CustomerFactory

    mandate_create(  # another creditor may use it
        legal_entity=other,
        customer=CustomerFactory(legal_entity=other, account="1", currency="EUR"),
        reference="MNDT-1",
        iban="DE89370400440532013000",
        signature_date=today(),
        actor=None,
    )


def test_mandate_create_refuses_a_second_active_mandate_of_a_customer(dd):
    mandate_for(dd, 0)
    with pytest.raises(MandateInvalid, match="Customer 5001 already has an active mandate"):
        mandate_for(dd, 0, reference="MNDT-OTHER")


def test_mandate_cancel_follows_the_map_of_transitions(dd, admin_user):
    mandate = mandate_cancel(mandate=mandate_for(dd, 0), actor=admin_user)
    assert (mandate.status, mandate.cancelled_on) == ("cancelled", today())
    with pytest.raises(MandateTransitionInvalid, match="MNDT-0001 is cancelled: it cannot"):
        mandate_cancel(mandate=mandate, actor=admin_user)


def test_mandate_update_new_iban_makes_the_next_collection_a_first_one(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate = mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    run(dd, admin_user, django_capture_on_commit_callbacks)
    mandate.refresh_from_db()
    assert mandate.next_sequence_type == "RCUR"
    with pytest.raises(MandateInvalid, match="The reference of a mandate that has collected"):
        mandate_update(mandate=mandate, data={"reference": "NEW-1"}, actor=admin_user)

    mandate = mandate_update(mandate=mandate, data={"iban": "NL91ABNA0417164300"}, actor=admin_user)

    assert (mandate.iban, mandate.next_sequence_type) == ("NL91ABNA0417164300", "FRST")


# --- bad input of a collection run ------------------------------------------------------------


def _refused(dd, admin_user, field, message, **given):
    with pytest.raises(CollectionInvalid, match=message) as e:
        collection_start(actor=admin_user, **run_inputs(dd, **given))
    assert e.value.field == field
    assert DirectDebitCollection.objects.count() == 0
    assert Payment.objects.count() == 0


def test_collection_start_refuses_a_date_in_the_past(dd, admin_user):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    past = today() - timedelta(days=1)
    _refused(dd, admin_user, "collection_date", f"{past} is in the past", collection_date=past)


def test_collection_start_refuses_a_date_before_the_next_business_day(dd, admin_user):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    message = f"{today()} is before the next business day, {collect_on()}."
    _refused(dd, admin_user, "collection_date", message, collection_date=today())


def test_collection_start_refuses_a_weekend(dd, admin_user):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    saturday = collect_on() + timedelta(days=(5 - collect_on().weekday()) % 7 or 7)
    _refused(
        dd,
        admin_user,
        "collection_date",
        f"{saturday} is not a TARGET2 business day",
        collection_date=saturday,
    )


def test_collection_start_refuses_an_entity_without_creditor_identifier(dd, admin_user):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    LegalEntity = type(dd["entity"])
    LegalEntity.objects.filter(pk=dd["entity"].pk).update(sepa_creditor_identifier="")
    dd["entity"].refresh_from_db()
    _refused(dd, admin_user, "legal_entity", "SEPA has no SEPA creditor identifier")


def test_collection_start_refuses_a_bad_creditor_identifier(dd, admin_user):
    type(dd["entity"]).objects.filter(pk=dd["entity"].pk).update(
        sepa_creditor_identifier="DE00ZZZ09999999999"
    )
    dd["entity"].refresh_from_db()
    _refused(dd, admin_user, "legal_entity", "its check digits should be 98")


def test_collection_start_refuses_another_entitys_or_a_non_euro_account(dd, admin_user, bank):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "10.00")
    _refused(
        dd,
        admin_user,
        "bank_account",
        "Bank account MAIN is not a bank account of SEPA.",
        bank_account=bank["account"],
    )
    usd = BankAccount.objects.create(
        legal_entity=dd["entity"],
        code="USD",
        name="USD",
        iban="GB29NWBK60161331926819",
        currency="USD",
        main_account=MainAccount.objects.create(
            legal_entity=dd["entity"], number="110390", name="Bank USD", kind=MainAccount.Kind.ASSET
        ),
    )
    _refused(dd, admin_user, "bank_account", "Bank account USD is in USD", bank_account=usd)


def test_collection_start_refuses_a_cancelled_or_expired_mandate(dd, admin_user):
    cancelled = mandate_cancel(mandate=mandate_for(dd, 0), actor=admin_user)
    expired = mandate_for(dd, 1, signed=today() - timedelta(days=365 * 4))
    mandates_expire(on=today())
    invoice_for(dd, 0, "10.00")
    invoice_for(dd, 1, "10.00")
    _refused(
        dd,
        admin_user,
        "mandates",
        "Mandate MNDT-0001 is cancelled: only active mandates are collected.",
        mandates=[cancelled.pk],
    )
    _refused(dd, admin_user, "mandates", "Mandate MNDT-0002 is expired", mandates=[expired.pk])
    # Without naming them, nothing is collected under them.
    _refused(dd, admin_user, "due_until", "Nothing to collect: SEPA has no open EUR debits")


def test_collection_preview_refuses_what_the_run_refuses(dd, admin_user):
    with pytest.raises(CollectionInvalid, match="is in the past") as e:
        collection_preview(
            actor=admin_user, **run_inputs(dd, collection_date=today() - timedelta(days=9))
        )
    assert e.value.field == "collection_date"


# --- expiry ----------------------------------------------------------------------------------


def test_expiry_cutoff_is_36_months_back():
    assert expiry_cutoff(date(2026, 12, 6)) == date(2023, 12, 6)
    assert expiry_cutoff(date(2028, 2, 29)) == date(2025, 2, 28)


def test_mandates_expire_job_expires_recurrent_mandates_unused_for_36_months(dd, admin_user):
    old = today() - timedelta(days=365 * 3 + 10)
    never_used = mandate_for(dd, 0, signed=old)
    used_lately = mandate_for(dd, 1, signed=old)
    DirectDebitMandate.objects.filter(pk=used_lately.pk).update(
        last_collection_date=today() - timedelta(days=30)
    )
    one_off = mandate_for(dd, 2, signed=old, recurrent=False)

    job = job_start(
        kind=EXPIRY_JOB,
        legal_entities=[dd["entity"]],
        as_of=today(),
        actor=admin_user,
        enqueue=False,
    )
    job = job_run(job_id=job.pk)

    assert (job.state, job.result) == ("done", {"expired": 1})
    statuses = dict(DirectDebitMandate.objects.values_list("pk", "status"))
    assert statuses == {never_used.pk: "expired", used_lately.pk: "active", one_off.pk: "active"}
    assert mandates_expire(on=today()) == 0  # running it again expires nothing more


def test_mandates_expire_is_scheduled_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["direct-debit-mandates-expire"]
    assert (entry["task"], entry["args"]) == ("entities.job_scheduled", (EXPIRY_JOB,))


# --- returns ---------------------------------------------------------------------------------


def _statement(dd, amount: str, e2e: str, reason: str, statement_id: str = "R1"):
    bank = {"account": dd["account"], "on": collect_on()}
    return statement_with(
        bank,
        [{"amount": amount, "end_to_end_id": e2e, "return_reason": reason}],
        statement_id=statement_id,
    )


def test_return_reopens_the_invoice_exactly_books_the_fee_and_tells_the_mandate(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate = mandate_for(dd, 0)
    invoice = invoice_for(dd, 0, "1000.00", discount=True)
    collection = run(dd, admin_user, django_capture_on_commit_callbacks)
    collected = collection.payments.get()
    assert (collected.amount, ot_of(invoice).open_amount) == (D("980.00"), 0)
    statement = _statement(dd, "-983.50", collected.end_to_end_id, "MD06")

    assert returns_match(statement=statement) == 1
    posted = line_post(line=line(statement, 1), actor=admin_user)

    reopened = ot_of(invoice)
    assert (reopened.open_amount, reopened.open_accounting_amount) == (
        D("1000.00"),
        D("1000.00"),
    )
    collected.payment.refresh_from_db()
    assert collected.payment.status == "reversed"
    fee = LedgerEntry.objects.filter(voucher=posted.voucher).select_related("account")
    assert {e.account.number: e.amount for e in fee} == {
        "605000": D("3.50"),
        "110300": D("-3.50"),
    }
    collected.refresh_from_db()
    assert (collected.return_reason, collected.returned_on) == ("MD06", collect_on())
    mandate.refresh_from_db()
    assert (mandate.return_count, mandate.last_return_reason, mandate.needs_attention) == (
        1,
        "MD06",
        True,
    )
    # Its first collection came back: the next one is a first one again.
    assert (mandate.status, mandate.next_sequence_type) == ("active", "FRST")
    assert ledger_integrity_problems() == []


def test_return_a_second_time_cancels_the_mandate(
    dd, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.DIRECT_DEBIT_RETURNS_CANCEL_MANDATE = 2
    mandate = mandate_for(dd, 0)
    for n in (1, 2):
        invoice_for(dd, 0, "100.00")
        collected = run(dd, admin_user, django_capture_on_commit_callbacks).payments.get()
        assert collected.amount == D("100.00") * n  # the returned invoice comes again
        statement = _statement(dd, f"-{collected.amount}", collected.end_to_end_id, "AM04", f"R{n}")
        returns_match(statement=statement)
        line_post(line=line(statement, 1), actor=admin_user)
        mandate.refresh_from_db()
        assert mandate.return_count == n
    assert (mandate.status, mandate.needs_attention, mandate.last_return_reason) == (
        "cancelled",
        False,  # AM04 (insufficient funds) says nothing of the mandate itself
        "AM04",
    )


def test_return_never_cancels_the_mandate_when_the_setting_is_zero(
    dd, admin_user, settings, django_capture_on_commit_callbacks
):
    settings.DIRECT_DEBIT_RETURNS_CANCEL_MANDATE = 0
    mandate = mandate_for(dd, 0)
    for n in (1, 2):
        invoice_for(dd, 0, "100.00")
        collected = run(dd, admin_user, django_capture_on_commit_callbacks).payments.get()
        statement = _statement(dd, f"-{collected.amount}", collected.end_to_end_id, "MD01", f"R{n}")
        returns_match(statement=statement)
        line_post(line=line(statement, 1), actor=admin_user)
    mandate.refresh_from_db()
    assert (mandate.status, mandate.return_count, mandate.needs_attention) == ("active", 2, True)
