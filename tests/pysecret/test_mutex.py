"""pysecret/_mutex.py: the Secret's one-token mutex.

Its use inside verify, against exceptions from signal handlers, is tested in
test_concurrency.py; these are the mutex's own behaviours.
"""

import json
import textwrap
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


WITH_UNDER_SIGNALS = textwrap.dedent(
    """
    import json, random, signal, sys
    from pysecret import Secret
    from pysecret._mutex import Mutex

    class Stop(Exception):
        pass

    def stop(*_):
        raise Stop

    signal.signal(signal.SIGALRM, stop)
    m = Mutex()
    tries, stops, lost = 2000, 0, 0
    for _ in range(tries):
        try:
            signal.setitimer(signal.ITIMER_REAL, random.uniform(1e-6, 5e-5))
            while True:
                with m:
                    pass
        except Stop:
            stops += 1
        if m.qsize() != 1:
            lost += 1
            break
    signal.setitimer(signal.ITIMER_REAL, 0)
    # destroy takes the mutex with `with` too: a stop anywhere in it must not keep it
    destroys_left_it_held = 0
    for _ in range(200):
        s = Secret(b"x" * 32)
        try:
            signal.setitimer(signal.ITIMER_REAL, random.uniform(1e-6, 2e-4))
            s.destroy()
            signal.setitimer(signal.ITIMER_REAL, 0)
        except Stop:
            pass
        if s._lock.qsize() != 1:
            destroys_left_it_held += 1
            break
    json.dump({"stops": stops, "lost": lost, "destroys_left_it_held": destroys_left_it_held}, sys.stdout)
    """
)


def test_an_exception_from_a_signal_handler_never_keeps_the_token_of_a_with_block(run_python):
    # A Python __exit__ is checked for pending signal handlers on entry, before
    # it gives the token back; with put as __exit__ nothing runs in between.
    child = run_python(WITH_UNDER_SIGNALS, timeout=120)
    assert child.returncode == 0, (child.returncode, child.stderr[-2000:])
    out = json.loads(child.stdout)
    assert out["lost"] == 0 and out["destroys_left_it_held"] == 0
    assert out["stops"] >= 1000  # the stops landed inside the with loops
