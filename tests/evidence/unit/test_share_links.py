"""A link to evidence in the national Progres Harian export: a national reviewer opens it
without an account for SHARE_DAYS; it names one piece of evidence, cannot be altered or
stretched, dies with its day, and every opening is logged."""
import datetime as dt
import types

import pytest
from sqlalchemy import select

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import NotFound
from ekinerja_contract.schemas import Actor
from services.evidence import backends, evidence, rules
from services.evidence.models import Base, Evidence, EvidenceView
from tests.support.stores import sqlite_store

TODAY = dt.date(2026, 12, 3)
OWNER = Actor(account_id=5, employee_id=5, agency_id=1, roles=["employee"])
EID = "0b8f5c1e-0000-4000-8000-000000000001"


@pytest.fixture
def world(tmp_path):
    db = sqlite_store(Base.metadata, "evidence", tmp_path / "e.db")
    store = types.SimpleNamespace(backend=backends.LocalBackend(tmp_path / "files", "http://ev.test", b"k"),
                                  ttl=300, review_scope="agency")
    with db.unit_of_work() as uow:
        for n, status in ((1, "linked"), (2, "stored")):
            uow.session.add(Evidence(id=EID[:-1] + str(n), owner_id=5, object_key=f"evidence/{n}",
                                     filename="surat.jpg", content_type="image/jpeg", size=10,
                                     status=status, viewers=[7], agency_id=1, created_at=utcnow()))
    return db, store


def test_the_key_is_made_once_and_shared_by_every_caller(world):
    db, _ = world
    assert evidence.share_key(db) == evidence.share_key(db) and len(evidence.share_key(db)) == 32


def test_only_linked_evidence_the_caller_may_share_gets_a_link(world):
    db, store = world
    key = evidence.share_key(db)
    ids = [EID, EID[:-1] + "2", "nope"]
    with db.session() as s:
        mine = evidence.share_links(s, store, key, OWNER, ids, TODAY)
        assert list(mine) == [EID]  # the stored one is on no report yet
        assert mine[EID]["until"] == (TODAY + dt.timedelta(days=evidence.SHARE_DAYS)).isoformat()
        admin = Actor(account_id=9, agency_id=1, roles=["agency_admin"])
        assert list(evidence.share_links(s, store, key, admin, ids, TODAY)) == [EID]
        elsewhere = Actor(account_id=10, agency_id=2, roles=["agency_admin"])
        assert evidence.share_links(s, store, key, elsewhere, ids, TODAY) == {}
        colleague = Actor(account_id=11, employee_id=11, agency_id=1, roles=["employee"])
        assert evidence.share_links(s, store, key, colleague, ids, TODAY) == {}


def test_a_link_opens_for_anyone_until_its_day_and_each_opening_is_logged(world):
    db, store = world
    key = evidence.share_key(db)
    with db.session() as s:
        token = evidence.share_links(s, store, key, OWNER, [EID], TODAY)[EID]["token"]
    later = TODAY + dt.timedelta(days=evidence.SHARE_DAYS)
    with db.unit_of_work() as uow:
        assert evidence.open_shared(uow, store, key, token, later)["url"].startswith("http://ev.test/")
    with db.session() as s:
        [seen] = s.scalars(select(EvidenceView))
        assert (seen.evidence_id, seen.account_id, seen.via_link_until) == (EID, 0, later)
    for bad, day in ((token, later + dt.timedelta(days=1)),  # past its day
                     (token.replace(token.split(".")[1], f"{later.year + 5}1231"), TODAY),  # stretched
                     (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), TODAY),  # forged
                     (rules.share_token(b"x" * 32, EID, later), TODAY),  # another key
                     (EID[:-1] + "2" + token[36:], TODAY)):  # another piece of evidence
        with db.unit_of_work() as uow, pytest.raises(NotFound) as err:
            evidence.open_shared(uow, store, key, bad, day)
        assert err.value.code == "evidence_link_invalid"


@pytest.mark.parametrize("token", ["", "a.b.c", "x" * 36 + ".2026130.abc", "." * 5])
def test_a_malformed_token_names_nothing(token):
    assert rules.shared_evidence_id(b"k" * 32, token, TODAY) is None


def test_a_revoked_approval_closes_its_links_and_shares_no_more(world):
    db, store = world
    key = evidence.share_key(db)
    with db.session() as s:
        token = evidence.share_links(s, store, key, OWNER, [EID], TODAY)[EID]["token"]
    with db.unit_of_work() as uow:
        s = uow.session
        s.get(Evidence, EID).report_id = 12
    with db.unit_of_work() as uow:
        evidence.revoke_links(uow, 12)
    with db.unit_of_work() as uow, pytest.raises(NotFound):
        evidence.open_shared(uow, store, key, token, TODAY)
    with db.session() as s:
        assert evidence.share_links(s, store, key, OWNER, [EID], TODAY) == {}
