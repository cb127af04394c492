"""Writes of bills of exchange: draw (``draw``), accept, remit, settle, protest (``steps``),
reverse the last step (``reverse``); the one map of allowed transitions and what the steps
share (``common``); the voucher lines of each step (``postings``)."""

from .common import TRANSITIONS, allowed_steps
from .draw import bill_draw
from .reverse import bill_reverse
from .steps import REMIT_MODES, bill_accept, bill_protest, bill_remit, bill_settle

__all__ = [
    "REMIT_MODES",
    "TRANSITIONS",
    "allowed_steps",
    "bill_accept",
    "bill_draw",
    "bill_protest",
    "bill_remit",
    "bill_reverse",
    "bill_settle",
]
