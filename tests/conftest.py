"""Shared fixtures. Under CI=true a missing PostgreSQL, Redis or Chromium fails the run.

The suite runs on PostgreSQL, and again on SQLite (``make test``'s second pass, the database
``make run`` serves without ``DATABASE_URL``) without the tests marked ``postgresql``."""

import os
import socket

import pytest
from django.conf import settings

from tests.factories.entities import EntityGrantFactory, LegalEntityFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


ENGINES = {"django.db.backends.postgresql": "postgresql", "django.db.backends.sqlite3": "sqlite"}


def vendor() -> str:
    """The database the suite runs on: ``postgresql`` (the whole suite) or ``sqlite`` (what
    ``make run`` serves by default: every test not marked ``postgresql``)."""
    return ENGINES[settings.DATABASES["default"]["ENGINE"]]


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine not in ENGINES:
        raise pytest.UsageError(
            f"The test suite runs on PostgreSQL or SQLite; DATABASE_URL gives {engine}."
        )


def pytest_collection_finish(session):
    """On SQLite, tests marked ``postgresql`` (triggers, row locks taken by threads) are
    skipped, each with its reason; ``make test`` leaves them out of its SQLite pass
    (``-m "not postgresql"``). Under CI=true they must run: selecting them on SQLite is then an
    error, as a missing PostgreSQL is."""
    if vendor() == "postgresql":
        return
    needing = [item for item in session.items if item.get_closest_marker("postgresql")]
    if needing and IN_CI:
        raise pytest.UsageError(
            f"{len(needing)} selected tests need PostgreSQL and DATABASE_URL gives SQLite "
            '(CI=true); run them on PostgreSQL or deselect them with -m "not postgresql".'
        )
    for item in needing:
        marker = item.get_closest_marker("postgresql")
        why = marker.args[0] if marker.args else marker.kwargs.get("reason", "")
        item.add_marker(
            pytest.mark.skip(reason=f"needs PostgreSQL: {why}" if why else "needs PostgreSQL")
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    """API request counts (throttling) start from nothing in every test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _flush_past_truncate_guard():
    """Tests that commit are cleaned up by a database flush, a TRUNCATE of every table, which
    the ledger's triggers refuse. The flush runs as PostgreSQL replication, which fires no
    ordinary trigger (the test database's user is a superuser, as it must be to create it)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        # One transaction: SET LOCAL ends with the flush.
        return original(self, ["SET LOCAL session_replication_role = replica", *sql_list])

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = settings.REDIS_URL
    from urllib.parse import urlparse

    parsed = urlparse(url)
    if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        message = f"Redis is not reachable at {url}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.fixture
def fabrikam(db):
    """FAB, FABE and FABW (USD), party 4050 Northwind Traders as customers 4000/4000/10000."""
    from tests.factories.entities import CustomerFactory, PartyFactory

    fab = LegalEntityFactory(code="FAB", name="Fabrikam")
    fabe = LegalEntityFactory(code="FABE", name="Fabrikam East")
    fabw = LegalEntityFactory(code="FABW", name="Fabrikam West")
    party = PartyFactory(number="4050", name="Northwind Traders")
    customers = {
        "FAB": CustomerFactory(legal_entity=fab, account="4000", party=party),
        "FABE": CustomerFactory(legal_entity=fabe, account="4000", party=party),
        "FABW": CustomerFactory(legal_entity=fabw, account="10000", party=party),
    }
    return {"FAB": fab, "FABE": fabe, "FABW": fabw, "party": party, "customers": customers}


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def make_clerk(username: str, *entities):
    """A user in the AR clerk group granted ``entities``."""
    from django.contrib.auth.models import Group

    from core.roles import AR_CLERK, roles_sync

    roles_sync()
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=AR_CLERK))
    for entity in entities:
        EntityGrantFactory(user=user, legal_entity=entity)
    return user


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
