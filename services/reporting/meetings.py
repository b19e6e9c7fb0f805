"""Shared meetings and events: created once by the organiser, claimed by attendees.

Roles weigh differently (a chair 1.5x, a participant 1.0x), so a role above
participant is never self-declared: it counts only when the organiser named that
person for it when creating the meeting, or confirms it afterwards. Participants
claim without anyone's say."""
import datetime as dt

from sqlalchemy import select

from ekinerja_contract.errors import Forbidden, InvalidInput, NotFound
from ekinerja_contract.schemas import Actor, MeetingIn

from . import rules, storage
from .models import Employee, Meeting, Report


def create(uow, actor: Actor, data: MeetingIn, today: dt.date) -> Meeting:
    if actor.employee_id is None:
        raise Forbidden("only employees organise meetings", code="meeting_employees_only")
    rules.check_report_date(data.date, today + dt.timedelta(days=366))
    activity = rules.pick_version(storage.activity_versions(uow.session, data.activity_code),
                                  data.date)
    if activity is None or not activity.role_weights:
        raise InvalidInput("choose a meeting or event activity from the catalogue",
                           [{"field": "activity_code", "reason": "not a meeting activity"}],
                           code="meeting_activity")
    meeting = Meeting(organiser_id=actor.employee_id, activity_code=data.activity_code,
                      title=data.title, place=data.place, date=data.date, start=data.start,
                      end=data.end, expected=sorted(set(data.expected) | set(data.roles)),
                      roles=_checked_roles(data.roles))
    uow.session.add(meeting)
    uow.session.flush()
    uow.emit("meeting.created", dict(meeting_id=meeting.id, organiser_id=meeting.organiser_id,
                                     title=meeting.title, date=meeting.date, start=meeting.start,
                                     end=meeting.end, expected=meeting.expected))
    return meeting


def _checked_roles(roles: dict) -> dict:
    """Keys as text (JSON); one chair at most."""
    named = {str(k): v for k, v in roles.items()}
    if list(named.values()).count("chair") > 1:
        raise InvalidInput("a meeting has one chair", [{"field": "roles", "code": "one_chair"}],
                           code="meeting_has_chair")
    return named


def confirm_roles(uow, actor: Actor, meeting_id: int, roles: dict) -> Meeting:
    """The organiser names or confirms roles (a new naming replaces the old)."""
    meeting = uow.session.get(Meeting, meeting_id, with_for_update=True)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} not found", code="meeting_not_found")
    if actor.employee_id != meeting.organiser_id:
        raise Forbidden("only the organiser confirms roles", code="meeting_organiser_only")
    meeting.roles = _checked_roles(roles)
    meeting.expected = sorted(set(meeting.expected) | {int(k) for k in meeting.roles})
    return meeting


def check_role(meeting: Meeting, employee_id: int, role: str | None) -> None:
    """A chair, speaker or note-taker claim needs the organiser's naming."""
    if role in (None, "participant"):
        return
    if (meeting.roles or {}).get(str(employee_id)) != role:
        raise Forbidden(f"the organiser has not confirmed you as {role} of this meeting",
                        [{"field": "role", "code": "role_unconfirmed"}],
                        code="meeting_role_unconfirmed")


def role_list(s, meeting: Meeting) -> list[dict]:
    """Who claimed which role (names, roles, states), for the approver of any claim."""
    rows = s.execute(select(Report, Employee.name).join(Employee, Employee.id == Report.employee_id)
                     .where(Report.meeting_id == meeting.id,
                            Report.state.in_(rules.LIVE_STATES))).all()
    return [{"name": name, "role": r.role or "participant", "state": r.state,
             "confirmed": r.role in (None, "participant")
             or (meeting.roles or {}).get(str(r.employee_id)) == r.role} for r, name in rows]


def claims(s, actor: Actor, meeting_id: int) -> dict:
    """The organiser sees who claimed, in which role, and who has not yet."""
    meeting = s.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} not found", code="meeting_not_found")
    if actor.employee_id != meeting.organiser_id and not actor.has("city_admin", "agency_admin"):
        raise NotFound(f"meeting {meeting_id} not found", code="meeting_not_found")
    rows = s.execute(select(Report, Employee.name).join(Employee, Employee.id == Report.employee_id)
                     .where(Report.meeting_id == meeting_id,
                            Report.state.in_(rules.LIVE_STATES))).all()
    claimed = [{"employee_id": r.employee_id, "name": name, "role": r.role, "state": r.state,
                "report_id": r.id} for r, name in rows]
    ids = {c["employee_id"] for c in claimed}
    return {**as_dict(meeting), "claims": claimed,
            "not_claimed": [e for e in meeting.expected if e not in ids]}


def as_dict(m: Meeting) -> dict:
    return {"id": m.id, "organiser_id": m.organiser_id, "activity_code": m.activity_code,
            "title": m.title, "place": m.place, "date": m.date.isoformat(),
            "start": m.start.strftime("%H:%M"), "end": m.end.strftime("%H:%M"),
            "expected": m.expected, "roles": m.roles or {}}
