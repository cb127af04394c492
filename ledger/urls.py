from django.urls import path

from entities import views as entity_views

from . import views

urlpatterns = [
    path("entities/switch/", entity_views.legal_entity_switch, name="legal-entity-switch"),
    path("entities/<str:code>/", entity_views.legal_entity_detail, name="legal-entity-detail"),
    path("jobs/", entity_views.job_list, name="job-list"),
    path("jobs/<int:pk>/", entity_views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/retry/", entity_views.job_retry_view, name="job-retry"),
    path("ledger/trial-balance/", views.trial_balance_view, name="trial-balance-current"),
    path("ledger/<str:code>/trial-balance/", views.trial_balance_view, name="trial-balance"),
    path("ledger/vouchers/", views.voucher_list, name="voucher-list-current"),
    path("ledger/<str:code>/vouchers/", views.voucher_list, name="voucher-list"),
    path("ledger/vouchers/<int:pk>/", views.voucher_detail, name="voucher-detail"),
]
