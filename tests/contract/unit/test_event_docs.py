"""The public event contract: the committed documents must match the code."""
import json

import jsonschema
import yaml

from ekinerja_contract import events
from tests.support.factories import report_approved, report_submitted
from tools import event_docs


def test_the_committed_event_document_matches_the_code():
    assert event_docs.DOC.read_text() == event_docs.render(), \
        "docs/EVENTS.md is stale: run `python -m tools.event_docs`"


def test_every_event_has_its_committed_json_schema():
    committed = {p.name: p.read_text() for p in event_docs.SCHEMAS.glob("*.json")}
    assert committed == event_docs.schema_files(), "docs/events/ is stale: run tools.event_docs"


def test_the_asyncapi_document_matches_the_code():
    assert event_docs.ASYNCAPI.read_text() == event_docs.asyncapi()
    doc = yaml.safe_load(event_docs.ASYNCAPI.read_text())
    assert set(doc["components"]["messages"]) == set(events.REGISTRY)


def test_published_messages_validate_against_their_schema_and_a_later_minor_too():
    for body in (report_submitted(1), report_approved(1)):
        schema = json.loads((event_docs.SCHEMAS / f"{body['type']}.json").read_text())
        jsonschema.validate(body, schema)
        later = {**body, "version": "1.4", "data": {**body["data"], "added_in_1_4": True}}
        jsonschema.validate(later, schema)  # additive within a major version
