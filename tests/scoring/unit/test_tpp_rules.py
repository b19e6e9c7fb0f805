"""Hand-computed TPP fixtures (November 2026: 21 working days, default rule set:
60/40, 6,750 minutes, class 5 ceiling Rp 2,250,000, class 14 Rp 12,500,000)."""
import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ekinerja_contract.rule_set import RuleSetBody, default_body
from services.scoring import rules
from services.scoring.rules import AttendanceMark, DayWork, Profile, RuleRef

NOV = "2026-11"
WORKING = [d for d in rules.period_days(NOV) if d.weekday() < 5]
BODY = default_body()


def city_rules(day):
    return RuleRef(1, "kota-2026", BODY)


def on_time():
    return {d: [AttendanceMark("arrival", 0), AttendanceMark("departure", 0)] for d in WORKING}


def spread(total_minutes, days=None):
    """The minutes over the working days (or `days`), the remainder on the first."""
    days = days or WORKING
    per_day = total_minutes // len(days)
    work = {d: DayWork(minutes=per_day) for d in days}
    work[days[0]].minutes += total_minutes - per_day * len(days)
    return work


def clerk(**over):
    base = dict(employee_id=1, nip="199501012020121003", name="Staf", agency_id=1, job_class=5,
                status="PNS", grade="II/c")
    base.update(over)
    return Profile(**base)


def test_november_2026_has_21_working_days():
    assert len(WORKING) == 21


def test_class_5_clerk_with_three_late_arrivals_and_one_unexcused_absence():
    attendance = on_time()
    attendance[WORKING[2]] = [AttendanceMark("arrival", 15)]    # 0.5 %
    attendance[WORKING[5]] = [AttendanceMark("arrival", 45)]    # 1 %
    attendance[WORKING[8]] = [AttendanceMark("arrival", 100)]   # 1.5 %
    attendance[WORKING[10]] = [AttendanceMark("absence", excused=False)]  # 3 %
    line = rules.compute(clerk(), NOV, city_rules, spread(5400), attendance)
    # 2,250,000 x (0.6 x 5400/6750 + 0.4 x (1 - 6%)) = 2,250,000 x 0.856
    assert (line["performance"], line["discipline"]) == ("0.8000", "0.9400")
    assert line["gross"] == 1_926_000
    assert (line["tax"], line["insurance"], line["net"]) == (0, 19_260, 1_906_740)
    reasons = [r for _, r, _, _ in line["segments"][0]["deductions"]]
    assert reasons == ["terlambat 15 menit", "terlambat 45 menit", "terlambat 100 menit",
                       "tanpa keterangan"]


def test_a_cpns_receives_80_percent_before_tax_and_insurance():
    line = rules.compute(clerk(status="CPNS", grade="III/a"), NOV, city_rules, spread(7000), on_time())
    assert (line["gross"], line["after_factor"]) == (2_250_000, 1_800_000)
    assert (line["tax"], line["insurance"], line["net"]) == (90_000, 18_000, 1_692_000)


def test_head_of_agency_with_approver_points():
    head = clerk(job_class=14, grade="IV/b", name="Kadis")
    work = spread(6000)
    work[WORKING[3]].approver_points = Decimal(40)
    line = rules.compute(head, NOV, city_rules, work, on_time())
    # 12,500,000 x (0.6 x 6000/6750 + 0.4) = 11,666,666.67; tax 15 %; insurance 1 %
    assert (line["gross"], line["tax"], line["insurance"], line["net"]) == (
        11_666_667, 1_750_000, 116_667, 9_800_000)
    assert line["approver_points"] == "40"
    points_body = BODY.model_copy(update={"standard_unit": "points",
                                          "monthly_standard": Decimal(300)})
    work = {d: DayWork(points=Decimal(10)) for d in WORKING[:25]}  # 210 points
    work[WORKING[0]].approver_points = Decimal(90)  # approving fills the rest
    full = rules.compute(head, NOV, lambda d: RuleRef(2, "poin", points_body), work, on_time())
    assert full["performance"] == "1.0000" and full["gross"] == 12_500_000


def test_a_rule_set_change_on_the_15th_splits_the_month_by_working_days():
    later = BODY.model_copy(update={"ceilings": {**BODY.ceilings, 5: 2_700_000}})

    def rule_on(day):
        return RuleRef(2, "kota-2026-b", later) if day >= dt.date(2026, 11, 15) else city_rules(day)

    work = {d: DayWork(minutes=300) for d in WORKING}  # 3,000 before the 15th, 3,300 after
    line = rules.compute(clerk(grade="III/b"), NOV, rule_on, work, on_time())
    first, second = line["segments"]
    assert (first["working_days"], second["working_days"]) == (10, 11)
    # Each share is rounded to the rupiah as printed, so the printed lines add up:
    # 2,250,000 x 10/21: performance 0.6 x 2,250,000 x 3000/6750 = 600,000,
    #   discipline 0.4 x 1,071,428.57 = 428,571.43 -> 428,571; together 1,028,571
    # 2,700,000 x 11/21: performance 0.6 x 2,700,000 x 3300/6750 = 792,000,
    #   discipline 0.4 x 1,414,285.71 = 565,714.29 -> 565,714; together 1,357,714
    assert (first["amount"], second["amount"]) == (1_028_571, 1_357_714)
    # gross 2,386,285 (was 2,386,286 when rounded once after the sum); tax 5 %, BPJS 1 %
    assert (line["gross"], line["tax"], line["insurance"], line["net"]) == (
        2_386_285, 119_314, 23_863, 2_243_108)
    assert line["rule_sets"] == ["kota-2026", "kota-2026-b"]


def test_the_daily_cap_and_the_100_percent_ceiling_hold():
    work = {d: DayWork(minutes=600) for d in WORKING}  # 600 > 450 a day
    line = rules.compute(clerk(), NOV, city_rules, work, on_time())
    assert line["segments"][0]["achieved"] == str(450 * 21)
    assert line["performance"] == "1.0000"


def test_deductions_never_pass_100_percent_and_leave_is_not_punished():
    absent = {d: [AttendanceMark("absence")] for d in WORKING}  # 21 x 3 % = 63 %
    assert rules.compute(clerk(), NOV, city_rules, {}, absent)["discipline"] == "0.3700"
    harsh = BODY.model_copy(update={"absence_percent": Decimal(10)})
    line = rules.compute(clerk(), NOV, lambda d: RuleRef(3, "x", harsh), {}, absent)
    assert line["discipline"] == "0.0000" and line["gross"] == 0
    leave = {d: [AttendanceMark("leave")] for d in WORKING}
    assert rules.compute(clerk(), NOV, city_rules, {}, leave)["discipline"] == "1.0000"


def test_a_missing_attendance_record_counts_as_the_heaviest_lateness():
    attendance = on_time()
    del attendance[WORKING[0]]
    line = rules.compute(clerk(), NOV, city_rules, spread(6750), attendance)
    assert line["segments"][0]["deduction_percent"] == "1.5"


def test_rupiah_mode_pays_activity_values_up_to_the_ceiling():
    body = BODY.model_copy(update={"mode": "rupiah"})
    work = {d: DayWork(minutes=300, rupiah=50_000) for d in WORKING}  # 1,050,000
    line = rules.compute(clerk(), NOV, lambda d: RuleRef(4, "r", body), work, on_time())
    assert line["gross"] == 1_050_000 + 900_000  # performance part, + 40 % of the ceiling
    work = {d: DayWork(minutes=300, rupiah=100_000) for d in WORKING}
    capped = rules.compute(clerk(), NOV, lambda d: RuleRef(4, "r", body), work, on_time())
    assert capped["gross"] == 2_250_000


def test_rule_set_errors_name_the_field():
    raw = default_body().model_dump(mode="json")
    raw["ceilings"].pop("7")
    raw["performance_share"] = "0.7"
    with pytest.raises(ValidationError) as err:
        RuleSetBody.model_validate(raw)
    text = str(err.value)
    assert "ceilings" in text and "[7]" in text
    raw = default_body().model_dump(mode="json")
    raw["performance_share"] = "0.7"
    with pytest.raises(ValidationError, match="add up to 1"):
        RuleSetBody.model_validate(raw)


@pytest.mark.parametrize("result,behaviour,expected", [
    ("above", "above", "Sangat Baik"), ("as_expected", "as_expected", "Baik"),
    ("below", "as_expected", "Butuh Perbaikan"), ("above", "below", "Kurang"),
    ("below", "below", "Sangat Kurang")])
def test_predikat_matrix(result, behaviour, expected):
    assert rules.predikat(result, behaviour) == expected


def test_distribution_limits_are_reported_as_warnings():
    warnings = rules.distribution_warnings({"Sangat Baik": 3, "Baik": 7},
                                           {"Sangat Baik": Decimal("0.2")})
    assert len(warnings) == 1 and "Sangat Baik" in warnings[0]



def test_an_estimate_never_deducts_for_a_day_that_has_not_come_yet():
    """A provisional recap on 3 November: the 4th and later have no attendance yet, and
    that is no 'tidak ada catatan hadir' deduction (it was, for every future day)."""
    early = rules.compute(clerk(), NOV, city_rules, {}, {}, as_of=dt.date(2026, 11, 3))
    dates = {d for seg in early["segments"] for d, *_ in seg["deductions"]}
    assert dates == {"2026-11-02", "2026-11-03"}  # Monday and Tuesday, no record
    whole = rules.compute(clerk(), NOV, city_rules, {}, {})
    assert len({d for seg in whole["segments"] for d, *_ in seg["deductions"]}) == 21
    assert early["net"] > whole["net"]
