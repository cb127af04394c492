from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("healthz", healthz, name="healthz"),
    path("", include("banking.urls")),
    path("", include("banking.urls_cards")),
    path("", include("banking.urls_direct_debits")),
    path("", include("banking.urls_bills")),
    path("", include("collections_app.urls")),
    path("", include("settlement.urls")),
    path("", include("receivables.urls")),
    path("", include("ledger.urls")),
    path("", include("entities.urls")),
]

handler404 = "entities.views.page_not_found"
handler500 = "entities.views.server_error"
