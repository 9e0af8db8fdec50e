"""Pure functions remembered by their whole input, per process: what pages print again and again.

A staff member's needs list prints the same fifty rows on every visit; writing one through the
template engine cost ~0.1 ms on the benchmark machine, finding it again a dictionary lookup
(issue 13). The key must hold *everything* the written value depends on (the values shown, the
language, the time zone…): then nothing can go stale, and no process needs to hear of another's
writes. What is remembered is forgotten all at once past `limit`, so memory stays bounded.

Never key on an identity alone (a need's number): the row would outlive the need's changes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Remembered(Generic[K, V]):
    """`write(key)`, remembered under `key`."""

    def __init__(self, write: Callable[[K], V], limit: int = 20_000) -> None:
        self.write = write
        self.limit = limit
        self.written: dict[K, V] = {}

    def __call__(self, key: K, write: Callable[[], V] | None = None) -> V:
        """The value remembered under `key`, else written by `write()` (or `self.write(key)`)."""
        try:
            return self.written[key]
        except KeyError:
            pass
        value = write() if write is not None else self.write(key)
        if len(self.written) >= self.limit:
            self.written.clear()
        self.written[key] = value
        return value

    def __len__(self) -> int:
        return len(self.written)

    def forget(self) -> None:
        self.written.clear()
