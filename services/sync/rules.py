"""The sync adapter's rules, plain functions tested without a broker: the national id
we give each item, what an HTTP answer means for it, and a day's reconciliation."""
import datetime as dt

from ekinerja_contract import national_ids

# Kinds of item and where each goes (National's paths, configurable: docs/NATIONAL.md).
PROGRESS, PERIODIC, YEARLY = "progres", "periodik", "tahunan"


# The item's key is its national id (ekinerja_contract.national_ids, shared with the payloads).
progress_key, evaluation_key = national_ids.progress_id, national_ids.evaluation_id


def evaluation_kind(month_from: int, month_to: int) -> str:
    return YEARLY if (month_from, month_to) == (1, 12) else PERIODIC


def outcome(status: int) -> str:
    """ack: the national side holds it; retry: it may later (busy, down, throttled);
    refused: it says the payload is wrong, and the same payload stays wrong."""
    if 200 <= status < 300:
        return "ack"
    if status in (408, 409, 425, 429) or status >= 500:
        return "retry"
    return "refused"


NOT_SENT = {"pending": "belum dikirim", "sending": "sedang dikirim", "failed": "gagal dikirim",
            "refused": "ditolak", "deleted": "sudah dihapus"}


def reconcile(held: list[dict], ours: dict[str, dict], theirs: list[dict] | None) -> list[dict]:
    """Per person with a difference: what we hold (approved reports of the day) against
    what we were told was acknowledged (`ours`, by key) and what the national side lists
    (`theirs`, by idLokal; None when it did not answer: then acknowledged stands in).

    - missing: held here, not on the national side (with why, when we know: not sent,
      refused and its reason);
    - extra: on the national side, not held here (a report since revoked, or entered there
      by hand): the national side should remove it."""
    # what the national side lists, by our id (an entry typed in there by hand has none)
    national = {str(t.get("idLokal") or f"(tanpa ID lokal: {t.get('id')})"): t
                for t in theirs} if theirs is not None else None
    people: dict[str, dict] = {}  # by NIP: what the national side knows a person by

    def person(employee_id, nip, name) -> dict:
        p = people.setdefault(nip, {"employee_id": employee_id, "nip": nip, "name": name,
                                    "held": 0, "acknowledged": 0, "national": 0,
                                    "missing": [], "extra": []})
        p["employee_id"], p["name"] = p["employee_id"] or employee_id, p["name"] or name
        return p

    for h in held:
        key = progress_key(h["report_id"])
        p = person(h["employee_id"], h["nip"], h["name"])
        p["held"] += 1
        item = ours.get(key)
        acknowledged = item is not None and item["state"] == "acknowledged"
        p["acknowledged"] += acknowledged
        there = key in national if national is not None else acknowledged
        p["national"] += there
        if not there:
            state = item["state"] if item else "pending"
            why = ("pernah diterima, kini tidak tercatat di sana" if acknowledged
                   else NOT_SENT.get(state, state))
            p["missing"].append({"key": key, "report_id": h["report_id"], "why": why,
                                 "error": item.get("last_error") if item else None})
    held_keys = {progress_key(h["report_id"]) for h in held}
    for key, t in (national or {}).items():
        if key not in held_keys:
            p = person(None, str(t.get("nip") or "-"), "")
            p["national"] += 1
            p["extra"].append({"key": key, "national_id": str(t["id"]) if t.get("id") is not None else None})
    return sorted((p for p in people.values() if p["missing"] or p["extra"]), key=lambda p: str(p["nip"]))


def yesterday(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=1)
