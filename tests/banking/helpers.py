"""Statements made directly (without a file) for the posting tests."""

from decimal import Decimal

from banking.models import BankStatement, BankStatementLine


def statement_with(bank, lines: list[dict], statement_id: str = "S1", opening="0.00"):
    """A statement of the bank fixture's account holding ``lines`` (dicts of line fields; the
    amount as a string), balanced."""
    account = bank["account"]
    total = sum((Decimal(line["amount"]) for line in lines), Decimal("0"))
    statement = BankStatement.objects.create(
        bank_account=account,
        statement_id=statement_id,
        format=BankStatement.Format.CAMT053,
        file_sha256=statement_id.ljust(64, "0"),
        from_date=bank["on"],
        to_date=bank["on"],
        currency=account.currency,
        opening_balance=Decimal(opening),
        closing_balance=Decimal(opening) + total,
    )
    for sequence, given in enumerate(lines, start=1):
        fields = {"booking_date": bank["on"], "value_date": bank["on"], **given}
        fields["amount"] = Decimal(fields["amount"])
        BankStatementLine.objects.create(
            statement=statement,
            bank_account=account,
            sequence=sequence,
            line_key=f"{statement_id}|{sequence}",
            currency=account.currency,
            **fields,
        )
    return statement


def line(statement, sequence: int) -> BankStatementLine:
    return BankStatementLine.objects.get(statement=statement, sequence=sequence)
