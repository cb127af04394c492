"""Query parameters that filter by a key take a whole number a 64-bit key can hold, else a 400
naming the parameter, on every database (SQLite cannot even bind a larger number: it was a
500 there)."""

import pytest

pytestmark = pytest.mark.django_db

ID_FILTERS = [
    ("/api/v1/ledger-entries/", "voucher"),
    ("/api/v1/ledger-entries/", "customer"),
    ("/api/v1/invoices/", "customer_id"),
    ("/api/v1/credit-notes/", "customer_id"),
    ("/api/v1/payments/", "customer_id"),
    ("/api/v1/open-transactions/", "customer_id"),
    ("/api/v1/interest-notes/", "job"),
    ("/api/v1/recurring-assignments/", "template"),
    ("/api/v1/recurring-invoices/", "assignment"),
    ("/api/v1/recurring-invoices/", "template"),
    ("/api/v1/recurring-invoices/", "job"),
    ("/api/v1/activities/", "customer_id"),
    ("/api/v1/aging/", "customer_id"),
]


@pytest.fixture
def client(api_client, admin_user, fabrikam):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.mark.parametrize(("url", "parameter"), ID_FILTERS)
@pytest.mark.parametrize("value", [str(2**63), str(-(2**64)), "-1.7976931348623155e+308"])
def test_id_filter_beyond_a_64_bit_key_is_400(client, url, parameter, value):
    response = client.get(url, {parameter: value})
    assert response.status_code == 400, response.content
    assert parameter in response.json()["fields"]


@pytest.mark.parametrize(("url", "parameter"), ID_FILTERS)
def test_id_filter_with_a_key_no_row_has_is_an_empty_list(client, url, parameter):
    response = client.get(url, {parameter: str(2**63 - 1)})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0
