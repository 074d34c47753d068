"""pysecret/_mutex.py: the Secret's one-token mutex.

Its use inside verify, against exceptions from signal handlers, is tested in
test_concurrency.py; these are the mutex's own behaviours.
"""

import threading
import time

import pytest

from pysecret._mutex import TOKEN, Mutex


def test_acquire_and_release_behave_like_a_lock():
    m = Mutex()
    assert not m.locked()
    assert m.acquire() is True
    assert m.locked()
    assert m.acquire(False) is False
    m.release()
    assert not m.locked()
    assert m.acquire(False) is True
    m.release()


def test_releasing_a_mutex_that_is_not_held_is_refused_and_leaves_one_token():
    m = Mutex()
    with pytest.raises(RuntimeError, match="not held"):
        m.release()
    assert m.qsize() == 1


def test_with_gives_the_token_back_also_when_the_block_raises():
    m = Mutex()
    with m:
        assert m.locked()
    assert not m.locked()
    with pytest.raises(ValueError):
        with m:
            raise ValueError("inside")
    assert not m.locked() and m.qsize() == 1


def test_reading_hold_waits_for_the_holder_then_takes_the_token():
    m = Mutex()
    m.hold
    events = []
    taken = threading.Event()

    def waiter():
        m.hold
        events.append("waiter took it")
        taken.set()
        m.put(TOKEN)

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.05)
    events.append("holder gives it back")
    m.put(TOKEN)
    assert taken.wait(10)
    t.join()
    assert events == ["holder gives it back", "waiter took it"]
    assert m.qsize() == 1


def test_only_one_thread_is_inside_at_a_time():
    # Each thread reads the counter, lets the others run, then writes it back
    # plus one: without mutual exclusion, updates are lost.
    m = Mutex()
    state = {"count": 0, "inside": 0, "most_inside": 0}
    threads, per_thread = 4, 200

    def work():
        for _ in range(per_thread):
            m.hold
            try:
                state["inside"] += 1
                state["most_inside"] = max(state["most_inside"], state["inside"])
                seen = state["count"]
                time.sleep(0)
                state["count"] = seen + 1
                state["inside"] -= 1
            finally:
                m.put(TOKEN)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert state["count"] == threads * per_thread
    assert state["most_inside"] == 1
