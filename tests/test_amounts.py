"""Amounts everywhere in their currency's minor units, and never a negative zero: every API
resource with amounts (lists and details, and the answers of the operations that make them),
the collections exports and the pages, on a book kept in yen (no decimals) and in Kuwaiti
dinars (three), where a settlement takes no cash discount.

The API keeps amounts as JSON strings; stored amounts carry four decimals, so an amount written
without the one formatting rule (``core.money.format_amount``) shows as "1037.1100"."""

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from banking.models import BankAccount, BankStatement, BankStatementLine, CardClearingAccount
from banking.services.matching import statement_match
from collections_app.services import aging_snapshot_create
from config.api_urls import router
from core.money import minor_units
from ledger.models import MainAccount
from receivables.services import (
    InterestCurrencyInput,
    InterestRangeInput,
    interest_code_save,
    interest_notes_create,
)
from tests.factories.entities import (
    CashDiscountFactory,
    CustomerFactory,
    LegalEntityFactory,
    PartyFactory,
    PaymentTermsFactory,
    SalesTaxCodeFactory,
)
from tests.factories.receivables import post_credit_note, post_invoice, post_payment

pytestmark = pytest.mark.django_db

CURRENCIES = {"JPN": "JPY", "KWT": "KWD"}
AS_OF = date(2026, 6, 30)
NUMBER = re.compile(r"-?\d+(\.\d+)?")
NEGATIVE_ZERO = re.compile(r"-0(\.0*)?")
# Numbers as text that are not amounts: rates, percentages, quantities and names.
NOT_AMOUNTS = {
    "percent", "rate", "quantity", "confidence", "object_id", "number", "account", "party",
    "customer", "statement_id", "document_number", "reference", "end_to_end_id", "code",
    "bank_reference", "sequence", "legal_entity", "account_number", "main_account", "from_days",
    "to_days", "label", "token", "last4", "number_prefix", "object_repr", "iban", "bic",
    "customer_account",
}  # fmt: skip


def _book(admin_client):
    """Party 7000 Sakura is customer 7000 of JPN (yen) and of KWT (dinars): invoices with a cash
    discount, a credit note, payments settled against invoices without a discount, an interest
    note, a recurring template, aging snapshots, a promise, a write-off, a letter, a bank
    statement with a matched line, a card payment and a bill of exchange."""
    terms = PaymentTermsFactory(code="N30", net_days=30)
    discount = CashDiscountFactory(code="2P10", periods=[(10, Decimal("2"))])
    tax = SalesTaxCodeFactory(code="VAT6", percent=Decimal("6.37"))
    party = PartyFactory(number="7000", name="Sakura")
    book = {}
    for code, currency in CURRENCIES.items():
        entity = LegalEntityFactory(
            code=code,
            accounting_currency=currency,
            max_underpayment=Decimal("1" if currency == "JPY" else "0.125"),
            max_write_off=Decimal("5000" if currency == "JPY" else "5.5"),
        )
        customer = CustomerFactory(
            legal_entity=entity,
            account="7000",
            party=party,
            currency=currency,
            payment_terms=terms,
            cash_discount=discount,
            credit_limit=Decimal("500000" if currency == "JPY" else "2500.5"),
        )
        book[code] = {"entity": entity, "customer": customer}

    # Yen: 103,711 with tax; 5,000; a credit note of 1,000; a payment of 50,000 settled.
    jpn = book["JPN"]["customer"]
    big = post_invoice(jpn, amounts=["97500"], tax_code=tax, on=date(2026, 3, 2))
    post_invoice(jpn, amounts=["5000"], on=date(2026, 5, 1))
    post_credit_note(jpn, amounts=["1000"], on=date(2026, 5, 5))
    paid = post_payment(jpn, amount="50000", on=date(2026, 4, 20))
    # Dinars: 1,037.115 and 330.170; a payment of 200.005 settled.
    kwt = book["KWT"]["customer"]
    first = post_invoice(kwt, amounts=["1037.115"], on=date(2026, 3, 2))
    post_invoice(kwt, amounts=["330.17"], on=date(2026, 6, 1))
    kwt_paid = post_payment(kwt, amount="200.005", on=date(2026, 4, 20))
    # A credit note with a cash discount, used up in full: its discounts come to zero.
    kwt_credit = post_credit_note(kwt, amounts=["10"], on=date(2026, 4, 20), cash_discount=discount)

    # Settled through the API (its answers are walked too): no cash discount after its date.
    answers = []
    for invoice, payment in ((big, paid), (first, kwt_credit), (first, kwt_paid)):
        body = {
            "date": "2026-04-20",
            "primary_payment": None,
            "lines": [
                {"transaction": payment.open_transaction.pk},
                {"transaction": invoice.open_transaction.pk},
            ],
        }
        preview = admin_client.post("/api/v1/settlements/preview/", body, format="json")
        assert preview.status_code == 200, preview.json()
        settled = admin_client.post("/api/v1/settlements/", body, format="json")
        assert settled.status_code == 201, settled.json()
        answers += [("settlement preview", preview.json()), ("settlement", settled.json())]
    book["settled"] = settled.json()

    code = interest_code_save(
        instance=None,
        code="M15",
        actor=None,
        charge_per="month",
        ranges_by="day",
        grace_days=0,
        ranges=[InterestRangeInput(1, None, Decimal("1.5"))],
        currencies=[
            InterestCurrencyInput("JPY", Decimal("500"), Decimal("100")),
            InterestCurrencyInput("KWD", Decimal("1.5"), Decimal("0.25")),
        ],
    )
    for each in book.values():
        if isinstance(each, dict) and "customer" in each:
            each["customer"].interest_code = code
            each["customer"].save()
    interest_notes_create(
        legal_entities=[book["JPN"]["entity"], book["KWT"]["entity"]], as_of=AS_OF, actor=None
    )
    for code_, amount in (("JPN", "120000"), ("KWT", "99.999")):
        template = admin_client.post(
            "/api/v1/recurring-templates/",
            {"legal_entity": code_, "code": "RENT", "description": "Rent",
             "lines": [{"description": "Rent", "amount": amount}]},
            format="json",
        )  # fmt: skip
        assert template.status_code == 201, template.json()
        answers.append(("recurring template", template.json()))

    for code_ in CURRENCIES:
        aging_snapshot_create(legal_entity=book[code_]["entity"], as_of=AS_OF)
    today = date.today()
    for code_, amount, small in (("JPN", "20000", "1"), ("KWT", "100.5", "0.005")):
        customer = book[code_]["customer"]
        promise = admin_client.post(
            "/api/v1/activities/",
            {"customer_id": customer.pk, "kind": "promise_to_pay", "subject": "Pays",
             "promised_on": str(date.fromordinal(today.toordinal() + 7)),
             "promised_amount": amount},
            format="json",
        )  # fmt: skip
        assert promise.status_code == 201, promise.json()
        tiny = post_invoice(customer, amounts=[small], on=date(2026, 2, 1))
        write_off = admin_client.post(
            "/api/v1/write-offs/",
            {"open_transaction": tiny.open_transaction.pk, "reason": "Small balance"},
            format="json",
        )
        assert write_off.status_code == 201, write_off.json()
        letter = admin_client.post(
            f"/api/v1/collections-customers/{customer.pk}/letters/", {}, format="json"
        )
        assert letter.status_code == 201, letter.json()
        answers += [("promise", promise.json()), ("write-off", write_off.json())]
        answers.append(("letter", letter.json()))

    # Banking in yen: a statement whose line pays the 5,000 invoice, matched; a card payment;
    # a bill of exchange.
    jpn_entity = book["JPN"]["entity"]
    main = MainAccount.objects.create(
        legal_entity=jpn_entity, number="110300", name="Bank JPY", kind=MainAccount.Kind.ASSET
    )
    account = BankAccount.objects.create(
        legal_entity=jpn_entity, code="MAIN", name="Main JPY", iban="DE89370400440532013000",
        bic="COBADEFFXXX", currency="JPY", main_account=main,
    )  # fmt: skip
    statement = BankStatement.objects.create(
        bank_account=account, statement_id="S1", format=BankStatement.Format.CAMT053,
        file_sha256="S1".ljust(64, "0"), from_date=AS_OF, to_date=AS_OF, currency="JPY",
        opening_balance=Decimal("0"), closing_balance=Decimal("4900"),
    )  # fmt: skip
    BankStatementLine.objects.create(
        statement=statement, bank_account=account, sequence=1, line_key="S1|1",
        currency="JPY", booking_date=AS_OF, value_date=AS_OF, amount=Decimal("4900"),
        counterparty_name="Sakura", remittance_info="Invoice",
    )  # fmt: skip
    statement_match(statement=statement, actor=None)
    CardClearingAccount.objects.create(legal_entity=jpn_entity, bank_account=account)
    card_invoice = post_invoice(jpn, amounts=["7777"], on=date(2026, 6, 1))
    card = admin_client.post(
        "/api/v1/card-payments/",
        {"transaction": card_invoice.open_transaction.pk, "amount": "7777",
         "card": {"number": "4242424242424242", "expiry_month": 12, "expiry_year": 2030,
                  "cvc": "123"}},
        format="json",
    )  # fmt: skip
    assert card.status_code == 201, card.json()
    captured = admin_client.post(
        f"/api/v1/card-payments/{card.json()['id']}/capture/", {"amount": "7000"}, format="json"
    )
    assert captured.status_code == 200, captured.json()
    bill_invoice = post_invoice(jpn, amounts=["3333"], on=date(2026, 6, 1))
    bill = admin_client.post(
        "/api/v1/bills-of-exchange/",
        {"legal_entity": "JPN", "customer": "7000", "due_date": "2027-01-29",
         "transactions": [bill_invoice.open_transaction.pk]},
        format="json",
    )  # fmt: skip
    assert bill.status_code == 201, bill.json()
    answers += [("card", card.json()), ("capture", captured.json()), ("bill", bill.json())]
    book["answers"] = answers
    book["bank_account"] = account
    return book


@pytest.fixture
def admin_client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.fixture
def book(admin_client):
    return _book(admin_client)


def _amounts(body, where: str, currency: str | None = None) -> Iterator[tuple[str, str, str]]:
    """(where, text, currency) of every number written as text in ``body``; the currency is the
    object's own ``currency`` (or ``accounting_currency``), else its legal entity's, else the
    enclosing object's."""
    if isinstance(body, list):
        for index, item in enumerate(body):
            yield from _amounts(item, f"{where}[{index}]", currency)
        return
    if not isinstance(body, dict):
        return
    own = body.get("currency") or body.get("accounting_currency")
    entity = body.get("legal_entity")
    if isinstance(own, str) and len(own) == 3:
        currency = own
    elif isinstance(entity, str) and entity in CURRENCIES:
        currency = CURRENCIES[entity]
    for key, value in body.items():
        if isinstance(value, str) and NUMBER.fullmatch(value) and key not in NOT_AMOUNTS:
            yield f"{where}.{key}", value, currency
        else:
            yield from _amounts(value, f"{where}.{key}", currency)


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def _problems(found) -> list[str]:
    problems = []
    for where, text, currency in found:
        if NEGATIVE_ZERO.fullmatch(text):
            problems.append(f"{where} = {text!r}: a negative zero")
        elif currency is None:
            problems.append(f"{where} = {text!r}: no currency to check it by")
        elif _decimals(text) != minor_units(currency):
            problems.append(f"{where} = {text!r}: {currency} has {minor_units(currency)} decimals")
    return problems


def _lookup(viewset, item: dict):
    field = getattr(viewset, "lookup_field", "pk")
    return item.get("id") if field == "pk" else item.get(field)


def test_every_api_amount_has_its_currencys_minor_units_and_no_negative_zero(admin_client, book):
    responses = list(book["answers"])
    for prefix, viewset, _basename in router.registry:
        if prefix in {"audit-entries", "jobs"}:
            continue  # what changed and what a job did, as recorded: not amounts of a currency
        listed = admin_client.get(f"/api/v1/{prefix}/", {"page_size": 1000})
        assert listed.status_code == 200, (prefix, listed.content[:300])
        body = listed.json()
        responses.append((prefix, body))
        items = body["results"] if isinstance(body, dict) and "results" in body else body
        for item in items if isinstance(items, list) else []:
            key = _lookup(viewset, item)
            if key is None or prefix in {"aging"}:
                continue
            detail = admin_client.get(f"/api/v1/{prefix}/{key}/")
            assert detail.status_code == 200, (prefix, key, detail.content[:300])
            responses.append((f"{prefix}/{key}", detail.json()))
    for code in CURRENCIES:
        balance = admin_client.get(f"/api/v1/legal-entities/{code}/trial-balance/")
        assert balance.status_code == 200
        responses.append((f"{code} trial balance", {**balance.json(), "legal_entity": code}))
    for level in ("customer", "party"):
        responses.append((f"aging {level}", admin_client.get("/api/v1/aging/", {"level": level})))
    responses[-2:] = [(where, r.json()) for where, r in responses[-2:]]
    closed = admin_client.get("/api/v1/open-transactions/", {"status": "closed"})
    responses.append(("closed open transactions", closed.json()))
    account = book["bank_account"]
    reconciliation = admin_client.get(
        f"/api/v1/bank-accounts/{account.pk}/reconciliation/", {"date": str(AS_OF)}
    )
    assert reconciliation.status_code == 200, reconciliation.json()
    responses.append(("reconciliation", {**reconciliation.json(), "currency": "JPY"}))

    found = [a for where, body in responses for a in _amounts(body, where)]
    # The walk reaches amounts in both currencies, and settlement lines without a discount.
    assert {currency for _, _, currency in found} >= {"JPY", "KWD"}
    settled_lines = book["settled"]["lines"]
    assert sorted(line["cash_discount"] for line in settled_lines) == ["0.000", "0.000"]
    problems = _problems(found)
    assert problems == [], "\n".join(problems)


def test_the_collections_csv_exports_write_amounts_in_their_currencys_minor_units(
    admin_client, book, admin_user
):
    pages = Client()
    pages.force_login(admin_user)
    for response in (
        admin_client.get("/api/v1/collections-customers/export-csv/"),
        pages.get("/collections/export.csv"),
    ):
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        header, lines = rows[0], rows[1:]
        assert {line[0] for line in lines} == {"JPN", "KWT"}
        amount_columns = [
            i
            for i, name in enumerate(header)
            if name not in {"legal_entity", "customer", "name", "party", "currency", "on_hold",
                            "agent", "last_activity", "promised_on", "as_of"}
        ]  # fmt: skip
        cells = [
            (f"{line[0]}.{header[i]}", line[i], CURRENCIES[line[0]])
            for line in lines
            for i in amount_columns
            if line[i]
        ]
        assert len(cells) >= 2 * 8
        assert _problems(cells) == []
        kwt = next(line for line in lines if line[0] == "KWT")
        # 1,037.115 less the credit note of 10 and the 200.005 paid, and 330.170 (aged before
        # the write-off's invoice).
        assert kwt[header.index("balance")] == "1157.280"
        assert kwt[header.index("credit_limit")] == "2500.500"


# A number with four decimals or more ("1037.1100"), or a signed zero ("-0", "-0.00").
FOUR_DECIMALS = re.compile(r"\d[.,]\d{4,}(?![\d])")
SIGNED_ZERO = re.compile(r"(?<![\w.-])-0(?:[.,]0+)?(?![\d.,])")


def _page_problems(html: str) -> list[str]:
    # What the page says: its text, not its tags' attributes (an input's step="0.0001").
    text = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return [m.group(0) for m in FOUR_DECIMALS.finditer(text)] + [
        m.group(0) for m in SIGNED_ZERO.finditer(text)
    ]


def test_page_patterns_find_four_decimals_and_signed_zeros():
    assert _page_problems("<td>1037.1100</td><td>-0.00</td><td>-0</td><td>1,037.1100</td>") == [
        "7.1100",
        "7.1100",
        "-0.00",
        "-0",
    ]
    assert _page_problems("<td>1,037.11</td><td>-1</td><td>2026-06-30</td><td>JPN-INV-0</td>") == []


def test_pages_show_amounts_in_their_currencys_minor_units_and_no_negative_zero(book, admin_user):
    from collections_app.models import CollectionLetter
    from receivables.models import OpenTransaction
    from settlement.models import Settlement

    browser = Client()
    browser.force_login(admin_user)
    jpn, kwt = book["JPN"]["customer"], book["KWT"]["customer"]
    # Open items to mark on the Settle transactions page: a payment and an invoice in dinars.
    payment = post_payment(kwt, amount="100.5", on=date(2026, 6, 30))
    invoice = OpenTransaction.objects.filter(customer=kwt, kind="invoice", open_amount__gt=0)
    invoice = invoice.order_by("date").first()
    preview = browser.post(
        "/settle/preview/",
        {
            "party": "7000",
            "date": "2026-06-30",
            f"mark_{invoice.pk}": "on",
            f"mark_{payment.open_transaction.pk}": "on",
        },
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="total-discount">0.000</dd>' in html
    assert _page_problems(html) == []

    settlement = Settlement.objects.filter(currency="KWD").order_by("-pk").first()
    letter = CollectionLetter.objects.get(customer=kwt)
    pages = {
        "customer": f"/customers/{jpn.pk}/?closed=1&as_of=2026-06-30",
        "settle": "/settle/?party=7000",
        "settlement": f"/settlements/{settlement.pk}/",
        "collections customer": f"/collections/customers/{kwt.pk}/",
        "letter": f"/collections/letters/{letter.pk}/",
    }
    htmls = {}
    for name, url in pages.items():
        response = browser.get(url)
        assert response.status_code == 200, (name, url)
        htmls[name] = response.content.decode()
        assert _page_problems(htmls[name]) == [], name
    customer = htmls["customer"]
    # The party's open items, history and aging in yen and in dinars, each with its decimals.
    assert re.search(r'<tr data-currency="JPY">.*?</tr>', customer, re.S)
    assert "53,711" in customer and "827.110" in customer and "-50,000" in customer
    # The settlement's history: the open amounts it changed, as amounts of its currency.
    assert "1,027.115 → 827.110" in htmls["settlement"]
    assert "827.110" in htmls["letter"]
