"""camt.053.001.08 documents written from a few facts per entry: the demo statement a new user
imports, the tests' statements and the bench's. Entries are dicts: amount (signed, money in
positive), ref, name, iban, text (unstructured remittance), reference (structured creditor
reference), end_to_end_id, return_reason, booking_date, value_date."""

from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def _entry(e: dict, currency: str) -> str:
    amount = Decimal(e["amount"])
    credit = amount > 0
    party_tag = "Dbtr" if credit else "Cdtr"
    account_tag = "DbtrAcct" if credit else "CdtrAcct"
    related = ""
    if e.get("name") or e.get("iban"):
        related = "<RltdPties>"
        if e.get("name"):
            related += f"<{party_tag}><Pty><Nm>{escape(e['name'])}</Nm></Pty></{party_tag}>"
        if e.get("iban"):
            related += f"<{account_tag}><Id><IBAN>{e['iban']}</IBAN></Id></{account_tag}>"
        related += "</RltdPties>"
    remittance = ""
    if e.get("text") or e.get("reference"):
        remittance = "<RmtInf>"
        if e.get("text"):
            remittance += f"<Ustrd>{escape(e['text'])}</Ustrd>"
        if e.get("reference"):
            remittance += (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                f"<Ref>{e['reference']}</Ref></CdtrRefInf></Strd>"
            )
        remittance += "</RmtInf>"
    refs = f"<Refs><AcctSvcrRef>{e.get('ref', '')}</AcctSvcrRef>"
    if e.get("end_to_end_id"):
        refs += f"<EndToEndId>{e['end_to_end_id']}</EndToEndId>"
    refs += "</Refs>"
    return_info = ""
    if e.get("return_reason"):
        return_info = f"<RtrInf><Rsn><Cd>{e['return_reason']}</Cd></Rsn></RtrInf>"
    booked = e.get("booking_date", date(2026, 3, 10)).isoformat()
    value = e.get("value_date", e.get("booking_date", date(2026, 3, 10))).isoformat()
    return (
        f"<Ntry><NtryRef>{e.get('ref', '')}</NtryRef>"
        f'<Amt Ccy="{currency}">{abs(amount)}</Amt>'
        f"<CdtDbtInd>{'CRDT' if credit else 'DBIT'}</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
        f"<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{value}</Dt></ValDt>"
        f"<AcctSvcrRef>{e.get('ref', '')}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
        "</Domn></BkTxCd>"
        f"<NtryDtls><TxDtls>{refs}"
        f'<Amt Ccy="{currency}">{abs(amount)}</Amt>'
        f"{related}{remittance}{return_info}</TxDtls></NtryDtls></Ntry>"
    )


def _balance(code: str, amount: Decimal, currency: str, on: date) -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="{currency}">{abs(amount)}</Amt>'
        f"<CdtDbtInd>{'CRDT' if amount >= 0 else 'DBIT'}</CdtDbtInd>"
        f"<Dt><Dt>{on.isoformat()}</Dt></Dt></Bal>"
    )


def camt053(
    *,
    iban: str,
    entries: list[dict],
    statement_id: str = "STMT-1",
    currency: str = "USD",
    opening: str = "0.00",
    closing: str | None = None,
    on: date = date(2026, 3, 10),
) -> bytes:
    opening_amount = Decimal(opening)
    closing_amount = (
        Decimal(closing)
        if closing is not None
        else opening_amount + sum((Decimal(e["amount"]) for e in entries), Decimal("0"))
    )
    body = "".join(_entry(e, currency) for e in entries)
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>{on.isoformat()}T18:00:00</CreDtTm>"
        f"</GrpHdr><Stmt><Id>{statement_id}</Id><CreDtTm>{on.isoformat()}T18:00:00</CreDtTm>"
        f"<FrToDt><FrDtTm>{on.isoformat()}T00:00:00</FrDtTm>"
        f"<ToDtTm>{on.isoformat()}T23:59:59</ToDtTm></FrToDt>"
        f"<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
        f"{_balance('OPBD', opening_amount, currency, on)}"
        f"{_balance('CLBD', closing_amount, currency, on)}"
        f"{body}</Stmt></BkToCstmrStmt></Document>"
    )
    return xml.encode()
