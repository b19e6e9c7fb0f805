"""Shared meetings and events: created once by the organiser, claimed by attendees."""
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
                           [{"field": "activity_code", "reason": "not a meeting activity"}], code="meeting_activity")
    meeting = Meeting(organiser_id=actor.employee_id, activity_code=data.activity_code,
                      title=data.title, place=data.place, date=data.date, start=data.start,
                      end=data.end, expected=sorted(set(data.expected)))
    uow.session.add(meeting)
    uow.session.flush()
    uow.emit("meeting.created", dict(meeting_id=meeting.id, organiser_id=meeting.organiser_id,
                                     title=meeting.title, date=meeting.date, start=meeting.start,
                                     end=meeting.end, expected=meeting.expected))
    return meeting


def claims(s, actor: Actor, meeting_id: int) -> dict:
    """The organiser sees who claimed, in which role, and who has not yet."""
    meeting = s.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(f"meeting {meeting_id} not found", code="meeting_not_found")
    if actor.employee_id != meeting.organiser_id and not actor.has("city_admin", "agency_admin"):
        raise Forbidden("only the organiser sees the claims", code="meeting_organiser_only")
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
            "expected": m.expected}
