"""Browser page of one customer payment: what was received, the voucher that posted it (and
the one that reversed it), its open transaction and the settlements that touched it."""

from django.shortcuts import get_object_or_404, render

from entities.selectors import audit_entries_for

from .selectors import payments_for_user


def payment_detail(request, pk: int):
    payment = get_object_or_404(
        payments_for_user(request.user).select_related(
            "voucher", "reversal_voucher", "journal", "bank_ledger_account", "created_by"
        ),
        pk=pk,
    )
    return render(
        request,
        "receivables/payment_detail.html",
        {
            "payment": payment,
            "open_transaction": getattr(payment, "open_transaction", None),
            "audit_entries": audit_entries_for(payment, user=request.user)[:50],
        },
    )
