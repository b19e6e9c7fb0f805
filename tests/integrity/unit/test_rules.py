"""The integrity checks as plain functions: each fires where it should, stays quiet just
inside its tolerance, and says why in Indonesian."""
import datetime as dt

from services.integrity import rules
from services.integrity.rules import Neighbour, Office, ReportFacts

CHECKS = rules.load_checks()
REPORT = ReportFacts(report_id=1, employee_id=2, date=dt.date(2026, 11, 2), start=dt.time(9),
                     end=dt.time(10), meeting_id=None, content_type="image/jpeg")


def neighbour(employee_id=3, meeting_id=None, distance=2, same=False, report_id=9):
    return Neighbour(report_id, employee_id, "Budi", dt.date(2026, 10, 5), meeting_id, distance, same)


def test_another_employees_photo_is_reuse_and_names_the_other_report():
    [found] = rules.photo_reuse(REPORT, [neighbour()], fingerprinted=True)
    assert found.signal == "photo_reused"
    assert "sangat mirip" in found.reason and "Budi" in found.reason and "5 Oktober 2026" in found.reason
    assert found.evidence["reports"][0]["report_id"] == 9


def test_the_same_meetings_photo_is_shared_not_reused():
    report = ReportFacts(**{**REPORT.__dict__, "meeting_id": 7})
    found = rules.photo_reuse(report, [neighbour(meeting_id=7), neighbour(meeting_id=8, report_id=10)], True)
    assert [f.signal for f in found] == ["photo_reused", "photo_shared_meeting"]
    assert found[1].reason.startswith("Foto bersama rapat") and CHECKS.weight("photo_shared_meeting") == 0


def test_ones_own_photo_again_is_repeated_and_an_unreadable_picture_is_not_checkable():
    found = rules.photo_reuse(REPORT, [neighbour(employee_id=2, same=True)], fingerprinted=False)
    assert [(f.signal, f.checkable) for f in found] == [("photo_repeated", True), ("photo_reused", False)]
    assert "sama persis" in found[0].reason and "tidak dapat diperiksa" in found[1].reason
    assert rules.risk(CHECKS, found) == CHECKS.weight("photo_repeated")


def test_capture_time_inside_the_tolerance_passes_and_just_outside_fires():
    inside = {"exif_present": True, "captured_at": "2026-11-02T11:59:00"}  # end 10:00 + 120 min
    outside = {"exif_present": True, "captured_at": "2026-11-02T12:01:00"}
    assert rules.exif(REPORT, inside, CHECKS) == []
    [found] = rules.exif(REPORT, outside, CHECKS)
    assert found.signal == "exif_time_mismatch" and "2 Nov 2026 12.01" in found.reason


def test_a_jpeg_without_exif_is_flagged_a_png_screenshot_is_not():
    assert [f.signal for f in rules.exif(REPORT, {"exif_present": False}, CHECKS)] == ["exif_missing"]
    png = ReportFacts(**{**REPORT.__dict__, "content_type": "image/png"})
    assert rules.exif(png, {"exif_present": False}, CHECKS) == []


def test_edited_exif_by_an_editors_name_or_a_late_change():
    by_name = {"exif_present": True, "captured_at": "2026-11-02T09:30:00", "software": "Adobe Photoshop 25.0"}
    [f] = rules.exif(REPORT, by_name, CHECKS)
    assert f.signal == "exif_edited" and "Photoshop" in f.reason
    late = {"exif_present": True, "captured_at": "2026-11-02T09:30:00", "modified_at": "2026-11-04T09:30:00"}
    [f] = rules.exif(REPORT, late, CHECKS)
    assert f.signal == "exif_edited" and "2 hari" in f.reason
    phone = {"exif_present": True, "captured_at": "2026-11-02T09:30:00", "modified_at": "2026-11-02T09:31:00",
             "software": "G998BXXU5CVDD"}
    assert rules.exif(REPORT, phone, CHECKS) == []


def test_unreadable_exif_marks_its_checks_not_checkable():
    found = rules.exif(REPORT, {"unchecked": ["exif"]}, CHECKS)
    assert {f.signal for f in found} == {"exif_time_mismatch", "exif_edited"}
    assert all(not f.checkable and "tidak dapat diperiksa" in f.reason for f in found)
    assert rules.location({"unchecked": ["exif"], "gps_lat": 0, "gps_lon": 0},
                          [Office("Kantor", 0, 1)], False, CHECKS) == []


def test_geofence_by_the_nearest_office_and_its_radius_exempt_on_duty_travel():
    office = Office("Kantor Dinas", -8.6500, 115.2200, 100)
    near = {"gps_lat": -8.6505, "gps_lon": 115.2200}  # about 56 m
    far = {"gps_lat": -8.6700, "gps_lon": 115.2200}  # about 2.2 km
    assert rules.location(near, [office], False, CHECKS) == []
    [f] = rules.location(far, [office], False, CHECKS)
    assert f.signal == "outside_geofence" and "2,2 km" in f.reason and "Kantor Dinas" in f.reason
    assert rules.location(far, [office], True, CHECKS) == []  # DL
    assert rules.location(far, [], False, CHECKS) == []  # no office recorded: nothing to hold to
    assert rules.location({}, [office], False, CHECKS) == []  # no GPS


def test_distance_is_the_great_circle():
    assert round(rules.distance_m(0, 0, 0, 1)) == 111195


def test_minutes_per_unit_above_twice_the_standard():
    assert rules.minutes_above_standard(120, 1, 60, CHECKS) == []  # exactly 2x
    [f] = rules.minutes_above_standard(121, 1, 60, CHECKS)
    assert "2× menit standar" in f.reason or "2 " in f.reason
    assert rules.minutes_above_standard(240, 2, 60, CHECKS) == []  # per unit


def test_bursts_need_n_decisions_within_the_window():
    t0 = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    times = [t0 + dt.timedelta(seconds=6 * i) for i in range(10)]  # 10 in 54 s
    assert rules.burst_members(times, 10, 60) == set(range(10))
    slower = [t0 + dt.timedelta(seconds=7 * i) for i in range(10)]  # 10 in 63 s
    assert rules.burst_members(slower, 10, 60) == set()


def test_cap_chasing_on_the_fifth_day_exactly_on_the_cap():
    days = {dt.date(2026, 11, d): 450 for d in range(2, 6)} | {dt.date(2026, 11, 9): 449}
    assert rules.cap_chasing(days, 450, None, CHECKS) == []
    days[dt.date(2026, 11, 10)] = 450
    [f] = rules.cap_chasing(days, 450, None, CHECKS)
    assert "tepat 450 menit" in f.reason and "5 hari" in f.reason


def test_the_same_description_on_five_days():
    by = {"rapat koordinasi": {dt.date(2026, 11, d) for d in range(2, 6)}}
    assert rules.repeated_description(by, CHECKS) == []
    by["rapat koordinasi"].add(dt.date(2026, 11, 9))
    [f] = rules.repeated_description(by, CHECKS)
    assert "5 hari" in f.reason and "rapat koordinasi" in f.reason
    assert rules.normalise("  Rapat   Koordinasi. ") == "rapat koordinasi"


def test_peer_outlier_needs_enough_peers_and_twice_their_median():
    peers = {"SURAT": [30.0, 40.0, 50.0]}
    assert rules.peer_outlier({"SURAT": 80.0}, peers, {}, CHECKS) == []
    [f] = rules.peer_outlier({"SURAT": 81.0}, peers, {"SURAT": "Surat dinas"}, CHECKS)
    assert "Surat dinas" in f.reason and "3 rekan" in f.reason
    assert rules.peer_outlier({"SURAT": 500.0}, {"SURAT": [30.0, 40.0]}, {}, CHECKS) == []


def test_risk_is_capped_and_uncheckable_weighs_nothing():
    many = [rules.Found(s, "x") for s in ("photo_reused", "photo_repeated", "exif_edited", "cap_chasing")]
    assert rules.risk(CHECKS, many) == 100
    assert rules.risk(CHECKS, [rules.Found("photo_reused", "x", checkable=False)]) == 0
