"""A1–A6 and B1–B6 end to end through the REST API: documents, settlement, postings line for
line (summed per entity, posting type, counterparty and currency) and open amounts."""

import pytest

from ledger.selectors import ledger_integrity_problems
from tests.acceptance.runner import ApiScenario, all_case_ids, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.mark.parametrize("case_id", all_case_ids())
def test_scenario_through_the_api(client, case_id):
    scenario = ApiScenario(client, load(case_id))
    scenario.setup()
    scenario.run_all()
    scenario.check()
    assert ledger_integrity_problems() == []
