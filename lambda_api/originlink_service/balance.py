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
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable


class ConnectionBalance:
    """Made in the arbiter before the workers fork (the array is shared memory); each worker
    then `join`s its own slot."""

    def __init__(self, workers: int):
        self.counts = multiprocessing.RawArray("i", max(1, workers))
        self.slot: int | None = None
        self._shedding = False  # a `Connection: close` answer sent, its connection still open

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
                self._shedding = False
            self.counts[self.slot] = connections

    def should_shed(self) -> bool:
        """Whether the answer about to be sent should close its connection."""
        if self.slot is None or self._shedding or len(self.counts) < 2:
            return False
        mine = self.counts[self.slot]
        least = min(c for i, c in enumerate(self.counts) if i != self.slot)
        self._shedding = mine > least + 1
        return self._shedding
