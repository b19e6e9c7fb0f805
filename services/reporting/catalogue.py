"""The activity catalogue and reporting's numbers: new versions, never edits."""
import datetime as dt

from sqlalchemy import select

from ekinerja_contract.schemas import CatalogueIn

from . import rules, storage
from .models import ActivityType, RuleSet

TERMS = ("name", "output_unit", "standard_minutes", "points", "rupiah", "evidence_required",
         "creative", "role_weights", "min_job_class", "max_job_class", "position_codes",
         "effective_from")


def _terms(item) -> dict:
    terms = item.model_dump(mode="python", include=set(TERMS))
    terms["role_weights"] = ({k: str(v) for k, v in item.role_weights.items()}
                             if item.role_weights else None)
    return terms


def publish(uow, data: CatalogueIn) -> list[dict]:
    """Each changed entry becomes a new version; re-publishing the same terms adds nothing."""
    published = []
    latest = storage.latest_versions(uow.session)
    for item in data.activity_types:
        terms = _terms(item)
        current = latest.get(item.code)
        if current is not None and all(getattr(current, k) == v for k, v in terms.items()):
            continue
        row = ActivityType(code=item.code, version=(current.version + 1) if current else 1, **terms)
        uow.session.add(row)
        uow.session.flush()
        uow.emit("catalogue.version_published", dict(
            activity_type_id=row.id, code=row.code, name=row.name, version=row.version,
            effective_from=row.effective_from, points=row.points, rupiah=row.rupiah,
            standard_minutes=row.standard_minutes))
        published.append({"code": row.code, "version": row.version})
    return published


def in_force(s, on: dt.date) -> list[dict]:
    by_code: dict[str, list] = {}
    for row in s.scalars(select(ActivityType)):
        by_code.setdefault(row.code, []).append(row)
    rows = [rules.pick_version(v, on) for v in by_code.values()]
    return [as_dict(r) for r in sorted((r for r in rows if r), key=lambda r: r.code)]


def as_dict(a: ActivityType) -> dict:
    return {"code": a.code, "version": a.version, "name": a.name, "output_unit": a.output_unit,
            "standard_minutes": a.standard_minutes, "points": str(a.points),
            "rupiah": a.rupiah, "evidence_required": a.evidence_required,
            "creative": a.creative, "role_weights": a.role_weights,
            "min_job_class": a.min_job_class, "max_job_class": a.max_job_class,
            "position_codes": a.position_codes,
            "effective_from": a.effective_from.isoformat()}


def project_rule_set(uow, published) -> None:
    """Keep the numbers reporting applies from a rule set scoring published (1.0 messages
    carry no body: nothing to keep). Redelivery finds the row and changes nothing."""
    body = published.body
    if body is None or uow.session.scalar(
            select(RuleSet.id).where(RuleSet.source_id == published.rule_set_id)):
        return
    uow.session.add(RuleSet(source_id=published.rule_set_id, agency_id=published.agency_id,
                            effective_from=published.effective_from,
                            daily_cap_minutes=body.daily_cap_minutes,
                            input_deadline_day=body.input_deadline_day,
                            head_approver=body.head_approver))
