"""Writes of the banking room: bank accounts, statement import, matching, line changes,
posting and returned direct debits."""
