"""The banking room's drill-down links: a voucher posted from a statement line links to its
statement, one posted by a bill of exchange to the bill, and a matching job's page to the
statements it matched."""

from datetime import date

import pytest

from banking.services.bills import bill_accept, bill_remit
from banking.services.lines import line_posting_type_set
from banking.services.posting import line_post
from core.jobs import job_start
from core.models import Job
from tests.conftest import make_clerk

from .bills import draw
from .helpers import line, statement_with

pytestmark = pytest.mark.django_db


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_statement_line_voucher_links_to_its_statement(client, bank, admin_user):
    statement = statement_with(bank, [{"amount": "-4.50", "remittance_info": "Fees March"}])
    first = line(statement, 1)
    line_posting_type_set(line=first, posting_type="bank_charges", actor=admin_user)
    posted = line_post(line=first, actor=admin_user)
    client.force_login(admin_user)
    html = _page(client, f"/ledger/vouchers/{posted.voucher_id}/")
    assert (
        f'<dd id="voucher-source">Bank statement <a href="/bank/statements/{statement.pk}/">S1</a>'
        " · FAB · 2026-03-10 to 2026-03-10</dd>"
    ) in html


def test_bill_voucher_links_to_its_bill(client, bank, admin_user):
    bill = bill_accept(bill=draw(bank), on=date(2026, 3, 11), actor=None)
    bill = bill_remit(
        bill=bill,
        on=date(2026, 3, 12),
        bank_account=bank["account"],
        mode="collection",
        charges=None,
        actor=None,
    )
    step = bill.steps.exclude(voucher=None).order_by("pk").last()
    client.force_login(admin_user)
    html = _page(client, f"/ledger/vouchers/{step.voucher_id}/")
    assert (
        f'<dd id="voucher-source">Bill of exchange <a href="/bills-of-exchange/{bill.pk}/">'
        f"{bill.number}</a></dd>"
    ) in html


def test_matching_job_page_links_to_the_statements_it_matched(client, bank, admin_user):
    first = statement_with(bank, [{"amount": "10.00"}], statement_id="S1")
    second = statement_with(bank, [{"amount": "20.00"}], statement_id="S2")
    job = job_start(
        kind="bank_statement_match",
        legal_entities=[bank["FAB"]],
        as_of=date(2026, 3, 10),
        actor=admin_user,
        parameters={"statements": [first.pk, second.pk]},
        enqueue=False,
    )
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE)
    client.force_login(make_clerk("clerk", bank["FAB"]))
    html = _page(client, f"/jobs/{job.pk}/")
    for statement in (first, second):
        assert (
            f'<li>Bank statement <a href="/bank/statements/{statement.pk}/">'
            f"{statement.statement_id}</a> · FAB · 2026-03-10 to 2026-03-10</li>"
        ) in html


def test_collection_job_page_links_to_the_collection_it_ran(
    client, dd, admin_user, django_capture_on_commit_callbacks
):
    from .dd_helpers import collect_on, invoice_for, mandate_for
    from .test_direct_debits import run

    mandate_for(dd, 0)
    invoice_for(dd, 0, "1000.00")
    collection = run(dd, admin_user, django_capture_on_commit_callbacks)
    client.force_login(admin_user)
    html = _page(client, f"/jobs/{collection.job_id}/")
    assert (
        f'<li>Direct debit collection <a href="/direct-debits/collections/{collection.pk}/">'
        f"{collection.pk}</a> · SEPA · collected on {collect_on().isoformat()} · "
        f"{collection.get_status_display().lower()}</li>"
    ) in html
