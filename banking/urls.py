"""Pages of the banking room: bank accounts and their reconciliation, statements (import, list,
page) and what a clerk does to a statement's lines."""

from django.urls import path

from . import views, views_lines, views_statement

urlpatterns = [
    path("bank/accounts/", views.bank_account_list, name="bank-account-list"),
    path(
        "bank/accounts/<int:pk>/reconciliation/",
        views.bank_account_reconciliation_view,
        name="bank-account-reconciliation",
    ),
    path("bank/statements/", views.bank_statement_list, name="bank-statement-list"),
    path("bank/statements/import/", views.bank_statement_import, name="bank-statement-import"),
    path(
        "bank/statements/<int:pk>/",
        views_statement.bank_statement_detail,
        name="bank-statement-detail",
    ),
    path(
        "bank/statements/<int:pk>/match/",
        views_statement.bank_statement_match,
        name="bank-statement-match",
    ),
    path(
        "bank/statements/<int:pk>/post/",
        views_statement.bank_statement_post,
        name="bank-statement-post",
    ),
    path(
        "bank/statements/<int:pk>/resolve-warnings/",
        views_statement.bank_statement_resolve_warnings,
        name="bank-statement-resolve-warnings",
    ),
    path("bank/lines/<int:pk>/", views_lines.line_row, name="bank-line"),
    path("bank/lines/<int:pk>/accept/", views_lines.line_accept, name="bank-line-accept"),
    path("bank/lines/<int:pk>/change/", views_lines.line_change, name="bank-line-change"),
    path("bank/lines/<int:pk>/customer/", views_lines.line_customer, name="bank-line-customer"),
    path(
        "bank/lines/<int:pk>/posting-type/",
        views_lines.line_posting_type,
        name="bank-line-posting-type",
    ),
    path("bank/lines/<int:pk>/status/", views_lines.line_status, name="bank-line-status"),
    path("bank/lines/<int:pk>/post/", views_lines.line_post_view, name="bank-line-post"),
]
