"""Organisation: NIP checks, placements over time, acting officials, CSV import."""
import datetime as dt

import pytest

from ekinerja_contract.errors import InvalidInput, NotFound
from services.reporting import rules
from tests.reporting.conftest import ADMIN
from tests.support.stores import outbox_types

TODAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize("nip,problem", [
    ("199003212015032001", None),
    ("19900321201503200", "18 digits"),
    ("19900332201503200 1".replace(" ", ""), "birth date"),
    ("199003212015132001", "start month"),
    ("199003212005032001", "17 years"),
    ("199003212015033001", "sex"),
    ("199003212015032000", "sequence"),
    ("195003212015032001", "birth year"),
])
def test_nip_must_be_plausible(nip, problem):
    why = rules.nip_problem(nip, TODAY)
    assert (why is None) if problem is None else (problem in why)


class P:
    def __init__(self, employee_id, kind, start, end=None):
        self.employee_id, self.kind = employee_id, kind
        self.start_date, self.end_date = start, end


def test_an_acting_official_holds_the_role_for_their_date_range():
    d = dt.date
    placements = [P(1, "definitive", d(2026, 1, 1)), P(9, "plh", d(2026, 11, 10), d(2026, 11, 14))]
    assert rules.holder_on(placements, d(2026, 11, 9)).employee_id == 1
    assert rules.holder_on(placements, d(2026, 11, 12)).employee_id == 9
    assert rules.holder_on(placements, d(2026, 11, 15)).employee_id == 1


def org(**over):
    base = {"agency": {"code": "DINKES", "name": "Dinas Kesehatan"},
            "positions": [{"code": "KADIS", "name": "Kepala Dinas", "job_class": 14},
                          {"code": "SEK", "name": "Sekretaris", "job_class": 12, "superior": "KADIS"},
                          {"code": "STAF", "name": "Pengadministrasi", "job_class": 5,
                           "superior": "SEK"}],
            "employees": [
                {"nip": "197501012000031001", "name": "Kadis", "position": "KADIS",
                 "since": "2026-01-01", "username": "kadis2", "password_hash": "x"},
                {"nip": "198001012005031002", "name": "Sekretaris", "position": "SEK",
                 "since": "2026-01-01", "username": "sek2", "password_hash": "x"},
                {"nip": "199501012020121003", "name": "Staf", "position": "STAF",
                 "since": "2026-01-01", "username": "staf2", "password_hash": "x"}]}
    base.update(over)
    return base


def ids(service):
    return {u: service.get_account(u)["employee_id"] for u in ("kadis2", "sek2", "staf2")}


def test_who_is_the_direct_superior_on_a_date_is_one_call(service):
    service.load_organisation(ADMIN, org())
    e = ids(service)
    assert service.superior_of(e["staf2"], "2026-11-18")["employee_id"] == e["sek2"]
    assert service.superior_of(e["sek2"], "2026-11-18")["employee_id"] == e["kadis2"]
    assert service.superior_of(e["kadis2"], "2026-11-18") is None
    assert "org.placement_changed" in outbox_types(service.db)


def test_a_placement_event_names_the_agency_the_unit_and_the_position(service):
    from sqlalchemy import select
    data = org(units=[{"code": "UMUM", "name": "Subbagian Umum"}])
    data["positions"][2] = {**data["positions"][2], "unit": "UMUM"}
    service.load_organisation(ADMIN, data)
    with service.db.session() as s:
        t = service.db._outbox
        sent = {e["data"]["nip"]: e["data"] for (e,) in s.execute(
            select(t.c.envelope).where(t.c.event_type == "org.placement_changed"))}
    staff, head = sent["199501012020121003"], sent["197501012000031001"]
    assert (staff["agency_code"], staff["agency_name"]) == ("DINKES", "Dinas Kesehatan")
    assert staff["unit_name"] == "Subbagian Umum" and staff["unit_id"] is not None
    assert staff["position_name"] == "Pengadministrasi"
    assert (head["unit_id"], head["unit_name"], head["position_name"]) == (None, None, "Kepala Dinas")
    assert head["agency_name"] == "Dinas Kesehatan"


def test_an_acting_official_approves_while_the_head_is_away(service):
    service.load_organisation(ADMIN, org(acting=[
        {"nip": "198001012005031002", "position": "KADIS", "kind": "plh",
         "start": "2026-11-16", "end": "2026-11-20"}]))
    e = ids(service)
    # the secretary acts as head: the secretary's own superior is then the level above
    assert service.superior_of(e["sek2"], "2026-11-18") is None
    assert service.superior_of(e["sek2"], "2026-11-10")["employee_id"] == e["kadis2"]
    assert service.superior_of(e["staf2"], "2026-11-18")["employee_id"] == e["sek2"]


def test_a_vacant_superior_position_passes_up_a_level(service):
    data = org()
    data["employees"] = [data["employees"][0], data["employees"][2]]  # no secretary
    service.load_organisation(ADMIN, data)
    staff = service.get_account("staf2")["employee_id"]
    assert service.superior_of(staff, "2026-11-18")["employee_id"] == \
        service.get_account("kadis2")["employee_id"]


def test_a_move_closes_the_old_placement_the_day_before(service):
    service.load_organisation(ADMIN, org())
    moved = org()
    moved["employees"][2] = {**moved["employees"][2], "position": "SEK", "since": "2026-11-01"}
    moved["employees"][1] = {**moved["employees"][1], "position": "STAF", "since": "2026-11-01"}
    service.load_organisation(ADMIN, moved)
    e = ids(service)
    assert service.superior_of(e["staf2"], "2026-10-31")["employee_id"] == e["sek2"]
    assert service.superior_of(e["sek2"], "2026-11-02")["employee_id"] == e["staf2"]


def test_a_bad_file_lands_nothing_and_names_every_problem(service):
    data = org()
    data["employees"][1]["nip"] = "198013012005031002"  # month 13
    data["positions"][2]["superior"] = "NOPE"
    with pytest.raises(InvalidInput) as err:
        service.load_organisation(ADMIN, data)
    fields = {d["field"] for d in err.value.details}
    assert fields == {"employees.nip", "positions.superior"}
    with pytest.raises(NotFound):  # nothing of the file was loaded
        service.get_account("kadis2")


CSV_HEADER = ("nip,nama,status,golongan,kode_opd,nama_opd,kode_unit,nama_unit,kode_jabatan,"
              "nama_jabatan,kelas_jabatan,kode_jabatan_atasan,jenis,tmt_mulai,tmt_selesai,"
              "username,peran\n")
CSV_ROWS = [
    "197501012000031001,Kadis,PNS,IV/c,DISHUB,Dinas Perhubungan,,,KADIS,Kepala Dinas,14,,definitif,2026-01-01,,,",
    "198001012005031002,Sek,PNS,IV/a,DISHUB,Dinas Perhubungan,SEKRE,Sekretariat,SEK,Sekretaris,12,KADIS,definitif,2026-01-01,,sek.hub,employee|agency_admin",
    "199501012020121003,Staf,CPNS,II/c,DISHUB,Dinas Perhubungan,SEKRE,Sekretariat,STAF,Pengadministrasi,5,SEK,definitif,2026-01-01,,,",
    "198001012005031002,Sek,PNS,IV/a,DISHUB,Dinas Perhubungan,,,KADIS,Kepala Dinas,14,,plt,2026-11-01,2026-11-30,,",
]


def test_csv_import_lands_whole_with_progress(service):
    seen = []
    from services.reporting import organisation
    with service.db.unit_of_work() as uow:
        result = organisation.import_csv(uow, CSV_HEADER + "\n".join(CSV_ROWS), TODAY,
                                         progress=lambda done, total: seen.append((done, total)))
    assert result == {"agencies": 1, "employees": 3, "placements": 4, "payees_changed": []}
    assert seen[-1] == (4, 4)
    sek = service.get_account("sek.hub")
    assert "agency_admin" in sek["roles"] and sek["password_hash"] == "!"
    staff = service.get_account("199501012020121003")["employee_id"]
    assert service.superior_of(staff, "2026-11-18")["employee_id"] == sek["employee_id"]


def test_csv_import_reports_every_bad_row_with_its_column_and_lands_nothing(service):
    rows = list(CSV_ROWS)
    rows[1] = rows[1].replace("198001012005031002", "19800101200503100X")
    rows[2] = rows[2].replace(",5,SEK,", ",xx,SEK,")
    rows[3] = rows[3].replace("2026-11-30", "")
    with pytest.raises(InvalidInput) as err:
        service.import_organisation_csv(ADMIN, CSV_HEADER + "\n".join(rows))
    problems = {(p["row"], p["column"]) for p in err.value.details}
    assert {(4, "kelas_jabatan"), (5, "tmt_selesai")} <= problems
    assert any(p["row"] == 3 and p["column"] == "nip" for p in err.value.details)
    with pytest.raises(NotFound):
        service.get_account("197501012000031001")


def test_who_may_set_a_password(service):
    service.load_organisation(ADMIN, org())
    e = ids(service)
    staff = {"account_id": service.get_account("staf2")["account_id"], "employee_id": e["staf2"],
             "agency_id": 1, "roles": ["employee"]}
    service.set_password(staff, "staf2", "new-hash")
    assert service.get_account("staf2")["password_hash"] == "new-hash"
    from ekinerja_contract.errors import Forbidden
    with pytest.raises(Forbidden):
        service.set_password(staff, "sek2", "evil")
    agency_admin = {"account_id": 500, "agency_id": 1, "roles": ["agency_admin"]}
    service.set_password(agency_admin, "sek2", "reset")
    other_agency = {"account_id": 501, "agency_id": 2, "roles": ["agency_admin"]}
    with pytest.raises(Forbidden):
        service.set_password(other_agency, "sek2", "evil")


def test_a_head_of_agencys_reports_go_to_their_own_superior_in_another_agency(service):
    service.load_organisation(ADMIN, {
        "agency": {"code": "SETDA", "name": "Sekretariat Daerah"},
        "positions": [{"code": "SEKDA", "name": "Sekretaris Daerah", "job_class": 16}],
        "employees": [{"nip": "196801011990031001", "name": "Sekda", "position": "SEKDA",
                       "since": "2026-01-01", "username": "sekda", "password_hash": "x"}]})
    data = org()
    data["positions"][0]["superior"] = "SETDA/SEKDA"
    service.load_organisation(ADMIN, data)
    head = service.get_account("kadis2")["employee_id"]
    assert service.superior_of(head, "2026-11-18")["employee_id"] == \
        service.get_account("sekda")["employee_id"]


def test_a_deactivated_account_logs_in_as_nobody_and_its_tokens_end(service):
    from ekinerja_contract.errors import NotFound as Missing
    admin = {"account_id": 99, "roles": ["city_admin"]}
    service.load_organisation(ADMIN, org())
    staff = service.get_account("staf2")
    before = service.token_version(staff["account_id"])
    assert service.set_account_active(admin, "staf2", False) == {"username": "staf2",
                                                                "active": False}
    assert service.login_state("staf2")["account"] is None  # as for a name nobody holds
    with pytest.raises(Missing):
        service.token_version(staff["account_id"])
    service.set_account_active(admin, "staf2", True)
    assert service.login_state("staf2")["account"]["username"] == "staf2"
    assert service.token_version(staff["account_id"]) > before  # old tokens stay dead


BANK_HEADER = CSV_HEADER.rstrip("\n") + ",bank,no_rekening,nama_rekening\n"


def test_the_payees_bank_account_comes_with_the_import_and_only_finance_and_admins_read_it(service):
    rows = [CSV_ROWS[0] + ",Bank BPD Bali,0012345678,", CSV_ROWS[1] + ",,,",
            CSV_ROWS[2] + ",Bank BRI,0098765432,Staf A"]
    service.import_organisation_csv(ADMIN, BANK_HEADER + "\n".join(rows))
    kadis = service.get_account("197501012000031001")["employee_id"]
    staf = service.get_account("199501012020121003")["employee_id"]
    finance = {"account_id": 900, "roles": ["finance"]}
    from ekinerja_contract import clock
    today = clock.today().isoformat()  # when the account was set: the one clock's day
    assert service.payment_accounts(finance, [kadis, staf, 999]) == {
        str(kadis): {"bank_name": "Bank BPD Bali", "bank_account": "0012345678",
                     "bank_account_holder": "Kadis", "bank_changed_on": today},  # no holder: the employee
        str(staf): {"bank_name": "Bank BRI", "bank_account": "0098765432",
                    "bank_account_holder": "Staf A", "bank_changed_on": today}}
    other_agency = {"account_id": 901, "agency_id": 99, "roles": ["agency_admin"]}
    assert service.payment_accounts(other_agency, [kadis, staf]) == {}
    from ekinerja_contract.errors import Forbidden
    with pytest.raises(Forbidden):
        service.payment_accounts({"account_id": 902, "employee_id": staf, "roles": ["employee"]}, [staf])
    # a later file without the bank columns keeps the account; a bad one names its cell
    service.import_organisation_csv(ADMIN, CSV_HEADER + CSV_ROWS[0])
    assert service.payment_accounts(finance, [kadis])[str(kadis)]["bank_account"] == "0012345678"
    # a changed account is audited, before and after masked, and counted in the reply
    changed = service.import_organisation_csv(ADMIN, BANK_HEADER + CSV_ROWS[0] + ",Bank BPD Bali,0099990000,")
    assert changed["payees_changed"] == 1
    from sqlalchemy import select

    from services.reporting.models import AuditEntry
    with service.db.session() as s:
        [line] = [a for a in s.scalars(select(AuditEntry)) if a.action == "employee.payee_changed"]
    assert line.detail == {"nip": "197501012000031001", "before": "******5678", "after": "******0000",
                           "bank": "Bank BPD Bali"} and line.actor_account_id == ADMIN["account_id"]
    with pytest.raises(InvalidInput) as err:
        service.import_organisation_csv(ADMIN, BANK_HEADER + CSV_ROWS[0] + ",,12-34,")
    assert {(p["row"], p["column"]) for p in err.value.details} == {(2, "no_rekening")}
    with pytest.raises(InvalidInput) as err:
        service.import_organisation_csv(ADMIN, BANK_HEADER + CSV_ROWS[0] + ",,0012345678,")
    assert [(p["row"], p["column"], p["code"]) for p in err.value.details] == [(2, "bank", "bank_required")]
