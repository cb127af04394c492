"""``core.switching.switching_often``: the interpreter's switch interval short inside, as it
was after, also when the block raises, nested, and across threads (short until the last block
ends); an interval already shorter is kept. (The interpreter keeps the interval in whole
microseconds.)"""

import sys
import threading

import pytest

from core.switching import SHORT, switching_often


@pytest.fixture(autouse=True)
def _interval_as_it_was():
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


def test_short_inside_and_back_after_also_on_an_error():
    sys.setswitchinterval(0.005)
    with switching_often():
        assert sys.getswitchinterval() == pytest.approx(SHORT, abs=2e-6)
        with switching_often():
            assert sys.getswitchinterval() == pytest.approx(SHORT, abs=2e-6)
        assert sys.getswitchinterval() == pytest.approx(SHORT, abs=2e-6), (
            "the outer block still runs"
        )
    assert sys.getswitchinterval() == pytest.approx(0.005, abs=2e-6)
    with pytest.raises(ZeroDivisionError), switching_often():
        1 / 0  # noqa: B018
    assert sys.getswitchinterval() == pytest.approx(0.005, abs=2e-6)


def test_an_interval_already_shorter_is_kept():
    sys.setswitchinterval(0.0001)
    with switching_often():
        assert sys.getswitchinterval() == pytest.approx(0.0001, abs=2e-6)
    assert sys.getswitchinterval() == pytest.approx(0.0001, abs=2e-6)


def test_short_until_the_last_of_two_threads_ends():
    sys.setswitchinterval(0.005)
    entered, release = threading.Event(), threading.Event()

    def other():
        with switching_often():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert entered.wait(5)
    with switching_often():
        pass
    assert sys.getswitchinterval() == pytest.approx(SHORT, abs=2e-6), (
        "the other thread's block runs"
    )
    release.set()
    thread.join(5)
    assert sys.getswitchinterval() == pytest.approx(0.005, abs=2e-6)


def test_a_block_asking_for_less_while_another_runs_gets_it():
    sys.setswitchinterval(0.005)
    with switching_often():
        with switching_often(0.0002):
            assert sys.getswitchinterval() == pytest.approx(0.0002, abs=2e-6)
        assert sys.getswitchinterval() <= SHORT
    assert sys.getswitchinterval() == pytest.approx(0.005, abs=2e-6)
