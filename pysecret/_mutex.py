"""The Secret's mutex: a queue that holds one token.

Holding the token is holding the mutex. The queue is CPython's
``queue.SimpleQueue``, written in C: taking a token that is there is a pop from
a list under the GIL, and a thread that finds the queue empty waits on an OS
lock with the GIL released, exactly like a thread waiting for a
``threading.Lock``. So it is a blocking mutex with the same behaviour under
contention, and a cheaper one when nobody waits: ``SimpleQueue.get`` and
``put`` parse their arguments with the fast calling convention, where
``Lock.acquire`` and ``RLock.acquire`` go through the generic argument parser
on every call (see pysecret/README.md for the figures).

The hot path takes the mutex by *reading an attribute*::

    mutex.hold          # waits for the token and takes it
    try:
        ...             # the critical section
    finally:
        mutex.put(TOKEN)

That shape is what keeps it safe against an exception raised by a signal
handler (``KeyboardInterrupt``). The interpreter runs handlers where it checks
for pending work: after a call instruction returns, on entering a Python
function, and at jumps backwards. Reading ``hold`` is a ``LOAD_ATTR``, not a
call, and nothing is checked between it and the start of the ``try``. So:

- if a handler raises while ``hold`` waits for another thread's token, the
  exception leaves before the ``try``: nothing was taken and nothing is given
  back;
- once ``hold`` has the token, the next place a handler can raise is inside
  the ``try``, whose ``finally`` gives the token back.

A method call (``mutex.get()``) has a check right after it returns, before
the ``try``: an exception landing there would keep the token for good.
``with mutex:`` is also safe, because both ends are C: ``__enter__`` is
``get`` and ``__exit__`` is ``put`` (a Python ``__exit__`` would be checked on
entry, before it gives the token back). It costs more per call; the cold
paths use it.

One gap is left, and only under a Python trace function (``sys.settrace``:
a debugger, a pure-Python coverage tracer): the ``try`` line's line event
runs the tracer before the protected range starts, and an exception raised
there keeps the token. Without a tracer there is no such event.

``acquire()`` and ``release()`` are Python methods for tests and callers that
want a ``threading.Lock``'s interface; they are not safe against a signal
handler's exception in the same way.
"""

from __future__ import annotations

from queue import Empty, SimpleQueue

__all__ = ["TOKEN", "Mutex"]

#: What the queue holds when the mutex is free.
TOKEN = True


class Mutex(SimpleQueue):
    """A non-recursive mutex made of a one-token queue."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__()
        self.put(TOKEN)

    #: Wait for the token and take it. Read it as a statement, right before
    #: ``try``, with ``put(TOKEN)`` in the ``finally`` (see the module's
    #: docstring).
    hold = property(SimpleQueue.get)

    #: ``with mutex:`` — both ends in C, so no signal handler can raise
    #: between the take and the block, or between the block and the give.
    #: ``__exit__(type, value, tb)`` lands on put's (item, block, timeout);
    #: what it puts back is only a token, and the None it returns lets an
    #: exception from the block go on.
    __enter__ = SimpleQueue.get
    __exit__ = SimpleQueue.put

    def acquire(self, blocking: bool = True) -> bool:
        """Take the token as ``threading.Lock.acquire`` would; False if not blocking and taken."""
        try:
            self.get(blocking)
        except Empty:
            return False
        return True

    def release(self) -> None:
        """Give the token back; RuntimeError if the mutex is not held."""
        if not self.empty():
            raise RuntimeError("release of a mutex that is not held")
        self.put(TOKEN)

    def locked(self) -> bool:
        return self.empty()
