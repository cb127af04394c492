from django.urls import path

from . import views_bills

urlpatterns = [
    path("bills-of-exchange/", views_bills.bill_list, name="bill-of-exchange-list"),
    path("bills-of-exchange/draw/", views_bills.bill_draw_view, name="bill-of-exchange-draw"),
    path("bills-of-exchange/<int:pk>/", views_bills.bill_detail, name="bill-of-exchange-detail"),
    path(
        "bills-of-exchange/<int:pk>/<slug:step>/",
        views_bills.bill_step,
        name="bill-of-exchange-step",
    ),
]
