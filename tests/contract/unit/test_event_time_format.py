"""Event time fields: what goes on the wire passes its committed JSON Schema with formats
checked, not only types.

Two traps this guards against (both checked here with jsonschema 4.26):
- without the `rfc3339-validator` package jsonschema registers no `time` and no
  `date-time` checker at all, so `format` silently passes (pinned in requirements-dev.txt);
- `jsonschema.FormatChecker()` with no arguments mixes every draft, and its `time` is
  draft 3's (`%H:%M:%S`, no offset), which accepts "09:00:00". The 2020-12 checker is
  RFC 3339's `full-time`, which requires an offset: that is the one our schemas mean.
"""
import datetime as dt
import json

import jsonschema
import pytest
from pydantic import ValidationError

from ekinerja_contract import events
from tests.support.factories import submitted_data
from tools import event_docs

CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER

MEETING = dict(meeting_id=3, organiser_id=1, title="Rapat koordinasi", date="2026-11-18",
               start=dt.time(9), end=dt.time(10, 30), expected=[2, 4])

# Every event type with a time-of-day field, built as its publisher builds it.
TIMED = {
    "meeting.created": MEETING,
    "report.submitted": submitted_data(start=dt.time(9), end=dt.time(10, 15, 30)),
    "report.resubmitted": submitted_data(start="07:30", end="08:00:00.250000"),
}


def wire(type_: str, data) -> dict:
    """The message body exactly as the outbox publishes it (JSON through kombu)."""
    env = events.build(type_, data, events.REGISTRY[type_].source)
    return json.loads(json.dumps(env.model_dump(mode="json")))


def committed_schema(type_: str) -> dict:
    return json.loads((event_docs.SCHEMAS / f"{type_}.json").read_text())


def validator(schema: dict) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema, format_checker=CHECKER)


def test_the_format_checks_really_run():
    assert {"time", "date-time", "date"} <= set(CHECKER.checkers), \
        "install rfc3339-validator: without it jsonschema skips time and date-time"
    assert not CHECKER.conforms("09:00:00", "time")        # full-time needs an offset
    assert CHECKER.conforms("09:00:00+08:00", "time")
    assert not CHECKER.conforms("2026-11-18 09:00", "date-time")
    # the trap: the draft-mixing default checker takes draft 3's time, without offset
    assert jsonschema.FormatChecker().conforms("09:00:00", "time")


def test_every_event_with_a_time_of_day_is_covered_here():
    assert set(event_docs.local_time_fields()) == set(TIMED)
    for type_ in events.REGISTRY:
        props = committed_schema(type_)["properties"]["data"]["properties"]
        assert not [n for n, p in props.items() if p.get("format") == "time"], type_


@pytest.mark.parametrize("type_", sorted(TIMED))
def test_the_message_on_the_wire_passes_its_schema_with_formats_checked(type_):
    body = wire(type_, TIMED[type_])
    errors = [e.message for e in validator(committed_schema(type_)).iter_errors(body)]
    assert errors == []
    for name in event_docs.local_time_fields()[type_]:
        assert ":" in body["data"][name] and "+" not in body["data"][name]


@pytest.mark.parametrize("type_", sorted(TIMED))
def test_the_old_format_time_declaration_refuses_the_same_message(type_):
    """What the contract said before 1.0.1: `format: time` on start/end. Real messages
    ("09:00:00") fail it, which is why the schema changed."""
    body = wire(type_, TIMED[type_])
    old = committed_schema(type_)
    for name in event_docs.local_time_fields()[type_]:
        old["properties"]["data"]["properties"][name] = {"type": "string", "format": "time"}
    failing = {tuple(e.absolute_path) for e in validator(old).iter_errors(body)}
    assert failing == {("data", n) for n in event_docs.local_time_fields()[type_]}


@pytest.mark.parametrize("value", ["9:00:00", "09:00", "24:00:00", "09:00:00+08:00",
                                   "09:00:00Z", "09:60:00", "", "jam sembilan"])
def test_the_local_time_pattern_refuses_anything_but_hh_mm_ss(value):
    body = wire("meeting.created", MEETING)
    body["data"]["start"] = value
    assert not validator(committed_schema("meeting.created")).is_valid(body)


def test_a_time_with_an_offset_cannot_be_published():
    with pytest.raises(ValidationError):
        events.build("meeting.created", {**MEETING, "start": "09:00:00+08:00"}, "reporting")
    aware = dt.time(9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with pytest.raises(ValidationError):
        events.build("report.submitted", submitted_data(start=aware), "reporting")


def test_consumers_read_the_times_back_as_the_same_wall_clock_times():
    for type_, data in TIMED.items():
        body = wire(type_, data)
        parsed = events.parse_body(body)
        assert parsed.start.tzinfo is None and parsed.end.tzinfo is None
        assert parsed.start.isoformat() == body["data"]["start"]
        assert parsed.end < dt.time(23) and parsed.start < parsed.end
