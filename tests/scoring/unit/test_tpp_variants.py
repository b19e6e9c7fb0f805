"""Regional TPP rules as data (ekinerja_contract/rule_variants), each with a hand-computed
fixture. November 2026: 21 working days; a class 5 clerk (ceiling Rp 2,250,000), grade
II (no final tax), BPJS 1 %, unless a case says otherwise."""
import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ekinerja_contract.rule_set import RuleSetBody, variant, variant_names
from services.scoring import rules
from services.scoring.rules import AttendanceMark, Condition, MonthFacts, RuleRef
from tests.scoring.unit.test_tpp_rules import NOV, WORKING, clerk, on_time, spread


def ruled(*names):
    body = variant(*names)
    return lambda day: RuleRef(1, "+".join(names), body)


def six_percent():
    """Late 15 (0.5 %), 45 (1 %), 100 (1.5 %) and one day absent without notice (3 %)."""
    attendance = on_time()
    attendance[WORKING[2]] = [AttendanceMark("arrival", 15)]
    attendance[WORKING[5]] = [AttendanceMark("arrival", 45)]
    attendance[WORKING[8]] = [AttendanceMark("arrival", 100)]
    attendance[WORKING[10]] = [AttendanceMark("absence")]
    return attendance


def step(line, key):
    return next(s for s in line["steps"] if s["key"] == key)


def test_every_variant_is_a_valid_rule_set():
    assert {"perwali_12_2026", "split_40_60", "split_60_40", "badung_70_15_15", "permentan",
            "pmk_221_2021", "pph21_ter"} <= set(variant_names())
    for name in variant_names():
        variant(name)


def test_the_steps_from_ceiling_to_net_add_up():
    line = rules.compute(clerk(status="CPNS", grade="III/a"), NOV, ruled("perwali_12_2026"),
                         spread(5400), six_percent(), facts=MonthFacts())
    moves = [s["amount"] for s in line["steps"] if s["kind"] in ("add", "subtract")]
    assert sum(moves) == line["net"]
    assert [s["key"] for s in line["steps"]] == [
        "ceiling", "performance", "discipline", "gross", "cpns", "tax", "insurance", "net"]
    assert step(line, "gross")["amount"] == line["gross"]


@pytest.mark.parametrize("names,performance,discipline", [
    (("split_40_60",), 720_000, 1_269_000),    # 2,250,000 x 0.4 x 0.8; x 0.6 x 0.94
    (("split_60_40",), 1_080_000, 846_000)])   # 2,250,000 x 0.6 x 0.8; x 0.4 x 0.94
def test_performance_and_discipline_splits(names, performance, discipline):
    line = rules.compute(clerk(), NOV, ruled(*names), spread(5400), six_percent())
    assert (step(line, "performance")["amount"], step(line, "discipline")["amount"]) == (
        performance, discipline)
    gross = performance + discipline
    insurance = rules.money(Decimal(gross) / 100)
    assert (line["gross"], line["insurance"], line["net"]) == (gross, insurance, gross - insurance)


def test_badung_pays_70_fixed_15_attendance_and_15_on_the_quarters_budget_realisation():
    line = rules.compute(clerk(), NOV, ruled("badung_70_15_15"), {}, six_percent(),
                         facts=MonthFacts(budget_realisation=Decimal(80)))
    # fixed 2,250,000 x 0.70 = 1,575,000 (no work at all: it is fixed)
    # attendance 2,250,000 x 0.15 x 0.94 = 317,250; budget 2,250,000 x 0.15 x 80 % = 270,000
    assert [s["key"] for s in line["steps"][:4]] == ["ceiling", "discipline", "fixed", "budget"]
    assert [step(line, k)["amount"] for k in ("fixed", "discipline", "budget")] == [
        1_575_000, 317_250, 270_000]
    # BPJS 1 % of 2,162,250 = 21,622.50, rounded half up
    assert (line["gross"], line["insurance"], line["net"]) == (2_162_250, 21_623, 2_140_627)
    over = rules.compute(clerk(), NOV, ruled("badung_70_15_15"), {}, six_percent(),
                         facts=MonthFacts(budget_realisation=Decimal(120)))
    assert step(over, "budget")["amount"] == 337_500  # never more than its 15 %


def test_an_unknown_budget_realisation_stops_the_close_of_that_line_but_not_an_estimate():
    with pytest.raises(ValueError, match="realisasi anggaran"):
        rules.compute(clerk(), NOV, ruled("badung_70_15_15"), {}, on_time())
    estimate = rules.compute(clerk(), NOV, ruled("badung_70_15_15"), {}, on_time(),
                             as_of=dt.date(2026, 11, 30))
    assert step(estimate, "budget")["amount"] == 0
    assert "belum diisi" in step(estimate, "budget")["label"]


def permentan_month():
    attendance = on_time()
    for day, minutes in zip(WORKING[:4], (15, 45, 75, 100), strict=True):
        attendance[day] = [AttendanceMark("arrival", minutes), AttendanceMark("departure", 0)]
    attendance[WORKING[4]] = [AttendanceMark("arrival", 0), AttendanceMark("departure", 40)]
    attendance[WORKING[5]] = attendance[WORKING[6]] = [AttendanceMark("absence")]
    return attendance


def test_the_permentan_table_with_early_leave_and_4_percent_a_day_absent():
    line = rules.compute(clerk(), NOV, ruled("permentan"), spread(6750), permentan_month())
    # late 0.5 + 1 + 1.5 + 2, early 40 min 1, absent 2 x 4 = 14 %
    assert line["segments"][0]["deduction_percent"] == "14.0"
    # 2,250,000 x (0.6 + 0.4 x 0.86) = 1,350,000 + 774,000
    assert (line["gross"], line["insurance"], line["net"]) == (2_124_000, 21_240, 2_102_760)
    common = rules.compute(clerk(), NOV, ruled("split_60_40"), spread(6750), permentan_month())
    # the common table: 0.5 + 1 + 1.25 + 1.5 + 1 + 2 x 3 = 11.25 %
    assert common["segments"][0]["deduction_percent"] == "11.25"


def test_pmk_221_flexi_hours_are_made_up_by_staying_later():
    attendance = on_time()
    marks = {0: (60, -60),    # 60 late, stayed 60 after: made up, nothing
             1: (60, 0),      # 60 late, left on time: 60 short, early leave 60 -> 1.25 %
             2: (120, -90),   # 30 beyond the flexi -> 1 %; the 90 within it made up
             3: (200, -90)}   # 110 beyond -> 2.5 %
    for n, (late, departure) in marks.items():
        attendance[WORKING[n]] = [AttendanceMark("arrival", late), AttendanceMark("departure", departure)]
    line = rules.compute(clerk(), NOV, ruled("pmk_221_2021"), spread(6750), attendance)
    deductions = [(d, r, p) for d, r, p, _ in line["segments"][0]["deductions"]]
    assert deductions == [
        (WORKING[1].isoformat(), "pulang cepat 60 menit (kurang 60 menit dari jam fleksibel)", "1.25"),
        (WORKING[2].isoformat(), "terlambat 30 menit di luar 90 menit fleksibel", "1"),
        (WORKING[3].isoformat(), "terlambat 110 menit di luar 90 menit fleksibel", "2.5")]
    # 2,250,000 x (0.6 + 0.4 x 0.9525) = 1,350,000 + 857,250; BPJS 22,072.50 -> 22,073
    assert (line["gross"], line["insurance"], line["net"]) == (2_207_250, 22_073, 2_185_177)


def test_leave_and_duty_travel():
    """Two days of annual leave and five sick days leave the standard (6,750 x 14/21 =
    4,500); sick days beyond the third cost 2.5 % each; three days of duty travel (DL)
    count as present, where no record at all would cost 1.5 % a day."""
    attendance = on_time()
    kinds = ["annual"] * 2 + ["sick"] * 5 + ["duty_travel"] * 3
    for day, kind in zip(WORKING[:len(kinds)], kinds, strict=True):
        attendance[day] = [AttendanceMark("leave", leave_type=kind)]
    present = WORKING[7:]
    line = rules.compute(clerk(), NOV, ruled("perwali_12_2026"), spread(4500, present), attendance)
    segment = line["segments"][0]
    assert (segment["standard"], segment["performance"], segment["deduction_percent"]) == (
        "4500.00", "1.0000", "5.0")
    assert [r for _, r, _, _ in segment["deductions"]] == ["cuti sakit hari ke-4", "cuti sakit hari ke-5"]
    assert segment["deductions"][0][3] == "Perwali 12/2026 pasal 8: cuti sakit lebih dari 3 hari 2,5% per hari"
    # 2,250,000 x (0.6 + 0.4 x 0.95) = 2,205,000
    assert line["gross"] == 2_205_000
    for day in WORKING[7:10]:
        del attendance[day]  # the DL days without their marks
    bare = rules.compute(clerk(), NOV, ruled("perwali_12_2026"), spread(4500, present), attendance)
    assert bare["segments"][0]["deduction_percent"] == "9.5"


@pytest.mark.parametrize("facts,work,attendance,reason", [
    (MonthFacts(conditions=[Condition("mpp", dt.date(2026, 11, 16), None, "SK 800/12")]),
     6750, None, "masa persiapan pensiun (MPP) SK 800/12"),
    (MonthFacts(conditions=[Condition("detention", dt.date(2026, 10, 1), dt.date(2026, 11, 2))]),
     6750, None, "ditahan"),
    (MonthFacts(conditions=[Condition("punishment_medium", dt.date(2026, 10, 1))]),
     6750, None, "hukuman disiplin sedang sejak 2026-10-01"),
    (MonthFacts(conditions=[Condition("punishment_heavy", dt.date(2026, 8, 15))]),
     6750, None, "hukuman disiplin berat sejak 2026-08-15"),
    (MonthFacts(), 3300, None, "capaian kinerja 48,89%"),
    (MonthFacts(), 6750, "absent5", "5 hari tanpa keterangan"),
    (MonthFacts(has_skp=False), 6750, None, "tidak ada SKP yang disetujui tahun ini"),
    (MonthFacts(unassessed=["Sari", "Agus", "Made", "Wayan"]), 6750, None,
     "belum menilai bawahan: Sari, Agus, Made dan 1 lainnya"),
    (MonthFacts(), 6750, "big16", "cuti besar 16 hari")])
def test_each_exclusion_pays_nothing_and_says_why(facts, work, attendance, reason):
    marks = on_time()
    if attendance == "absent5":
        for day in WORKING[:5]:
            marks[day] = [AttendanceMark("absence")]
    if attendance == "big16":
        for day in WORKING[:16]:
            marks[day] = [AttendanceMark("leave", leave_type="big")]
    line = rules.compute(clerk(), NOV, ruled("perwali_12_2026"), spread(work), marks, facts=facts)
    assert (line["gross"], line["net"], line["excluded"]) == (0, 0, [reason])
    exclusion = step(line, "exclusion")
    assert exclusion["clause"].startswith("Perwali 12/2026 pasal 9: ")
    assert exclusion["amount"] == -step(line, "gross")["amount"] < 0


@pytest.mark.parametrize("facts,work,attendance", [
    (MonthFacts(conditions=[Condition("punishment_medium", dt.date(2026, 9, 1))]), 6750, None),
    (MonthFacts(conditions=[Condition("punishment_heavy", dt.date(2026, 7, 31))]), 6750, None),
    (MonthFacts(conditions=[Condition("mpp", dt.date(2026, 12, 1))]), 6750, None),
    (MonthFacts(conditions=[Condition("detention", dt.date(2026, 9, 1), dt.date(2026, 10, 31))]), 6750, None),
    (MonthFacts(), 3375, None),   # exactly 50 %
    (MonthFacts(), 6750, "absent4"),
    (MonthFacts(), 6750, "big15")])
def test_just_inside_each_exclusions_bounds_pay_is_paid(facts, work, attendance):
    marks = on_time()
    for day in WORKING[:4] if attendance == "absent4" else []:
        marks[day] = [AttendanceMark("absence")]
    for day in WORKING[:15] if attendance == "big15" else []:
        marks[day] = [AttendanceMark("leave", leave_type="big")]
    line = rules.compute(clerk(), NOV, ruled("perwali_12_2026"), spread(work), marks, facts=facts)
    assert line["excluded"] == [] and line["gross"] > 0


def test_the_defaults_exclude_only_on_a_recorded_condition():
    """The built-in rules turn on no exclusion that needs data a city may not keep yet."""
    default = ruled("split_60_40")
    line = rules.compute(clerk(), NOV, default, {}, on_time(), facts=MonthFacts(has_skp=False))
    assert line["excluded"] == [] and line["gross"] == 900_000
    punished = MonthFacts(conditions=[Condition("punishment_light", dt.date(2026, 11, 1))])
    assert rules.compute(clerk(), NOV, default, {}, on_time(), facts=punished)["gross"] == 0


def test_pph21_ter_on_salary_plus_tpp_less_the_salarys_own():
    """K/1 is category B. Salary 9,000,000 + TPP 2,250,000 = 11,250,000: 2 % (up to
    11,250,000 inclusive); the salary alone 1 %: 225,000 - 90,000 = 135,000."""
    facts = MonthFacts(ptkp="K/1", monthly_salary=9_000_000)
    line = rules.compute(clerk(grade="III/c"), NOV, ruled("pph21_ter"), spread(6750), on_time(),
                         facts=facts)
    assert (line["gross"], line["tax"], line["insurance"], line["net"]) == (
        2_250_000, 135_000, 22_500, 2_092_500)
    assert step(line, "tax")["label"].startswith("PPh 21 TER kategori B (PTKP K/1): 2% ×")
    unknown = rules.compute(clerk(grade="III/c"), NOV, ruled("pph21_ter"), spread(6750), on_time())
    assert unknown["tax"] == 0 and "PTKP belum tercatat" in step(unknown, "tax")["label"]


def test_final_tax_by_grade_and_bpjs_on_a_capped_base():
    line = rules.compute(clerk(job_class=15, grade="IV/a"), NOV, ruled("split_60_40"),
                         spread(6750), on_time())
    # 17,000,000: tax 15 % = 2,550,000; BPJS 1 % of the 12,000,000 cap = 120,000
    assert (line["tax"], line["insurance"], line["net"]) == (2_550_000, 120_000, 14_330_000)
    assert step(line, "insurance")["label"] == "Iuran BPJS Kesehatan 1% × Rp 12.000.000"


def test_each_deduction_names_its_article():
    attendance = on_time()
    attendance[WORKING[0]] = [AttendanceMark("arrival", 45)]
    line = rules.compute(clerk(), NOV, ruled("perwali_12_2026"), spread(6750), attendance)
    (day, reason, percent, clause), = line["segments"][0]["deductions"]
    assert (reason, percent) == ("terlambat 45 menit", "1")
    assert clause == "Perwali 12/2026 pasal 7 ayat (2): terlambat 31–60 menit 1%"
    assert step(line, "discipline")["refs"]["attendance"][0]["date"] == day
    assert step(line, "performance")["refs"]["days"][WORKING[0].isoformat()] == str(
        6750 - 321 * 20)  # spread's first day carries the remainder


@pytest.mark.parametrize("change,code", [
    ({"fixed_share": "0.1"}, "shares_sum"),
    ({"tax_method": "ter"}, "ter_tables"),
    ({"early_leave": [{"up_to_minutes": 60, "percent": "1"}, {"up_to_minutes": 30, "percent": "1"},
                      {"up_to_minutes": None, "percent": "2"}]}, "lateness_order"),
    ({"leave": {"holiday": {}}}, "literal_error"),
    ({"exclusions": {"punishment_months": {"light": "satu"}}}, "int_parsing")])
def test_a_wrong_variant_is_refused_with_the_field_and_a_code(change, code):
    raw = variant("split_60_40").model_dump(mode="json") | change
    with pytest.raises(ValidationError) as err:
        RuleSetBody.model_validate(raw)
    assert code in {e["type"] for e in err.value.errors()}
