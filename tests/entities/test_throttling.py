"""Throttling: failed sign-ins lock the user name out from that address (the sign-in page and
the admin's alike); the API answers 429 with Retry-After past a user's rate."""

import runpy
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from tests.factories.entities import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "right-horse-battery-41"
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "config" / "settings.py"


@pytest.fixture
def user():
    user = UserFactory(username="alice", is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail(client: Client, url: str, times: int, **extra):
    return [
        client.post(url, {"username": "alice", "password": "wrong"}, **extra).status_code
        for _ in range(times)
    ]


def test_settings_lockout_defaults_ten_failures_fifteen_minutes():
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_sign_in_locked_out_after_the_failure_limit(user):
    client = Client()
    # Nine failures leave the form; the tenth locks the user name out from this address.
    assert _fail(client, "/accounts/login/", 10) == [200] * 9 + [429]
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Sign-in locked" in response.content.decode()
    assert "locked for 15 minutes" in response.content.decode()
    assert not _signed_in(client)
    # The same user name from another address is not locked.
    elsewhere = Client(REMOTE_ADDR="10.1.2.3")
    response = elsewhere.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and _signed_in(elsewhere)


def test_sign_in_success_resets_the_failures(user):
    client = Client()
    assert _fail(client, "/accounts/login/", 9) == [200] * 9
    assert (
        client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 302
    )
    client.logout()
    assert _fail(client, "/accounts/login/", 9) == [200] * 9


def test_admin_sign_in_locked_out_after_the_failure_limit(user):
    client = Client()
    assert _fail(client, "/admin/login/", 10) == [200] * 9 + [429]
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert not _signed_in(client)


def test_sign_in_locked_out_answers_json_when_asked(user):
    client = Client()
    statuses = _fail(client, "/accounts/login/", 10, HTTP_ACCEPT="application/json")
    assert statuses[-1] == 429
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert response.json() == {
        "code": "signin_locked_out",
        "message": "Too many failed sign-ins: signing in from this address is locked for 15 "
        "minutes. Try again later, or ask an administrator to unlock it.",
        "fields": {},
    }


def test_api_throttles_each_user_past_the_rate(monkeypatch, api_client, user):
    # DRF reads the rates when it is imported; the class attribute is what each request uses.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "3/min"})
    api_client.force_authenticate(user)
    statuses = [api_client.get("/api/v1/legal-entities/").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = api_client.get("/api/v1/legal-entities/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["code"] == "throttled" and body["fields"] == {}
    assert body["message"].startswith("Request was throttled.")
    # Another user has a count of their own.
    other = UserFactory(username="bob")
    api_client.force_authenticate(other)
    assert api_client.get("/api/v1/legal-entities/").status_code == 200


def test_settings_api_rate_and_shared_cache_from_the_environment(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.delenv("CACHE_URL", raising=False)
    monkeypatch.setenv("API_THROTTLE_USER", "120/min")
    loaded = runpy.run_path(str(SETTINGS_FILE))
    assert loaded["CACHES"]["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/3",
    }
    assert loaded["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["user"] == "120/min"
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.delenv("API_THROTTLE_USER")
    loaded = runpy.run_path(str(SETTINGS_FILE))
    assert loaded["CACHES"]["default"]["BACKEND"] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )
    assert loaded["REST_FRAMEWORK"]["DEFAULT_THROTTLE_RATES"]["user"] == "600/min"
