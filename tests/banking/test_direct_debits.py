"""SEPA direct debit collection runs: payments posted and settled with the cash discount of the
collection date, mandates advanced (FRST → RCUR, OOFF completed), a pain.008 valid against
its XSD with each mandate's sequence type, the run as a job."""

from datetime import timedelta

import pytest
import xmlschema
from defusedxml import ElementTree

from banking.models import DirectDebitCollection, DirectDebitMandate, DirectDebitPayment
from banking.services.direct_debits import collection_preview, collection_run, collection_start
from core.jobs import job_run
from ledger.models import LedgerEntry
from ledger.selectors import ledger_integrity_problems
from receivables.models import OpenTransaction, Payment
from settlement.models import Settlement

from .dd_helpers import PAIN008_XSD, D, collect_on, invoice_for, mandate_for, run_inputs

pytestmark = pytest.mark.django_db
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}


def ot_of(document) -> OpenTransaction:
    return OpenTransaction.objects.get(pk=document.open_transaction.pk)


def run(dd, actor, django_capture_on_commit_callbacks, **given) -> DirectDebitCollection:
    """Start a run and work its job as a worker would."""
    with django_capture_on_commit_callbacks(execute=False):
        collection = collection_start(actor=actor, **run_inputs(dd, **given))
    job = job_run(job_id=collection.job_id)
    collection.refresh_from_db()
    assert job.state == "done", job.errors
    return collection


def test_collection_run_posts_one_payment_per_mandate_settled_with_the_discount(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate_for(dd, 0)
    mandate_for(dd, 1, recurrent=False)
    first = invoice_for(dd, 0, "1000.00", discount=True)
    second = invoice_for(dd, 0, "250.00")
    third = invoice_for(dd, 1, "99.99")
    invoice_for(dd, 2, "500.00")  # no mandate: not collected

    collection = run(dd, admin_user, django_capture_on_commit_callbacks)

    assert (collection.status, collection.count, collection.total) == ("collected", 2, D("1329.99"))
    collected = collection.payments.select_related("mandate", "payment")
    rows = {p.mandate.reference: p for p in collected}
    assert rows["MNDT-0001"].amount == D("1230.00")  # 1,000 − 2 % + 250
    assert rows["MNDT-0001"].cash_discount == D("20.00")
    assert rows["MNDT-0001"].sequence_type == "FRST"
    assert rows["MNDT-0002"].amount == D("99.99")
    assert rows["MNDT-0002"].sequence_type == "OOFF"
    for invoice in (first, second, third):
        assert ot_of(invoice).open_amount == 0
    payment = rows["MNDT-0001"].payment
    assert payment.end_to_end_id == f"SEPA-DD{collection.pk}-{rows['MNDT-0001'].mandate_id}"
    assert payment.date == collect_on()
    assert OpenTransaction.objects.get(payment=payment).open_amount == 0
    # Bank Dr 1,329.99 on the account's main account; the discount posted.
    bank = LedgerEntry.objects.filter(account=dd["main"]).values_list("amount", flat=True)
    assert sorted(bank) == [D("99.99"), D("1230.00")]
    assert Settlement.objects.count() == 2
    assert ledger_integrity_problems() == []
    mandates = {m.reference: m for m in DirectDebitMandate.objects.all()}
    assert (mandates["MNDT-0001"].status, mandates["MNDT-0001"].next_sequence_type) == (
        "active",
        "RCUR",
    )
    assert mandates["MNDT-0001"].last_collection_date == collect_on()
    assert (mandates["MNDT-0002"].status, mandates["MNDT-0002"].next_sequence_type) == (
        "completed",
        "OOFF",
    )


def test_collection_run_pain008_validates_against_the_xsd(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate_for(dd, 0)
    mandate_for(dd, 1, recurrent=False, bic="BNPAFRPPXXX", scheme="B2B")
    invoice_for(dd, 0, "1000.00")
    invoice_for(dd, 1, "50.50")

    collection = run(dd, admin_user, django_capture_on_commit_callbacks)

    xmlschema.XMLSchema(str(PAIN008_XSD)).validate(collection.file)
    root = ElementTree.fromstring(collection.file)
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", NS)
    assert header.find("p:NbOfTxs", NS).text == "2"
    assert header.find("p:CtrlSum", NS).text == "1050.50"
    assert header.find("p:MsgId", NS).text == collection.message_id
    blocks = {
        (
            b.find("p:PmtTpInf/p:LclInstrm/p:Cd", NS).text,
            b.find("p:PmtTpInf/p:SeqTp", NS).text,
        ): b
        for b in root.findall("p:CstmrDrctDbtInitn/p:PmtInf", NS)
    }
    assert set(blocks) == {("CORE", "FRST"), ("B2B", "OOFF")}
    core = blocks[("CORE", "FRST")]
    assert core.find("p:ReqdColltnDt", NS).text == collect_on().isoformat()
    assert core.find("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", NS).text == "DE98ZZZ09999999999"
    tx = core.find("p:DrctDbtTxInf", NS)
    assert tx.find("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", NS).text == "MNDT-0001"
    assert tx.find("p:InstdAmt", NS).text == "1000.00"
    assert tx.find("p:Dbtr/p:Nm", NS).text == "Muller Sohne"  # the SEPA character set
    assert tx.find("p:DbtrAcct/p:Id/p:IBAN", NS).text == "DE89370400440532013000"
    assert (
        tx.find("p:PmtId/p:EndToEndId", NS).text
        == Payment.objects.get(customer=dd["customers"][0]).end_to_end_id
    )


def test_collection_run_frst_then_rcur_on_the_next_run(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "100.00")
    first = run(dd, admin_user, django_capture_on_commit_callbacks)
    invoice_for(dd, 0, "200.00")
    second = run(dd, admin_user, django_capture_on_commit_callbacks)

    assert [p.sequence_type for p in DirectDebitPayment.objects.order_by("pk")] == ["FRST", "RCUR"]
    assert "<SeqTp>FRST</SeqTp>" in first.file and "<SeqTp>RCUR</SeqTp>" in second.file
    assert second.total == D("200.00")  # the first invoice is not collected again


def test_collection_run_ooff_completes_its_mandate_and_collects_no_more(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate = mandate_for(dd, 0, recurrent=False)
    invoice_for(dd, 0, "100.00")
    run(dd, admin_user, django_capture_on_commit_callbacks)
    mandate.refresh_from_db()
    assert mandate.status == "completed"
    invoice = invoice_for(dd, 0, "200.00")

    preview = collection_preview(actor=admin_user, **run_inputs(dd))

    assert preview.count == 0
    assert ot_of(invoice).open_amount == D("200.00")


def test_collection_preview_writes_nothing(dd, admin_user):
    mandate_for(dd, 0)
    mandate_for(dd, 1)
    invoice_for(dd, 0, "1000.00", discount=True)
    invoice_for(dd, 1, "10.00")
    invoice_for(dd, 1, "20.00", on=collect_on() + timedelta(days=3))  # due later

    preview = collection_preview(actor=admin_user, **run_inputs(dd))

    assert (preview.count, preview.total, preview.cash_discount, preview.debits) == (
        2,
        D("990.00"),
        D("20.00"),
        2,
    )
    assert [i.amount for i in preview.items] == [D("980.00"), D("10.00")]
    assert Payment.objects.count() == 0
    assert DirectDebitCollection.objects.count() == 0


def test_collection_run_skips_disputed_debits_and_customers_on_credit_hold(
    dd, admin_user, django_capture_on_commit_callbacks
):
    from receivables.services import open_transaction_disputed_set

    mandate_for(dd, 0)
    mandate_for(dd, 1)
    disputed = invoice_for(dd, 0, "100.00")
    collected = invoice_for(dd, 0, "40.00")
    held = invoice_for(dd, 1, "70.00")
    open_transaction_disputed_set(open_transaction=ot_of(disputed), disputed=True)
    customer = dd["customers"][1]
    customer.blocked = True
    customer.save(update_fields=["blocked"])

    collection = run(dd, admin_user, django_capture_on_commit_callbacks)

    assert (collection.count, collection.total) == (1, D("40.00"))
    assert ot_of(collected).open_amount == 0
    assert ot_of(disputed).open_amount == D("100.00")
    assert ot_of(held).open_amount == D("70.00")


def test_collection_run_twice_returns_the_collected_run(
    dd, admin_user, django_capture_on_commit_callbacks
):
    mandate_for(dd, 0)
    invoice_for(dd, 0, "100.00")
    collection = run(dd, admin_user, django_capture_on_commit_callbacks)

    again = collection_run(collection=collection, actor=admin_user)

    assert again.pk == collection.pk and again.file == collection.file
    assert Payment.objects.count() == 1
