"""Dates, times and numbers on the pages, the Indonesian way."""
from gateway.web import formatting as f


def test_dates_are_written_out_in_indonesian():
    assert f.long_date("2026-12-02") == "Rabu, 2 Desember 2026"
    assert f.short_date("2026-12-02") == "2 Des"
    assert f.month("2026-11") == "November 2026"


def test_times_are_24_hours_with_a_dot_and_instants_in_the_citys_zone():
    assert f.time("09:00:00") == "09.00"
    assert f.local_datetime("2026-12-01T17:42:00+00:00") == "2 Des 2026 01.42 WITA"
    # a camera's EXIF time is its own local time: shown as written, not converted
    assert f.camera_time("2026-11-16T09:30:00") == "16 Nov 2026 09.30"


def test_numbers_and_rupiah_use_dots_for_thousands_and_a_comma_for_decimals():
    assert f.rupiah(1004484) == "Rp 1.004.484"
    assert f.number("12.50") == "12,5"
    assert f.number(450) == "450"
    assert f.number("0.9733", 3) == "0,973"
