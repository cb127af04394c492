"""The interpreter's thread switch interval shortened while a batch computes in Python on one
thread and waits for the database on others (``core.aside``).

One thread runs Python at a time. A thread whose query has returned asks for the interpreter
lock, and a thread computing in Python hands it over only when the switch interval has passed
(5 ms by default): a thread reading for the computing one waits that long after every round
trip to the database, and after every part of a large result. Matching a 10,000-line bank
statement waited 0.33 s in all for the debits read ahead of it this way; with the interval at
0.5 ms, 0.07 s. The work done is the same, in shorter turns.

The interval is process-wide: each batch shortens it to at most what it asks, and it is
restored, to what it was before the first, when the last batch still running ends (an interval
set otherwise meanwhile is overwritten then). Other threads of a threaded server take shorter
turns meanwhile. Use it around plain calls, never inside a generator that may be left
unfinished."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from .process_wide import ProcessWide

SHORT = 0.0005  # seconds

_blocks = ProcessWide()
_before = 0.0


@contextmanager
def switching_often(interval: float | None = None) -> Iterator[None]:
    """The switch interval at most ``interval`` (``SHORT``) for the block (see the module's
    docstring)."""

    def enter(first: bool) -> None:
        global _before
        current = sys.getswitchinterval()
        if first:
            _before = current
        sys.setswitchinterval(min(SHORT if interval is None else interval, current))

    with _blocks.block(enter, lambda: sys.setswitchinterval(_before)):
        yield
