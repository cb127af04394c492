from django.urls import path

from . import views, views_actions, views_statements

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
    path(
        "collections/statements/customer/<int:pk>/",
        views_statements.statement_generate,
        name="customer-statement-generate",
    ),
    path("collections/statements/", views_statements.statement_list, name="customer-statements"),
    path(
        "collections/statements/pool/",
        views_statements.statement_pool_start,
        name="customer-statements-pool",
    ),
    path(
        "collections/statements/<int:pk>/",
        views_statements.statement_detail,
        name="customer-statement",
    ),
    path(
        "collections/statements/<int:pk>/print/",
        views_statements.statement_print,
        name="customer-statement-print",
    ),
    path(
        "collections/statements/<int:pk>/pdf/",
        views_statements.statement_print,
        {"fmt": "pdf"},
        name="customer-statement-pdf",
    ),
    path(
        "collections/statements/<int:pk>/email/",
        views_statements.statement_email,
        name="customer-statement-email",
    ),
]
