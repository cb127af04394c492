"""Work on a second database connection while the caller goes on with its own: a long job that
waits on the database (reading or writing thousands of rows) while it computes in Python can
hand the waiting to a thread, and the database works on one core while Python works on the
other.

A thread has its own connection (Django's connections are per thread). That connection sees
only what is committed, so work goes aside only outside a transaction (``aside_possible``):
inside one, the caller's own uncommitted rows would be invisible to it. SQLite, with one
writer, keeps everything on the caller's connection."""

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
    """Start ``work`` on a thread of its own, with its own connections, closed when it ends;
    its result, or what it raised, comes through the future."""
    future: Future[R] = Future()

    def run() -> None:
        try:
            result = work()
        except BaseException as error:  # noqa: BLE001 (handed to the caller)
            future.set_exception(error)
        else:
            future.set_result(result)
        finally:
            connections.close_all()

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
