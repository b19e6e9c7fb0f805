"""A tamper-evident record: rows chained by hash, each link covering the one before.

Each chain (approval's decisions, scoring's ledger lines and snapshot lines) is a list of
links in `chain_link`: link n names a row (`row_id`) and holds `hash` = SHA-256 over link
n-1's hash and the row's columns as the database holds them. A row changed behind the
service's back no longer matches its link; a row removed leaves its link pointing at
nothing; a link removed or changed breaks the next one; links removed from the end no
longer reach the head kept in `chain_head`, which the PDF slip and the export print, so
that a copy outside the database can be held against it. `verify` recomputes a chain and
names the first broken link.

The links are written as the transaction commits (one SELECT ... FOR UPDATE of the head,
one multi-row INSERT, one UPDATE), after every other lock it took: the head is the last
lock, held only until the commit, so chaining never deadlocks with a task's or a
person's lock, and two transactions never fork a chain. The rows themselves are not
touched: they keep their own columns, and a chain reads them back as the database holds
them (so a decimal or a time zone is hashed as it will be read when verified)."""
import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, event, select, update

GENESIS = "0" * 64
_PENDING = "ekinerja.chain_pending"  # session.info: rows to chain when this transaction commits


def chain_tables(metadata: MetaData) -> tuple[Table, Table]:
    """Each chain's head (its last hash and its length) and its links."""
    heads = Table("chain_head", metadata,
                  Column("name", String(40), primary_key=True),
                  Column("hash", String(64), nullable=False),
                  Column("rows", Integer, nullable=False))
    links = Table("chain_link", metadata,
                  Column("chain", String(40), primary_key=True),
                  Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                         autoincrement=False),
                  Column("row_id", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
                  Column("hash", String(64), nullable=False),
                  Index("ix_chain_link_row", "chain", "row_id"))
    return heads, links


def _plain(value):
    """A column's value as the hash reads it: the same whichever database handed it back."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)  # SQLite keeps UTC wall time
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 5, 5.0 and 5.00 are one amount
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def columns_of(row) -> dict:
    return {c.name: _plain(getattr(row, c.key)) for c in row.__table__.columns}


def digest(prev_hash: str, fields: dict) -> str:
    """SHA-256 over the previous link's hash and the row as canonical JSON."""
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


class Chains:
    """A service's chains: their names and the model each one links."""

    def __init__(self, metadata: MetaData, models: dict[str, Any]):
        self.heads, self.links = chain_tables(metadata)
        self.models = models

    def add(self, session, chain: str, *row_ids) -> None:
        """Chain these rows (ids, or ORM rows flushed by the commit) when it commits."""
        pending = session.info.get(_PENDING)
        if pending is None:
            pending = session.info[_PENDING] = []
            event.listen(session, "before_commit", self._seal, once=True)
            event.listen(session, "after_rollback", _forget, once=True)
        pending.extend((chain, r) for r in row_ids)

    def _seal(self, session) -> None:
        pending = session.info.pop(_PENDING, [])
        if not pending:
            return
        session.flush()  # every row has its id
        for chain in dict.fromkeys(c for c, _ in pending):  # in the order first named
            model = self.models[chain]
            ids = [r if isinstance(r, int) else r.id for c, r in pending if c == chain]
            rows = {row.id: row for row in session.scalars(
                select(model).where(model.id.in_(ids)).execution_options(populate_existing=True))}
            head = session.execute(select(self.heads.c.hash, self.heads.c.rows)
                                   .where(self.heads.c.name == chain).with_for_update()).first()
            if head is None:  # the chain's first row ever (migrations make the head row)
                session.execute(self.heads.insert().values(name=chain, hash=GENESIS, rows=0))
                head = (GENESIS, 0)
            prev, count, links = head[0], head[1], []
            for row_id in ids:
                prev, count = digest(prev, columns_of(rows[row_id])), count + 1
                links.append({"chain": chain, "seq": count, "row_id": row_id, "hash": prev})
            session.execute(self.links.insert(), links)
            session.execute(update(self.heads).where(self.heads.c.name == chain)
                            .values(hash=prev, rows=count))

    def verify_all(self, session) -> list[dict]:
        return [self.verify(session, chain) for chain in self.models]

    def head(self, session, chain: str) -> dict:
        row = session.execute(select(self.heads.c.hash, self.heads.c.rows)
                              .where(self.heads.c.name == chain)).first()
        return {"chain": chain, "hash": row.hash if row else GENESIS, "rows": row.rows if row else 0}

    def link_of(self, session, chain: str, row_id: int) -> str | None:
        """The hash of a row's link: the chain's head as it stood just after that row."""
        return session.scalar(select(self.links.c.hash).where(self.links.c.chain == chain,
                                                              self.links.c.row_id == row_id))

    def verify(self, session, chain: str, batch: int = 5000) -> dict:
        """Recompute a chain link by link: its length, its head, and the first broken link
        with why (`content`: the row was changed; `missing`: the row is gone; `link`: a
        link was changed, removed or put in; `head`: links were removed from the end)."""
        model = self.models[chain]
        running, count, broken = GENESIS, 0, None
        while broken is None:
            links = session.execute(select(self.links).where(
                self.links.c.chain == chain, self.links.c.seq > count)
                .order_by(self.links.c.seq).limit(batch)).all()
            if not links:
                break
            rows = {row.id: row for row in session.scalars(
                select(model).where(model.id.in_([link.row_id for link in links])))}
            for link in links:
                where = {"seq": link.seq, "row_id": link.row_id}
                if link.seq != count + 1:  # the link that should be here is gone
                    broken = {"seq": count + 1, "row_id": None, "why": "link"}
                elif link.row_id not in rows:
                    broken = where | {"why": "missing"}
                elif digest(running, columns_of(rows[link.row_id])) != link.hash:
                    broken = where | {"why": "content"}
                if broken is not None:
                    break
                running, count = link.hash, link.seq
        head = self.head(session, chain)
        if broken is None and (head["hash"], head["rows"]) != (running, count):
            broken = {"seq": count + 1, "row_id": None, "why": "head"}
        return {"chain": chain, "ok": broken is None, "rows": count, "head": running,
                "first_broken": broken}


def _forget(session) -> None:
    session.info.pop(_PENDING, None)
