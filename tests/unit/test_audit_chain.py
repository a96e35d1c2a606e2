"""The audit chain's hashing and verification, without a database: an intact chain passes,
and an edited, inserted, replaced, deleted (middle or tail) or reordered event is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from verification.audit import values
from verification.audit.chain import (
    ZERO_HASH,
    Head,
    Kind,
    Problem,
    canonical,
    count_and_verify,
    event_hash,
    verify,
)

T0 = datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=UTC)


def chain(n: int) -> list[dict]:
    """``n`` well-formed events, as rows read back from the table."""
    events, prev = [], ZERO_HASH
    for seq in range(1, n + 1):
        event = {
            "id": seq + 100,
            "seq": seq,
            "at": T0 + timedelta(seconds=seq),
            "actor_id": 7,
            "actor_label": "sme@example.com",
            "case_id": 3,
            "object_type": "answer",
            "object_id": str(seq),
            "action": "update",
            "before": values.dumps({"value": str(seq)}),
            "after": values.dumps({"value": str(seq + 1)}),
            "prev_hash": prev,
        }
        event["hash"] = prev = event_hash(event)
        events.append(event)
    return events


def head_of(events: list[dict]) -> Head:
    return Head(events[-1]["seq"], events[-1]["hash"]) if events else Head(0, ZERO_HASH)


def rehash(event: dict) -> dict:
    event["hash"] = event_hash(event)
    return event


def messages(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


# --- hashing ------------------------------------------------------------------------------


def test_the_hash_covers_every_field_but_id_and_hash():
    event = chain(1)[0]
    base = event_hash(event)
    assert event_hash({**event, "id": 999, "hash": "x"}) == base
    for name, other in [
        ("seq", 2),
        ("at", T0 + timedelta(microseconds=1)),
        ("actor_id", 8),
        ("actor_label", "someone@example.com"),
        ("case_id", None),
        ("object_type", "finding"),
        ("object_id", "2"),
        ("action", "delete"),
        ("before", None),
        ("after", '{"value":"3"}'),
        ("prev_hash", "f" * 64),
    ]:
        assert event_hash({**event, name: other}) != base, name


def test_canonical_form_is_sorted_compact_ascii_and_utc():
    event = chain(1)[0]
    paris = event["at"].astimezone(timezone(timedelta(hours=1)))
    assert event_hash({**event, "at": paris}) == event_hash(event)  # the same instant
    text = canonical({**event, "actor_label": "Zoë"}).decode("ascii")
    assert text.startswith('{"action":"update","actor_id":7,"actor_label":"Zo\\u00eb"')
    assert '"at":"2026-03-01T09:30:01.123456+00:00"' in text and " " not in text
    with pytest.raises(ValueError, match="naive"):
        event_hash({**event, "at": datetime(2026, 3, 1)})


def test_values_are_serialised_deterministically():
    row = {
        "b": b"\x00\xff",
        "a": Decimal("12000.50"),
        "d": datetime(2026, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))),
        "n": None,
        "day": datetime(2026, 3, 1).date(),
        "flag": True,
    }
    assert values.dumps(row) == (
        '{"a":"12000.50","b":"00ff","d":"2026-03-01T09:00:00+00:00","day":"2026-03-01",'
        '"flag":true,"n":null}'
    )
    assert values.loads(values.dumps(row))["a"] == "12000.50"
    assert values.loads("not json") == {} and values.loads(None) == {}


# --- verification -------------------------------------------------------------------------


def test_an_intact_chain_has_no_problems():
    events = chain(5)
    assert verify(events, head_of(events)) == []
    assert count_and_verify(iter(events), head_of(events)) == (5, [])
    assert verify([], Head(0, ZERO_HASH)) == [] and verify([], None) == []


def test_an_edited_event_is_named():
    events = chain(5)
    events[2]["after"] = '{"value":"999"}'  # UPDATE audit_event SET after = ...
    problems = verify(events, head_of(events))
    assert messages(problems) == ["event 3 was edited (its content no longer matches its hash)"]


def test_consecutive_edits_are_one_range():
    events = chain(6)
    for e in events[1:4]:
        e["actor_label"] = "someone else"
    assert messages(verify(events, head_of(events))) == [
        "events 2–4 were edited (their content no longer matches their hashes)"
    ]


def test_an_edit_with_its_hash_recomputed_breaks_the_next_link():
    events = chain(5)
    events[2]["after"] = '{"value":"999"}'
    rehash(events[2])
    problems = verify(events, head_of(events))
    assert [(p.kind, p.first, p.last) for p in problems] == [(Kind.BROKEN, 3, 4)]
    assert "event 4 does not link to event 3 (event 3 was replaced" in messages(problems)[0]


def test_a_deleted_middle_event_is_missing():
    events = chain(6)
    del events[2]
    assert messages(verify(events, head_of(events))) == ["event 3 is missing (deleted)"]
    del events[2:4]  # events 4 and 5 too
    assert messages(verify(events, head_of(events))) == ["events 3–5 are missing (deleted)"]


def test_a_deleted_first_event_is_missing():
    events = chain(3)
    head = head_of(events)
    assert messages(verify(events[1:], head)) == ["event 1 is missing (deleted)"]


def test_a_deleted_tail_is_caught_by_the_head():
    events = chain(40)
    head = head_of(events)
    assert messages(verify(events[:38], head)) == [
        "the last 2 events were deleted (head says 40, chain ends at 38)"
    ]
    assert messages(verify(events[:39], head)) == [
        "the last event was deleted (head says 40, chain ends at 39)"
    ]
    assert verify([], head)[0].kind is Kind.TAIL_DELETED


def test_an_event_replaced_in_the_middle_is_named_as_inserted():
    events = chain(5)
    forged = {**events[2], "after": '{"value":"forged"}', "prev_hash": "a" * 64}
    events[2] = rehash(forged)  # consistent in itself, but linked to nothing
    problems = verify(events, head_of(events))
    assert [(p.kind, p.first) for p in problems] == [(Kind.INSERTED, 3)]
    assert messages(problems) == [
        "event 3 was inserted or replaced (it does not link to event 2, and event 4 does "
        "not link to it)"
    ]


def test_a_forged_event_that_links_back_breaks_the_next_link():
    events = chain(5)
    events[2] = rehash({**events[2], "after": '{"value":"forged"}'})  # prev_hash kept
    problems = verify(events, head_of(events))
    assert [(p.kind, p.first, p.last) for p in problems] == [(Kind.BROKEN, 3, 4)]


def test_an_event_appended_after_the_head_is_inserted():
    events = chain(4)
    head = head_of(events)
    extra = rehash({**events[-1], "seq": 5, "object_id": "99", "prev_hash": events[-1]["hash"]})
    assert messages(verify([*events, extra], head)) == [
        "event 5 was inserted after the end of the chain (head says 4)"
    ]


def test_an_event_numbered_below_one_is_inserted():
    events = chain(3)
    forged = rehash({**events[0], "seq": 0})
    assert messages(verify([forged, *events], head_of(events))) == [
        "an event numbered 0 was inserted (the chain starts at 1)"
    ]


def test_reordered_events_are_caught():
    events = chain(5)
    # Swap the content of events 2 and 3 but keep the sequence numbers in place.
    a, b = events[1], events[2]
    events[1] = {**b, "seq": 2}
    events[2] = {**a, "seq": 3}
    problems = verify(events, head_of(events))
    assert [(p.kind, p.first, p.last) for p in problems] == [(Kind.EDITED, 2, 3)]
    # Renumbered and rehashed so each is consistent in itself: the links still break.
    rehash(events[1])
    rehash(events[2])
    problems = verify(events, head_of(events))
    assert [(p.kind, p.first, p.last) for p in problems] == [
        (Kind.INSERTED, 2, 2),  # 2 does not link to 1, and 3 does not link to 2
        (Kind.BROKEN, 3, 4),  # event 4 still links to the original event 3
    ]


def test_a_replaced_last_event_does_not_match_the_head():
    events = chain(4)
    head = head_of(events)
    events[-1] = rehash({**events[-1], "after": '{"value":"forged"}'})
    assert messages(verify(events, head)) == [
        "event 4 is not the event the head recorded (it was replaced, or the head was altered)"
    ]


def test_a_missing_head_with_events_is_a_problem():
    events = chain(2)
    assert messages(verify(events, None)) == [
        "the head row is missing while 2 events exist (it was deleted)"
    ]


def test_verify_holds_one_event_at_a_time():
    """A generator is enough: the walk never goes back (the CLI streams from the table)."""
    events = chain(50)
    consumed = []

    def stream():
        for e in events:
            consumed.append(e["seq"])
            yield e

    assert count_and_verify(stream(), head_of(events)) == (50, [])
    assert consumed == list(range(1, 51))
