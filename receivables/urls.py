from django.urls import path

from . import (
    views,
    views_ar_close,
    views_customers,
    views_documents,
    views_payment_detail,
    views_payments,
    views_printing,
    views_scheduled,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/", views_customers.customer_list, name="customer-list"),
    path("customers/<int:pk>/", views_customers.customer_detail, name="customer-detail"),
    path("invoices/", views_documents.document_list, {"kind": "invoice"}, name="invoices-list"),
    path("invoices/new/", views_documents.document_new, {"kind": "invoice"}, name="invoices-new"),
    path(
        "invoices/totals/",
        views_documents.document_totals,
        {"kind": "invoice"},
        name="invoices-totals",
    ),
    path(
        "invoices/<int:pk>/",
        views_documents.document_detail,
        {"kind": "invoice"},
        name="invoices-detail",
    ),
    path(
        "invoices/<int:pk>/edit/",
        views_documents.document_new,
        {"kind": "invoice"},
        name="invoices-edit",
    ),
    path(
        "invoices/<int:pk>/post/",
        views_documents.document_post,
        {"kind": "invoice"},
        name="invoices-post",
    ),
    path(
        "credit-notes/",
        views_documents.document_list,
        {"kind": "credit_note"},
        name="credit_notes-list",
    ),
    path(
        "credit-notes/new/",
        views_documents.document_new,
        {"kind": "credit_note"},
        name="credit_notes-new",
    ),
    path(
        "credit-notes/totals/",
        views_documents.document_totals,
        {"kind": "credit_note"},
        name="credit_notes-totals",
    ),
    path(
        "credit-notes/<int:pk>/",
        views_documents.document_detail,
        {"kind": "credit_note"},
        name="credit_notes-detail",
    ),
    path(
        "credit-notes/<int:pk>/edit/",
        views_documents.document_new,
        {"kind": "credit_note"},
        name="credit_notes-edit",
    ),
    path(
        "credit-notes/<int:pk>/post/",
        views_documents.document_post,
        {"kind": "credit_note"},
        name="credit_notes-post",
    ),
    *[
        path(f"{segment}/<int:pk>/{view_path}", view, {"kind": kind, **extra}, name=name)
        for segment, kind in (("invoices", "invoice"), ("credit-notes", "credit_note"))
        for view_path, view, extra, name in (
            ("print/", views_printing.document_print, {}, f"{kind}s-print"),
            ("pdf/", views_printing.document_print, {"fmt": "pdf"}, f"{kind}s-pdf"),
            ("email/", views_printing.document_email_send, {}, f"{kind}s-email"),
        )
    ],
    path("payments/", views_payments.payment_list, name="payment-list"),
    path("payments/<int:pk>/", views_payment_detail.payment_detail, name="payment-detail"),
    path("ar-close/", views_ar_close.ar_close_page, name="ar-close"),
    path("payments/journal/", views_payments.payment_journal, name="payment-journal"),
    path("payments/journals/", views_payments.payment_journal_list, name="payment-journal-list"),
    path(
        "payments/journals/<int:pk>/",
        views_payments.payment_journal,
        name="payment-journal-detail",
    ),
    path(
        "payments/journals/<int:pk>/delete/",
        views_payments.payment_journal_delete,
        name="payment-journal-delete",
    ),
    path("recurring/", views_scheduled.recurring_list, name="recurring-list"),
    path("recurring/new/", views_scheduled.recurring_template_new, name="recurring-new"),
    path("recurring/<int:pk>/", views_scheduled.recurring_detail, name="recurring-detail"),
    path("recurring/<int:pk>/edit/", views_scheduled.recurring_template_new, name="recurring-edit"),
    path(
        "recurring/assignments/<int:pk>/toggle/",
        views_scheduled.recurring_assignment_toggle,
        name="recurring-assignment-toggle",
    ),
    path("interest-notes/", views_scheduled.interest_note_list, name="interest-note-list"),
    path(
        "interest-notes/<int:pk>/",
        views_scheduled.interest_note_detail,
        name="interest-note-detail",
    ),
    path(
        "interest-notes/<int:pk>/<str:verb>/",
        views_scheduled.interest_note_action,
        name="interest-note-action",
    ),
]
