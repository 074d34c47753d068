"""Workloads: exactly N ops, T workers from one budget, errors surface, clean close."""

from __future__ import annotations

import ctypes
import threading

import pytest

from pysecret import workloads
from pysecret.workloads import CANONICAL, SINGLE_WORKER, open_workload


def test_canonical_names_and_single_worker_set():
    assert CANONICAL == ("floor", "sequential", "parallel-owned",
                         "parallel-locked", "parallel-shared")
    assert SINGLE_WORKER == {"floor", "sequential"}


def test_floor_and_verify_call_mprotect_alike(monkeypatch):
    # sequential/floor compares a verify with the bare calls: both must make
    # the call the same way (the same argument objects' types), or the ratio
    # would measure the calling convention. Spies forward to the real mprotect.
    from pysecret import secret as secret_module

    real = workloads.mprotect
    calls = {"floor": [], "sequential": []}

    def spy(kind):
        def call(addr, size, prot):
            calls[kind].append(tuple(type(a) for a in (addr, size, prot)))
            return real(addr, size, prot)
        return call

    with open_workload("floor") as floor, open_workload("sequential") as seq:
        monkeypatch.setattr(workloads, "mprotect", spy("floor"))
        monkeypatch.setattr(secret_module, "mprotect", spy("sequential"))
        floor.run(3)
        seq.run(3)
        monkeypatch.undo()
    assert len(calls["floor"]) == len(calls["sequential"]) == 6
    assert set(calls["floor"]) == set(calls["sequential"]) == {
        (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)}


@pytest.mark.parametrize("name, threads, ops", [
    ("sequential", 1, 1),
    ("sequential", 1, 257),
    ("parallel-owned", 1, 100),
    ("parallel-owned", 3, 1001),
    ("parallel-locked", 4, 999),
    ("parallel-locked", 5, 3),  # fewer ops than workers
])
def test_every_op_is_one_full_open_close(name, threads, ops):
    # Without overlapping readers each verify opens its page exactly once,
    # so the transitions count the ops performed.
    with open_workload(name, threads) as w:
        assert w.run(ops) > 0
        assert w.transitions == ops
        w.run(ops)
        assert w.transitions == 2 * ops


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_parallel_shared_counts_transitions(threads):
    with open_workload("parallel-shared", threads) as w:
        w.run(2000)
        assert 1 <= w.transitions <= 2000
        assert w._secrets[0]._readers == 0


def test_floor_runs_and_releases_its_page(maps):
    w = open_workload("floor")
    page = w._page
    assert maps(page).perms == "---p"
    assert w.run(10) > 0
    assert maps(page).perms == "---p"
    w.close()
    assert maps(page) is None
    with pytest.raises(RuntimeError):
        w.run(1)


@pytest.mark.parametrize("ops, workers", [(1, 1), (5, 4), (100, 3), (10_000, 4), (12_345, 2)])
def test_budget_hands_out_exactly_n_ops(ops, workers):
    budget = workloads._Budget(ops, max(1, min(100, ops // (16 * workers))))
    taken = []
    while k := budget.take():
        taken.append(k)
    assert sum(taken) == ops and budget.take() == 0


def test_workers_share_one_budget():
    counts = [0, 0, 0]
    lock = threading.Lock()

    def batch_for(i):
        def batch(k):
            with lock:
                counts[i] += k
        return batch

    pool = workloads._Pool([batch_for(i) for i in range(3)], "test")
    try:
        pool.run(5000)
        assert sum(counts) == 5000
        pool.run(7)
        assert sum(counts) == 5007
    finally:
        pool.close()
    assert not any(t.is_alive() for t in pool._threads)


def test_a_failing_worker_fails_the_run_without_hanging():
    done = [0]
    fail = [True]

    def batch(k):
        done[0] += k
        if fail[0] and done[0] > 500:
            raise RuntimeError("worker failed")

    pool = workloads._Pool([batch, batch], "test")
    try:
        with pytest.raises(RuntimeError, match="worker failed"):
            pool.run(1000)
        assert done[0] < 1000  # the budget was cancelled
        fail[0] = False
        done[0] = 0
        pool.run(1000)  # the pool is still usable
        assert done[0] == 1000
    finally:
        pool.close()


@pytest.mark.parametrize("name", sorted(SINGLE_WORKER))
def test_single_worker_benchmarks_refuse_threads(name):
    with pytest.raises(ValueError, match="exactly one worker"):
        open_workload(name, 2)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown benchmark"):
        open_workload("parallel")
    with pytest.raises(ValueError, match="threads"):
        open_workload("parallel-owned", 0)
    with open_workload("sequential") as w:
        with pytest.raises(ValueError, match="ops"):
            w.run(0)


def test_close_destroys_the_secrets_and_stops_the_threads():
    w = open_workload("parallel-owned", 2)
    secrets, pool = list(w._secrets), w._pool
    w.run(10)
    w.close()
    assert all(s.destroyed for s in secrets)
    assert not any(t.is_alive() for t in pool._threads)
    w.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        w.run(1)
