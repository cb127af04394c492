"""SEPA direct debits in the browser: a clerk previews a collection run, runs it (the job runs
when the run is queued), sees its payments and downloads the pain.008 file, valid against its
XSD."""

from pathlib import Path

import pytest
import xmlschema
from playwright.sync_api import expect

from banking.models import DirectDebitCollection
from config.celery import app
from tests.banking.dd_helpers import PAIN008_XSD, dd_book, invoice_for, mandate_for
from tests.browser.conftest import sign_in
from tests.conftest import make_clerk

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_previews_runs_a_collection_and_downloads_the_file(page, tmp_path):
    book = dd_book()
    mandate_for(book, 0)
    mandate_for(book, 1, recurrent=False)
    invoice_for(book, 0, "1000.00", discount=True)
    invoice_for(book, 1, "25.50")
    make_clerk("clerk", book["entity"])
    sign_in(page, "clerk")

    page.get_by_role("link", name="Direct debits").click()
    page.get_by_role("link", name="New collection run").click()
    page.get_by_label("Bank account").select_option(label="EUR · Main EUR (EUR)")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-summary")).to_have_text(
        "2 payments for 2 debits: 1,005.50 EUR (cash discount 20.00 EUR)."
    )
    assert not DirectDebitCollection.objects.exists()

    app.conf.task_always_eager = True  # the job runs in the server's thread when it commits
    try:
        page.get_by_role("button", name="Run collection").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("collection run")
        expect(page.locator("#collection-status")).to_have_text("Collected")
    finally:
        app.conf.task_always_eager = False
    expect(page.locator("#collection-total")).to_have_text("1,005.50 EUR")
    expect(page.locator("#collection-payments tbody tr")).to_have_count(2)
    expect(page.locator("#collection-payments")).to_contain_text("FRST")
    expect(page.locator("#collection-payments")).to_contain_text("OOFF")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download pain.008").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("pain008-SEPA-")
    xml = Path(saved).read_text(encoding="utf-8")
    xmlschema.XMLSchema(str(PAIN008_XSD)).validate(xml)
    assert "<CtrlSum>1005.50</CtrlSum>" in xml
