"""camt.053 documents for tests, written by the demo's writer."""

from banking.camt_write import NS, camt053

__all__ = ["NS", "camt053"]
