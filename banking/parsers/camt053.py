"""ISO 20022 camt.053 (BankToCustomerStatement, versions 001.02 to 001.08) read into statements.

A document type declaration is refused before the document is parsed (expat reads it once for
its declarations alone), so no entity can be declared, and neither an entity bomb nor an
external entity is ever expanded or fetched; only then is it parsed into a tree, by
ElementTree's C parser (defusedxml's guard runs a Python callback per element: most of the
time of a large statement). Every ``<Stmt>`` is a statement
and every booked ``<Ntry>`` a line; a batch entry with several ``<TxDtls>`` gives one line per
detail. Errors name the statement and entry they were found in ("Stmt 2, Ntry 5: ...").
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING
from xml.etree import ElementTree  # noqa: S405 (parses only what _declarations_refuse passed)
from xml.parsers import expat

from core.gc_pause import collector_paused

from . import ParsedLine, ParsedStatement, StatementFileInvalid

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # noqa: S405 (type only, never parses)

NAMESPACE_RE = re.compile(
    r"^urn:iso:std:iso:20022:tech:xsd:(?P<doc>[a-z]+\.\d{3})\.001\.(?P<v>\d{2})$"
)
SUPPORTED_VERSIONS = range(2, 9)
AMOUNT_RE = re.compile(r"^\d+(\.\d+)?$")
OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODES = ("CLBD",)


def camt053_parse(data: bytes) -> list[ParsedStatement]:
    """Every statement of a camt.053 document, with its booked entries as lines (the cyclic
    garbage collector paused meanwhile: ``core.gc_pause``)."""
    with collector_paused():
        root = _document_root(data)
        statements = _findall(root, "BkToCstmrStmt/Stmt")
        if not statements:
            raise StatementFileInvalid("The camt.053 document holds no statement (<Stmt>).")
        return [_statement(element, f"Stmt {n}") for n, element in enumerate(statements, 1)]


class _Declared(Exception):
    pass


class _Started(Exception):
    pass


def _declarations_refuse(data: bytes) -> None:
    """Refuse a document that declares a document type (the only place entities are declared):
    expat reads it with no handler but these, in C, and stops at the declaration. A document
    type is declared only before the root element (XML 1.0, production 22), so expat stops at
    the root element's start too. A document that is not well-formed is left to the parser,
    which says where."""
    parser = expat.ParserCreate()

    def declared(*_args) -> None:
        raise _Declared

    def started(*_args) -> None:
        raise _Started

    parser.StartDoctypeDeclHandler = declared
    parser.EntityDeclHandler = declared
    parser.StartElementHandler = started
    try:
        parser.Parse(data, True)
    except _Started:
        return
    except _Declared:
        raise StatementFileInvalid(
            "The XML file declares a document type or entities, which statement files never "
            "need; it is refused unread (DTDForbidden)."
        ) from None
    except expat.ExpatError:
        return


def _document_root(data: bytes) -> Element:
    _declarations_refuse(data)
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 (no document type: see above)
    except ElementTree.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = str(exc).split(":")[0]
        raise StatementFileInvalid(
            f"The file is not well-formed XML: line {line}, column {column + 1}: {reason}."
        ) from exc
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", "")
    match = NAMESPACE_RE.match(namespace)
    if not match or local != "Document":
        name = root.tag.rpartition("}")[2]
        raise StatementFileInvalid(
            f"The file is not an ISO 20022 camt.053 statement: its root element is <{name}>"
            + (f" in namespace {namespace}" if namespace else " without a namespace")
            + "."
        )
    doc, version = match["doc"], int(match["v"])
    if doc != "camt.053":
        raise StatementFileInvalid(
            f"The file is a {doc}.001.{version:02d} document, not a camt.053 bank statement."
        )
    if version not in SUPPORTED_VERSIONS:
        raise StatementFileInvalid(
            f"camt.053 version 001.{version:02d} is not supported (001.02 to 001.08)."
        )
    # One namespace for the whole document: drop it so paths read as the standard writes them.
    local: dict[str, str] = {}  # a few dozen tags, hundreds of thousands of elements
    for element in root.iter():
        tag = element.tag
        name = local.get(tag)
        if name is None:
            name = local[tag] = tag.rpartition("}")[2]
        element.tag = name
    return root


def _statement(element: Element, where: str) -> ParsedStatement:
    statement_id = _text(element, "Id")
    if not statement_id:
        raise StatementFileInvalid(f"{where}: the statement has no <Id>.")
    balances = _balances(element, where)
    opening = _first_balance(balances, OPENING_CODES)
    closing = _first_balance(balances, CLOSING_CODES)
    if opening is None:
        raise StatementFileInvalid(f"{where}: no opening balance (OPBD or PRCD).")
    if closing is None:
        raise StatementFileInvalid(f"{where}: no closing balance (CLBD).")
    currency = _text(element, "Acct/Ccy") or opening[2] or closing[2]
    lines: list[ParsedLine] = []
    for n, entry in enumerate(element.findall("Ntry"), 1):
        lines.extend(_entry_lines(entry, f"{where}, Ntry {n}"))
    from_date, to_date = _period(element, where, lines, opening[3], closing[3])
    return ParsedStatement(
        statement_id=statement_id,
        currency=currency,
        from_date=from_date,
        to_date=to_date,
        opening_balance=opening[1],
        closing_balance=closing[1],
        account_iban=_text(element, "Acct/Id/IBAN").replace(" ", "").upper(),
        account_number=_text(element, "Acct/Id/Othr/Id"),
        lines=lines,
    )


Balance = tuple[str, Decimal, str, date | None]  # code, signed amount, currency, date


def _balances(element: Element, where: str) -> list[Balance]:
    balances = []
    for n, balance in enumerate(element.findall("Bal"), 1):
        here = f"{where}, Bal {n}"
        code = _text(balance, "Tp/CdOrPrtry/Cd")
        amount = _signed_amount(balance, here)
        currency = balance.find("Amt").get("Ccy", "")
        day = _date(balance, "Dt", here)
        balances.append((code, amount, currency, day))
    return balances


def _first_balance(balances: list[Balance], codes: tuple[str, ...]) -> Balance | None:
    for code in codes:
        for balance in balances:
            if balance[0] == code:
                return balance
    return None


def _period(
    element: Element,
    where: str,
    lines: list[ParsedLine],
    opening_date: date | None,
    closing_date: date | None,
) -> tuple[date, date]:
    from_date = _date_of(_text(element, "FrToDt/FrDtTm"), f"{where}, FrToDt")
    to_date = _date_of(_text(element, "FrToDt/ToDtTm"), f"{where}, FrToDt")
    booked = [line.booking_date for line in lines]
    from_date = from_date or (min(booked) if booked else None) or opening_date or closing_date
    to_date = to_date or (max(booked) if booked else None) or closing_date or opening_date
    if from_date is None or to_date is None:
        raise StatementFileInvalid(f"{where}: no period (FrToDt), entry or balance dates.")
    return from_date, to_date


def _entry_lines(entry: Element, where: str) -> list[ParsedLine]:
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    if status and status != "BOOK":
        return []  # pending (PDNG) and information-only (INFO) entries are not booked yet
    amount = _signed_amount(entry, where)
    currency = entry.find("Amt").get("Ccy", "")
    booking_date = _date(entry, "BookgDt", where)
    if booking_date is None:
        raise StatementFileInvalid(f"{where}: the entry has no booking date (BookgDt).")
    value_date = _date(entry, "ValDt", where) or booking_date
    credit = _text(entry, "CdtDbtInd") == "CRDT"
    base = ParsedLine(
        booking_date=booking_date,
        value_date=value_date,
        amount=amount,
        currency=currency,
        bank_reference=_text(entry, "AcctSvcrRef"),
        entry_reference=_text(entry, "NtryRef"),
        bank_transaction_code=_transaction_code(entry),
        remittance_info=_text(entry, "AddtlNtryInf"),
        charges=_charges(entry, where),
    )
    details = _findall(entry, "NtryDtls/TxDtls")
    if not details:
        return [base]
    amounts = _detail_amounts(entry, details, amount, currency, where)
    lines = []
    for n, (detail, detail_amount) in enumerate(zip(details, amounts, strict=True)):
        # Charges reported on the entry itself go with its first line only, never twice.
        charges = base.charges if n == 0 else Decimal("0")
        here = f"{where}, TxDtls {n + 1}"
        lines.append(_detail_line(detail, base, detail_amount, charges, credit, here))
    return lines


def _detail_amounts(
    entry: Element, details: list[Element], amount: Decimal, currency: str, where: str
) -> list[Decimal]:
    """One signed amount per detail. A single detail is the entry: its own amount may be
    missing, zero or in the instructed currency, and the booked amount is the entry's."""
    if len(details) == 1:
        return [amount]
    reversal = _text(entry, "RvslInd").lower() in ("true", "1")
    entry_indicator = _text(entry, "CdtDbtInd")
    amounts = []
    for n, detail in enumerate(details, 1):
        here = f"{where}, TxDtls {n}"
        written = _detail_amount_text(detail, currency)
        if written is None:
            raise StatementFileInvalid(
                f"{here}: the detail of a batch entry has no amount in {currency}."
            )
        value = _decimal(written, here)
        indicator = _text(detail, "CdtDbtInd") or entry_indicator
        negative = (indicator == "DBIT") != reversal
        amounts.append(-value if negative else value)
    if sum(amounts, Decimal("0")) != amount:
        raise StatementFileInvalid(
            f"{where}: the {len(details)} transaction details add up to "
            f"{sum(amounts, Decimal('0'))}, the entry is {amount}."
        )
    return amounts


def _detail_amount_text(detail: Element, currency: str) -> str | None:
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        found = _find(detail, path)
        if found is not None and found.get("Ccy", currency) == currency:
            return (found.text or "").strip()
    return None


def _detail_line(
    detail: Element,
    base: ParsedLine,
    amount: Decimal,
    charges: Decimal,
    credit: bool,
    where: str,
) -> ParsedLine:
    # The counterparty of money in is the debtor, of money out the creditor.
    party = "Dbtr" if credit else "Cdtr"
    account, agent = f"{party}Acct", f"{party}Agt"
    unstructured = " ".join(
        text for u in _findall(detail, "RmtInf/Ustrd") if (text := " ".join((u.text or "").split()))
    )
    end_to_end_id = _text(detail, "Refs/EndToEndId")
    own_charges = _charges(detail, where)
    return ParsedLine(
        booking_date=base.booking_date,
        value_date=base.value_date,
        amount=amount,
        currency=base.currency,
        counterparty_name=_text(detail, f"RltdPties/{party}/Nm")
        or _text(detail, f"RltdPties/{party}/Pty/Nm"),
        counterparty_iban=_text(detail, f"RltdPties/{account}/Id/IBAN").replace(" ", "").upper(),
        counterparty_bic=_text(detail, f"RltdAgts/{agent}/FinInstnId/BIC")
        or _text(detail, f"RltdAgts/{agent}/FinInstnId/BICFI"),
        remittance_info=unstructured or _text(detail, "AddtlTxInf") or base.remittance_info,
        structured_reference=_text(detail, "RmtInf/Strd/CdtrRefInf/Ref"),
        end_to_end_id="" if end_to_end_id.upper() == "NOTPROVIDED" else end_to_end_id,
        bank_reference=_text(detail, "Refs/AcctSvcrRef") or base.bank_reference,
        entry_reference=base.entry_reference,
        bank_transaction_code=_transaction_code(detail) or base.bank_transaction_code,
        return_reason=_text(detail, "RtrInf/Rsn/Cd") or _text(detail, "RtrInf/Rsn/Prtry"),
        charges=own_charges or charges,
    )


def _transaction_code(element: Element) -> str:
    domain = _text(element, "BkTxCd/Domn/Cd")
    if domain:
        parts = [domain, _text(element, "BkTxCd/Domn/Fmly/Cd")]
        parts.append(_text(element, "BkTxCd/Domn/Fmly/SubFmlyCd"))
        return "/".join(part for part in parts if part)
    return _text(element, "BkTxCd/Prtry/Cd")


def _charges(element: Element, where: str) -> Decimal:
    """The charges reported on an element, positive: ``Chrgs/Amt`` (001.02) and
    ``Chrgs/Rcrd/Amt`` (001.03 on)."""
    total = Decimal("0")
    for found in _findall(element, "Chrgs/Amt") + _findall(element, "Chrgs/Rcrd/Amt"):
        total += _decimal((found.text or "").strip(), f"{where}, Chrgs")
    return total


def _signed_amount(element: Element, where: str) -> Decimal:
    found = element.find("Amt")
    if found is None:
        raise StatementFileInvalid(f"{where}: no amount (Amt).")
    value = _decimal((found.text or "").strip(), where)
    indicator = _text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementFileInvalid(
            f"{where}: credit/debit indicator {indicator!r} is neither CRDT nor DBIT."
        )
    negative = indicator == "DBIT"
    if _text(element, "RvslInd").lower() in ("true", "1"):
        negative = not negative
    return -value if negative else value


def _decimal(text: str, where: str) -> Decimal:
    if not AMOUNT_RE.match(text):
        raise StatementFileInvalid(f"{where}: amount {text!r} is not a number.")
    return Decimal(text)


def _date(element: Element, path: str, where: str) -> date | None:
    """The date of a ``Dt``/``DtTm`` choice element."""
    return _date_of(_text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm"), where)


def _date_of(text: str, where: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise StatementFileInvalid(f"{where}: date {text!r} is not a date.") from None


def _text(element: Element, path: str) -> str:
    found = _find(element, path)
    if found is None or found.text is None:
        return ""
    return found.text.strip()


# Paths are followed a tag at a time: ``find`` and ``findall`` of a plain tag run in C, a path
# goes through ElementPath in Python (most of the time of parsing a large statement). The same
# elements, in the same order: the first match is the first in document order.


@cache
def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))


def _find(element: Element, path: str) -> Element | None:
    """``element.find(path)`` for a path of plain tags. The first child of each step, when they
    all exist, is the first match in document order; else every branch is searched."""
    steps = _steps(path)
    found: Element | None = element
    for tag in steps:
        found = found.find(tag)
        if found is None:
            return _first(element, steps, 0) if len(steps) > 1 else None
    return found


def _first(element: Element, steps: tuple[str, ...], at: int) -> Element | None:
    if at == len(steps) - 1:
        return element.find(steps[at])
    for child in element.findall(steps[at]):
        found = _first(child, steps, at + 1)
        if found is not None:
            return found
    return None


def _findall(element: Element, path: str) -> list[Element]:
    """``element.findall(path)`` for a path of plain tags."""
    found = [element]
    for tag in _steps(path):
        found = [child for parent in found for child in parent.findall(tag)]
    return found
