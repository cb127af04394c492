"""Guards found by review: what a journal voucher may not do, entity boundaries of accounts,
period transitions, idempotency of posting, and huge or odd input."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import ApplicationError
from core.models import IdempotencyKey
from ledger.exceptions import InvalidPosting, PeriodClosed
from ledger.models import FiscalPeriod, MainAccount, PostingSetup, Voucher
from ledger.services import (
    VoucherInput,
    VoucherLineInput,
    fiscal_period_set_status,
    journal_voucher_post,
    journal_voucher_reverse,
    legal_entity_create,
    voucher_post,
)
from tests.conftest import make_clerk
from tests.factories.ledger import post_simple_voucher

D = Decimal
MAR2 = date(2026, 3, 2)


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


def _journal(entity, *lines):
    return VoucherInput(legal_entity=entity, date=MAR2, lines=list(lines))


@pytest.mark.django_db
def test_journal_voucher_cannot_touch_customer_balance(fabrikam):
    fab = fabrikam["FAB"]
    receivable = MainAccount.objects.get(legal_entity=fab, number="130100")
    for line in (
        VoucherLineInput(posting_type="customer_balance", currency="USD", amount=D("5")),
        VoucherLineInput(posting_type="bank", currency="USD", amount=D("5"), account=receivable),
        VoucherLineInput(
            posting_type="bank",
            currency="USD",
            amount=D("5"),
            customer=fabrikam["customers"]["FAB"],
        ),
    ):
        with pytest.raises(InvalidPosting, match="cannot post to the customer balance"):
            journal_voucher_post(
                voucher=_journal(fab, line, VoucherLineInput("revenue", "USD", D("-5"))),
                actor=None,
            )
    assert Voucher.objects.count() == 0


@pytest.mark.django_db
def test_accounting_amount_must_equal_amount_in_accounting_currency(fabrikam):
    with pytest.raises(InvalidPosting, match="accounting amount must equal the amount"):
        voucher_post(
            voucher=_journal(
                fabrikam["FAB"],
                VoucherLineInput("bank", "USD", D("100.00"), accounting_amount=D("1.00")),
                VoucherLineInput("revenue", "USD", D("-100.00"), accounting_amount=D("-1.00")),
            ),
            actor=None,
        )


@pytest.mark.django_db
def test_posting_setup_pointing_at_another_entity_account_is_refused(fabrikam):
    fab, fabe = fabrikam["FAB"], fabrikam["FABE"]
    foreign = MainAccount.objects.get(legal_entity=fabe, number="110100")
    PostingSetup.objects.filter(legal_entity=fab, posting_type="bank").update(account=foreign)
    with pytest.raises(InvalidPosting, match="account 110100 is not in FAB"):
        post_simple_voucher(fab)
    setup = PostingSetup(legal_entity=fab, posting_type="bank", account=foreign)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="another legal entity"):
        setup.clean()


@pytest.mark.postgresql("a trigger of the ledger")
@pytest.mark.django_db(transaction=True)
def test_database_refuses_entry_on_another_entity_account(fabrikam):
    fab, fabe = fabrikam["FAB"], fabrikam["FABE"]
    voucher = post_simple_voucher(fab)
    foreign = MainAccount.objects.get(legal_entity=fabe, number="110100")
    with (
        pytest.raises(IntegrityError, match="another legal entity"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO ledger_voucher (legal_entity_id, number, date, description, created_at)"
            " VALUES (%s, 'RAW', %s, '', now()) RETURNING id",
            [fab.pk, voucher.date],
        )
        voucher_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO ledger_ledgerentry (voucher_id, legal_entity_id, date, account_id, "
            "posting_type, currency, amount, accounting_amount, description) VALUES "
            "(%s, %s, %s, %s, 'bank', 'USD', 1, 1, ''), "
            "(%s, %s, %s, %s, 'bank', 'USD', -1, -1, '')",
            [voucher_id, fab.pk, voucher.date, foreign.pk] * 2,
        )


@pytest.mark.django_db
def test_document_vouchers_are_not_reversed_as_journals(fabrikam):
    voucher = post_simple_voucher(fabrikam["FAB"], source_key="invoice:1")
    with pytest.raises(InvalidPosting, match="posted by invoice: reverse it from there"):
        journal_voucher_reverse(voucher=voucher, actor=None)


@pytest.mark.django_db
def test_closed_period_stays_closed_and_is_audited(fabrikam):
    period = FiscalPeriod.objects.get(legal_entity=fabrikam["FAB"], start=date(2026, 3, 1))
    fiscal_period_set_status(period=period, status="on_hold", actor=None)
    fiscal_period_set_status(period=period, status="open", actor=None)
    fiscal_period_set_status(period=period, status="closed", actor=None)
    with pytest.raises(ApplicationError, match="A closed period cannot become open"):
        fiscal_period_set_status(period=period, status="open", actor=None)
    with pytest.raises(PeriodClosed):
        post_simple_voucher(fabrikam["FAB"])
    from entities.selectors import audit_entries_for

    assert [a.changes["status"] for a in audit_entries_for(period)] == [
        ["open", "closed"],
        ["on_hold", "open"],
        ["open", "on_hold"],
    ]


@pytest.mark.django_db
def test_long_entity_names_do_not_block_new_entities(fabrikam):
    from entities.services import legal_entity_update

    legal_entity_update(legal_entity=fabrikam["FAB"], data={"name": "F" * 120}, actor=None)
    entity = legal_entity_create(code="NEW", name="N" * 120, accounting_currency="USD", actor=None)
    assert MainAccount.objects.filter(legal_entity=entity, number="145000-FAB").exists()


@pytest.mark.django_db
def test_customer_with_postings_cannot_change_party(admin_client, fabrikam):
    from tests.factories.entities import PartyFactory

    PartyFactory(number="9999")
    customer = fabrikam["customers"]["FAB"]
    voucher_post(
        voucher=_journal(
            fabrikam["FAB"],
            VoucherLineInput("customer_balance", "USD", D("5"), customer=customer),
            VoucherLineInput("revenue", "USD", D("-5")),
        ),
        actor=None,
    )
    response = admin_client.patch(
        f"/api/v1/customers/{customer.pk}/", {"party": "9999"}, format="json"
    )
    assert response.status_code == 400
    assert "party" in response.json()["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1e24", "1E+30", "-9999999999999999999", "NaN", "Infinity"])
def test_huge_or_odd_amounts_are_400(admin_client, fabrikam, amount):
    payload = {
        "legal_entity": "FAB",
        "date": "2026-03-02",
        "lines": [
            {"posting_type": "bank", "currency": "USD", "amount": amount},
            {"posting_type": "revenue", "currency": "USD", "amount": "-1.00"},
        ],
    }
    assert admin_client.post("/api/v1/vouchers/", payload, format="json").status_code == 400
    response = admin_client.patch(
        "/api/v1/legal-entities/FAB/", {"parameters": {"max_underpayment": amount}}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_ungranted_entity_is_403_before_its_accounts_are_looked_up(api_client, fabrikam):
    from django.contrib.auth.models import Permission

    clerk = make_clerk("clerk", fabrikam["FAB"])
    clerk.user_permissions.add(Permission.objects.get(codename="add_voucher"))
    api_client.force_authenticate(clerk)
    payload = {
        "legal_entity": "FABE",
        "date": "2026-03-02",
        "lines": [
            {"posting_type": "bank", "currency": "USD", "amount": "1.00", "account": "999"},
            {"posting_type": "revenue", "currency": "USD", "amount": "-1.00"},
        ],
    }
    assert api_client.post("/api/v1/vouchers/", payload, format="json").status_code == 403


@pytest.mark.django_db
def test_idempotency_key_replays_and_conflicts(admin_client, fabrikam):
    payload = {
        "legal_entity": "FAB",
        "date": "2026-03-02",
        "lines": [
            {"posting_type": "bank", "currency": "USD", "amount": "7.00"},
            {"posting_type": "revenue", "currency": "USD", "amount": "-7.00"},
        ],
    }
    first = admin_client.post(
        "/api/v1/vouchers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    again = admin_client.post(
        "/api/v1/vouchers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Voucher.objects.count() == 1
    other = {**payload, "description": "something else"}
    conflict = admin_client.post(
        "/api/v1/vouchers/", other, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_key_reused"
    # A refused request stores nothing: the client may fix it and retry with the same key.
    bad = {**payload, "lines": payload["lines"][:1]}
    assert (
        admin_client.post(
            "/api/v1/vouchers/", bad, format="json", HTTP_IDEMPOTENCY_KEY="abc-2"
        ).status_code
        == 400
    )
    assert not IdempotencyKey.objects.filter(key="abc-2").exists()
    assert (
        admin_client.post(
            "/api/v1/vouchers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="abc-2"
        ).status_code
        == 201
    )
    assert Voucher.objects.count() == 2


@pytest.mark.django_db
def test_admin_legal_entities_scoped_to_grants(client, fabrikam):
    from django.contrib.auth.models import Permission

    staff = make_clerk("staffer", fabrikam["FAB"])
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_legalentity", "change_legalentity"])
    )
    client.force_login(staff)
    listing = client.get("/admin/entities/legalentity/")
    assert list(listing.context["cl"].queryset.values_list("code", flat=True)) == ["FAB"]
    assert client.get(f"/admin/entities/legalentity/{fabrikam['FABE'].pk}/change/").status_code in (
        302,
        404,
    )
