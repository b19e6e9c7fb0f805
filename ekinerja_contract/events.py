"""Every event type E-Kinerja publishes: its source, version and payload schema.

This registry is the public event contract. Rules for changing it:
adding an optional field is a minor version (1.0 -> 1.1); renaming, removing
or retyping a field is a new major version published beside the old one.
"""
import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .envelope import Envelope, new_event_id, utcnow


class EventData(BaseModel):
    model_config = ConfigDict(extra="allow")


class EventSpec(BaseModel):
    type: str
    version: str
    source: str
    model: type[EventData]
    summary: str


REGISTRY: dict[str, EventSpec] = {}


def event(type_: str, version: str, source: str):
    def register(model: type[EventData]):
        REGISTRY[type_] = EventSpec(type=type_, version=version, source=source,
                                    model=model, summary=(model.__doc__ or "").strip())
        return model
    return register


# --- reporting -------------------------------------------------------------

@event("org.employee_placed", "1.0", "reporting")
class EmployeePlaced(EventData):
    """An employee was placed in a position (organisation load or change)."""
    employee_id: int
    nip: str | None
    name: str
    agency_id: int
    position_id: int
    job_class: int
    superior_employee_id: int | None


@event("catalogue.version_published", "1.0", "reporting")
class CatalogueVersionPublished(EventData):
    """A new version of an activity type became effective."""
    activity_type_id: int
    code: str
    name: str
    version: int
    effective_from: dt.date
    points: Decimal
    rupiah: int
    standard_minutes: int


@event("report.submitted", "1.0", "reporting")
class ReportSubmitted(EventData):
    """An employee submitted a daily activity report for approval.

    The catalogue values in force at submission travel with it."""
    report_id: int
    employee_id: int
    employee_name: str
    agency_id: int
    approver_id: int | None
    date: dt.date
    start: dt.time
    end: dt.time
    activity_code: str
    activity_name: str
    activity_version: int
    role: str | None
    quantity: int
    description: str
    evidence_id: str | None
    evidence_sha256: str | None
    minutes: int
    counted_minutes: int
    points: Decimal
    rupiah: int


# --- evidence --------------------------------------------------------------

@event("evidence.stored", "1.0", "evidence")
class EvidenceStored(EventData):
    """An upload was checked (type, size, SHA-256) and stored."""
    evidence_id: str
    owner_id: int
    sha256: str
    size: int
    content_type: str


@event("evidence.linked", "1.0", "evidence")
class EvidenceLinked(EventData):
    """A piece of evidence became part of a submitted report."""
    evidence_id: str
    report_id: int
    owner_id: int


# --- approval --------------------------------------------------------------

@event("approval.task_created", "1.0", "approval")
class ApprovalTaskCreated(EventData):
    """A submitted report is waiting for its approver's decision."""
    task_id: int
    report_id: int
    employee_id: int
    approver_id: int | None


class _Decision(EventData):
    task_id: int
    report_id: int
    employee_id: int
    agency_id: int
    decided_by: int
    date: dt.date


@event("approval.approved", "1.0", "approval")
class ReportApproved(_Decision):
    """The approver approved a report: its values count for the employee."""
    activity_code: str
    minutes: int
    counted_minutes: int
    points: Decimal
    rupiah: int


@event("approval.rejected", "1.0", "approval")
class ReportRejected(_Decision):
    """The approver rejected a report, with a reason."""
    reason: str


@event("approval.revision_requested", "1.0", "approval")
class RevisionRequested(_Decision):
    """The approver sent a report back to be revised, with a note."""
    reason: str


@event("approval.approver_credited", "1.0", "approval")
class ApproverCredited(EventData):
    """An approver earned points for a decision (within the daily cap)."""
    task_id: int
    approver_id: int
    agency_id: int
    date: dt.date
    points: Decimal


# --- scoring ---------------------------------------------------------------

@event("ledger.entry_recorded", "1.0", "scoring")
class LedgerEntryRecorded(EventData):
    """Points (and rupiah) were written to an employee's ledger."""
    entry_id: int
    employee_id: int
    period: str
    kind: Literal["activity", "approver_credit", "reversal", "correction"]
    points: Decimal
    rupiah: int
    source_event_id: str


def build(type_: str, data, source: str | None = None,
          correlation_id: str | None = None) -> Envelope:
    """An envelope for a registered event, its data validated by the schema."""
    spec = REGISTRY[type_]
    if source is not None and source != spec.source:
        raise ValueError(f"{type_} is published by {spec.source}, not {source}")
    payload = data if isinstance(data, spec.model) else spec.model.model_validate(data)
    return Envelope(id=new_event_id(), type=type_, version=spec.version, time=utcnow(),
                    source=spec.source, correlation_id=correlation_id,
                    data=payload.model_dump(mode="json"))


def parse(envelope: Envelope) -> EventData:
    """The typed payload of a received envelope (major version checked)."""
    spec = REGISTRY[envelope.type]
    if envelope.version.split(".")[0] != spec.version.split(".")[0]:
        raise ValueError(f"{envelope.type} v{envelope.version}: this consumer reads v{spec.version}")
    return spec.model.model_validate(envelope.data)
