"""Work on a second database connection while the caller goes on with its own: a long job that
waits on the database (reading or writing thousands of rows) while it computes in Python can
hand the waiting to a thread, and the database works on one core while Python works on the
other.

A thread has its own connection (Django's connections are per thread). That connection sees
only what is committed, so work goes aside only outside a transaction (``aside_possible``):
inside one, the caller's own uncommitted rows would be invisible to it. SQLite, with one
writer, keeps everything on the caller's connection. Each piece of work aside holds a
connection of its own while it runs: size the database's connections for it."""

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

R = TypeVar("R")


def aside_possible(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether work may run on a second connection now: PostgreSQL, outside a transaction."""
    connection = connections[using]
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def aside(work: Callable[[], R], *, name: str) -> Future[R]:
    """Start ``work`` on a thread of its own, with its own connections; its result, or what it
    raised, comes through the future once those connections are closed (a caller that has the
    result leaves no session behind)."""
    future: Future[R] = Future()
    future.set_running_or_notify_cancel()  # running from now: it cannot be cancelled

    def run() -> None:
        try:
            try:
                result = work()
            finally:
                connections.close_all()
        except BaseException as error:  # noqa: BLE001 (handed to the caller)
            future.set_exception(error)
        else:
            future.set_result(result)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
