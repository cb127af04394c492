"""Recurring invoices: period dates across month ends and leap years, generation exactly once per
period (twice in a row, after a crash midway, two jobs at once), posting, bad input."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import InvalidInput
from core.jobs import JobAlreadyRunning, job_run, job_start
from core.models import Job
from receivables.models import (
    Invoice,
    OpenTransaction,
    RecurringInvoiceAssignment,
    RecurringInvoiceOccurrence,
)
from receivables.services import (
    TemplateLineInput,
    recurring_assignment_save,
    recurring_invoices_generate,
    recurring_template_save,
)
from receivables.services.recurring import period_date, periods_due
from tests.factories.entities import (
    CustomerFactory,
    LegalEntityFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
)

D = Decimal


def test_period_dates_month_end_and_leap_years():
    def months(start, n, interval=1):
        return period_date(start=start, frequency="months", interval=interval, sequence=n)

    assert [months(date(2026, 1, 31), n) for n in range(4)] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert months(date(2026, 8, 31), 2, interval=3) == date(2027, 2, 28)
    assert period_date(start=date(2028, 2, 29), frequency="years", interval=1, sequence=1) == date(
        2029, 2, 28
    )
    assert period_date(start=date(2028, 2, 29), frequency="years", interval=1, sequence=4) == date(
        2032, 2, 29
    )
    assert period_date(start=date(2026, 12, 28), frequency="weeks", interval=2, sequence=1) == (
        date(2027, 1, 11)
    )
    assert period_date(start=date(2026, 2, 27), frequency="days", interval=3, sequence=1) == (
        date(2026, 3, 2)
    )


def test_periods_due_stop_at_end_date_and_count():
    a = RecurringInvoiceAssignment(
        start_date=date(2026, 1, 31), frequency="months", interval=1, occurrences=3
    )
    assert [d for _, d in periods_due(a, date(2026, 12, 31), set())] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    a.occurrences, a.end_date = None, date(2026, 3, 30)
    assert [s for s, _ in periods_due(a, date(2026, 12, 31), {0})] == [1]


@pytest.fixture
def setup(db):
    entity = LegalEntityFactory(code="FAB")
    terms = PaymentTermsFactory(code="N30", net_days=30)
    customers = [
        CustomerFactory(legal_entity=entity, account=f"C{i}", payment_terms=terms) for i in range(3)
    ]
    template = recurring_template_save(
        legal_entity=entity,
        code="RENT",
        description="Office rent",
        lines=[
            TemplateLineInput(description="Rent", amount=D("1000.00")),
            TemplateLineInput(
                description="Service charge",
                quantity=D("2"),
                unit_price=D("50.00"),
                sales_tax_code=SalesTaxCodeFactory(code="VAT10", percent=D("10")),
            ),
        ],
        actor=None,
    )
    return {"entity": entity, "template": template, "customers": customers}


def _assign(setup, customer, **kwargs):
    kwargs.setdefault("start_date", date(2026, 1, 31))
    return recurring_assignment_save(
        template=setup["template"], customer=customer, actor=None, **kwargs
    )


def test_generate_creates_each_period_once_with_the_template_lines(setup):
    c0, c1, _ = setup["customers"]
    _assign(setup, c0, occurrences=12)
    _assign(setup, c1, frequency="weeks", interval=2, end_date=date(2026, 3, 1))
    result = recurring_invoices_generate(
        legal_entities=[setup["entity"]], up_to=date(2026, 4, 30), actor=None
    )
    assert result == {"assignments": 2, "invoices": 7, "posted": 0, "skipped": 0}
    dates = sorted(Invoice.objects.filter(customer=c0).values_list("date", flat=True))
    assert dates == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert Invoice.objects.filter(customer=c1).count() == 3  # Jan 31, Feb 14, Feb 28 (end Mar 1)
    invoice = Invoice.objects.filter(customer=c0).order_by("date").first()
    assert (invoice.status, invoice.total, invoice.tax_amount) == (
        "draft",
        D("1110.00"),
        D("10.00"),
    )
    assert [(x.description, x.amount, x.tax_amount) for x in invoice.lines.all()] == [
        ("Rent", D("1000.00"), D("0.00")),
        ("Service charge", D("100.00"), D("10.00")),
    ]
    # Running again for the same date, or an earlier one, adds nothing.
    again = recurring_invoices_generate(
        legal_entities=[setup["entity"]], up_to=date(2026, 4, 30), actor=None
    )
    assert again["invoices"] == 0
    assert Invoice.objects.count() == 7
    # A later date adds only the new periods.
    later = recurring_invoices_generate(
        legal_entities=[setup["entity"]], up_to=date(2026, 5, 31), actor=None
    )
    assert later["invoices"] == 1


def test_generate_posts_when_the_assignment_says_so(setup):
    c0 = setup["customers"][0]
    _assign(setup, c0, occurrences=2, post=True)
    result = recurring_invoices_generate(
        legal_entities=[setup["entity"]], up_to=date(2026, 12, 31), actor=None
    )
    assert result["posted"] == 2
    assert OpenTransaction.objects.filter(customer=c0, kind="invoice").count() == 2
    assert set(Invoice.objects.values_list("status", flat=True)) == {"posted"}


def test_generate_skips_a_blocked_customer_and_says_so(setup):
    c0, c1, _ = setup["customers"]
    _assign(setup, c0, occurrences=1)
    _assign(setup, c1, occurrences=1)
    c1.blocked = True
    c1.save()
    job = job_start(
        kind="recurring_invoices",
        legal_entities=[setup["entity"]],
        as_of=date(2026, 2, 1),
        actor=None,
        enqueue=False,
    )
    job = job_run(job_id=job.pk)
    assert job.state == "done"
    assert job.result["invoices"] == 1 and job.result["skipped"] == 1
    assert job.errors == ["FAB template RENT → C1: the customer is blocked; nothing generated."]


def test_assignment_bad_input(setup):
    c0 = setup["customers"][0]
    with pytest.raises(InvalidInput, match="end date cannot be before the start date") as err:
        _assign(setup, c0, end_date=date(2026, 1, 1))
    assert err.value.field == "end_date"
    with pytest.raises(InvalidInput, match="occurrences must be at least 1"):
        _assign(setup, c0, occurrences=0)
    with pytest.raises(InvalidInput, match="interval must be at least 1"):
        _assign(setup, c0, interval=0)
    with pytest.raises(InvalidInput, match="Unknown frequency 'fortnights'"):
        _assign(setup, c0, frequency="fortnights")
    stranger = CustomerFactory(legal_entity=LegalEntityFactory(code="FABW"), account="9")
    with pytest.raises(InvalidInput, match="not a customer of FAB"):
        _assign(setup, stranger)
    assert not RecurringInvoiceAssignment.objects.exists()


def test_template_bad_input(setup):
    entity = setup["entity"]
    with pytest.raises(InvalidInput, match="at least one line") as err:
        recurring_template_save(
            legal_entity=entity, code="EMPTY", description="x", lines=[], actor=None
        )
    assert err.value.field == "lines"
    with pytest.raises(InvalidInput, match="already exists in FAB"):
        recurring_template_save(
            legal_entity=entity,
            code="RENT",
            description="x",
            lines=[TemplateLineInput(description="a", amount=D("1"))],
            actor=None,
        )
    with pytest.raises(InvalidInput, match="more decimals than USD allows"):
        recurring_template_save(
            legal_entity=entity,
            code="BAD",
            description="x",
            lines=[TemplateLineInput(description="a", amount=D("1.001"))],
            actor=None,
        )


class _Killed(BaseException):
    """Stands for the worker process dying: no handler of the job runs."""


@pytest.mark.django_db(transaction=True)
def test_job_killed_midway_then_rerun_completes_without_duplicates(monkeypatch, settings):
    """The job dies after its first chunk committed; the rerun (the task delivered again)
    completes it, each period billed once."""
    import receivables.services.recurring_generate as recurring
    from core.jobs import JobProgress

    entity = LegalEntityFactory(code="FAB")
    template = recurring_template_save(
        legal_entity=entity,
        code="FEE",
        description="Fee",
        lines=[TemplateLineInput(description="Fee", amount=D("10.00"))],
        actor=None,
    )
    for i in range(7):
        recurring_assignment_save(
            template=template,
            customer=CustomerFactory(legal_entity=entity, account=f"K{i}"),
            start_date=date(2026, 1, 1),
            occurrences=3,
            actor=None,
        )
    original_chunks = recurring._chunks
    monkeypatch.setattr(recurring, "_chunks", lambda ids, size: original_chunks(ids, 3))
    original_advance = JobProgress.advance
    calls = {"n": 0}

    def dying_advance(self, count=1):
        original_advance(self, count)
        calls["n"] += 1
        if calls["n"] == 1:
            raise _Killed

    monkeypatch.setattr(JobProgress, "advance", dying_advance)
    job = job_start(
        kind="recurring_invoices",
        legal_entities=[entity],
        as_of=date(2026, 12, 31),
        actor=None,
        enqueue=False,
    )
    with pytest.raises(_Killed):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == ("running", 3, 7)
    assert Invoice.objects.count() == 9  # the first chunk's three assignments, three periods each

    # A second start is refused while the dead job still looks alive...
    with pytest.raises(JobAlreadyRunning, match="already queued or running in FAB"):
        job_start(
            kind="recurring_invoices",
            legal_entities=[entity],
            as_of=date(2026, 12, 31),
            actor=None,
            enqueue=False,
        )
    # ...and the same job, delivered again once it is stale, is taken over and completed.
    assert job_run(job_id=job.pk).state == "running"  # still fresh: left to its worker
    settings.JOB_STALE_AFTER_SECONDS = 0
    job = job_run(job_id=job.pk)
    assert (job.state, job.done, job.total, job.attempts) == ("done", 7, 7, 2)
    assert Invoice.objects.count() == 21
    assert RecurringInvoiceOccurrence.objects.count() == 21
    assert job.claims.count() == 0


@pytest.mark.postgresql("row locks taken by threads on their own connections")
@pytest.mark.django_db(transaction=True)
def test_two_generations_at_once_never_bill_twice():
    """Two threads generate the same periods at the same moment (bypassing the job claim):
    the row locks and the unique constraint let each period through once."""
    entity = LegalEntityFactory(code="FAB")
    template = recurring_template_save(
        legal_entity=entity,
        code="FEE",
        description="Fee",
        lines=[TemplateLineInput(description="Fee", amount=D("10.00"))],
        actor=None,
    )
    for i in range(20):
        recurring_assignment_save(
            template=template,
            customer=CustomerFactory(legal_entity=entity, account=f"T{i}"),
            start_date=date(2026, 1, 15),
            frequency="months",
            actor=None,
        )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def generate():
        try:
            barrier.wait()
            results.append(
                recurring_invoices_generate(
                    legal_entities=[entity], up_to=date(2026, 6, 30), actor=None
                )["invoices"]
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == 120
    assert Invoice.objects.count() == 120


def test_job_start_refuses_a_second_job_for_the_same_entity(setup):
    first = job_start(
        kind="recurring_invoices",
        legal_entities=[setup["entity"]],
        as_of=date(2026, 2, 1),
        actor=None,
        enqueue=False,
    )
    with pytest.raises(JobAlreadyRunning) as err:
        job_start(
            kind="recurring_invoices",
            legal_entities=[setup["entity"]],
            as_of=date(2026, 2, 1),
            actor=None,
            enqueue=False,
        )
    assert err.value.http_status == 409 and err.value.extra == {"job": first.pk}
    assert Job.objects.count() == 1
    job_run(job_id=first.pk)
    # Finished: the entity is free again.
    job_start(
        kind="recurring_invoices",
        legal_entities=[setup["entity"]],
        as_of=date(2026, 2, 1),
        actor=None,
        enqueue=False,
    )
