"""Keep-alive connections spread evenly over `originlink serve`'s worker processes.

A keep-alive connection stays with the worker that accepted it, and a burst of new connections
goes to whichever worker wakes first: eight clients split 6/2 as easily as 4/4, and then the
worker holding six answers each of them three times slower while the other idles — measured,
the issuance p99 of the busier worker was 2.5 times the other's (docs/reliability.md, "Tail
latency"). So each worker writes how many connections it holds into an array all workers share,
and a worker holding more than one above the least loaded one answers its next request with
`Connection: close` — one connection at a time, so that two workers never shed at once. The
client opens a new connection for its next request, which the least busy worker is the most
likely to accept; what it costs is a TCP handshake, never a request.

"One at a time" ends when a connection closes, or after `SHED_WAIT` seconds: the answer that
was to close one may go to a connection the client had already closed (the end of one run of
clients, the start of the next), and then nothing closes — without the bound that worker
would never shed again (eight clients stayed 6/2 for a whole run).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable

SHED_WAIT = 1.0  # seconds a `Connection: close` answer is waited for before another is sent


class ConnectionBalance:
    """Made in the arbiter before the workers fork (the array is shared memory); each worker
    then `join`s its own slot."""

    def __init__(self, workers: int, clock: Callable[[], float] = time.monotonic):
        self.counts = multiprocessing.RawArray("i", max(1, workers))
        self.slot: int | None = None
        self.clock = clock
        # Until when a `Connection: close` answer sent is waited for (0: none is).
        self._shedding_until = 0.0

    def free_slot(self, taken: Iterable[int | None]) -> int | None:
        """The slot for a worker about to be forked: the first no living worker holds (None
        beyond the workers the array was made for: that worker does not take part)."""
        used = set(taken)
        return next((i for i in range(len(self.counts)) if i not in used), None)

    def join(self, slot: int | None) -> None:
        """In the worker: this slot is ours (a replaced worker's count starts again at 0)."""
        self.slot = slot
        if slot is not None:
            self.counts[slot] = 0

    def holding(self, connections: int) -> None:
        """This worker now holds `connections` (called as each opens and closes)."""
        if self.slot is not None:
            if connections < self.counts[self.slot]:
                self._shedding_until = 0.0
            self.counts[self.slot] = connections

    def should_shed(self) -> bool:
        """Whether the answer about to be sent should close its connection."""
        if self.slot is None or len(self.counts) < 2:
            return False
        counts, slot = self.counts, self.slot
        if counts[slot] <= min(counts[:slot] + counts[slot + 1 :]) + 1:
            return False  # balanced: the usual case, answered without reading the clock
        now = self.clock()
        if now < self._shedding_until:
            return False
        self._shedding_until = now + SHED_WAIT
        return True
