"""Celery tasks of the ledger room: thin callers of selectors and services."""

import logging

from celery import shared_task

from .selectors import ledger_integrity_problems

logger = logging.getLogger(__name__)


@shared_task(name="ledger.ledger_integrity_check")
def ledger_integrity_check() -> list[dict]:
    """Nightly: report any entity or voucher that does not balance (never expected)."""
    problems = [p.__dict__ for p in ledger_integrity_problems()]
    for problem in problems:
        logger.error("Ledger integrity: %s: %s", problem["legal_entity"], problem["problem"])
    return problems
