"""SKP use cases: draw up, submit, decide."""
import datetime as dt

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Conflict, Forbidden, NotFound
from ekinerja_contract.schemas import Actor, SkpDecisionIn, SkpIn

from . import rules, storage
from .models import Skp, SkpItem


def reference_date(year: int, today: dt.date) -> dt.date:
    """The day whose organisation an SKP follows: today if in that year, else its edge."""
    return min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))


def save(uow, actor: Actor, data: SkpIn, today: dt.date) -> Skp:
    s = uow.session
    assert actor.employee_id is not None  # the service let employees only in (_employee)
    emp = storage.employee(s, actor.employee_id, lock=True)
    skp = storage.skp_of(s, emp.id, data.year)
    if skp is not None and skp.state not in rules.SKP_EDITABLE:
        raise Conflict(f"an SKP that is {skp.state} cannot be edited",
                             [{"field": "state", "reason": skp.state}],
                             code="skp_state", params={"state": skp.state, "action": "edit"})
    superior = storage.superior_on(s, emp.id, reference_date(data.year, today))
    superior_items = set()
    if superior is not None:
        sup_skp = storage.skp_of(s, superior.id, data.year)
        superior_items = {i.id for i in storage.skp_items(s, sup_skp.id)} if sup_skp else set()
    rules.check_skp_items(data.items, superior is not None, superior_items)
    if skp is None:
        skp = Skp(employee_id=emp.id, year=data.year, state="draft", updated_at=utcnow())
        s.add(skp)
        s.flush()
    for old in storage.skp_items(s, skp.id):
        s.delete(old)
    for item in data.items:
        s.add(SkpItem(skp_id=skp.id, kind=item.kind, title=item.title,
                      parent_item_id=item.parent_item_id,
                      indicators=[i.model_dump(mode="json") for i in item.indicators]))
    skp.updated_at = utcnow()
    s.flush()
    return skp


def submit(uow, actor: Actor, year: int) -> Skp:
    assert actor.employee_id is not None  # the service let employees only in (_employee)
    skp = storage.skp_of(uow.session, actor.employee_id, year)
    if skp is None:
        raise NotFound(f"you have no SKP for {year}", code="skp_not_found", params={"year": year})
    skp.state = rules.next_skp_state(skp.state, "submit")
    skp.updated_at = utcnow()
    uow.emit("skp.submitted", dict(skp_id=skp.id, employee_id=skp.employee_id, year=year,
                                   items=len(storage.skp_items(uow.session, skp.id))))
    return skp


def may_decide(s, actor: Actor, employee_id: int, year: int, today: dt.date) -> bool:
    if actor.employee_id == employee_id:
        return False
    superior = storage.superior_on(s, employee_id, reference_date(year, today))
    if superior is None:  # a head with no superior in the system: the city's admins
        return actor.has("city_admin", "agency_admin")
    return actor.employee_id == superior.id


def decide(uow, actor: Actor, employee_id: int, year: int, decision: SkpDecisionIn,
           today: dt.date) -> Skp:
    s = uow.session
    skp = storage.skp_of(s, employee_id, year)
    if skp is None:
        raise NotFound(f"no SKP {year} for employee {employee_id}",
                       code="skp_not_found", params={"year": year})
    if not may_decide(s, actor, employee_id, year, today):
        raise Forbidden("only the direct superior decides on an SKP (nobody on their own)",
                        code="skp_decider")
    skp.state = rules.next_skp_state(skp.state, decision.decision)
    skp.decided_by, skp.note, skp.updated_at = actor.employee_id, decision.note, utcnow()
    common = dict(skp_id=skp.id, employee_id=employee_id, year=year,
                  decided_by=actor.employee_id or actor.account_id)
    if skp.state == "approved":
        uow.emit("skp.approved", common)
    else:
        uow.emit("skp.returned", dict(common, note=decision.note))
    return skp


def as_dict(s, skp: Skp) -> dict:
    return {"id": skp.id, "employee_id": skp.employee_id, "year": skp.year, "state": skp.state,
            "note": skp.note, "items": [
                {"id": i.id, "kind": i.kind, "title": i.title, "parent_item_id": i.parent_item_id,
                 "indicators": i.indicators} for i in storage.skp_items(s, skp.id)]}
