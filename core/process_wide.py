"""A process-wide interpreter setting changed while any of several blocks runs, in any thread:
each block changes it on entry, and the last block still running restores it
(``core.gc_pause``, ``core.switching``)."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class ProcessWide:
    """Counts the blocks running. ``block(enter, restore)``: ``enter(first)`` runs on entry
    (``first``: no other block runs), ``restore()`` when the last block still running ends,
    also when it raises; both under one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0

    @contextmanager
    def block(self, enter: Callable[[bool], None], restore: Callable[[], None]) -> Iterator[None]:
        with self._lock:
            enter(self._running == 0)
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0:
                    restore()
