"""Items owed and each day's reconciliation, kept in the sync adapter's tables; the
comparison itself is rules.reconcile."""
import datetime as dt
import uuid

from sqlalchemy import select

from ekinerja_contract import clock
from ekinerja_contract.sheets import csv_bytes, neutralise, table_xlsx

from . import rules
from .models import DailyClaim, Reconciliation, SyncItem


def owe(uow, item: SyncItem | None, kind: str, key: str, action: str, ref: dict,
        employee_id: int, day: dt.date | None, version: str, changed_at: dt.datetime) -> SyncItem:
    """Make (or change) an item to this version, pending, and tell the pusher."""
    s = uow.session
    if item is None:
        item = SyncItem(kind=kind, key=key, ref=ref, employee_id=employee_id, day=day, attempts=0)
        s.add(item)
    item.action, item.version, item.state, item.attempts = action, version, "pending", 0
    item.changed_at, item.updated_at = changed_at, clock.now()
    s.flush()
    uow.emit("sync.due", {"item_id": item.id, "key": key, "kind": kind, "version": version})
    return item


def resend(uow, states: tuple[str, ...], day: dt.date | None = None) -> int:
    """Owe again the items in these states (of a day), each under a new version."""
    q = select(SyncItem).where(SyncItem.state.in_(states))
    if day is not None:
        q = q.where(SyncItem.day == day)
    items = list(uow.session.scalars(q.with_for_update()))
    for item in items:
        owe(uow, item, item.kind, item.key, item.action, item.ref, item.employee_id, item.day,
            str(uuid.uuid4()), item.changed_at)
    return len(items)


def resend_stale(uow, before: dt.datetime, lease_over: dt.datetime) -> int:
    """Owe again items owed since before `before` with no push under way: their message
    went to the dead-letter queue, or was lost, while they were still pending."""
    q = select(SyncItem).where(SyncItem.state.in_(("pending", "sending")), SyncItem.updated_at < before,
                               SyncItem.claimed_at.is_(None) | (SyncItem.claimed_at < lease_over))
    items = list(uow.session.scalars(q.limit(1000).with_for_update()))
    for item in items:
        owe(uow, item, item.kind, item.key, item.action, item.ref, item.employee_id, item.day,
            str(uuid.uuid4()), item.changed_at)
    return len(items)


def claim_day(uow, today: dt.date) -> bool:
    """Whether this instance runs today's reconciliation (the first to claim the day)."""
    from sqlalchemy.exc import IntegrityError
    s = uow.session
    if s.get(DailyClaim, today) is not None:
        return False
    try:
        with s.begin_nested():
            s.add(DailyClaim(day=today, claimed_at=clock.now()))
    except IntegrityError:
        return False
    return True


def _changed_at(held: dict, fallback: dt.datetime) -> dt.datetime:
    """When a held report was approved: an item made for it now is that old, so a later
    revoke still counts and an earlier approval does not."""
    at = held.get("decided_at")
    return clock.as_utc(dt.datetime.fromisoformat(at)) if at else fallback


def run(uow, day: dt.date, held: list[dict], theirs: list[dict] | None, error: str | None,
        owe_missing: bool = True) -> dict:
    """Compare and keep the result. With the adapter on, what is missing is owed again:
    a held report with no item (the adapter was off, or its event was dead-lettered), a
    failed one; and a report revoked here but still listed there is removed again."""
    s = uow.session
    items = {i.key: i for i in s.scalars(select(SyncItem).where(SyncItem.day == day))}
    ours = {k: {"state": i.state, "last_error": i.last_error} for k, i in items.items()}
    people = rules.reconcile(held, ours, theirs)
    if owe_missing:
        now = clock.now()
        listed = {t.get("idLokal") for t in theirs or []}
        for h in held:
            key = rules.progress_key(h["report_id"])
            item = items.get(key)
            # not there, and nothing on its way: never made, failed, refused, closed while
            # reporting had not applied the approval yet, or acknowledged and gone since
            on_its_way = item is not None and item.state in ("pending", "sending")
            there = item is not None and item.state == "acknowledged" and (theirs is None or key in listed)
            if not (on_its_way or there):
                owe(uow, item, rules.PROGRESS, key, "upsert", {"report_id": h["report_id"]},
                    h["employee_id"], day, str(uuid.uuid4()),
                    item.changed_at if item else _changed_at(h, now))
        held_keys = {rules.progress_key(h["report_id"]) for h in held}
        for t in theirs or []:
            item = items.get(t.get("idLokal"))
            if t.get("idLokal") not in held_keys and item is not None \
                    and item.state not in ("pending", "sending"):
                item.national_id = item.national_id or (str(t["id"]) if t.get("id") is not None else None)
                owe(uow, item, item.kind, item.key, "delete", item.ref, item.employee_id, day,
                    str(uuid.uuid4()), item.changed_at)
    row = s.get(Reconciliation, day) or Reconciliation(day=day)
    row.ran_at, row.held, row.people, row.error = clock.now(), len(held), people, error
    row.acknowledged = sum(1 for i in items.values() if i.state == "acknowledged" and i.action == "upsert")
    row.national = len(theirs) if theirs is not None else None
    s.add(row)
    s.flush()
    return as_dict(row)


def as_dict(run: Reconciliation) -> dict:
    return {"day": run.day.isoformat(), "ran_at": clock.as_utc(run.ran_at).isoformat(),
            "held": run.held, "acknowledged": run.acknowledged, "national": run.national,
            "error": run.error, "people": run.people}


def item_dict(item: SyncItem) -> dict:
    return {"id": item.id, "key": item.key, "kind": item.kind, "state": item.state,
            "problem": item.problem,
            "action": item.action, "national_id": item.national_id, "attempts": item.attempts,
            "last_error": item.last_error, "day": item.day.isoformat() if item.day else None,
            "updated_at": clock.as_utc(item.updated_at).isoformat()}


COLUMNS = [("nip", "NIP"), ("name", "Nama"), ("held", "Laporan Disetujui"),
           ("acknowledged", "Diterima Nasional"), ("national", "Tercatat di Nasional"),
           ("difference", "Selisih"), ("key", "ID Lokal"), ("why", "Keterangan")]


def rows(run: Reconciliation | None) -> list[dict]:
    """One line per difference, with its person's counts."""
    out = []
    for p in (run.people if run else []):
        counts = {k: p[k] for k in ("nip", "name", "held", "acknowledged", "national")}
        for m in p["missing"]:
            out.append(counts | {"difference": "tidak ada di nasional", "key": m["key"],
                                 "why": m["why"] + (f": {m['error']}" if m.get("error") else "")})
        for e in p["extra"]:
            out.append(counts | {"difference": "hanya ada di nasional", "key": e["key"],
                                 "why": "laporan tidak disetujui (lagi) di e-Kinerja kota"})
    return out


def to_csv(lines: list[dict]) -> bytes:
    return csv_bytes(lines, COLUMNS, lambda r, key: neutralise(r[key]))


def to_xlsx(lines: list[dict], day: dt.date) -> bytes:
    return table_xlsx("Rekonsiliasi", f"Rekonsiliasi e-Kinerja nasional {day.isoformat()}: "
                      f"{len(lines)} selisih", COLUMNS, lines, lambda r, key: neutralise(r[key]))
