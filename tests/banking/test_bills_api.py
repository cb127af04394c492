"""Bills of exchange through the API: draw, each step, reverse, a step out of order (409 naming
the allowed steps), bad input (400 naming the field), rights."""

from datetime import date
from decimal import Decimal

import pytest

from banking.models import BillOfExchange
from ledger.models import LedgerEntry
from tests.banking.bills import draw, invoices
from tests.conftest import make_clerk

URL = "/api/v1/bills-of-exchange/"


@pytest.fixture
def clerk_client(api_client, bank):
    api_client.force_authenticate(make_clerk("clerk", bank["FAB"]))
    return api_client


def _post(client, path, body=None, **headers):
    return client.post(f"{URL}{path}", body or {}, format="json", **headers)


def _draw(client, bank, *amounts):
    posted = invoices(bank, *(amounts or ("100.00", "50.00")))
    body = {
        "legal_entity": "FAB",
        "customer": "4000",
        "date": "2026-03-10",
        "due_date": "2026-04-30",
        "transactions": [i.open_transaction.pk for i in posted],
    }
    return _post(client, "", body), posted


def test_api_bill_draw_then_every_step_of_the_collection_path(clerk_client, bank):
    response, posted = _draw(clerk_client, bank)
    assert response.status_code == 201, response.json()
    bill = response.json()
    assert {k: bill[k] for k in ("number", "legal_entity", "customer", "amount", "status")} == {
        "number": "FAB-BOE00000001",
        "legal_entity": "FAB",
        "customer": "4000",
        "amount": "150.00",
        "status": "drawn",
    }
    assert bill["allowed_steps"] == ["accept", "protest"]
    assert bill["transactions"] == [
        {
            "transaction": posted[0].open_transaction.pk,
            "document_number": posted[0].number,
            "amount": "100.00",
        },
        {
            "transaction": posted[1].open_transaction.pk,
            "document_number": posted[1].number,
            "amount": "50.00",
        },
    ]
    pk = bill["id"]
    accepted = _post(clerk_client, f"{pk}/accept/", {"date": "2026-03-11"})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    remitted = _post(
        clerk_client,
        f"{pk}/remit/",
        {
            "date": "2026-03-12",
            "bank_account": bank["account"].pk,
            "mode": "collection",
            "charges": "2.50",
        },
    )
    assert remitted.status_code == 200, remitted.json()
    assert (remitted.json()["status"], remitted.json()["bank_account"]) == (
        "remitted_collection",
        bank["account"].pk,
    )
    settled = _post(clerk_client, f"{pk}/settle/", {"date": "2026-04-30"})
    assert settled.status_code == 200, settled.json()
    body = settled.json()
    assert (body["status"], body["allowed_steps"]) == ("settled", [])
    assert [(s["kind"], s["date"], s["charges"]) for s in body["steps"]] == [
        ("draw", "2026-03-10", "0.00"),
        ("accept", "2026-03-11", "0.00"),
        ("remit_collection", "2026-03-12", "2.50"),
        ("settle", "2026-04-30", "0.00"),
    ]
    entries = clerk_client.get(
        f"/api/v1/ledger-entries/?voucher={body['steps'][3]['voucher']}"
    ).json()["results"]
    assert sorted((e["posting_type"], e["amount"]) for e in entries) == [
        ("bank", "150.00"),
        ("bill_remitted_collection", "-150.00"),
    ]


def test_api_bill_discount_protest_and_reverse(clerk_client, bank):
    pk = _draw(clerk_client, bank)[0].json()["id"]
    _post(clerk_client, f"{pk}/accept/", {"date": "2026-03-11"})
    remitted = _post(
        clerk_client,
        f"{pk}/remit/",
        {"date": "2026-03-12", "bank_account": bank["account"].pk, "mode": "discount"},
    )
    assert remitted.json()["status"] == "remitted_discount"
    protested = _post(clerk_client, f"{pk}/protest/", {"date": "2026-05-02", "charges": "10.00"})
    assert protested.status_code == 200, protested.json()
    debit = protested.json()["protest_transaction"]
    ot = clerk_client.get(f"/api/v1/open-transactions/{debit}/").json()
    assert (ot["kind"], ot["open_amount"], ot["document_number"]) == (
        "protested_bill",
        "160.00",
        "FAB-BOE00000001",
    )
    reversed_ = _post(clerk_client, f"{pk}/reverse/")
    assert reversed_.status_code == 200, reversed_.json()
    assert reversed_.json()["status"] == "remitted_discount"
    assert reversed_.json()["steps"][-1]["reversed_on"] == "2026-05-02"
    assert clerk_client.get(f"/api/v1/open-transactions/{debit}/").json()["open_amount"] == "0.00"


def test_api_step_out_of_order_is_409_naming_the_allowed_steps(clerk_client, bank):
    pk = _draw(clerk_client, bank)[0].json()["id"]
    response = _post(clerk_client, f"{pk}/settle/", {"date": "2026-04-30"})
    assert response.status_code == 409
    assert response.json() == {
        "code": "bill_step_not_allowed",
        "message": "Bill FAB-BOE00000001 is drawn: it cannot be settled now. "
        "Allowed steps: accept, protest.",
        "fields": {
            "status": [
                "Bill FAB-BOE00000001 is drawn: it cannot be settled now. "
                "Allowed steps: accept, protest."
            ]
        },
        "details": {"allowed": ["accept", "protest"], "status": "drawn"},
    }


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"mode": "cheque"}, "mode", '"cheque" is not a valid choice.'),
        ({"charges": "-1.00"}, "charges", "The charges cannot be negative."),
        ({"charges": "abc"}, "charges", "Enter an amount such as 600.00."),
        ({"bank_account": 999999}, "bank_account", "Bank account 999999 does not exist."),
        ({"date": "2026-03-01"}, "date", "before the bill's last step"),
        ({"date": "not a date"}, "date", "Date has wrong format"),
    ],
)
def test_api_remit_bad_input_is_400_naming_the_field(clerk_client, bank, body, field, message):
    pk = _draw(clerk_client, bank)[0].json()["id"]
    _post(clerk_client, f"{pk}/accept/", {"date": "2026-03-11"})
    entries = LedgerEntry.objects.count()
    given = {"date": "2026-03-12", "bank_account": bank["account"].pk, "mode": "collection"}
    response = _post(clerk_client, f"{pk}/remit/", {**given, **body})
    assert response.status_code == 400, response.json()
    assert message in response.json()["fields"][field][0]
    assert LedgerEntry.objects.count() == entries
    assert BillOfExchange.objects.get(pk=pk).status == "accepted"


def test_api_remit_to_another_entitys_bank_account_is_refused(api_client, bank):
    from banking.models import BankAccount
    from ledger.models import MainAccount

    other = BankAccount.objects.create(
        legal_entity=bank["FABE"],
        code="EAST",
        name="East",
        iban="GB82WEST12345698765432",
        currency="USD",
        main_account=MainAccount.objects.get(legal_entity=bank["FABE"], number="110100"),
    )
    api_client.force_authenticate(make_clerk("both", bank["FAB"], bank["FABE"]))
    pk = _draw(api_client, bank)[0].json()["id"]
    _post(api_client, f"{pk}/accept/", {"date": "2026-03-11"})
    response = _post(
        api_client,
        f"{pk}/remit/",
        {"date": "2026-03-12", "bank_account": other.pk, "mode": "collection"},
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "bank_account": ["Bank account EAST is not an account of FAB."]
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"transactions": []}, "transactions", "This list may not be empty."),
        ({"transactions": [999999]}, "transactions", "Open transaction 999999 does not exist."),
        ({"customer": "9999"}, "customer", "No customer '9999' in legal entity FAB."),
        ({"legal_entity": "NOPE"}, "legal_entity", "Unknown legal entity 'NOPE'."),
        ({"due_date": "2026-03-01"}, "due_date", "is before the date the bill is drawn"),
        ({"transactions": ["x"]}, "transactions", "A valid integer is required."),
    ],
)
def test_api_draw_bad_input_is_400_naming_the_field(clerk_client, bank, change, field, message):
    (invoice,) = invoices(bank, "100.00")
    body = {
        "legal_entity": "FAB",
        "customer": "4000",
        "date": "2026-03-10",
        "due_date": "2026-04-30",
        "transactions": [invoice.open_transaction.pk],
        **change,
    }
    response = _post(clerk_client, "", body)
    assert response.status_code == 400, response.json()
    problem = response.json()["fields"][field]
    text = problem[0] if isinstance(problem, list) else str(problem)
    assert message in str(text) or message in str(problem)
    assert not BillOfExchange.objects.exists()


def test_api_draw_a_debit_already_settled_is_400(clerk_client, bank):
    bill = draw(bank, "100.00")
    debit = bill.transactions.get().open_transaction
    response = _post(
        clerk_client,
        "",
        {
            "legal_entity": "FAB",
            "customer": "4000",
            "due_date": "2026-04-30",
            "date": "2026-03-10",
            "transactions": [debit.pk],
        },
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "transactions": [f"Transaction {debit.document_number} is already settled."]
    }


def test_api_bills_of_an_entity_not_granted_are_hidden_and_not_drawn(api_client, bank):
    bill = draw(bank)
    api_client.force_authenticate(make_clerk("east", bank["FABE"]))
    assert api_client.get(URL).json()["count"] == 0
    assert api_client.get(f"{URL}{bill.pk}/").status_code == 404
    assert _post(api_client, f"{bill.pk}/accept/").status_code == 404
    response, _ = _draw(api_client, bank)
    assert response.status_code == 403


def test_api_draw_needs_the_role(api_client, bank):
    from tests.factories.entities import EntityGrantFactory, UserFactory

    user = UserFactory(username="reader")
    EntityGrantFactory(user=user, legal_entity=bank["FAB"])
    api_client.force_authenticate(user)
    response, _ = _draw(api_client, bank)
    assert response.status_code == 403
    assert not BillOfExchange.objects.exists()


def test_api_draw_with_idempotency_key_posts_once(clerk_client, bank):
    posted = invoices(bank, "100.00")
    body = {
        "legal_entity": "FAB",
        "customer": "4000",
        "date": "2026-03-10",
        "due_date": "2026-04-30",
        "transactions": [posted[0].open_transaction.pk],
    }
    first = _post(clerk_client, "", body, HTTP_IDEMPOTENCY_KEY="bill-1")
    again = _post(clerk_client, "", body, HTTP_IDEMPOTENCY_KEY="bill-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert BillOfExchange.objects.count() == 1


def test_api_bill_list_queries_do_not_grow(clerk_client, bank, django_assert_max_num_queries):
    for _ in range(3):
        draw(bank, "10.00", "20.00")
    with django_assert_max_num_queries(12):
        response = clerk_client.get(f"{URL}?legal_entity=FAB&status=drawn")
    body = response.json()
    assert body["count"] == 3
    assert [b["amount"] for b in body["results"]] == ["30.00", "30.00", "30.00"]
    assert Decimal(body["results"][0]["accounting_amount"]) == Decimal("30.00")
    assert clerk_client.get(f"{URL}?due_from=2026-05-01").json()["count"] == 0
    assert date(2026, 4, 30).isoformat() == body["results"][0]["due_date"]
