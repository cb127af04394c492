from django.urls import path

from . import views_cards

urlpatterns = [
    path("card-payments/", views_cards.card_payment_list, name="card-payment-list"),
    path("card-payments/new/", views_cards.card_payment_new, name="card-payment-new"),
    path("card-payments/<int:pk>/", views_cards.card_payment_detail, name="card-payment-detail"),
    path(
        "card-payments/<int:pk>/capture/",
        views_cards.card_payment_capture_view,
        name="card-payment-capture",
    ),
    path(
        "card-payments/<int:pk>/void/",
        views_cards.card_payment_void_view,
        name="card-payment-void",
    ),
    path(
        "card-payments/<int:pk>/refund/",
        views_cards.card_payment_refund_view,
        name="card-payment-refund",
    ),
]
