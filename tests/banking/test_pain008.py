"""The pain.008 builder: its document validates against the XSD (checked here with another
validator, ``xmlschema``), and a document the XSD refuses is never stored."""

from datetime import date
from decimal import Decimal

import pytest
import xmlschema

from banking.exceptions import CollectionInvalid
from banking.services.direct_debits import pain008
from banking.services.direct_debits.pain008 import Pain008Transaction, pain008_build

from .dd_helpers import PAIN008_XSD


def _transactions(count: int) -> list[Pain008Transaction]:
    return [
        Pain008Transaction(
            end_to_end_id=f"FAB-DD1-{i}",
            amount=Decimal("123.45"),
            sequence_type="FRST" if i % 3 == 0 else "RCUR",
            scheme="B2B" if i % 5 == 0 else "CORE",
            mandate_reference=f"MANDATE-{i}",
            signature_date=date(2025, 1, 1),
            debtor_name=f"Debtor {i}",
            iban="DE89370400440532013000",
            bic="COBADEFFXXX",
            remittance=f"INV-{i} INV-{i + 1}",
        )
        for i in range(count)
    ]


def _build(transactions):
    return pain008_build(
        creditor_name="Fabrikam",
        creditor_id="DE98ZZZ09999999999",
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        currency="EUR",
        collection_date=date(2026, 12, 10),
        transactions=transactions,
    )


def test_the_built_document_validates_with_another_validator_too():
    message_id, document = _build(_transactions(12))
    xmlschema.XMLSchema(str(PAIN008_XSD)).validate(document)
    assert message_id in document
    assert document.count("<DrctDbtTxInf>") == 12
    # One payment information block per scheme and sequence type.
    assert document.count("<PmtInf>") == 4


def test_a_document_the_xsd_refuses_is_refused_naming_its_line(monkeypatch):
    monkeypatch.setattr(
        pain008.SepaDD,
        "export",
        lambda self, validate: (
            b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:'
            b'20022:tech:xsd:pain.008.001.08">\n<CstmrDrctDbtInitn/></Document>'
        ),
    )
    with pytest.raises(CollectionInvalid) as refused:
        _build(_transactions(1))
    assert refused.value.field == "file"
    assert "does not validate against pain.008.001.08: line 3:" in refused.value.message
    assert "GrpHdr" in refused.value.message


def test_entities_in_a_document_are_never_expanded():
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">&x;</Document>'
    )
    with pytest.raises(CollectionInvalid) as refused:
        pain008._validate(evil)
    assert "root:" not in refused.value.message
    assert "document type declaration" in refused.value.message
