"""The ledger's drill-down pages: a trial balance line opens the entries behind it, each entry
its voucher, and a voucher the document or settlement that posted it."""

import re
from datetime import date
from decimal import Decimal

import pytest

from ledger.models import MainAccount
from ledger.selectors import account_entries, trial_balance
from tests.conftest import make_clerk
from tests.factories.ledger import post_simple_voucher

pytestmark = pytest.mark.django_db


def _cell(html: str, cell_id: str) -> str:
    return re.search(rf'id="{cell_id}">([^<]*)<', html).group(1)


def _entries(html: str) -> list[str]:
    return re.findall(r'<tr data-entry="(\d+)">', html)


@pytest.fixture
def bank_postings(fabrikam):
    """FAB's bank (110100): 1,234.56 Dr on Mar 2, 34.56 Cr on Mar 5, 10.00 Dr on Apr 1."""
    fab = fabrikam["FAB"]
    return [
        post_simple_voucher(fab, amount="1234.56", on=date(2026, 3, 2)),
        post_simple_voucher(
            fab, amount="34.56", debit="revenue", credit="bank", on=date(2026, 3, 5)
        ),
        post_simple_voucher(fab, amount="10.00", on=date(2026, 4, 1)),
    ]


def test_trial_balance_account_links_to_its_entries_with_the_same_dates(
    client, admin_user, bank_postings
):
    client.force_login(admin_user)
    html = client.get("/ledger/FAB/trial-balance/?date_from=2026-03-01&date_to=2026-03-31")
    html = html.content.decode()
    assert (
        '<a href="/ledger/FAB/entries/?account=110100&amp;date_from=2026-03-01&amp;'
        'date_to=2026-03-31" title="Ledger entries of 110100">110100</a>'
    ) in html


def test_ledger_entries_sum_to_the_trial_balance_line(client, admin_user, fabrikam, bank_postings):
    client.force_login(admin_user)
    response = client.get(
        "/ledger/FAB/entries/?account=110100&date_from=2026-03-01&date_to=2026-03-31"
    )
    assert response.status_code == 200
    html = response.content.decode()
    row = next(
        r
        for r in trial_balance(
            legal_entity=fabrikam["FAB"], date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)
        ).rows
        if r.account.number == "110100"
    )
    assert (row.debit, row.credit) == (Decimal("1234.56"), Decimal("34.56"))
    assert _cell(html, "total-debit") == "1,234.56"
    assert _cell(html, "total-credit") == "34.56"
    assert _cell(html, "total-balance") == "1,200.00"
    # The April entry is outside the range; the two of March link to their vouchers.
    first, second, _ = bank_postings
    assert len(_entries(html)) == 2
    assert f'<a href="/ledger/vouchers/{first.pk}/">{first.number}</a>' in html
    assert f'<a href="/ledger/vouchers/{second.pk}/">{second.number}</a>' in html


def test_ledger_entries_without_dates_show_every_entry_of_the_account(
    client, admin_user, bank_postings
):
    client.force_login(admin_user)
    html = client.get("/ledger/FAB/entries/?account=110100").content.decode()
    assert len(_entries(html)) == 3
    assert _cell(html, "total-debit") == "1,244.56"
    assert _cell(html, "total-balance") == "1,210.00"


def test_account_entries_filters_in_sql_and_totals_like_the_trial_balance(fabrikam, bank_postings):
    bank = MainAccount.objects.get(legal_entity=fabrikam["FAB"], number="110100")
    found = account_entries(account=bank, date_from=date(2026, 3, 3))
    assert [e.voucher_id for e in found.entries] == [bank_postings[1].pk, bank_postings[2].pk]
    assert (found.debit, found.credit, found.balance) == (
        Decimal("10.00"),
        Decimal("34.56"),
        Decimal("-24.56"),
    )


def test_ledger_entries_are_paginated_with_the_filter_kept(
    client, admin_user, fabrikam, django_assert_max_num_queries
):
    fab = fabrikam["FAB"]
    for day in range(1, 27):
        post_simple_voucher(fab, amount=f"{day}.00", on=date(2026, 3, day))
        post_simple_voucher(
            fab, amount="1.00", debit="revenue", credit="bank", on=date(2026, 3, day)
        )
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        html = client.get("/ledger/FAB/entries/?account=110100&date_to=2026-03-31").content.decode()
    assert len(_entries(html)) == 50
    assert "Page 1 of 2" in html
    assert 'href="?account=110100&amp;date_to=2026-03-31&amp;page=2">Next</a>' in html
    # The totals are of all 52 entries, not of the page.
    assert _cell(html, "total-debit") == "351.00"
    assert _cell(html, "total-credit") == "26.00"
    html = client.get("/ledger/FAB/entries/?account=110100&date_to=2026-03-31&page=2")
    assert len(_entries(html.content.decode())) == 2


def test_ledger_entries_of_an_entity_not_granted_are_not_found(client, fabrikam, bank_postings):
    client.force_login(make_clerk("clerk", fabrikam["FABE"]))
    assert client.get("/ledger/FAB/entries/?account=110100").status_code == 404
    assert client.get("/ledger/FABE/entries/?account=110100").status_code == 200


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_from=2026-03-01", "entries-account-error", "Choose an account."),
        ("account=999999", "entries-account-error", "FAB has no account 999999."),
        (
            "account=110100&date_from=2026-02-30",
            "entries-date-from-error",
            "&#x27;2026-02-30&#x27; is not a date (YYYY-MM-DD).",
        ),
        (
            "account=110100&date_from=2026-03-05&date_to=2026-03-01",
            "entries-date-to-error",
            "The end of the range is before its start.",
        ),
    ],
)
def test_ledger_entries_refuse_bad_input_beside_the_field(
    client, admin_user, bank_postings, query, field, message
):
    client.force_login(admin_user)
    response = client.get(f"/ledger/FAB/entries/?{query}")
    assert response.status_code == 400
    assert f'<span class="error" id="{field}">{message}</span>' in response.content.decode()


def test_ledger_entries_page_opened_without_a_filter_shows_the_form(client, admin_user, fabrikam):
    client.force_login(admin_user)
    response = client.get("/ledger/FAB/entries/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="110100" >110100 Bank</option>' in html
    assert 'class="error"' not in html
    assert 'id="ledger-entries"' not in html


def test_voucher_lines_link_to_the_entries_of_their_account(client, admin_user, bank_postings):
    client.force_login(admin_user)
    html = client.get(f"/ledger/vouchers/{bank_postings[0].pk}/").content.decode()
    assert '<a href="/ledger/FAB/entries/?account=110100">110100</a>' in html
    assert '<a href="/ledger/FAB/entries/?account=401100">401100</a>' in html


def test_voucher_without_a_registered_source_shows_none(client, admin_user, fabrikam):
    voucher = post_simple_voucher(fabrikam["FAB"], source_key="opening-balance:2026")
    client.force_login(admin_user)
    html = client.get(f"/ledger/vouchers/{voucher.pk}/").content.decode()
    assert 'id="voucher-source"' not in html
