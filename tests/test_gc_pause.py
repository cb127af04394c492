"""``core.gc_pause.collector_paused``: the cyclic collector off inside, as it was after, also
when the block raises, nested, and across threads (on until the last block ends)."""

import gc
import threading

import pytest

from core.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def _collector_as_it_was():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_paused_inside_and_back_after_also_on_an_error():
    gc.enable()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the outer block still runs"
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()


def test_a_collector_disabled_before_stays_disabled():
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_on_again_when_the_last_of_two_threads_ends():
    gc.enable()
    first_in, second_done, first_may_end = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            first_may_end.wait(5)
        seen["after first"] = gc.isenabled()

    def second():
        first_in.wait(5)
        with collector_paused():
            pass
        seen["after second"] = gc.isenabled()
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    second_done.wait(5)
    first_may_end.set()
    for thread in threads:
        thread.join(5)
    assert seen == {"after second": False, "after first": True}
