"""The pain.008 file of a collection run, built by ``sepaxml`` (pain.008.001.08, the version
of the EPC rulebook in force) and validated against its XSD before it is stored.

``sepaxml`` batches transactions by sequence type and collection date under one scheme per
file; a run may hold CORE and B2B mandates, so ``_SchemeBatches`` keys its batches by scheme
too and writes each scheme's payment information blocks with its own local instrument.
It checks the generic schema only: creditor identifier, references and texts are checked
or cleaned before they reach it (``rules``).

The file is built in memory bounded by a chunk and the finished text, whatever the number of
transactions (``Pain008Builder``): sepaxml builds each transaction's element, which is
serialized at once into its batch's spooled temporary file (in the temporary directory past
``SPOOL_MEMORY``), and only counts and totals are kept per batch. At the end sepaxml exports the
rest of the document (header and each batch's payment information block with its count and
control sum, no transaction held) and the batches' bytes are spliced where sepaxml would have
put their elements: the document sepaxml itself would export from the same transactions.

The document is validated with libxml2 (lxml's ``XMLSchema``, the schema loaded once) as it is
assembled: a validating parser is fed the pieces and drops each transaction's element once
its end is read. It resolves no entity and reads nothing from the network, and a document type
declaration is refused. libxml2 names no line when it validates a stream, so a document it
refuses is parsed once more, whole, only to name the line of the error."""

import io
import re
import tempfile
import xml.etree.ElementTree as ET  # noqa: N817 (sepaxml builds ElementTree elements)
from collections.abc import Iterable, Iterator
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
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
# What a batch's serialized transactions keep in memory before they spill to disk.
SPOOL_MEMORY = 256 * 1024
# The pieces the document is assembled and validated in.
PIECE = 64 * 1024
# Where sepaxml's export puts a batch's transactions (a comment: no text of a transaction
# can hold "<", ElementTree escapes it).
_MARKER = re.compile(rb"<!--pain008-batch-(\d+)-->")


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
    """``SepaDD`` with one batch per (sequence type, collection date, scheme), each a list of
    its elements as sepaxml keeps them (``_StreamedBatches`` keeps none)."""

    @staticmethod
    def _batch_key(payment: dict) -> str:
        return f"{payment['type']}::{payment['collection_date']}::{payment['scheme']}"

    def _add_to_batch_list(self, TX, payment):  # noqa: N803 (sepaxml's name)
        key = self._batch_key(payment)
        self._batches.setdefault(key, []).append(TX["DrctDbtTxInfNode"])
        self._batch_totals[key] = self._batch_totals.get(key, 0) + payment["amount"]

    def _finalize_batch(self):
        batches, totals = self._batches, self._batch_totals
        for scheme in sorted({key.rsplit("::", 1)[1] for key in batches}):
            keys = [key for key in batches if key.endswith(f"::{scheme}")]
            self._batches = {key.rsplit("::", 1)[0]: batches[key] for key in keys}
            self._batch_totals = {key.rsplit("::", 1)[0]: totals[key] for key in keys}
            self._config["instrument"] = scheme
            super()._finalize_batch()
        self._batches, self._batch_totals = batches, totals


class _SpooledBatch:
    """A batch's transactions serialized in a spooled temporary file. It stands in for
    sepaxml's list of the batch's elements: its length is their number, and its one element
    is the marker of where they go."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.count = 0
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)  # noqa: SIM115

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[ET.Element]:
        yield ET.Comment(f"pain008-batch-{self.number}")

    def write(self, element: ET.Element) -> None:
        self.file.write(ET.tostring(element, "unicode").encode("utf-8"))
        self.count += 1

    def pieces(self) -> Iterator[bytes]:
        self.file.seek(0)
        while piece := self.file.read(PIECE):
            yield piece


class _StreamedBatches(_SchemeBatches):
    """``_SchemeBatches`` keeping no element: each transaction's element, as sepaxml builds
    it, is serialized into its batch's spool as it is added."""

    unplaced: list[int] | None = None

    def _add_to_batch_list(self, TX, payment):  # noqa: N803 (sepaxml's name)
        key = self._batch_key(payment)
        if key not in self._batches:
            self._batches[key] = _SpooledBatch(len(self._batches))
            self._batch_totals[key] = 0
        self._batches[key].write(TX["DrctDbtTxInfNode"])
        self._batch_totals[key] += payment["amount"]

    def pieces(self) -> Iterator[bytes]:
        """The document: sepaxml's export with each batch's transactions in place of its
        marker. ``unplaced`` then holds the numbers of the batches it had no place for."""
        spooled = {batch.number: batch for batch in self._batches.values()}
        parts = _MARKER.split(self.export(validate=False))
        yield parts[0]
        for number, after in zip(parts[1::2], parts[2::2], strict=True):
            yield from spooled.pop(int(number)).pieces()
            yield after
        self.unplaced = sorted(spooled)

    def close(self) -> None:
        for batch in self._batches.values():
            batch.file.close()


class Pain008Builder:
    """The pain.008 of a run, fed a chunk of transactions at a time: ``add`` each, then
    ``build``. Keeps the count and total of what it was given; ``close`` (or leaving its
    ``with`` block) drops its spooled files."""

    def __init__(
        self,
        *,
        creditor_name: str,
        creditor_id: str,
        iban: str,
        bic: str,
        currency: str,
        collection_date: date,
    ) -> None:
        config = {
            "name": sepa_text(creditor_name, 70) or "Creditor",
            "IBAN": iban,
            "batch": True,
            "creditor_id": creditor_id,
            "currency": currency,
        }
        if bic:
            config["BIC"] = bic
        self.collection_date = collection_date
        self.count = 0
        self.total = Decimal(0)
        self._document = _StreamedBatches(config, schema=SCHEMA, clean=False)

    def __enter__(self) -> "Pain008Builder":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._document.close()

    def add(self, tx: Pain008Transaction) -> None:
        self._document.add_payment(_payment(tx, self.collection_date))
        self.count += 1
        self.total += tx.amount

    def build(self) -> tuple[str, str]:
        """(message id, the pain.008 document), validated against the XSD."""
        document = _checked(self._document.pieces())
        if self._document.unplaced:
            raise RuntimeError(f"sepaxml's export left out batches {self._document.unplaced}.")
        return self._document.msg_id, document


def _payment(tx: Pain008Transaction, collection_date: date) -> dict:
    """sepaxml's payment of ``tx``."""
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
    return payment


def pain008_build(
    *,
    creditor_name: str,
    creditor_id: str,
    iban: str,
    bic: str,
    currency: str,
    collection_date: date,
    transactions: Iterable[Pain008Transaction],
) -> tuple[str, str]:
    """(message id, the pain.008 document) of ``transactions``, validated against the XSD."""
    with Pain008Builder(
        creditor_name=creditor_name,
        creditor_id=creditor_id,
        iban=iban,
        bic=bic,
        currency=currency,
        collection_date=collection_date,
    ) as builder:
        for tx in transactions:
            builder.add(tx)
        return builder.build()


@cache
def _schema() -> etree.XMLSchema:
    """The XSD of ``SCHEMA`` as sepaxml ships it."""
    path = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _validating_parser() -> etree.XMLPullParser:
    """A parser fed a piece at a time that validates against the XSD and reports the end of
    each transaction and payment information block (to be dropped)."""
    return etree.XMLPullParser(
        events=("end",),
        tag=(f"{{{NAMESPACE}}}DrctDbtTxInf", f"{{{NAMESPACE}}}PmtInf"),
        schema=_schema(),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    )


def _checked(pieces: Iterable[bytes]) -> str:
    """The document of ``pieces`` as text, validated against the XSD as it is assembled: the
    validating parser keeps no transaction's element once its end is read. A document it
    refuses is validated once more, whole, by ``_validate``, which names the line."""
    parser = _validating_parser()
    # One buffer, then one text: each is one allocation the allocator gives back whole.
    buffer, problem = io.BytesIO(), None
    for piece in pieces:
        buffer.write(piece)
        if problem is None:
            try:
                parser.feed(piece)
            except etree.XMLSyntaxError as error:
                problem = str(error)
            else:
                for _, element in parser.read_events():
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
    document = buffer.getvalue().decode("utf-8")
    del buffer
    if problem is None:
        try:
            root = parser.close()
        except etree.XMLSyntaxError as error:
            problem = str(error)
        else:
            if root.getroottree().docinfo.internalDTD is None:
                return document
    _validate(document.encode("utf-8"))
    raise CollectionInvalid(
        f"The pain.008 file does not validate against {SCHEMA}: {problem}", field="file"
    )


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
