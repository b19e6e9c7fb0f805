"""Events as another service would publish them, for consumers under test."""
from ekinerja_contract import events


def submitted_data(**over) -> dict:
    data = dict(report_id=1, employee_id=2, employee_name="Sari", agency_id=1, approver_id=1,
                skp_item_id=1, date="2026-11-02", start="08:00", end="09:00",
                activity_code="SURAT", activity_name="Surat", activity_version=1, role=None,
                quantity=1, description="menyusun surat", evidence_id=None,
                evidence_sha256=None, minutes=60, counted_minutes=60, points="5.00",
                rupiah=7500)
    data.update(over)
    return data


def report_submitted(report_id=1, **over) -> dict:
    return events.build("report.submitted", submitted_data(report_id=report_id, **over),
                        "reporting").model_dump(mode="json")


def report_resubmitted(report_id=1, **over) -> dict:
    return events.build("report.resubmitted", submitted_data(report_id=report_id, **over),
                        "reporting").model_dump(mode="json")


def report_approved(report_id=1, **over) -> dict:
    data = dict(task_id=report_id, report_id=report_id, employee_id=2, agency_id=1,
                decided_by=1, date="2026-11-02", activity_code="SURAT", minutes=60,
                counted_minutes=60, points="5.00", rupiah=7500)
    data.update(over)
    return events.build("approval.approved", data, "approval").model_dump(mode="json")


def approver_credited(task_id=1, points="2", **over) -> dict:
    data = dict(task_id=task_id, approver_id=1, agency_id=1, date="2026-11-02", points=points)
    data.update(over)
    return events.build("approval.approver_credited", data, "approval").model_dump(mode="json")


def revision_requested(report_id=1, **over) -> dict:
    data = dict(task_id=report_id, report_id=report_id, employee_id=2, agency_id=1,
                decided_by=1, date="2026-11-02", reason="lampirkan foto layar")
    data.update(over)
    return events.build("approval.revision_requested", data, "approval").model_dump(mode="json")


def period_closed(period="2026-11", agency_id=1, **over) -> dict:
    data = dict(period=period, agency_id=agency_id, snapshot_version=1, employees=3)
    data.update(over)
    return events.build("payroll.period_closed", data, "scoring").model_dump(mode="json")


def rule_set_published(rule_set_id=1, effective_from="2026-01-01", agency_id=None,
                       **numbers) -> dict:
    """`scoring.rule_set_published` 1.1 as scoring sends it: the defaults with `numbers`."""
    from ekinerja_contract.rule_set import default_body
    body = default_body().model_dump(mode="json") | numbers
    return events.build("scoring.rule_set_published", dict(
        rule_set_id=rule_set_id, agency_id=agency_id, effective_from=effective_from,
        body=body), "scoring").model_dump(mode="json")


def placed(employee_id, nip, agency_id=1, job_class=5, status="PNS", grade="II/c",
           superior=None, start="2026-01-01", name=None, **named) -> dict:
    """A placement (1.0 fields; `named` adds 1.1's: agency_code, position_name, ...)."""
    return events.build("org.placement_changed", dict(
        employee_id=employee_id, nip=nip, name=name or f"Pegawai {employee_id}", status=status,
        agency_id=agency_id, position_id=employee_id, position_code=f"P{employee_id}",
        job_class=job_class, kind="definitive", start_date=start, end_date=None,
        superior_employee_id=superior, grade=grade, **named), "reporting").model_dump(mode="json")


def attendance(nip, date, kind="arrival", minutes=0, excused=False) -> dict:
    return events.build("attendance.recorded", dict(
        employee_nip=nip, date=date, kind=kind, minutes=minutes, excused=excused),
        "attendance").model_dump(mode="json")


class FakeOrgChart:
    """Stands in for reporting's visibility RPC (may_see_employee) with the same rule on
    a small chart: the employee, anyone above them, an agency admin of their agency."""

    def __init__(self, superiors: dict[int, int], agencies: dict[int, int] | None = None,
                 payees: dict[int, dict] | None = None):
        self.superiors, self.agencies, self.payees = superiors, agencies or {}, payees or {}

    def payment_accounts(self, actor: dict, employee_ids: list) -> dict:
        """As reporting's: finance and admins only; an agency admin their agency's people."""
        from ekinerja_contract.errors import Forbidden
        roles = actor.get("roles", [])
        if not {"finance", "city_admin", "agency_admin"} & set(roles):
            raise Forbidden("finance and admins only", code="admins_only")
        return {str(i): self.payees[i] for i in map(int, employee_ids) if i in self.payees
                and ({"finance", "city_admin"} & set(roles) or self.may_see_employee(actor, i))}

    def may_see_employee(self, actor: dict, employee_id: int, on=None) -> bool:
        if actor.get("employee_id") == employee_id or "city_admin" in actor.get("roles", []):
            return True
        if "agency_admin" in actor.get("roles", []):
            return self.agencies.get(employee_id, 1) == actor.get("agency_id")
        current, seen = employee_id, set()
        while current in self.superiors and current not in seen:
            seen.add(current)
            current = self.superiors[current]
            if current == actor.get("employee_id"):
                return True
        return False


def org_chart(superiors: dict[int, int], agencies: dict[int, int] | None = None,
              payees: dict[int, dict] | None = None):
    """Reporting's typed client over FakeOrgChart, answering as nameko's proxy does."""
    from ekinerja_contract.services import Reporting
    from tests.support.rpc import local
    return local(Reporting, FakeOrgChart(superiors, agencies, payees))
