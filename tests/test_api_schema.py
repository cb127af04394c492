"""Schemathesis over the whole served OpenAPI schema: no input gives a 5xx, and every response
matches the schema. Runs in-process against the WSGI application, authenticated as an admin and
as an AR clerk granted one entity (whose requests take the refusal paths).

``make fuzz`` runs the same with many more, random examples (``API_FUZZ_EXAMPLES``,
``API_FUZZ_RANDOM``)."""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from ledger.services import VoucherInput, VoucherLineInput, voucher_post
from tests.factories.entities import (
    CashDiscountFactory,
    ExchangeRateFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
    UserFactory,
)


def _load_schema():
    import django

    django.setup()
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    return loaded


schema = _load_schema()
# No 5xx, every status code documented, every body as documented. Lenient handling of unknown or
# malformed optional query parameters (e.g. ?page_size=abc falls back to the default) is allowed.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def in_process_requests():
    """Keep the test's connection open across requests, as Django's test client does."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, fabrikam, in_process_requests):
    from datetime import date
    from decimal import Decimal

    user = UserFactory(username="schema-admin", is_staff=True, is_superuser=True)
    PaymentTermsFactory()
    CashDiscountFactory()
    SalesTaxCodeFactory()
    ExchangeRateFactory()
    voucher_post(
        voucher=VoucherInput(
            legal_entity=fabrikam["FAB"],
            date=date(2026, 3, 2),
            lines=[
                VoucherLineInput(posting_type="bank", currency="USD", amount=Decimal("5.00")),
                VoucherLineInput(posting_type="revenue", currency="USD", amount=Decimal("-5.00")),
            ],
        ),
        actor=None,
    )
    return Token.objects.create(user=user).key


@pytest.fixture
def clerk_token(token, fabrikam):
    from tests.conftest import make_clerk

    return Token.objects.create(user=make_clerk("schema-clerk", fabrikam["FABW"])).key


def _fuzz_settings(examples: int):
    return settings(
        max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", examples)),
        deadline=None,
        # The same examples on every run, so CI never meets a new surprise; `make fuzz` lifts it.
        derandomize=os.environ.get("API_FUZZ_RANDOM", "") != "true",
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )


@schema.parametrize()
@_fuzz_settings(15)
def test_api_schema_no_server_errors(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


@schema.parametrize()
@_fuzz_settings(4)
def test_api_schema_no_server_errors_for_a_clerk_of_one_entity(case, clerk_token):
    case.call_and_validate(headers={"Authorization": f"Token {clerk_token}"}, checks=CHECKS)
