"""The pages of group-wide trust: the sign-in locks out after repeated failures, a large XLSX
export is started by a button (never by the link) and downloaded from its job's page, and the
letter form keeps a refused address beside its error."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from collections_app.services import (
    aging_period_set_default_ensure,
    aging_snapshot_create,
    letter_steps_default_ensure,
)
from core.jobs import job_run
from core.models import Job
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import PaymentTermsFactory
from tests.factories.receivables import post_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_page_locks_out_after_ten_failures(page, fabrikam):
    make_clerk("clerk", fabrikam["FAB"])
    for _ in range(10):
        page.goto("/accounts/login/")
        page.get_by_label("User name").fill("clerk")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill("clerk")
    page.get_by_label("Password").fill("pw-for-tests-1")  # the right one, refused while locked
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in locked")
    expect(page.get_by_role("alert")).to_be_visible()


def test_large_xlsx_export_is_started_by_its_button_and_downloaded(
    page, fabrikam, settings, tmp_path
):
    settings.EXPORT_XLSX_MAX_ROWS_INLINE = 0
    settings.EXPORTS_DIR = tmp_path
    aging_period_set_default_ensure()  # a flush by an earlier committing test removes them
    today = timezone.localdate()
    post_invoice(fabrikam["customers"]["FAB"], amounts=["100.00"], on=today - timedelta(days=5))
    aging_snapshot_create(legal_entity=fabrikam["FAB"], as_of=today)
    make_clerk("collector", fabrikam["FAB"])
    sign_in(page, "collector")
    page.goto("/collections/")
    page.get_by_role("link", name="Export XLSX").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Export XLSX")
    assert not Job.objects.exists()  # the link started nothing
    page.get_by_role("button", name="Write the export").click()
    job = Job.objects.get(kind="export_xlsx")
    page.wait_for_url(f"**/jobs/{job.pk}/")
    assert job_run(job_id=job.pk).state == "done"
    page.reload()
    with page.expect_download() as download:
        page.get_by_role("link", name="See what this job made").click()
    assert download.value.suggested_filename == f"collections-{job.pk}.xlsx"


def test_letter_form_keeps_a_refused_list_of_addresses_beside_its_error(page, fabrikam):
    aging_period_set_default_ensure()
    letter_steps_default_ensure()
    terms = PaymentTermsFactory(code="N0", net_days=0)
    customer = fabrikam["customers"]["FAB"]
    post_invoice(
        customer, amounts=["100.00"], on=timezone.localdate() - timedelta(days=40), terms=terms
    )
    user = make_clerk("manager", fabrikam["FAB"])
    from django.contrib.auth.models import Group

    from core.roles import COLLECTIONS_MANAGER

    user.groups.add(Group.objects.get(name=COLLECTIONS_MANAGER))
    sign_in(page, "manager")
    page.goto(f"/collections/customers/{customer.pk}/")
    field = page.get_by_label("Email to (empty: the party's contact)")
    field.evaluate("e => e.type = 'text'")  # past the browser's own check, as a script would
    field.fill("victim@example.com, attacker@evil.example")
    page.get_by_role("button", name="Send next letter").click()
    expect(page.locator("#l-email-error")).to_contain_text("is not one email address")
    expect(page.get_by_label("Email to (empty: the party's contact)")).to_have_value(
        "victim@example.com, attacker@evil.example"
    )
    expect(page.locator("#letters")).to_contain_text("No letter sent.")
