"""The pain.008 file of a collection run, built by ``sepaxml`` (pain.008.001.08, the version
of the EPC rulebook in force) and validated against its XSD before it is stored.

``sepaxml`` batches transactions by sequence type and collection date under one scheme per
file; a run may hold CORE and B2B mandates, so ``_SchemeBatches`` keys its batches by scheme
too and writes each scheme's payment information blocks with its own local instrument.
It checks the generic schema only: creditor identifier, references and texts are checked
or cleaned before they reach it (``rules``).

The document is validated with libxml2 (lxml's ``XMLSchema``, the schema loaded once) rather
than sepaxml's own validation (the pure-Python ``xmlschema``), which took nine tenths of the
build of a 10,000-transaction file. Only the document just built is parsed, by a parser that
resolves no entity and reads nothing from the network."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import sepaxml
from lxml import etree
from sepaxml import SepaDD

from ...exceptions import CollectionInvalid
from .rules import sepa_text

SCHEMA = "pain.008.001.08"


@dataclass(frozen=True)
class Pain008Transaction:
    end_to_end_id: str
    amount: Decimal
    sequence_type: str
    scheme: str
    mandate_reference: str
    signature_date: date
    debtor_name: str
    iban: str
    bic: str
    remittance: str


class _SchemeBatches(SepaDD):
    """``SepaDD`` with one batch per (sequence type, collection date, scheme)."""

    def _add_to_batch_list(self, TX, payment):  # noqa: N803 (sepaxml's name)
        payment = {**payment, "type": f"{payment['type']}::{payment['collection_date']}"}
        payment["collection_date"] = payment.pop("scheme")
        super()._add_to_batch_list(TX, payment)

    def _finalize_batch(self):
        batches, totals = self._batches, self._batch_totals
        for scheme in sorted({key.rsplit("::", 1)[1] for key in batches}):
            keys = [key for key in batches if key.endswith(f"::{scheme}")]
            self._batches = {key.rsplit("::", 1)[0]: batches[key] for key in keys}
            self._batch_totals = {key.rsplit("::", 1)[0]: totals[key] for key in keys}
            self._config["instrument"] = scheme
            super()._finalize_batch()
        self._batches, self._batch_totals = batches, totals


def pain008_build(
    *,
    creditor_name: str,
    creditor_id: str,
    iban: str,
    bic: str,
    currency: str,
    collection_date: date,
    transactions: list[Pain008Transaction],
) -> tuple[str, str]:
    """(message id, the pain.008 document) of ``transactions``, validated against the XSD."""
    config = {
        "name": sepa_text(creditor_name, 70) or "Creditor",
        "IBAN": iban,
        "batch": True,
        "creditor_id": creditor_id,
        "currency": currency,
    }
    if bic:
        config["BIC"] = bic
    document = _SchemeBatches(config, schema=SCHEMA, clean=False)
    for tx in transactions:
        payment = {
            "name": sepa_text(tx.debtor_name, 70) or "Debtor",
            "IBAN": tx.iban,
            "amount": int(tx.amount * 100),
            "type": tx.sequence_type,
            "collection_date": collection_date,
            "mandate_id": tx.mandate_reference,
            "mandate_date": tx.signature_date,
            "description": sepa_text(tx.remittance, 140) or tx.end_to_end_id,
            "endtoend_id": tx.end_to_end_id,
            "scheme": tx.scheme,
        }
        if tx.bic:
            payment["BIC"] = tx.bic
        document.add_payment(payment)
    xml = document.export(validate=False)
    _validate(xml)
    return document.msg_id, xml.decode("utf-8")


@cache
def _schema() -> etree.XMLSchema:
    """The XSD of ``SCHEMA`` as sepaxml ships it."""
    path = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _validate(xml: bytes) -> None:
    """Refuse a document the XSD does not accept, naming the first error and its line."""
    schema = _schema()
    try:
        root = etree.fromstring(xml, _parser())
        if root.getroottree().docinfo.internalDTD is not None:
            raise CollectionInvalid(
                f"The pain.008 file holds a document type declaration; {SCHEMA} has none.",
                field="file",
            )
        if schema.validate(root):
            return
        error = schema.error_log.last_error
        message = f"line {error.line}: {error.message}"
    except etree.Error as error:
        message = str(error)
    raise CollectionInvalid(
        f"The pain.008 file does not validate against {SCHEMA}: {message}", field="file"
    )
