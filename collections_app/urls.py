from django.urls import path

from . import views, views_actions

urlpatterns = [
    path("collections/aging/", views.aging, name="aging"),
    path("collections/", views.collections, name="collections"),
    path(
        "collections/export.csv",
        views.collections_export,
        {"fmt": "csv"},
        name="collections-export",
    ),
    path(
        "collections/export.xlsx",
        views.collections_export,
        {"fmt": "xlsx"},
        name="collections-export-xlsx",
    ),
    path(
        "collections/exports/<int:pk>/",
        views.collections_export_download,
        name="collections-export-download",
    ),
    path(
        "collections/customers/<int:pk>/",
        views.customer_collections,
        name="collections-customer",
    ),
    path(
        "collections/customers/<int:pk>/<str:verb>/",
        views_actions.customer_collections_action,
        name="collections-customer-action",
    ),
    path("collections/letters/<int:pk>/", views.letter_view, name="collection-letter"),
    path(
        "collections/letters/<int:pk>/pdf/",
        views.letter_view,
        {"fmt": "pdf"},
        name="collection-letter-pdf",
    ),
]
