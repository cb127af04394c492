"""The pain.008 builder: its document validates against the XSD (checked here with another
validator, ``xmlschema``), is what sepaxml itself exports of the same transactions though
streamed (its memory follows the file, not sepaxml's elements), and a document the XSD
refuses is never stored."""

import re
import tracemalloc
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
import xmlschema
from sepaxml import SepaDD

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


def _build(transactions, bic="COBADEFFXXX"):
    return pain008_build(
        creditor_name="Fabrikam",
        creditor_id="DE98ZZZ09999999999",
        iban="DE89370400440532013000",
        bic=bic,
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


def _normalized(document: str) -> str:
    """``document`` with its generated ids and creation time blanked."""
    for tag in ("MsgId", "PmtInfId", "CreDtTm"):
        document = re.sub(f"<{tag}>[^<]*</{tag}>", f"<{tag}/>", document)
    return document


def _sepaxml_export(document: SepaDD, transactions) -> str:
    for tx in transactions:
        document.add_payment(pain008._payment(tx, date(2026, 12, 10)))
    return document.export(validate=False).decode("utf-8")


@pytest.mark.parametrize("bic", ["COBADEFFXXX", ""])
def test_pain008_build_streams_what_sepaxml_itself_exports(bic):
    config = {
        "name": "Fabrikam",
        "IBAN": "DE89370400440532013000",
        "batch": True,
        "creditor_id": "DE98ZZZ09999999999",
        "currency": "EUR",
        **({"BIC": bic} if bic else {}),
    }
    # One scheme: sepaxml's SepaDD as it is, its elements kept until it exports them all.
    core = [
        replace(tx, bic="" if i % 2 else tx.bic, amount=tx.amount + i)
        for i, tx in enumerate(_transactions(40))
        if tx.scheme == "CORE"
    ]
    _, streamed = _build(core, bic=bic)
    exported = _sepaxml_export(SepaDD(dict(config), schema=pain008.SCHEMA, clean=False), core)
    assert _normalized(streamed) == _normalized(exported)
    assert streamed.count("<DrctDbtTxInf>") == len(core) == 32

    # CORE and B2B: the batches per scheme, as sepaxml exports them with its own lists.
    mixed = _transactions(40)
    _, streamed = _build(mixed, bic=bic)
    exported = _sepaxml_export(
        pain008._SchemeBatches(dict(config), schema=pain008.SCHEMA, clean=False), mixed
    )
    assert _normalized(streamed) == _normalized(exported)
    assert streamed.count("<PmtInf>") == 4


def test_pain008_build_memory_scales_with_the_file_not_the_elements():
    transactions = _transactions(5000)
    pain008._schema()
    tracemalloc.start()
    try:
        _, document = _build(transactions)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    size = len(document.encode("utf-8"))
    assert document.count("<DrctDbtTxInf>") == 5000
    # sepaxml's element tree of 5,000 transactions alone takes about 7 times the file.
    assert peak < 3 * size + 2 * 2**20, (peak, size)


def test_pain008_build_refuses_a_transaction_the_xsd_refuses_among_many():
    transactions = _transactions(1000)
    transactions[700] = replace(transactions[700], iban="12345")
    with pytest.raises(CollectionInvalid) as refused:
        _build(transactions)
    assert refused.value.field == "file"
    assert "does not validate against pain.008.001.08: line 1:" in refused.value.message
    assert "IBAN" in refused.value.message and "'12345'" in refused.value.message


def test_a_streamed_document_with_a_document_type_declaration_is_refused():
    _, document = _build(_transactions(3))
    declared = document.replace("?>", "?><!DOCTYPE Document>", 1).encode("utf-8")
    with pytest.raises(CollectionInvalid, match="holds a document type declaration"):
        pain008._checked([declared[:100], declared[100:]])
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08">&x;</Document>'
    )
    with pytest.raises(CollectionInvalid, match="holds a document type declaration"):
        pain008._checked([evil])


def test_pain008_validation_keeps_no_transaction_it_has_read(monkeypatch):
    kept = []
    validating_parser = pain008._validating_parser

    class Watched:
        """The validating parser, and what its tree still holds when it is closed."""

        def __init__(self):
            self.parser = validating_parser()

        def feed(self, data):
            self.parser.feed(data)

        def read_events(self):
            return self.parser.read_events()

        def close(self):
            root = self.parser.close()
            kept.extend(root.iter(f"{{{pain008.NAMESPACE}}}DrctDbtTxInf"))
            return root

    monkeypatch.setattr(pain008, "_validating_parser", Watched)
    _, document = _build(_transactions(2000))
    assert document.count("<DrctDbtTxInf>") == 2000
    # At most the last one, emptied.
    assert len(kept) <= 1, len(kept)
    assert all(len(tx) == 0 for tx in kept)
