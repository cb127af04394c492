from django.urls import path

from . import views

urlpatterns = [
    path("settle/", views.settle, name="settle"),
    path("settle/preview/", views.settle_preview, name="settle-preview"),
    path("settle/fill/", views.settle_fill, name="settle-fill"),
    path("settlements/", views.settlement_list, name="settlement-list"),
    path("settlements/<int:pk>/", views.settlement_detail, name="settlement-detail"),
    path("settlements/<int:pk>/reverse/", views.settlement_reverse_view, name="settlement-reverse"),
    path("invoices/<int:pk>/correct/", views.invoice_correct_view, name="invoices-correct"),
]
