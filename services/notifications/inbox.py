"""A person's side: the bell (unread count, the list, marking read), and their
preferences (contacts, choices per kind, quiet hours, and which channel is failing)."""
import datetime as dt

from sqlalchemy import func, select, update

from ekinerja_contract import clock
from ekinerja_contract.errors import InvalidInput

from . import rules, texts
from .models import Contact, Delivery, Notification, Settings

PAGE = 50


def unread(s, person_id: int) -> int:
    return s.scalar(select(func.count()).select_from(Notification).where(
        Notification.person_id == person_id, Notification.shown.is_(True),
        Notification.read_at.is_(None))) or 0


def listing(s, person_id: int, before_id: int | None = None, limit: int = PAGE) -> dict:
    """Newest first, a page at a time, each with its text."""
    q = select(Notification).where(Notification.person_id == person_id, Notification.shown.is_(True))
    if before_id is not None:
        q = q.where(Notification.id < before_id)
    rows = s.scalars(q.order_by(Notification.id.desc()).limit(limit + 1)).all()
    items = []
    for n in rows[:limit]:
        title, text = texts.render(n.kind, n.params, n.count)
        items.append({"id": n.id, "kind": n.kind, "title": title, "text": text, "link": n.link,
                      "count": n.count, "created_at": clock.as_utc(n.created_at).isoformat(),
                      "read": n.read_at is not None})
    return {"items": items, "unread": unread(s, person_id),
            "next_before": rows[limit - 1].id if len(rows) > limit else None}


def mark_read(s, person_id: int, ids: list[int] | None) -> int:
    """The given notices (or all, with none given): only the person's own."""
    q = update(Notification).where(Notification.person_id == person_id,
                                   Notification.read_at.is_(None))
    if ids is not None:
        if not ids:
            return 0
        q = q.where(Notification.id.in_(ids))
    return s.execute(q.values(read_at=clock.now())).rowcount


def preferences(s, person_id: int, configured: frozenset[str]) -> dict:
    settings = s.get(Settings, person_id)
    start, end = rules.quiet_hours(settings.quiet_start if settings else None,
                                   settings.quiet_end if settings else None)
    contacts = {c.channel: c for c in s.scalars(select(Contact).where(Contact.person_id == person_id))}
    return {
        "kinds": [{"kind": k, "label": label,
                   "channels": rules.channels_for(settings.choices if settings else None, k)}
                  for k, label in rules.KINDS.items()],
        "channels": [{"channel": ch, "available": ch in configured,
                      "address": contacts[ch].address if ch in contacts else None,
                      "failing_reason": texts.failure(ch, contacts[ch].failing_reason) if ch in contacts
                      else None,
                      "failing_since": _instant(contacts[ch].failing_since) if ch in contacts else None}
                     for ch in rules.OUTSIDE],
        "quiet_start": start.strftime("%H:%M"), "quiet_end": end.strftime("%H:%M"),
    }


def _instant(moment: dt.datetime | None) -> str | None:
    return clock.as_utc(moment).isoformat() if moment else None


def _time(field: str, text) -> dt.time:
    """A wall-clock time of the city, HH:MM (no zone: quiet hours are the city's)."""
    try:
        value = dt.time.fromisoformat(str(text))
    except ValueError:
        value = None
    if value is None or value.tzinfo is not None:
        raise InvalidInput("not a time of day (HH:MM)", [{"field": field, "code": "time_invalid",
                                                         "reason": str(text)[:20]}],
                           code="quiet_hours_invalid")
    return value


def set_preferences(s, person_id: int, contacts: dict | None, choices: dict | None,
                    quiet_start, quiet_end, configured: frozenset[str]) -> None:
    """Everything checked before anything is written: a wrong phone number leaves the
    e-mail address as it was too. An empty address removes that channel."""
    checked: dict[str, str | None] = {}
    errors: list[dict] = []
    for channel, text in (contacts or {}).items():
        if channel not in rules.CHECKS:
            errors.append({"field": channel, "code": "notification_channel_unknown", "reason": channel})
        elif text is None or not str(text).strip():
            checked[channel] = None
        elif channel not in configured:  # nothing would ever be sent there
            errors.append({"field": channel, "code": "channel_unavailable", "reason": channel})
        else:
            try:
                checked[channel] = rules.CHECKS[channel](str(text))
            except InvalidInput as refused:
                errors += refused.details
    if errors:
        raise InvalidInput("contact details refused", errors, code="contact_invalid",
                           params={"channel": errors[0]["field"]})
    chosen = rules.check_choices(choices) if choices is not None else None
    quiet = (_time("quiet_start", quiet_start), _time("quiet_end", quiet_end)) \
        if quiet_start is not None or quiet_end is not None else None
    now = clock.now()
    for channel, address in checked.items():
        row = s.get(Contact, (person_id, channel))
        if address is None:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(Contact(person_id=person_id, channel=channel, address=address, updated_at=now))
        else:  # a new address, or the same one saved again once checked, is tried afresh
            row.address, row.updated_at = address, now
            row.failing_reason = row.failing_detail = row.failing_since = None
    settings = s.get(Settings, person_id)
    if settings is None:
        settings = Settings(person_id=person_id, choices={}, updated_at=now)
        s.add(settings)
    if chosen is not None:
        settings.choices = {**settings.choices, **chosen}
    if quiet is not None:
        settings.quiet_start, settings.quiet_end = quiet
        # what waits for the old quiet hours to end goes by the new ones
        due = rules.after_quiet(clock.local_now(), *quiet).astimezone(dt.UTC)
        s.execute(update(Delivery).where(Delivery.person_id == person_id, Delivery.state == "waiting")
                  .values(due_at=due))
    settings.updated_at = now

