"""CPython's cyclic garbage collector paused while a batch builds a large acyclic structure.

The collector runs whenever allocations outnumber deallocations by a threshold, and each run
walks every object still alive in the generations it collects. Parsing a bank statement builds
hundreds of thousands of XML elements, and matching one builds tens of thousands of candidates
and proposals: none of them is a reference cycle, yet the collector walked them again and again
(measured: 40 % of the time of parsing a 10,000-line camt.053, 15 % of matching it). Reference
counting still frees everything as usual; only cycles wait for the collector to run again.

The pause is process-wide (the collector has no per-thread switch): it starts with the first
batch and ends with the last one still running, and a collector its caller had disabled stays
disabled. Other threads of a threaded server run without cycle collection meanwhile (seconds,
for the largest statements); their cycles are collected when it ends. Use it around plain
calls, never inside a generator that may be left unfinished."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from .process_wide import ProcessWide

_blocks = ProcessWide()
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block (see the module's docstring)."""

    def enter(first: bool) -> None:
        global _was_enabled
        if first:
            _was_enabled = gc.isenabled()
            gc.disable()

    def restore() -> None:
        if _was_enabled:
            gc.enable()

    with _blocks.block(enter, restore):
        yield
