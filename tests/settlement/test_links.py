"""The settlement room's drill-down links: an open transaction's page lists the settlements that
touched it, and a settlement's vouchers link to their settlement."""

from datetime import date

import pytest

from settlement.services import SettlementLineInput, settlement_create, settlement_reverse
from tests.conftest import make_clerk
from tests.factories.receivables import post_invoice, post_payment

pytestmark = pytest.mark.django_db


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def settled(fabrikam):
    """An invoice of 600.00 in FABE, a payment of 250.00 in FAB settled against it on Mar 9."""
    invoice = post_invoice(fabrikam["customers"]["FABE"], amounts=["600.00"])
    payment = post_payment(fabrikam["customers"]["FAB"], amount="250.00")
    settlement = settlement_create(
        lines=[
            SettlementLineInput(invoice.open_transaction.pk),
            SettlementLineInput(payment.open_transaction.pk),
        ],
        on=date(2026, 3, 9),
        primary=None,
        actor=None,
    )
    return invoice, payment, settlement


def test_document_pages_list_the_settlements_that_touched_them(client, admin_user, settled):
    invoice, payment, settlement = settled
    client.force_login(admin_user)
    link = f'Settlement <a href="/settlements/{settlement.pk}/">{settlement.pk}</a>'
    html = _page(client, f"/invoices/{invoice.pk}/")
    assert f"<li>{link} · 2026-03-09 · 250.00 USD taken off</li>" in html
    html = _page(client, f"/payments/{payment.pk}/")
    assert f"<li>{link} · 2026-03-09 · -250.00 USD taken off</li>" in html


def test_a_reversed_settlement_is_listed_as_reversed(client, admin_user, settled):
    invoice, _, settlement = settled
    settlement_reverse(settlement=settlement, actor=None, on=date(2026, 3, 10))
    client.force_login(admin_user)
    html = _page(client, f"/invoices/{invoice.pk}/")
    assert (
        f'<li>Settlement <a href="/settlements/{settlement.pk}/">{settlement.pk}</a> · '
        "2026-03-09 · 250.00 USD taken off · reversed on 2026-03-10</li>"
    ) in html
    assert '<dd id="open-transaction-open">600.00 USD</dd>' in html


def test_settlement_vouchers_link_to_their_settlement(client, admin_user, settled):
    _, _, settlement = settled
    client.force_login(admin_user)
    vouchers = list(settlement.vouchers.order_by("legal_entity__code"))
    assert [v.legal_entity.code for v in vouchers] == ["FAB", "FABE"]
    for voucher in vouchers:
        html = _page(client, f"/ledger/vouchers/{voucher.pk}/")
        assert (
            f'<dd id="voucher-source">Settlement <a href="/settlements/{settlement.pk}/">'
            f"{settlement.pk}</a> · 2026-03-09 · party 4050</dd>"
        ) in html
    settlement_reverse(settlement=settlement, actor=None, on=date(2026, 3, 10))
    reversal = settlement.reversal_vouchers.order_by("legal_entity__code").first()
    html = _page(client, f"/ledger/vouchers/{reversal.pk}/")
    assert (
        f'<dd id="voucher-source">Reversal of settlement <a href="/settlements/{settlement.pk}/">'
        f"{settlement.pk}</a> · 2026-03-09 · party 4050</dd>"
    ) in html


def test_a_settlement_across_an_entity_not_granted_is_not_listed(client, fabrikam, settled):
    _, payment, settlement = settled
    client.force_login(make_clerk("clerk", fabrikam["FAB"]))
    html = _page(client, f"/payments/{payment.pk}/")
    assert f"/settlements/{settlement.pk}/" not in html
    voucher = settlement.vouchers.get(legal_entity=fabrikam["FAB"])
    html = _page(client, f"/ledger/vouchers/{voucher.pk}/")
    assert 'id="voucher-source"' not in html
