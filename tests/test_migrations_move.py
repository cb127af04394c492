"""Models that changed app keep their tables and rows: a database at the schema the apps had
before the platform models left ``entities``, with data in it, migrates forward with every row
and the trial balance as they were, and the moved models read back through their new classes.

Rows are counted per table, not per model class, so the check holds whichever models move."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = [
    pytest.mark.postgresql("the ledger's triggers check the posted voucher"),
    pytest.mark.django_db(transaction=True),
]

# The leaf migrations of the apps before the platform models moved to core.
BEFORE = [
    ("entities", "0007_job_history"),
    ("ledger", "0006_ledger_voucher_lines_once_no_truncate"),
    ("receivables", "0006_interest_note_total_rounded"),
    ("settlement", "0002_settlement_audit_entities"),
    ("collections_app", "0005_letter_emailed_at"),
]
DAY = date(2026, 3, 2)


def _migrate(targets: list[tuple[str, str | None]]):
    """Migrate to ``targets`` and return the historical apps there (a fresh executor each time:
    one executor's graph does not follow what it applied)."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    nodes = [target for target in targets if target[1] is not None]
    return MigrationExecutor(connection).loader.project_state(nodes).apps


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = [
            t for t in connection.introspection.table_names(cursor) if t != "django_migrations"
        ]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _trial_balance() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_entity_id, account_id, SUM(accounting_amount) FROM ledger_ledgerentry "
            "GROUP BY legal_entity_id, account_id ORDER BY legal_entity_id, account_id"
        )
        return cursor.fetchall()


def _posted_invoice(apps, entity, customer, user) -> tuple:
    """An invoice of 119.00 (100.00 revenue, 19.00 tax) posted as the services did: voucher,
    balanced lines, open transaction."""
    MainAccount = apps.get_model("ledger", "MainAccount")
    Voucher = apps.get_model("ledger", "Voucher")
    LedgerEntry = apps.get_model("ledger", "LedgerEntry")
    Invoice = apps.get_model("receivables", "Invoice")
    OpenTransaction = apps.get_model("receivables", "OpenTransaction")
    accounts = {
        kind: MainAccount.objects.create(legal_entity=entity, number=number, name=kind, kind=k)
        for kind, number, k in (
            ("customer_balance", "1200", "asset"),
            ("revenue", "4000", "revenue"),
            ("sales_tax", "2600", "liability"),
        )
    }
    voucher = Voucher.objects.create(
        legal_entity=entity, number="MV-1", date=DAY, source_key="invoice:1", created_by=user
    )
    for kind, amount in (
        ("customer_balance", "119.00"),
        ("revenue", "-100.00"),
        ("sales_tax", "-19.00"),
    ):
        LedgerEntry.objects.create(
            voucher=voucher,
            legal_entity=entity,
            date=DAY,
            account=accounts[kind],
            posting_type=kind,
            customer=customer if kind == "customer_balance" else None,
            currency="EUR",
            amount=Decimal(amount),
            accounting_amount=Decimal(amount),
        )
    invoice = Invoice.objects.create(
        legal_entity=entity,
        customer=customer,
        number="MI-1",
        date=DAY,
        due_date=DAY,
        currency="EUR",
        status="posted",
        total=Decimal("119.00"),
        tax_amount=Decimal("19.00"),
        voucher=voucher,
        created_by=user,
    )
    invoice.lines.create(description="Consulting", amount=Decimal("100.00"), tax_amount=19)
    OpenTransaction.objects.create(
        legal_entity=entity,
        customer=customer,
        party=customer.party,
        kind="invoice",
        invoice=invoice,
        voucher=voucher,
        document_number="MI-1",
        date=DAY,
        due_date=DAY,
        currency="EUR",
        rate=Decimal("1"),
        amount=Decimal("119.00"),
        open_amount=Decimal("119.00"),
        accounting_amount=Decimal("119.00"),
        open_accounting_amount=Decimal("119.00"),
        amount_before_tax=Decimal("100.00"),
    )
    return invoice


def _old_data(apps) -> dict[str, int]:
    """Setup, a posted invoice, its audit row, a job with its claim and audit row, an
    idempotency key and a group allowed to start jobs, written with the historical models."""
    User = apps.get_model("auth", "User")
    Group = apps.get_model("auth", "Group")
    HistoricalContentType = apps.get_model("contenttypes", "ContentType")
    HistoricalPermission = apps.get_model("auth", "Permission")
    LegalEntity = apps.get_model("entities", "LegalEntity")
    Party = apps.get_model("entities", "Party")
    Customer = apps.get_model("entities", "Customer")
    AuditEntry = apps.get_model("entities", "AuditEntry")
    Job = apps.get_model("entities", "Job")
    JobClaim = apps.get_model("entities", "JobClaim")
    IdempotencyKey = apps.get_model("entities", "IdempotencyKey")
    PaymentTerms = apps.get_model("entities", "PaymentTerms")
    CashDiscount = apps.get_model("entities", "CashDiscount")
    with transaction.atomic():
        terms = PaymentTerms.objects.create(code="N30", net_days=30)
        discount = CashDiscount.objects.create(code="2D10")
        discount.periods.create(days=10, percent=Decimal("2.00"))
        user = User.objects.create(username="mover")
        entity = LegalEntity.objects.create(code="MOV", name="Mover", accounting_currency="EUR")
        party = Party.objects.create(number="M-1", name="Moved Customer")
        customer = Customer.objects.create(
            legal_entity=entity,
            account="M-1",
            party=party,
            currency="EUR",
            payment_terms=terms,
            cash_discount=discount,
        )
        invoice = _posted_invoice(apps, entity, customer, user)
        job = Job.objects.create(kind="aging", as_of=DAY, state="running", started_by=user)
        job.legal_entities.set([entity])
        JobClaim.objects.create(job=job, kind="aging", legal_entity=entity)
        for model, obj in (("invoice", invoice), ("job", job)):
            content_type, _ = HistoricalContentType.objects.get_or_create(
                app_label="receivables" if model == "invoice" else "entities", model=model
            )
            entry = AuditEntry.objects.create(
                actor=user,
                action=f"{model}.started",
                content_type=content_type,
                object_id=str(obj.pk),
                object_repr=str(obj.pk),
                legal_entity=entity,
                changes={"state": [None, "posted"]},
            )
            entry.legal_entities.set([entity])
        IdempotencyKey.objects.create(
            user=user,
            key="k-1",
            method="POST",
            path="/api/v1/jobs/",
            request_hash="0" * 64,
            response_status=201,
            response_body={"id": job.pk},
        )
        add_job = HistoricalPermission.objects.get(
            content_type__app_label="entities", codename="add_job"
        )
        group = Group.objects.create(name="Job starters")
        add_terms = HistoricalPermission.objects.get(
            content_type__app_label="entities", codename="add_paymentterms"
        )
        group.permissions.add(add_job, add_terms)
        user.groups.add(group)
    return {
        "user": user.pk,
        "invoice": invoice.pk,
        "job": job.pk,
        "entity": entity.pk,
        "customer": customer.pk,
        "terms": terms.pk,
        "discount": discount.pk,
    }


def test_migrations_move_models_without_losing_a_row():
    old_apps = _migrate([*BEFORE, ("core", None)])
    try:
        ids = _old_data(old_apps)
        counts, balance = _table_counts(), _trial_balance()
        job_type_id = ContentType.objects.get(app_label="entities", model="job").pk

        _migrate(_latest())

        # Later data migrations give the entity the accounts (and posting setup) of the
        # posting types added since: bank charges and the four of bills of exchange.
        added = {"ledger_mainaccount": 5, "ledger_postingsetup": 5}
        after = _table_counts()
        assert {table: after[table] - added.get(table, 0) for table in counts} == counts
        assert _trial_balance() == balance
        assert sum(amount for _, _, amount in balance) == 0
        assert len(balance) == 3
        _assert_moved_models_read_back(ids, job_type_id)
    finally:
        _migrate(_latest())


def _assert_moved_models_read_back(ids: dict[str, int], job_type_id: int) -> None:
    from django.contrib.auth import get_user_model

    from core.models import AuditEntry, IdempotencyKey, Job, JobClaim
    from receivables.models import Invoice

    job = Job.objects.get(pk=ids["job"])
    assert (job.kind, job.state, job.started_by_id) == ("aging", "running", ids["user"])
    assert list(job.legal_entities.values_list("pk", flat=True)) == [ids["entity"]]
    assert list(JobClaim.objects.values_list("job_id", "kind")) == [(job.pk, "aging")]
    assert list(job.claims.values_list("legal_entity_id", flat=True)) == [ids["entity"]]

    job_type = ContentType.objects.get_for_model(Job)
    assert (job_type.pk, job_type.app_label) == (job_type_id, "core")
    assert not ContentType.objects.filter(app_label="entities", model="job").exists()
    entries = {e.action: e for e in AuditEntry.objects.all()}
    assert set(entries) == {"invoice.started", "job.started"}
    assert entries["job.started"].target == job
    assert entries["invoice.started"].target == Invoice.objects.get(pk=ids["invoice"])
    for entry in entries.values():
        assert list(entry.legal_entities.values_list("pk", flat=True)) == [ids["entity"]]

    assert IdempotencyKey.objects.get(user_id=ids["user"], key="k-1").response_body == {
        "id": job.pk
    }
    assert Permission.objects.filter(content_type=job_type, codename="add_job").exists()
    user = get_user_model().objects.get(pk=ids["user"])
    assert user.has_perm("core.add_job")
    _assert_moved_codes_read_back(ids, user)


def _assert_moved_codes_read_back(ids: dict[str, int], user) -> None:
    """The receivables codes moved from entities: the customer still names its terms and cash
    discount, read through receivables' classes, and the grant on them holds."""
    from entities.models import Customer
    from receivables.models import CashDiscount, PaymentTerms

    customer = Customer.objects.get(pk=ids["customer"])
    assert customer.payment_terms == PaymentTerms.objects.get(pk=ids["terms"], net_days=30)
    assert customer.cash_discount == CashDiscount.objects.get(pk=ids["discount"])
    assert list(customer.cash_discount.periods.values_list("days", "percent")) == [
        (10, Decimal("2.00"))
    ]
    assert ContentType.objects.get_for_model(PaymentTerms).app_label == "receivables"
    assert user.has_perm("receivables.add_paymentterms")
