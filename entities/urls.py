"""Pages of the entities room: the legal entity and language switchers, a legal entity's page,
and the long jobs' pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("entities/switch/", views.legal_entity_switch, name="legal-entity-switch"),
    path("preferences/language/", views.language_set, name="language-set"),
    path("entities/<str:code>/", views.legal_entity_detail, name="legal-entity-detail"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<int:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<int:pk>/retry/", views.job_retry_view, name="job-retry"),
]
