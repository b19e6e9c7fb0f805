"""What reporting knows of evidence: each evidence.checked kept as it arrives, so a report
naming a checked upload is accepted without a call to evidence. For one it has not heard
of yet (the event still on its way), evidence is asked, and checks the upload then if its
own handler has not: a report never reaches an approver with evidence unread."""
from ekinerja_contract.events import EvidenceChecked, EvidenceExpired

from .models import CheckedEvidence


def project(uow, checked: EvidenceChecked) -> None:
    # evidence checks an upload once, and the inbox turns a redelivery away: an insert
    uow.session.add(CheckedEvidence(evidence_id=checked.evidence_id, owner_id=checked.owner_id,
                                    sha256=checked.sha256, problem=checked.problem))


def forget(uow, expired: EvidenceExpired) -> None:
    row = uow.session.get(CheckedEvidence, expired.evidence_id)
    if row is not None:
        uow.session.delete(row)


def lookup(s, evidence_id: str, ask) -> dict:
    """evidence's `checked_facts` reply, from what was kept or by asking (`ask`)."""
    row = s.get(CheckedEvidence, evidence_id)
    if row is None:
        return ask(evidence_id)
    return {"id": row.evidence_id, "owner_id": row.owner_id, "sha256": row.sha256,
            "status": "damaged" if row.problem else "stored", "checked": True,
            "problem": row.problem}
