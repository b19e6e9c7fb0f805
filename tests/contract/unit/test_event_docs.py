from tools import event_docs


def test_the_committed_event_document_matches_the_code():
    assert event_docs.DOC.read_text() == event_docs.render(), \
        "docs/EVENTS.md is stale: run `python -m tools.event_docs`"
