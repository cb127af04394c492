"""Each app registers what its roles may change; the groups get exactly that."""

import pytest
from django.contrib.auth.models import Group

from core.roles import (
    AR_CLERK,
    COLLECTIONS_MANAGER,
    GROUP_DATA_STEWARD,
    INTEGRATOR,
    role_permissions,
    roles_sync,
)

_DOCUMENTS = [
    ("receivables", m)
    for m in (
        "invoice",
        "creditnote",
        "payment",
        "paymentjournal",
        "recurringinvoicetemplate",
        "recurringinvoiceassignment",
        "interestnote",
    )
] + [("settlement", "settlement")]


# What clerks and integrators do in banking: statements, card payments, direct debits, bills.
_BANKING_WORK = (
    "bankstatement",
    "bankstatementline",
    "cardpayment",
    "directdebitmandate",
    "directdebitcollection",
    "billofexchange",
)


def _crud(pairs):
    return {f"{app}.{a}_{m}" for app, m in pairs for a in ("add", "change", "view")}


EXPECTED = {
    AR_CLERK: _crud(
        _DOCUMENTS
        + [
            ("entities", m)
            for m in ("customer", "party", "partyaddress", "partycontact", "partybankaccount")
        ]
        + [("core", "job"), ("collections_app", "customerstatement")]
        + [("banking", m) for m in _BANKING_WORK]
    ),
    COLLECTIONS_MANAGER: _crud(
        _DOCUMENTS
        + [("entities", "customer"), ("core", "job")]
        + [
            ("collections_app", m)
            for m in (
                "activity",
                "dispute",
                "collectionletter",
                "writeoff",
                "customerpool",
                "customerstatement",
            )
        ]
    ),
    INTEGRATOR: _crud(
        _DOCUMENTS
        + [
            ("entities", m)
            for m in ("party", "customer", "partyaddress", "partycontact", "partybankaccount")
        ]
        + [("core", "job"), ("ledger", "voucher"), ("ledger", "fiscalperiod")]
        + [("banking", m) for m in (*_BANKING_WORK, "bankaccount", "csvmapping")]
    ),
    GROUP_DATA_STEWARD: _crud(
        [
            ("entities", m)
            for m in ("party", "partyaddress", "partycontact", "partybankaccount", "exchangerate")
        ]
    )
    | {"entities.manage_group_data"},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_role_permissions_registered_by_the_apps(role):
    assert role_permissions(role) == EXPECTED[role]


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_roles_sync_gives_each_group_exactly_its_permissions(role):
    roles_sync()
    group = Group.objects.get(name=role)
    given = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }
    assert given == EXPECTED[role]
