from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from banking.parsers import StatementFileInvalid, statements_parse
from banking.parsers.camt053 import camt053_parse

FILES = Path(__file__).parent / "files"


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def document(entries: str, version: str = "08", balances: str | None = None) -> bytes:
    """A one-statement camt.053 document around the given ``<Ntry>`` elements."""
    if balances is None:
        balances = balance("OPBD", "100.00") + balance("CLBD", "150.00")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-02T08:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>STMT-1</Id>
   <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
   {balances}
   {entries}
  </Stmt>
 </BkToCstmrStmt>
</Document>""".encode()


def balance(code: str, amount: str, indicator: str = "CRDT", day: str = "2026-03-02") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def entry(
    amount: str = "50.00",
    indicator: str = "CRDT",
    status: str = "<Cd>BOOK</Cd>",
    details: str = "",
    extra: str = "",
) -> str:
    return f"""<Ntry>
     <NtryRef>REF-1</NtryRef>
     <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{extra}
     <Sts>{status}</Sts>
     <BookgDt><Dt>2026-03-02</Dt></BookgDt>
     <ValDt><Dt>2026-03-03</Dt></ValDt>
     <AcctSvcrRef>BANK-REF-1</AcctSvcrRef>
     <NtryDtls>{details}</NtryDtls>
    </Ntry>"""


# Real files ------------------------------------------------------------------------------


def test_camt053_parse_001_02_two_statements_each_with_its_balances():
    first, second = camt053_parse(read("camt053-001.02-two-statements.xml"))

    assert (first.statement_id, second.statement_id) == (
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    )
    assert (first.opening_balance, first.closing_balance) == (Decimal("18.15"), Decimal("27.00"))
    assert (second.opening_balance, second.closing_balance) == (
        Decimal("27.00"),
        Decimal("20.00"),
    )
    assert [line.amount for line in first.lines] == [Decimal("8.85")]
    assert [line.amount for line in second.lines] == [Decimal("-7.00")]
    # FrToDt gives the first statement's period; the second has none: its booking dates.
    assert (first.from_date, first.to_date) == (date(2007, 10, 18), date(2007, 10, 18))
    assert (second.from_date, second.to_date) == (date(2014, 12, 31), date(2014, 12, 31))
    assert first.lines[0].remittance_info == "Transaction Description 1"
    assert first.lines[0].end_to_end_id == "000000001"
    assert first.lines[0].bank_transaction_code == "544"
    # A debit's counterparty is the creditor.
    assert second.lines[0].counterparty_name == "Company Name 2"
    assert second.lines[0].value_date == date(2015, 1, 2)


def test_camt053_parse_001_08_status_code_and_party_names():
    (statement,) = camt053_parse(read("camt053-001.08.xml"))

    assert statement.account_iban == ""
    assert statement.account_number == "NL26VAYB8060476890"
    assert statement.currency == "EUR"  # no Acct/Ccy: the opening balance's
    assert statement.opening_balance == Decimal("18.15")
    assert statement.closing_balance == Decimal("-27.00")  # CLBD DBIT
    (line,) = statement.lines
    assert line.amount == Decimal("8.85")
    assert line.booking_date == date(2014, 12, 31)  # from BookgDt/DtTm
    assert line.counterparty_name == "NAME NAME"  # Dbtr/Pty/Nm
    assert line.counterparty_iban == "NL56AGDH9619008421"
    assert line.structured_reference == "4654654654654654"
    assert line.end_to_end_id == "MUELL/FINP/RA12345"
    assert line.bank_reference == "AAAASESS-FP-CN_98765/01"
    assert line.bank_transaction_code == "PMNT/RCDT/BOOK"


def test_statements_parse_dispatches_camt053():
    statements = statements_parse("camt053", read("camt053-001.08.xml"))
    assert [s.statement_id for s in statements] == ["253EURNL26VAYB8060476890"]


# Hand-written documents ----------------------------------------------------------------

# camt.053.001.02 as a creditor's bank writes it: a collected direct debit paid out, a batch
# entry of two returned direct debits (the reversal of a credit: money out, one detail per
# return with its own end-to-end id and reason), and a credit without <Ustrd>.
BATCH_RETURN_001_02 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>RET-2026-03-04</MsgId><CreDtTm>2026-03-04T18:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>RET-STMT/62</Id>
   <LglSeqNb>62</LglSeqNb>
   <CreDtTm>2026-03-04T18:00:00</CreDtTm>
   <FrToDt><FrDtTm>2026-03-04T00:00:00</FrDtTm><ToDtTm>2026-03-04T23:59:59</ToDtTm></FrToDt>
   <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id>
    <Svcr><FinInstnId><BIC>ABNANL2A</BIC></FinInstnId></Svcr></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">2500.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-04</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">2350.65</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-04</Dt></Dt></Bal>
   <Ntry>
    <Amt Ccy="EUR">420.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-03-04</Dt></BookgDt><ValDt><Dt>2026-03-04</Dt></ValDt>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn>
     </BkTxCd>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>INS-2026-0042</EndToEndId><MndtId>INS-77</MndtId></Refs>
     <RltdPties><Cdtr><Nm>Contoso Insurance</Nm></Cdtr>
      <CdtrAcct><Id><IBAN>NL02ABNA0123456789</IBAN></Id></CdtrAcct></RltdPties>
     <RmtInf><Ustrd>Policy 4711 March</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">185.35</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>
    <Sts>BOOK</Sts>
    <BookgDt><Dt>2026-03-04</Dt></BookgDt><ValDt><Dt>2026-03-04</Dt></ValDt>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn>
     </BkTxCd>
    <NtryDtls>
     <Btch><PmtInfId>COLL-2026-03-02</PmtInfId><NbOfTxs>2</NbOfTxs>
      <TtlAmt Ccy="EUR">185.35</TtlAmt><CdtDbtInd>CRDT</CdtDbtInd></Btch>
     <TxDtls>
      <Refs><InstrId>DD-000031</InstrId><EndToEndId>DD-2026-000031</EndToEndId>
       <MndtId>MANDATE-31</MndtId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">120.35</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Nm>Northwind Traders</Nm></Dbtr>
       <DbtrAcct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></DbtrAcct></RltdPties>
      <RltdAgts><DbtrAgt><FinInstnId><BIC>NWBKGB2L</BIC></FinInstnId></DbtrAgt></RltdAgts>
      <RmtInf><Ustrd>Direct debit FAB-INV-000031</Ustrd></RmtInf>
      <RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf>
     </TxDtls>
     <TxDtls>
      <Refs><InstrId>DD-000032</InstrId><EndToEndId>DD-2026-000032</EndToEndId>
       <MndtId>MANDATE-32</MndtId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">65.00</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Nm>Litware Inc</Nm></Dbtr>
       <DbtrAcct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></DbtrAcct></RltdPties>
      <RmtInf><Ustrd>Direct debit FAB-INV-000032</Ustrd></RmtInf>
      <RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>
     </TxDtls>
    </NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">456.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2026-03-04</Dt></BookgDt><ValDt><Dt>2026-03-05</Dt></ValDt>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>115</EndToEndId></Refs>
     <RltdPties><Dbtr><Nm>Fourth Coffee</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>NL69ABNA0522123643</IBAN></Id></DbtrAcct></RltdPties>
     <AddtlTxInf>FOURTH COFFEE CUSNO 90782</AddtlTxInf>
    </TxDtls></NtryDtls>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"""


def test_camt053_parse_001_02_batch_of_returned_direct_debits():
    (statement,) = camt053_parse(BATCH_RETURN_001_02)

    assert statement.statement_id == "RET-STMT/62"
    assert statement.account_iban == "NL91ABNA0417164300"
    assert statement.currency == "EUR"
    assert (statement.from_date, statement.to_date) == (date(2026, 3, 4), date(2026, 3, 4))
    assert statement.opening_balance == Decimal("2500.00")
    assert statement.closing_balance == Decimal("2350.65")
    # Three entries, the second a batch of two details: four lines.
    # 2500.00 - 420.00 - 120.35 - 65.00 + 456.00 = 2350.65.
    assert [line.amount for line in statement.lines] == [
        Decimal("-420.00"),
        Decimal("-120.35"),
        Decimal("-65.00"),
        Decimal("456.00"),
    ]
    assert sum(line.amount for line in statement.lines) == Decimal("-149.35")
    debit, first, second, credit = statement.lines
    assert debit.counterparty_name == "Contoso Insurance"
    assert debit.counterparty_iban == "NL02ABNA0123456789"
    assert debit.bank_transaction_code == "PMNT/RDDT/ESDD"
    assert debit.end_to_end_id == "INS-2026-0042"
    assert debit.return_reason == ""
    # The batch reverses a credit: money out, one line per detail with its own end-to-end id
    # and return reason; the debtor (our customer) is the counterparty.
    assert (first.return_reason, second.return_reason) == ("AC04", "MD06")
    assert (first.end_to_end_id, second.end_to_end_id) == ("DD-2026-000031", "DD-2026-000032")
    assert (first.counterparty_name, second.counterparty_name) == (
        "Northwind Traders",
        "Litware Inc",
    )
    assert first.counterparty_iban == "GB29NWBK60161331926819"
    assert first.counterparty_bic == "NWBKGB2L"
    assert first.remittance_info == "Direct debit FAB-INV-000031"
    assert first.bank_transaction_code == second.bank_transaction_code == "PMNT/IDDT/UPDD"
    # Without <Ustrd> the additional transaction information is the remittance.
    assert credit.remittance_info == "FOURTH COFFEE CUSNO 90782"
    assert credit.counterparty_name == "Fourth Coffee"
    assert credit.end_to_end_id == "115"
    assert credit.value_date == date(2026, 3, 5)


# camt.053.001.04: one batch credit of two payments, each with its structured creditor
# reference (ISO 11649) and its own details; the account's currency from the balances.
BATCH_001_04 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>20260323000058</MsgId><CreDtTm>2026-03-23T14:47:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>20260323-CH-58</Id>
   <ElctrncSeqNb>58</ElctrncSeqNb>
   <FrToDt><FrDtTm>2026-03-23T00:00:00</FrDtTm><ToDtTm>2026-03-23T23:59:59</ToDtTm></FrToDt>
   <Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ownr><Nm>Fabrikam Suisse</Nm></Ownr></Acct>
   <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">10000.00</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-22</Dt></Dt></Bal>
   <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="CHF">11250.40</Amt>
    <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-23</Dt></Dt></Bal>
   <Ntry>
    <NtryRef>BATCH-0058</NtryRef>
    <Amt Ccy="CHF">1250.40</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>false</RvslInd>
    <Sts>BOOK</Sts>
    <BookgDt><Dt>2026-03-22</Dt></BookgDt><ValDt><Dt>2026-03-23</Dt></ValDt>
    <AcctSvcrRef>20260323000000000058</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>VCOM</SubFmlyCd></Fmly></Domn>
     </BkTxCd>
    <NtryDtls>
     <Btch><NbOfTxs>2</NbOfTxs></Btch>
     <TxDtls>
      <Refs><AcctSvcrRef>CH58-0001</AcctSvcrRef></Refs>
      <Amt Ccy="CHF">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>AUTT</SubFmlyCd></Fmly></Domn>
       </BkTxCd>
      <RltdPties><Dbtr><Nm>Banque Exemple</Nm></Dbtr>
       <DbtrAcct><Id><IBAN>CH5604835012345678009</IBAN></Id></DbtrAcct></RltdPties>
      <RltdAgts><DbtrAgt><FinInstnId><BICFI>POFICHBEXXX</BICFI></FinInstnId></DbtrAgt>
       </RltdAgts>
      <RmtInf><Strd><CdtrRefInf>
       <Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF792026000014</Ref>
      </CdtrRefInf></Strd></RmtInf>
     </TxDtls>
     <TxDtls>
      <Refs><AcctSvcrRef>CH58-0002</AcctSvcrRef></Refs>
      <Amt Ccy="CHF">250.40</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><Dbtr><Nm>Caisse Exemple</Nm></Dbtr>
       <DbtrAcct><Id><IBAN>CH4431999123000889012</IBAN></Id></DbtrAcct></RltdPties>
      <RmtInf><Strd><CdtrRefInf>
       <Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>RF522026000015</Ref>
      </CdtrRefInf></Strd></RmtInf>
     </TxDtls>
    </NtryDtls>
    <AddtlNtryInf>CREDIT GROUPE 2 PAIEMENTS</AddtlNtryInf>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>"""


def test_camt053_parse_001_04_batch_credits_add_up_to_the_entry():
    (statement,) = camt053_parse(BATCH_001_04)

    assert statement.statement_id == "20260323-CH-58"
    assert statement.account_iban == "CH9300762011623852957"
    assert statement.currency == "CHF"
    assert statement.opening_balance == Decimal("10000.00")
    assert statement.closing_balance == Decimal("11250.40")
    # One entry of 1,250.40, a batch of two details: two lines that add up to the entry.
    assert [line.amount for line in statement.lines] == [Decimal("1000.00"), Decimal("250.40")]
    assert statement.opening_balance + sum(line.amount for line in statement.lines) == Decimal(
        "11250.40"
    )
    first, second = statement.lines
    assert first.booking_date == date(2026, 3, 22)
    assert first.value_date == date(2026, 3, 23)
    assert first.structured_reference == "RF792026000014"
    assert second.structured_reference == "RF522026000015"
    assert first.counterparty_bic == "POFICHBEXXX"
    assert second.counterparty_bic == ""
    assert second.counterparty_iban == "CH4431999123000889012"
    assert first.entry_reference == second.entry_reference == "BATCH-0058"
    assert (first.bank_reference, second.bank_reference) == ("CH58-0001", "CH58-0002")
    # A detail without a transaction code of its own takes the entry's.
    assert first.bank_transaction_code == "PMNT/RCDT/AUTT"
    assert second.bank_transaction_code == "PMNT/RCDT/VCOM"
    # Without remittance text of its own, a detail takes the entry's additional information.
    assert second.remittance_info == "CREDIT GROUPE 2 PAIEMENTS"


# Built documents -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "reversal", "expected"),
    [
        ("CRDT", "", Decimal("50.00")),
        ("DBIT", "", Decimal("-50.00")),
        ("CRDT", "<RvslInd>true</RvslInd>", Decimal("-50.00")),
        ("DBIT", "<RvslInd>true</RvslInd>", Decimal("50.00")),
        ("DBIT", "<RvslInd>false</RvslInd>", Decimal("-50.00")),
    ],
)
def test_camt053_parse_signs_amounts(indicator, reversal, expected):
    (statement,) = camt053_parse(document(entry(indicator=indicator, extra=reversal)))
    assert statement.lines[0].amount == expected


@pytest.mark.parametrize(
    ("version", "status", "lines"),
    [
        ("02", "BOOK", 1),
        ("02", "PDNG", 0),
        ("08", "<Cd>BOOK</Cd>", 1),
        ("08", "<Cd>PDNG</Cd>", 0),
        ("08", "<Cd>INFO</Cd>", 0),
    ],
)
def test_camt053_parse_takes_booked_entries_only(version, status, lines):
    (statement,) = camt053_parse(document(entry(status=status), version=version))
    assert len(statement.lines) == lines


def test_camt053_parse_reads_the_fields_of_a_detail():
    details = """<TxDtls>
      <Refs><AcctSvcrRef>TX-REF</AcctSvcrRef><EndToEndId>E2E-42</EndToEndId></Refs>
      <BkTxCd><Prtry><Cd>NTRF+166</Cd></Prtry></BkTxCd>
      <RltdPties><Dbtr><Nm>Globex SA</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>FR76 3000 6000 0112 3456 7890 189</IBAN></Id></DbtrAcct></RltdPties>
      <RltdAgts><DbtrAgt><FinInstnId><BICFI>AGRIFRPP</BICFI></FinInstnId></DbtrAgt></RltdAgts>
      <RmtInf><Ustrd>Invoice 2026-000014</Ustrd><Ustrd>and   2026-000015</Ustrd>
        <Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
      <Chrgs><Rcrd><Amt Ccy="EUR">1.50</Amt></Rcrd><Rcrd><Amt Ccy="EUR">0.25</Amt></Rcrd></Chrgs>
    </TxDtls>"""
    (statement,) = camt053_parse(document(entry(details=details)))
    (line,) = statement.lines

    assert line.counterparty_name == "Globex SA"
    assert line.counterparty_iban == "FR7630006000011234567890189"
    assert line.counterparty_bic == "AGRIFRPP"
    assert line.remittance_info == "Invoice 2026-000014 and 2026-000015"
    assert line.structured_reference == "RF18539007547034"
    assert line.end_to_end_id == "E2E-42"
    assert line.bank_reference == "TX-REF"
    assert line.entry_reference == "REF-1"
    assert line.bank_transaction_code == "NTRF+166"
    assert line.charges == Decimal("1.75")
    assert (line.booking_date, line.value_date) == (date(2026, 3, 2), date(2026, 3, 3))


def test_camt053_parse_ignores_notprovided_end_to_end_id():
    details = "<TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs></TxDtls>"
    (statement,) = camt053_parse(document(entry(details=details)))
    assert statement.lines[0].end_to_end_id == ""


def test_camt053_parse_returned_direct_debit_keeps_the_reason():
    details = """<TxDtls>
      <Refs><EndToEndId>DD-2026-000031</EndToEndId></Refs>
      <RltdPties><Cdtr><Nm>Our Company</Nm></Cdtr><Dbtr><Nm>Debtor</Nm></Dbtr></RltdPties>
      <RtrInf><Rsn><Cd>MD06</Cd></Rsn><AddtlInf>Refund request</AddtlInf></RtrInf>
    </TxDtls>"""
    (statement,) = camt053_parse(document(entry(indicator="DBIT", details=details)))
    (line,) = statement.lines
    assert line.amount == Decimal("-50.00")
    assert line.return_reason == "MD06"
    assert line.end_to_end_id == "DD-2026-000031"
    assert line.counterparty_name == "Our Company"


def test_camt053_parse_batch_details_that_do_not_add_up_are_refused():
    details = (
        '<TxDtls><Amt Ccy="EUR">30.00</Amt></TxDtls><TxDtls><Amt Ccy="EUR">10.00</Amt></TxDtls>'
    )
    with pytest.raises(
        StatementFileInvalid,
        match=r"^Stmt 1, Ntry 1: the 2 transaction details add up to 40.00, the entry is 50.00.$",
    ):
        camt053_parse(document(entry(details=details)))


def test_camt053_parse_leaves_the_garbage_collector_on_after_a_file_or_a_refusal():
    import gc

    assert gc.isenabled()
    assert len(camt053_parse(read("camt053-001.08.xml"))) == 1
    assert gc.isenabled()
    with pytest.raises(StatementFileInvalid):
        camt053_parse(document(entry(details='<TxDtls><Amt Ccy="EUR">1.00</Amt></TxDtls>' * 2)))
    assert gc.isenabled()


def test_camt053_parse_batch_detail_without_amount_is_refused():
    details = '<TxDtls><Amt Ccy="EUR">30.00</Amt></TxDtls><TxDtls></TxDtls>'
    with pytest.raises(
        StatementFileInvalid,
        match=r"^Stmt 1, Ntry 1, TxDtls 2: the detail of a batch entry has no amount in EUR.$",
    ):
        camt053_parse(document(entry(details=details)))


def test_camt053_parse_single_detail_takes_the_entry_amount():
    details = '<TxDtls><Amt Ccy="USD">55.10</Amt></TxDtls>'
    (statement,) = camt053_parse(document(entry(details=details)))
    assert [line.amount for line in statement.lines] == [Decimal("50.00")]


def test_camt053_parse_opening_balance_prcd_and_period_from_balances():
    balances = balance("PRCD", "10.00", "DBIT", "2026-03-01") + balance("CLBD", "40.00")
    (statement,) = camt053_parse(document("", balances=balances))
    assert statement.opening_balance == Decimal("-10.00")
    assert statement.closing_balance == Decimal("40.00")
    assert statement.lines == []
    assert (statement.from_date, statement.to_date) == (date(2026, 3, 1), date(2026, 3, 2))


# Errors ----------------------------------------------------------------------------------


def test_camt053_parse_bad_amount_names_statement_and_entry():
    entries = entry() + entry(amount="abc")
    with pytest.raises(
        StatementFileInvalid, match=r"^Stmt 1, Ntry 2: amount 'abc' is not a number.$"
    ):
        camt053_parse(document(entries))


def test_camt053_parse_bad_date_names_the_entry():
    bad = entry().replace("<BookgDt><Dt>2026-03-02", "<BookgDt><Dt>2026-02-30")
    with pytest.raises(
        StatementFileInvalid, match=r"^Stmt 1, Ntry 1: date '2026-02-30' is not a date.$"
    ):
        camt053_parse(document(bad))


def test_camt053_parse_missing_closing_balance():
    with pytest.raises(StatementFileInvalid, match=r"^Stmt 1: no closing balance \(CLBD\).$"):
        camt053_parse(document("", balances=balance("OPBD", "1.00")))


def test_camt053_parse_malformed_xml_says_where():
    data = b'<?xml version="1.0"?>\n<Document>\n  <BkToCstmrStmt>\n</Document>\n'
    with pytest.raises(
        StatementFileInvalid,
        match=r"^The file is not well-formed XML: line 4, column 3: mismatched tag.$",
    ):
        camt053_parse(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>',
            "The file is a camt.054.001.02 document, not a camt.053 bank statement.",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.10"/>',
            "camt.053 version 001.10 is not supported (001.02 to 001.08).",
        ),
        (
            b"<Document><BkToCstmrStmt/></Document>",
            "The file is not an ISO 20022 camt.053 statement: its root element is <Document> "
            "without a namespace.",
        ),
        (
            b'<pain xmlns="urn:example"/>',
            "The file is not an ISO 20022 camt.053 statement: its root element is <pain> in "
            "namespace urn:example.",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/>'
            b"</Document>",
            "The camt.053 document holds no statement (<Stmt>).",
        ),
    ],
)
def test_camt053_parse_refuses_other_documents(data, message):
    with pytest.raises(StatementFileInvalid) as raised:
        camt053_parse(data)
    assert raised.value.message == message
    assert raised.value.fields == {"file": [message]}


# Hostile XML -----------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>"""


def test_camt053_parse_refuses_an_entity_bomb():
    with pytest.raises(StatementFileInvalid, match=r"declares a document type or entities"):
        camt053_parse(BILLION_LAUGHS)


def test_camt053_parse_refuses_an_external_entity_without_reading_it(tmp_path, monkeypatch):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    opened: list[str] = []
    real_open = open

    def spying_open(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spying_open)
    data = f"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>""".encode()

    with pytest.raises(StatementFileInvalid) as raised:
        camt053_parse(data)

    assert "declares a document type or entities" in raised.value.message
    assert "TOP-SECRET-CONTENT" not in raised.value.message
    assert str(secret) not in opened


# Paths followed a tag at a time ------------------------------------------------------------


def _trees():
    from hypothesis import strategies as st

    tags = st.sampled_from(["A", "B", "C"])
    return st.recursive(
        tags.map(lambda tag: (tag, [])),
        lambda children: st.tuples(tags, st.lists(children, max_size=3)),
        max_leaves=12,
    )


def _element(tree):
    from xml.etree.ElementTree import Element  # noqa: S405 (builds, never parses)

    tag, children = tree
    element = Element(tag)
    element.extend(_element(child) for child in children)
    return element


def test_camt053_paths_find_what_elementtree_finds():
    """The parser follows paths a tag at a time: the same elements as ``find`` and
    ``findall``, in the same order, also where a step matches several elements."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from banking.parsers.camt053 import _find, _findall

    path = st.lists(st.sampled_from(["A", "B", "C"]), min_size=1, max_size=3).map("/".join)

    @settings(max_examples=300, deadline=None)
    @given(_trees(), path)
    def check(tree, path):
        root = _element(tree)
        assert _find(root, path) is root.find(path)
        assert _findall(root, path) == root.findall(path)

    check()
