"""The tamper-evident chain on a real database (SQLite here, PostgreSQL in
tests/integration/test_chains.py): rows chained as their transactions commit, the chain
recomputed, and each way of tampering named at its first broken link."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Date, DateTime, Integer, Numeric, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.chain import GENESIS, Chains, columns_of, digest
from ekinerja_contract.db import messaging_tables
from tests.support.stores import sqlite_store


class Base(DeclarativeBase):
    pass


class Line(Base):
    __tablename__ = "line"
    id: Mapped[int] = mapped_column(primary_key=True)
    who: Mapped[str] = mapped_column(String(20))
    rupiah: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    day: Mapped[dt.date] = mapped_column(Date)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


messaging_tables(Base.metadata)
COLUMNS = ("id", "who", "rupiah", "points", "day", "at")
CHAINS = Chains(Base.metadata, {"lines": (Line, COLUMNS)})


@pytest.fixture
def db(tmp_path):
    return sqlite_store(Base.metadata, "test", tmp_path / "c.db")


def write(db, *people, rupiah=7500):
    with db.unit_of_work() as uow:
        for who in people:
            line = Line(who=who, rupiah=rupiah, points=Decimal("5"), day=dt.date(2026, 11, 18),
                        at=dt.datetime(2026, 11, 18, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))))
            uow.session.add(line)
            CHAINS.add(uow.session, "lines", line)


def test_rows_are_chained_as_they_commit_and_the_chain_verifies(db):
    write(db, "sari", "agus")
    write(db, "made")
    with db.session() as s:
        result = CHAINS.verify(s, "lines")
        assert result | {"head": None} == {"chain": "lines", "ok": True, "rows": 3, "head": None,
                                           "first_broken": None}
        assert result["head"] == CHAINS.head(s, "lines")["hash"] != GENESIS
        first = s.get(Line, 1)
        # what the link covers: the row as the database hands it back (5 and 5.00 alike)
        assert columns_of(first, COLUMNS)["points"] == "5"
        assert CHAINS.link_of(s, "lines", 1) == digest(GENESIS, columns_of(first, COLUMNS))


def test_a_rolled_back_transaction_chains_nothing(db):
    write(db, "sari")
    with pytest.raises(RuntimeError), db.unit_of_work() as uow:
        line = Line(who="x", rupiah=1, points=Decimal(1), day=dt.date(2026, 11, 1),
                    at=dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC))
        uow.session.add(line)
        CHAINS.add(uow.session, "lines", line)
        raise RuntimeError("refused")
    write(db, "agus")
    with db.session() as s:
        assert CHAINS.verify(s, "lines")["ok"] and CHAINS.verify(s, "lines")["rows"] == 2


@pytest.mark.parametrize("tamper,seq,why", [
    ("UPDATE line SET rupiah = 750000 WHERE id = 2", 2, "content"),
    ("DELETE FROM line WHERE id = 2", 2, "missing"),
    ("DELETE FROM chain_link WHERE seq = 2", 2, "link"),
    ("UPDATE chain_link SET hash = '{}' WHERE seq = 2".format("f" * 64), 2, "content"),
    ("DELETE FROM chain_link WHERE seq = 3", 3, "head"),
])
def test_a_change_behind_the_services_back_is_named_at_its_first_broken_link(db, tamper, seq, why):
    write(db, "sari", "agus", "made")
    with db.unit_of_work() as uow:
        uow.session.execute(text(tamper))
    with db.session() as s:
        result = CHAINS.verify(s, "lines")
    assert not result["ok"] and (result["first_broken"]["seq"], result["first_broken"]["why"]) == (seq, why)


def test_rows_committed_while_it_verifies_are_the_next_runs_not_a_broken_head(db):
    write(db, "sari", "agus")
    with db.session() as s:
        head = CHAINS.head(s, "lines")
        write(db, "made")  # another transaction commits between the head and the links
        CHAINS.head = lambda session, chain: head  # the head as it was read first
        try:
            result = CHAINS.verify(s, "lines")
        finally:
            del CHAINS.head  # the class's own again
    assert result["ok"] and result["rows"] == 2
