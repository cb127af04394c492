"""Pages of the entities room: the legal entity and language switchers, a legal entity's page,
the long jobs' pages, and the saved filters menu's writes."""

from django.urls import path

from . import views, views_saved_filters

urlpatterns = [
    path("entities/switch/", views.legal_entity_switch, name="legal-entity-switch"),
    path("preferences/language/", views.language_set, name="language-set"),
    path("entities/<str:code>/", views.legal_entity_detail, name="legal-entity-detail"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/retry/", views.job_retry_view, name="job-retry"),
    path(
        "saved-filters/",
        views_saved_filters.saved_filter_create_view,
        name="saved-filter-create",
    ),
    path(
        "saved-filters/<int:pk>/",
        views_saved_filters.saved_filter_change_view,
        name="saved-filter-change",
    ),
    path(
        "saved-filters/<int:pk>/default/",
        views_saved_filters.saved_filter_default_view,
        name="saved-filter-default",
    ),
    path(
        "saved-filters/<int:pk>/delete/",
        views_saved_filters.saved_filter_delete_view,
        name="saved-filter-delete",
    ),
]
