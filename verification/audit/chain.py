"""The hash chain of audit events: hashing and verification. Pure: no Flask, no database.

Each event's hash is the SHA-256 of the canonical JSON (sorted keys, no whitespace, ASCII)
of every hashed field, ``prev_hash`` included, so an event commits to everything before
it. :func:`verify` walks events in ``seq`` order, holding one event at a time, and names
each event that was edited, inserted or deleted, and a tail cut off behind the head.

What a chain cannot show: someone with write access who rewrites every event after the
one they changed *and* the head. Only a copy of the head kept elsewhere catches that
(docs/audit.md, "Anchoring the head").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ..messages import N_, Message

ZERO_HASH = "0" * 64

# Every field of an event but ``id`` (the storage's own) and ``hash`` (the result).
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "case_id",
    "object_type",
    "object_id",
    "action",
    "before",
    "after",
    "prev_hash",
)


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{name}: a naive datetime cannot be hashed (UTC is required)")
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"{name}: {type(value).__name__} cannot be hashed")


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes that are hashed: the hashed fields as canonical JSON."""
    data = {name: _plain(name, fields[name]) for name in HASHED_FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def event_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of an event's hashed fields, ``prev_hash`` included."""
    return hashlib.sha256(canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Head:
    """The chain's last sequence number and hash, as the ``audit_head`` row records them."""

    seq: int
    last_hash: str


class Kind(StrEnum):
    EDITED = "edited"  # content no longer matches the event's own hash
    MISSING = "missing"  # a gap in the sequence numbers
    INSERTED = "inserted"  # links broken on both sides of one event
    BROKEN = "broken"  # one link broken: the earlier event was replaced or rehashed
    OUT_OF_RANGE = "out_of_range"  # a sequence number below 1
    TAIL_DELETED = "tail_deleted"  # the head says more events than there are
    APPENDED = "appended"  # events beyond the head
    HEAD_MISMATCH = "head_mismatch"  # the last event is not the one the head recorded
    HEAD_MISSING = "head_missing"  # events without a head row


@dataclass(frozen=True)
class Problem:
    """One finding of :func:`verify`, naming events by sequence number (``first``..``last``)."""

    kind: Kind
    first: int
    last: int
    head: int | None = None  # the head's sequence number, for the head problems

    @property
    def message(self) -> Message:
        first, last, head = self.first, self.last, self.head
        one = first == last
        match self.kind:
            case Kind.EDITED if one:
                return N_(
                    "event %(seq)d was edited (its content no longer matches its hash)", seq=first
                )
            case Kind.EDITED:
                return N_(
                    "events %(first)d–%(last)d were edited (their content no longer matches "
                    "their hashes)",
                    first=first,
                    last=last,
                )
            case Kind.MISSING if one:
                return N_("event %(seq)d is missing (deleted)", seq=first)
            case Kind.MISSING:
                return N_("events %(first)d–%(last)d are missing (deleted)", first=first, last=last)
            case Kind.INSERTED:
                return N_(
                    "event %(seq)d was inserted or replaced (it does not link to event "
                    "%(before)d, and event %(after)d does not link to it)",
                    seq=first,
                    before=first - 1,
                    after=first + 1,
                )
            case Kind.BROKEN if first == 0:
                return N_(
                    "event 1 does not start the chain (it was replaced, or an event was "
                    "inserted before it)"
                )
            case Kind.BROKEN:
                return N_(
                    "the chain is broken between events %(first)d and %(last)d: event "
                    "%(last)d does not link to event %(first)d (event %(first)d was replaced "
                    "or its hash rewritten, or event %(last)d was inserted)",
                    first=first,
                    last=last,
                )
            case Kind.OUT_OF_RANGE:
                return N_(
                    "an event numbered %(seq)d was inserted (the chain starts at 1)", seq=first
                )
            case Kind.TAIL_DELETED if one:
                return N_(
                    "the last event was deleted (head says %(head)d, chain ends at %(end)d)",
                    head=head,
                    end=first - 1,
                )
            case Kind.TAIL_DELETED:
                return N_(
                    "the last %(count)d events were deleted (head says %(head)d, chain ends "
                    "at %(end)d)",
                    count=last - first + 1,
                    head=head,
                    end=first - 1,
                )
            case Kind.APPENDED if one:
                return N_(
                    "event %(seq)d was inserted after the end of the chain (head says %(head)d)",
                    seq=first,
                    head=head,
                )
            case Kind.APPENDED:
                return N_(
                    "events %(first)d–%(last)d were inserted after the end of the chain (head "
                    "says %(head)d)",
                    first=first,
                    last=last,
                    head=head,
                )
            case Kind.HEAD_MISMATCH if first == 0:
                return N_("the head was altered (the chain is empty, the head records a hash)")
            case Kind.HEAD_MISMATCH:
                return N_(
                    "event %(seq)d is not the event the head recorded (it was replaced, or "
                    "the head was altered)",
                    seq=first,
                )
            case _:
                return N_(
                    "the head row is missing while %(count)d events exist (it was deleted)",
                    count=last,
                )

    def __str__(self) -> str:
        return str(self.message)


_MERGED = (Kind.EDITED, Kind.MISSING)


@dataclass
class _Seen:
    seq: int
    hash: str
    edited: bool


class _Walk:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.prev: _Seen | None = None
        self.count = 0
        # A broken link (earlier seq, later seq) waiting for the next event: a break on
        # both sides of one event means that event was inserted or replaced.
        self.pending: tuple[int, int] | None = None

    def add(self, kind: Kind, first: int, last: int | None = None, head: int | None = None):
        last = first if last is None else last
        if self.problems and kind in _MERGED:
            tail = self.problems[-1]
            if tail.kind == kind and tail.last + 1 == first:
                self.problems[-1] = Problem(kind, tail.first, last)
                return
        self.problems.append(Problem(kind, first, last, head))

    def step(self, event: Mapping[str, Any]) -> None:
        seq = event["seq"]
        self.count += 1
        edited = event_hash(event) != event["hash"]
        prev = self.prev
        expected = prev.seq + 1 if prev else 1
        if seq < expected:  # sorted and unique, so only a number below 1
            self.add(Kind.EDITED if edited else Kind.OUT_OF_RANGE, seq)
            return
        if edited:
            self.add(Kind.EDITED, seq)
        broken = False
        if seq > expected:
            self.add(Kind.MISSING, expected, seq - 1)
        else:
            linked_to = prev.hash if prev else ZERO_HASH
            # A break next to an edited event is that edit (a changed prev_hash or hash).
            broken = event["prev_hash"] != linked_to and not edited and not (prev and prev.edited)
        if self.pending is not None:
            if broken and prev is not None and self.pending[1] == prev.seq:
                self.add(Kind.INSERTED, prev.seq)
                broken = False
            else:
                self.add(Kind.BROKEN, *self.pending)
            self.pending = None
        if broken:
            self.pending = (prev.seq if prev else 0, seq)
        self.prev = _Seen(seq, event["hash"], edited)

    def finish(self, head: Head | None) -> list[Problem]:
        if self.pending is not None:
            self.add(Kind.BROKEN, *self.pending)
        end = self.prev.seq if self.prev else 0
        if head is None:
            if self.count:
                self.add(Kind.HEAD_MISSING, 0, self.count)
        elif head.seq > end:
            self.add(Kind.TAIL_DELETED, end + 1, head.seq, head=head.seq)
        elif head.seq < end:
            self.add(Kind.APPENDED, head.seq + 1, end, head=head.seq)
        elif self.prev is not None and not self.prev.edited and head.last_hash != self.prev.hash:
            self.add(Kind.HEAD_MISMATCH, end, head=head.seq)
        elif self.prev is None and head.last_hash != ZERO_HASH:
            self.add(Kind.HEAD_MISMATCH, 0, head=head.seq)
        return self.problems


def verify(events: Iterable[Mapping[str, Any]], head: Head | None) -> list[Problem]:
    """Every problem of a chain, given its events in ``seq`` order (any iterable; one event
    is held at a time) and its head (None when the head row is missing). Empty: intact."""
    return count_and_verify(events, head)[1]


def count_and_verify(
    events: Iterable[Mapping[str, Any]], head: Head | None
) -> tuple[int, list[Problem]]:
    """:func:`verify`, also giving the number of events read."""
    walk = _Walk()
    for event in events:
        walk.step(event)
    return walk.count, walk.finish(head)
