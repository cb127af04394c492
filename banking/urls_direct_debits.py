"""Pages of SEPA direct debits: mandates and collection runs."""

from django.urls import path

from . import views_direct_debits as views

urlpatterns = [
    path("direct-debits/mandates/", views.mandate_list, name="dd-mandate-list"),
    path("direct-debits/mandates/new/", views.mandate_form, name="dd-mandate-new"),
    path("direct-debits/mandates/<int:pk>/", views.mandate_detail, name="dd-mandate-detail"),
    path("direct-debits/mandates/<int:pk>/edit/", views.mandate_form, name="dd-mandate-edit"),
    path(
        "direct-debits/mandates/<int:pk>/cancel/",
        views.mandate_cancel_view,
        name="dd-mandate-cancel",
    ),
    path("direct-debits/collections/", views.collection_list, name="dd-collection-list"),
    path("direct-debits/collections/new/", views.collection_new, name="dd-collection-new"),
    path(
        "direct-debits/collections/<int:pk>/",
        views.collection_detail,
        name="dd-collection-detail",
    ),
    path(
        "direct-debits/collections/<int:pk>/file/",
        views.collection_file,
        name="dd-collection-file",
    ),
]
