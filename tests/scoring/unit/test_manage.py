"""Scoring's admin commands on their own database."""
import json

from sqlalchemy import create_engine, text

from ekinerja_contract.rule_set import default_body
from services.scoring import manage
from services.scoring.models import Base


def test_announce_rule_sets_publishes_every_stored_set_again_with_its_body(tmp_path):
    url = f"sqlite:///{tmp_path / 'scoring.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    body = tmp_path / "body.json"
    body.write_text(json.dumps(default_body().model_dump(mode="json") | {"holidays": ["2027-01-01"]}))
    assert manage.load_rule_set(str(body), "2027-01-01", None, url) == 0
    assert manage.load_rule_set(str(body), "2027-02-01", 3, url) == 0
    assert manage.announce_rule_sets(url) == 0
    with engine.connect() as conn:
        sent = [r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in conn.execute(text(
            "SELECT envelope FROM outbox WHERE event_type = 'scoring.rule_set_published' "
            "ORDER BY created_at"))]
    engine.dispose()
    assert len(sent) == 4  # published twice, announced twice
    assert sorted(m["data"]["rule_set_id"] for m in sent) == [1, 1, 2, 2]
    assert all(m["version"] == "1.2" and m["data"]["body"]["holidays"] == ["2027-01-01"]
               for m in sent)
