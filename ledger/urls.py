from django.urls import path

from entities import views as entity_views

from . import views

urlpatterns = [
    path("entities/switch/", entity_views.legal_entity_switch, name="legal-entity-switch"),
    path("entities/<str:code>/", entity_views.legal_entity_detail, name="legal-entity-detail"),
    path("ledger/trial-balance/", views.trial_balance_view, name="trial-balance-current"),
    path("ledger/<str:code>/trial-balance/", views.trial_balance_view, name="trial-balance"),
    path("ledger/vouchers/", views.voucher_list, name="voucher-list-current"),
    path("ledger/<str:code>/vouchers/", views.voucher_list, name="voucher-list"),
    path("ledger/vouchers/<int:pk>/", views.voucher_detail, name="voucher-detail"),
]
