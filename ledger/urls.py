from django.urls import path

from . import views

urlpatterns = [
    path("ledger/trial-balance/", views.trial_balance_view, name="trial-balance-current"),
    path("ledger/<str:code>/trial-balance/", views.trial_balance_view, name="trial-balance"),
    path("ledger/<str:code>/entries/", views.ledger_entries, name="ledger-entries"),
    path("ledger/vouchers/", views.voucher_list, name="voucher-list-current"),
    path("ledger/<str:code>/vouchers/", views.voucher_list, name="voucher-list"),
    path("ledger/vouchers/<int:pk>/", views.voucher_detail, name="voucher-detail"),
]
