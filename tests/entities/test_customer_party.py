"""A customer account moves to another party only while it has no postings; the ledger tells
the entities room so (it registers the guard), entities knows nothing of ledgers."""

from datetime import date

import pytest

from core.errors import InvalidInput
from entities.services import customer_update
from tests.factories.entities import CustomerFactory, PartyFactory
from tests.factories.receivables import post_invoice

pytestmark = pytest.mark.django_db


def test_customer_update_moves_a_customer_without_postings_to_another_party(fabrikam):
    customer = CustomerFactory(legal_entity=fabrikam["FAB"], account="7000")
    other = PartyFactory(number="7777", name="Other")
    customer_update(customer=customer, data={"party": other}, actor=None)
    customer.refresh_from_db()
    assert customer.party == other


def test_customer_update_refuses_moving_a_customer_with_postings(fabrikam):
    customer = fabrikam["customers"]["FAB"]
    post_invoice(customer, amounts=["10.00"], on=date(2026, 3, 2))
    party = customer.party
    with pytest.raises(InvalidInput, match="The customer has postings: it cannot move") as err:
        customer_update(customer=customer, data={"party": PartyFactory(number="7778")}, actor=None)
    assert err.value.fields == {"party": [err.value.message]}
    customer.refresh_from_db()
    assert customer.party == party
