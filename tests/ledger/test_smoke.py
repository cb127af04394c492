from decimal import Decimal

from ledger.services import VoucherInput, VoucherLineInput, voucher_post


def test_voucher_post_smoke(fabrikam):
    from datetime import date

    v = voucher_post(
        voucher=VoucherInput(
            legal_entity=fabrikam["FAB"],
            date=date(2026, 3, 2),
            lines=[
                VoucherLineInput(posting_type="bank", currency="USD", amount=Decimal("10.00")),
                VoucherLineInput(posting_type="revenue", currency="USD", amount=Decimal("-10.00")),
            ],
        ),
        actor=None,
    )
    assert v.number == "FAB-V00000001"
    assert v.lines.count() == 2
