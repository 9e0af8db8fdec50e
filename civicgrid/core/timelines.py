"""What every record's timeline shares: typed event data written to and read from a JSON
field, rows that are appended once and never changed (`needs.NeedEvent`,
`volunteers.VolunteerEvent`, `committees.CommitteeEvent`), and who listens to them."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar, Literal, Self

from django.db import models, transaction


@dataclass(frozen=True, kw_only=True)
class EventData:
    """An event's data: one dataclass per kind builds the stored JSON (`to_data`, leaving out
    what is None) and reads it back (`from_data`, ignoring keys it does not know)."""

    # Attribute names that are not the stored key (a Python keyword, "from").
    KEYS: ClassVar[Mapping[str, str]] = {}

    def to_data(self) -> dict[str, Any]:
        return {
            self.KEYS.get(f.name, f.name): getattr(self, f.name)
            for f in dataclasses.fields(self)
            if getattr(self, f.name) is not None
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> Self:
        data = data or {}
        values = {}
        for f in dataclasses.fields(cls):
            key = cls.KEYS.get(f.name, f.name)
            if key in data:
                values[f.name] = data[key]
        return cls(**values)


APPEND_ONLY = "The timeline is append-only: events are never {}."


class AppendOnlyQuerySet(models.QuerySet):
    """A timeline's rows in bulk: never updated, never deleted."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError(APPEND_ONLY.format("updated"))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(APPEND_ONLY.format("deleted"))


class AppendOnly(models.Model):
    """A timeline's row: saved once, when it is added; then neither saved again nor deleted.
    `core.inserts.insert()` may write it without `save()`, which only adds the check."""

    insert_safe: ClassVar[bool] = True

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(APPEND_ONLY.format("updated"))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(APPEND_ONLY.format("deleted"))


When = Literal["transaction", "commit"]


class Subscribers:
    """Who listens to a timeline's events, by kind ("task.verify", or `ANY`): each handler is
    called in the event's transaction (`when="transaction"`: counters, other records that must
    move with it) or after its commit (`"commit"`: messages)."""

    ANY = "*"

    def __init__(self) -> None:
        self._handlers: dict[str, list[tuple[Callable[[Any], None], When]]] = defaultdict(list)

    def subscribe(
        self,
        kinds: str | Sequence[str],
        handler: Callable[[Any], None],
        *,
        when: When = "transaction",
    ) -> None:
        for kind in [kinds] if isinstance(kinds, str) else kinds:
            if (handler, when) not in self._handlers[kind]:
                self._handlers[kind].append((handler, when))

    def publish(self, kind: str, payload: Any) -> None:
        for handler, when in [*self._handlers.get(kind, ()), *self._handlers.get(self.ANY, ())]:
            if when == "transaction":
                handler(payload)
            else:
                transaction.on_commit(partial(handler, payload))
