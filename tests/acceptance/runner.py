"""Runs the acceptance scenarios (SPEC section 4, as data in ``cases/``) through the REST API.

Each scenario creates its setup through the API, runs its steps in order and compares the
ledger entries of each referenced document or settlement, summed per (entity, posting type,
counterparty, currency) with keys that sum to zero dropped, and the open amounts afterwards.
"""

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

CASES = Path(__file__).parent / "cases"
DOCUMENT_STEPS = {"invoice": "invoices", "credit_note": "credit-notes", "payment": "payments"}


def load(case_id: str) -> dict:
    return json.loads((CASES / f"{case_id}.json").read_text())


def all_case_ids() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.json"))


def summed(rows) -> dict[tuple, tuple[Decimal, Decimal]]:
    totals: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for entity, posting_type, counterparty, currency, amount, accounting in rows:
        key = (entity, posting_type, counterparty, currency)
        totals[key][0] += Decimal(amount)
        totals[key][1] += Decimal(accounting)
    return {k: (a, b) for k, (a, b) in totals.items() if a != 0 or b != 0}


class ApiScenario:
    def __init__(self, client, case: dict):
        self.client = client
        self.case = case
        self.refs: dict[str, dict] = {}
        self.discounts_before: dict[tuple[str, str], list[str]] = {}

    def call(self, method: str, url: str, payload=None, expect=(200, 201)):
        response = getattr(self.client, method)(url, payload, format="json")
        assert response.status_code in expect, (url, response.status_code, response.json())
        return response.json()

    def setup(self) -> None:
        setup = self.case["setup"]
        for entity in setup["legal_entities"]:
            self.call("post", "/api/v1/legal-entities/", entity)
        for party in setup["parties"]:
            self.call("post", "/api/v1/parties/", party)
        for name, url in (
            ("payment_terms", "payment-terms"),
            ("cash_discounts", "cash-discounts"),
            ("sales_tax_codes", "sales-tax-codes"),
            ("exchange_rates", "exchange-rates"),
        ):
            for row in setup.get(name, []):
                self.call("post", f"/api/v1/{url}/", row)
        for customer in setup["customers"]:
            self.call("post", "/api/v1/customers/", customer)

    def run_documents(self) -> None:
        """Run only the document steps (invoices, credit notes, payments)."""
        for step in self.case["steps"]:
            if step["do"] in DOCUMENT_STEPS:
                self.run_step(step)

    def run_all(self) -> None:
        """Run every step; record the cash discounts offered just before each step."""
        for step in self.case["steps"]:
            for ref, document in self.refs.items():
                if document.get("open_transaction"):
                    ot = self.call(
                        "get", f"/api/v1/open-transactions/{document['open_transaction']}/"
                    )
                    self.discounts_before[(step["ref"], ref)] = [
                        d["amount"] for d in ot["cash_discounts"]
                    ]
            self.run_step(step)

    def transaction_of(self, ref: str) -> int:
        return self.refs[ref]["open_transaction"]

    def run_step(self, step: dict) -> None:
        payload = {k: v for k, v in step.items() if k not in ("do", "ref")}
        if step["do"] in DOCUMENT_STEPS:
            if "invoice" in payload:
                payload["invoice"] = self.refs[payload["invoice"]]["id"]
            payload["post"] = True
            self.refs[step["ref"]] = self.call(
                "post", f"/api/v1/{DOCUMENT_STEPS[step['do']]}/", payload
            )
        elif step["do"] == "settle":
            primary = payload.get("primary_payment")
            payload["primary_payment"] = self.transaction_of(primary) if primary else None
            payload["lines"] = [
                {**line, "transaction": self.transaction_of(line["transaction"])}
                for line in payload["lines"]
            ]
            self.refs[step["ref"]] = self.call("post", "/api/v1/settlements/", payload)
        elif step["do"] == "reverse":
            target = self.refs[payload.pop("settlement")]
            self.refs[step["ref"]] = self.call(
                "post", f"/api/v1/settlements/{target['id']}/reverse/", payload
            )
        else:
            raise AssertionError(f"Unknown step {step['do']!r}")

    def postings_of(self, ref: str) -> dict[tuple, tuple[Decimal, Decimal]]:
        result = self.refs[ref]
        vouchers = result["vouchers"] if "vouchers" in result else [result["voucher"]]
        rows = []
        for voucher in vouchers:
            entries = self.call("get", f"/api/v1/ledger-entries/?voucher={voucher}&page_size=1000")
            rows += [
                (
                    e["legal_entity"],
                    e["posting_type"],
                    e["counterparty"],
                    e["currency"],
                    e["amount"],
                    e["accounting_amount"],
                )
                for e in entries["results"]
            ]
        return summed(rows)

    def document_expectations(self) -> list[dict]:
        return [e for e in self.case["expect"] if "postings" in e and e["postings"] in self.refs]

    def check(self) -> None:
        for expected in self.case["expect"]:
            if "postings" in expected:
                got = self.postings_of(expected["postings"])
                assert got == summed(expected["lines"]), (expected, got)
            elif "open" in expected:
                transaction = self.transaction_of(expected["open"])
                ot = self.call("get", f"/api/v1/open-transactions/{transaction}/")
                assert abs(Decimal(ot["open_amount"])) == Decimal(expected["open_amount"]), (
                    expected,
                    ot,
                )
                if "open_accounting_amount" in expected:
                    assert abs(Decimal(ot["open_accounting_amount"])) == Decimal(
                        expected["open_accounting_amount"]
                    ), (expected, ot)
            elif "cash_discounts_before" in expected:
                got = self.discounts_before[(expected["cash_discounts_before"], expected["of"])]
                assert got == expected["amounts"], (expected, got)
            else:
                raise AssertionError(f"Unknown expectation {expected}")
