"""The payment journal as an AR clerk works it: with the keyboard, blank lines left out, running
totals, saved as a draft and found again from the home page, every problem at once, posted."""

from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_clerk
from tests.factories.entities import CustomerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose(row, account: str):
    select = row.locator("select[name$='-customer']")
    value = select.locator("option", has_text=f"{account} ·").first.get_attribute("value")
    select.select_option(value)


def _rows(page):
    return page.locator("#journal-lines tbody tr.line")


@pytest.fixture
def clerk_page(page, fabrikam):
    CustomerFactory(legal_entity=fabrikam["FAB"], account="4001", currency="EUR")
    make_clerk("clerk", fabrikam["FAB"])
    sign_in(page, "clerk")
    return page


def test_enter_moves_to_the_next_field_and_totals_run_per_currency(clerk_page):
    page = clerk_page
    page.goto("/payments/journal/")
    rows = _rows(page)
    expect(rows).to_have_count(1)
    first = rows.nth(0)
    # A new line is dated today and is an electronic payment.
    expect(first.locator("input[name$='-date']")).to_have_value(date.today().isoformat())
    expect(first.locator("select[name$='-method']")).to_have_value("electronic")
    customer = first.locator("select[name$='-customer']")
    customer.focus()
    _choose(first, "4000")
    customer.press("Enter")
    expect(first.locator("input[name$='-date']")).to_be_focused()
    first.locator("input[name$='-date']").fill("2026-03-09")
    first.locator("input[name$='-date']").press("Enter")
    amount = first.locator("input[name$='-amount']")
    expect(amount).to_be_focused()
    page.keyboard.type("100.10")
    amount.press("Enter")
    # Method and currency are skipped: they rarely change (Alt+M, Alt+U reach them).
    expect(first.locator("input[name$='-reference']")).to_be_focused()
    page.keyboard.type("CHK 1")
    page.keyboard.press("Enter")
    expect(first.locator("input[name$='-settle']")).to_be_focused()
    page.keyboard.press("Enter")
    # Enter on the last field adds a line, dated as the one before, and goes to its customer.
    expect(rows).to_have_count(2)
    second = rows.nth(1)
    expect(second.locator("select[name$='-customer']")).to_be_focused()
    expect(second.locator("input[name$='-date']")).to_have_value("2026-03-09")
    assert page.url.endswith("/payments/journal/")  # nothing was submitted
    expect(page.locator("#journal-count")).to_have_text("1")
    expect(page.locator("#journal-totals")).to_have_text("100.10 USD (1)")
    _choose(second, "4001")
    second.locator("input[name$='-amount']").fill("20.5")
    expect(page.locator("#journal-totals")).to_have_text("20.50 EUR (1), 100.10 USD (1)")
    second.locator("input[name$='-amount']").press("Alt+m")
    expect(second.locator("select[name$='-method']")).to_be_focused()
    expect(page.locator("#journal-keys")).to_contain_text("Alt+N add a line")


def test_alt_n_adds_a_line_with_the_previous_date_and_method(clerk_page):
    page = clerk_page
    page.goto("/payments/journal/")
    first = _rows(page).nth(0)
    first.locator("input[name$='-date']").fill("2026-03-02")
    first.locator("select[name$='-method']").select_option("check")
    first.locator("input[name$='-reference']").focus()
    page.keyboard.press("Alt+n")
    rows = _rows(page)
    expect(rows).to_have_count(2)
    second = rows.nth(1)
    expect(second.locator("input[name$='-date']")).to_have_value("2026-03-02")
    expect(second.locator("select[name$='-method']")).to_have_value("check")
    expect(second.locator("select[name$='-customer']")).to_be_focused()
    expect(second.locator("th")).to_have_text("2")


def test_blank_lines_are_left_out_and_the_draft_is_found_again(clerk_page, fabrikam):
    from receivables.models import PaymentJournal

    page = clerk_page
    page.goto("/payments/journal/")
    page.get_by_label("Description").fill("Lockbox 12")
    first = _rows(page).nth(0)
    _choose(first, "4000")
    first.locator("input[name$='-date']").fill("2026-03-09")
    first.locator("input[name$='-amount']").fill("100.00")
    first.locator("input[name$='-reference']").focus()
    page.keyboard.press("Alt+n")
    page.keyboard.press("Alt+n")  # a second line left blank
    third = _rows(page).nth(2)
    _choose(third, "4001")
    third.locator("input[name$='-amount']").fill("7.00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("saved: 2 lines")
    journal = PaymentJournal.objects.get()
    assert [(ln.position, ln.amount) for ln in journal.lines.order_by("position")] == [
        (1, Decimal("100.00")),
        (2, Decimal("7.00")),
    ]
    assert page.url.endswith(f"/payments/journals/{journal.pk}/?focus=lines-1-amount")
    # The focus is back on the field last edited, now on line 2 (the blank line is gone).
    rows = _rows(page)
    expect(rows).to_have_count(3)  # two lines and a new blank one
    expect(rows.nth(1).locator("input[name$='-amount']")).to_be_focused()
    expect(rows.nth(2).locator("input[name$='-date']")).to_have_value("2026-03-09")
    expect(page.locator("#journal-count")).to_have_text("2")
    page.goto("/")
    home = page.locator("#unposted-journals table[data-entity='FAB']")
    expect(home).to_contain_text("Lockbox 12")
    expect(home.locator(f"tr[data-journal='{journal.pk}']")).to_contain_text("100.00 USD")
    home.get_by_role("link", name=f"Journal {journal.pk}").click()
    rows = _rows(page)
    expect(rows.nth(0).locator("input[name$='-amount']")).to_have_value("100.00")
    expect(page.get_by_label("Description")).to_have_value("Lockbox 12")
    expect(page.locator("#journal-totals")).to_have_text("7.00 EUR (1), 100.00 USD (1)")


def test_validate_shows_every_problem_beside_its_field_and_keeps_what_was_typed(clerk_page):
    from receivables.models import Payment

    page = clerk_page
    page.goto("/payments/journal/")
    first = _rows(page).nth(0)
    _choose(first, "4000")
    first.locator("input[name$='-date']").fill("2026-03-09")
    first.locator("input[name$='-amount']").fill("-5")
    first.locator("input[name$='-reference']").fill("KEEP ME")
    first.locator("input[name$='-reference']").press("Alt+n")
    second = _rows(page).nth(1)
    second.locator("input[name$='-amount']").fill("12.345")
    second.locator("input[name$='-reference']").fill("NO CUSTOMER")
    page.get_by_role("button", name="Validate").click()
    rows = _rows(page)
    expect(rows.nth(0).locator("td.field-amount .error")).to_have_text(
        "The amount must be greater than zero."
    )
    expect(rows.nth(1).locator("td.field-customer .error")).to_have_text("Choose a customer.")
    expect(rows.nth(0).locator("input[name$='-reference']")).to_have_value("KEEP ME")
    expect(rows.nth(1).locator("input[name$='-amount']")).to_have_value("12.345")
    expect(page.locator(".messages")).to_contain_text("2 problems to fix")
    # A value that is not an amount at all is refused beside its field, nothing lost.
    rows.nth(0).locator("input[name$='-amount']").fill("12,3x")
    page.get_by_role("button", name="Save").click()
    expect(_rows(page).nth(0).locator("td.field-amount .error")).to_have_text(
        "Enter an amount such as 600.00."
    )
    expect(_rows(page).nth(0).locator("input[name$='-amount']")).to_have_value("12,3x")
    assert Payment.objects.count() == 0


def test_post_posts_the_journal_and_settles_the_marked_invoice(clerk_page, fabrikam):
    from receivables.models import Payment
    from tests.factories.entities import ExchangeRateFactory
    from tests.factories.receivables import post_invoice

    ExchangeRateFactory()
    invoice = post_invoice(fabrikam["customers"]["FAB"], amounts=["250.00"])
    page = clerk_page
    page.goto("/payments/journal/")
    first = _rows(page).nth(0)
    _choose(first, "4000")
    first.locator("input[name$='-date']").fill("2026-03-09")
    first.locator("input[name$='-amount']").fill("250.00")
    first.locator("input[name$='-settle']").fill(invoice.number)
    first.locator("input[name$='-settle']").press("Alt+n")
    second = _rows(page).nth(1)
    _choose(second, "4001")
    second.locator("input[name$='-amount']").fill("30.00")
    page.get_by_role("button", name="Post journal").click()
    expect(page.locator("#journal-status")).to_have_text("Posted")
    expect(page.locator(".messages")).to_contain_text("posted: 2 payments, FAB-PAY00000001")
    expect(page.locator("#journal-lines tbody tr")).to_have_count(2)
    expect(page.locator("tr[data-payment='FAB-PAY00000001']")).to_contain_text(invoice.number)
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == 0
    assert Payment.objects.count() == 2
    page.goto("/payments/journals/")
    expect(page.locator("#journals tbody tr").first).to_contain_text("Posted")
    expect(page.locator("#journals tbody tr").first).to_contain_text("30.00 EUR")
    page.goto("/")
    expect(page.locator("#unposted-journals")).to_contain_text("Every payment journal is posted.")


def test_a_french_clerk_types_amounts_with_a_comma_and_sees_french_totals(page, fabrikam):
    from entities.models import UserPreference
    from receivables.models import Payment

    UserPreference.objects.create(user=make_clerk("clerc", fabrikam["FAB"]), language="fr")
    sign_in(page, "clerc")
    page.goto("/payments/journal/")
    totals = page.locator("#journal-totals")
    first = _rows(page).nth(0)
    _choose(first, "4000")
    first.locator("input[name$='-date']").fill("2026-03-09")
    first.locator("input[name$='-amount']").focus()
    page.keyboard.type("120,50")
    expect(totals).to_have_text("120,50 USD (1)")
    page.keyboard.press("Alt+n")
    second = _rows(page).nth(1)
    _choose(second, "4000")
    second.locator("input[name$='-amount']").focus()
    page.keyboard.type("1 000,25")
    # Written as the server's amount filter writes it: a no-break space between thousands.
    expect(totals).to_have_text("1\u00a0120,75 USD (2)")
    assert totals.text_content() == "1\u00a0120,75 USD (2)"
    second.locator("input[name$='-amount']").fill("1.000.25")  # not an amount: left out
    expect(totals).to_have_text("120,50 USD (1)")
    second.locator("input[name$='-amount']").fill("1 000,25")
    page.locator("button[name='post']").click()
    expect(page.locator("#journal-status")).to_have_text("Validé")
    assert sorted(p.amount for p in Payment.objects.all()) == [
        Decimal("120.50"),
        Decimal("1000.25"),
    ]
