"""The document postings of the acceptance scenarios (A1–A6, B1–B6), exactly, through the REST
API and through the services."""

from datetime import date
from decimal import Decimal

import pytest

from ledger.models import LedgerEntry
from tests.acceptance.runner import ApiScenario, all_case_ids, load, summed

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    return api_client


@pytest.mark.parametrize("case_id", all_case_ids())
def test_document_postings_through_the_api(client, case_id):
    scenario = ApiScenario(client, load(case_id))
    scenario.setup()
    scenario.run_documents()
    for ref, document in scenario.refs.items():
        assert document["status"] == "posted" and document["voucher"], ref
        transaction = scenario.call(
            "get", f"/api/v1/open-transactions/{document['open_transaction']}/"
        )
        assert transaction["status"] == "open"
        assert transaction["open_amount"] == transaction["amount"]
    for expected in scenario.document_expectations():
        assert scenario.postings_of(expected["postings"]) == summed(expected["lines"]), expected


@pytest.mark.parametrize("case_id", ["A1", "A3", "A4"])
def test_document_postings_through_the_services(fabrikam, case_id):
    from receivables.models import CashDiscount, PaymentTerms, SalesTaxCode
    from tests.factories.entities import (
        CashDiscountFactory,
        ExchangeRateFactory,
        PaymentTermsFactory,
        SalesTaxCodeFactory,
    )
    from tests.factories.receivables import post_invoice, post_payment

    case = load(case_id)
    for rate in case["setup"]["exchange_rates"]:
        ExchangeRateFactory(
            from_currency=rate["from_currency"],
            to_currency=rate["to_currency"],
            rate=Decimal(rate["rate"]),
            valid_from=date.fromisoformat(rate["valid_from"]),
        )
    PaymentTermsFactory()
    for code in case["setup"]["cash_discounts"]:
        CashDiscountFactory(
            code=code["code"], periods=[(p["days"], Decimal(p["percent"])) for p in code["periods"]]
        )
    for code in case["setup"]["sales_tax_codes"]:
        SalesTaxCodeFactory(code=code["code"], percent=Decimal(code["percent"]))
    refs = {}
    for step in case["steps"]:
        customer = fabrikam["customers"].get(step.get("legal_entity"))
        on = date.fromisoformat(step["date"])
        if step["do"] == "invoice":
            line = step["lines"][0]
            refs[step["ref"]] = post_invoice(
                customer,
                amounts=[line["amount"]],
                on=on,
                currency=step["currency"],
                tax_code=SalesTaxCode.objects.filter(code=line.get("sales_tax_code")).first(),
                terms=PaymentTerms.objects.get(code=step["payment_terms"]),
                cash_discount=CashDiscount.objects.filter(code=step.get("cash_discount")).first(),
            )
        elif step["do"] == "payment":
            refs[step["ref"]] = post_payment(
                customer, amount=step["amount"], on=on, currency=step["currency"]
            )
    for expected in case["expect"]:
        if expected.get("postings") not in refs:
            continue
        entries = LedgerEntry.objects.filter(
            voucher=refs[expected["postings"]].voucher
        ).select_related("legal_entity", "counterparty")
        got = summed(
            (
                e.legal_entity.code,
                e.posting_type,
                e.counterparty.code if e.counterparty else None,
                e.currency,
                e.amount,
                e.accounting_amount,
            )
            for e in entries
        )
        assert got == summed(expected["lines"]), expected
