"""A settlement's page and its reversal page: documents and vouchers linked, the reversal
confirmed with a date, refused beside the field, the reversal vouchers shown after."""

import re
from datetime import date

import pytest
from django.utils import timezone

from ledger.models import FiscalPeriod
from settlement.models import Settlement
from tests.conftest import make_clerk

pytestmark = pytest.mark.django_db


def test_settlement_detail_links_documents_and_vouchers(client, admin_user, settled):
    _, settlement, invoice, payment = settled
    client.force_login(admin_user)
    html = client.get(f"/settlements/{settlement.pk}/").content.decode()
    assert f'<a href="/invoices/{invoice.pk}/">{invoice.number}</a>' in html
    assert f'<a href="/payments/{payment.pk}/">{payment.number}</a>' in html
    for voucher in settlement.vouchers.all():
        assert f'<a href="/ledger/vouchers/{voucher.pk}/">Voucher {voucher.number}</a>' in html
    assert sorted(re.findall(r'<td class="account">([^<]*)</td>', html)) == [
        "130100 Accounts receivable",
        "130100 Accounts receivable",
        "145000-FAB Due from Fabrikam",
        "245000-FABE Due to Fabrikam East",
    ]
    assert f'href="/settlements/{settlement.pk}/reverse/"' in html
    assert 'id="reversal-vouchers"' not in html


def test_reverse_page_shows_what_is_reversed_and_today(client, admin_user, settled):
    _, settlement, invoice, payment = settled
    client.force_login(admin_user)
    html = client.get(f"/settlements/{settlement.pk}/reverse/").content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in html
    row = re.search(rf'<tr data-document="{invoice.number}">(.*?)</tr>', html).group(1)
    # Settled 600.00; open now 0.00, after the reversal 600.00.
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row) == [
        "600.00",
        "0.00",
        "0.00",
        "0.00",
        "600.00",
    ]
    row = re.search(rf'<tr data-document="{payment.number}">(.*?)</tr>', html).group(1)
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)[-1] == "-600.00"
    for voucher in settlement.vouchers.all():
        assert f"Voucher {voucher.number}</a>" in html
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"


def test_reverse_page_refuses_a_date_before_the_settlement_beside_the_field(
    client, admin_user, settled
):
    _, settlement, _, _ = settled
    client.force_login(admin_user)
    page = client.post(f"/settlements/{settlement.pk}/reverse/", {"date": "2026-03-08"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "The reversal date 2026-03-08 is before the settlement&#x27;s date 2026-03-09." in html
    assert 'value="2026-03-08"' in html
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"


def test_reverse_page_refuses_a_closed_period(client, admin_user, settled):
    fabrikam, settlement, _, _ = settled
    FiscalPeriod.objects.filter(legal_entity=fabrikam["FABE"], start=date(2026, 4, 1)).update(
        status="closed"
    )
    client.force_login(admin_user)
    html = client.post(
        f"/settlements/{settlement.pk}/reverse/", {"date": "2026-04-10"}
    ).content.decode()
    assert "The fiscal period of FABE containing 2026-04-10 is closed" in html
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"


def test_reverse_page_reverses_on_the_date_and_shows_the_reversal_vouchers(
    client, admin_user, settled
):
    _, settlement, invoice, _ = settled
    client.force_login(admin_user)
    answer = client.post(f"/settlements/{settlement.pk}/reverse/", {"date": "2026-03-31"})
    assert answer.status_code == 302
    assert answer["Location"] == f"/settlements/{settlement.pk}/"
    settlement.refresh_from_db()
    assert (settlement.status, settlement.reversed_on) == ("reversed", date(2026, 3, 31))
    html = client.get(answer["Location"]).content.decode()
    assert f"Settlement {settlement.pk} reversed on 2026-03-31." in html
    section = html[html.index('id="reversal-vouchers"') :]
    for reversal in settlement.reversal_vouchers.all():
        assert f'<a href="/ledger/vouchers/{reversal.pk}/">Voucher {reversal.number}</a>' in section
        assert "2026-03-31" in section
        original = reversal.reverses
        assert (
            f'reverses <a href="/ledger/vouchers/{original.pk}/">{original.number}</a>' in section
        )
        assert (
            f'reversed by <a href="/ledger/vouchers/{reversal.pk}/">{reversal.number}</a>' in html
        )
    assert "Reverse settlement" not in html
    invoice.open_transaction.refresh_from_db()
    assert invoice.open_transaction.open_amount == 600
    again = client.get(f"/settlements/{settlement.pk}/reverse/")
    assert again.status_code == 302


def test_reverse_page_only_for_users_granted_every_entity(client, settled):
    fabrikam, settlement, _, _ = settled
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    assert client.get(f"/settlements/{settlement.pk}/reverse/").status_code == 404
    assert (
        client.post(f"/settlements/{settlement.pk}/reverse/", {"date": "2026-03-31"}).status_code
        == 404
    )
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"


def test_reverse_page_needs_the_role_to_post(client, settled):
    fabrikam, settlement, _, _ = settled
    from tests.factories.entities import EntityGrantFactory, UserFactory

    reader = UserFactory(username="reader")
    for code in ("FAB", "FABE"):
        EntityGrantFactory(user=reader, legal_entity=fabrikam[code])
    client.force_login(reader)
    assert (
        client.post(f"/settlements/{settlement.pk}/reverse/", {"date": "2026-03-31"}).status_code
        == 403
    )
    assert Settlement.objects.get(pk=settlement.pk).status == "posted"
