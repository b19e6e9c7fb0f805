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


def columns_of(row, names: tuple[str, ...]) -> dict:
    """The named columns of a row as the hash reads them."""
    return {name: _plain(getattr(row, name)) for name in names}


def digest(prev_hash: str, fields: dict) -> str:
    """SHA-256 over the previous link's hash and the row as canonical JSON."""
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


class Chains:
    """A service's chains: for each, the model it links and the columns each link covers.
    The columns are written out, never read from the table: a column added to the table
    later must not change what the links already made cover (every link would then look
    tampered with). A chain that should cover a new column is a new chain, with a new name."""

    def __init__(self, metadata: MetaData, chains: dict[str, tuple[Any, tuple[str, ...]]]):
        self.heads, self.links = chain_tables(metadata)
        self.models = {name: model for name, (model, _) in chains.items()}
        self.columns = {name: columns for name, (_, columns) in chains.items()}

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
        # The rows first, read back as the database holds them; then the heads, locked in
        # one order (by name) and held only while the links are made and written.
        chains: dict[str, list[tuple[int, dict]]] = {}
        for chain in sorted({c for c, _ in pending}):
            model = self.models[chain]
            ids = [r if isinstance(r, int) else r.id for c, r in pending if c == chain]
            found = {row.id: row for row in session.scalars(
                select(model).where(model.id.in_(ids)).execution_options(populate_existing=True))}
            chains[chain] = [(row_id, columns_of(found[row_id], self.columns[chain])) for row_id in ids]
        for chain, rows in chains.items():
            head = session.execute(select(self.heads.c.hash, self.heads.c.rows)
                                   .where(self.heads.c.name == chain).with_for_update()).first()
            if head is None:  # the chain's first row ever (migrations make the head row)
                session.execute(self.heads.insert().values(name=chain, hash=GENESIS, rows=0))
                head = (GENESIS, 0)
            prev, count, links = head[0], head[1], []
            for row_id, fields in rows:
                prev, count = digest(prev, fields), count + 1
                links.append({"chain": chain, "seq": count, "row_id": row_id, "hash": prev})
            session.execute(self.links.insert(), links)
            session.execute(update(self.heads).where(self.heads.c.name == chain)
                            .values(hash=prev, rows=count))

    def verify_all(self, session) -> list[dict]:
        return [self.verify(session, chain) for chain in self.models]

    def verify_for(self, db, actor) -> list[dict]:
        """A service's `verify_chains` RPC: every chain, for city admins and the review team."""
        from .errors import Forbidden
        from .schemas import Actor
        if not Actor.model_validate(actor).has("city_admin", "review_team"):
            raise Forbidden("city admins and the review team only", code="chains_scope")
        with db.session() as session:
            return self.verify_all(session)

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
        link was changed, removed or put in; `head`: links were removed from the end).
        The head is read first and the chain checked up to it: rows committed while it
        runs are the next run's."""
        model, names = self.models[chain], self.columns[chain]
        head = self.head(session, chain)
        running, count, broken = GENESIS, 0, None
        while broken is None and count < head["rows"]:
            links = session.execute(select(self.links).where(
                self.links.c.chain == chain, self.links.c.seq > count, self.links.c.seq <= head["rows"])
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
                elif digest(running, columns_of(rows[link.row_id], names)) != link.hash:
                    broken = where | {"why": "content"}
                if broken is not None:
                    break
                running, count = link.hash, link.seq
        if broken is None and (head["hash"], head["rows"]) != (running, count):
            broken = {"seq": count + 1, "row_id": None, "why": "head"}
        return {"chain": chain, "ok": broken is None, "rows": count, "head": running,
                "first_broken": broken}


def _forget(session) -> None:
    session.info.pop(_PENDING, None)
