"""The adapter's rules without a broker: what an HTTP answer means, and a day's
reconciliation with and without the national side's list."""
import pytest

from services.sync import rules

SARI = {"employee_id": 2, "nip": "199003212015032001", "name": "Ni Luh Sari"}


@pytest.mark.parametrize("status,meaning", [(200, "ack"), (201, "ack"), (204, "ack"), (400, "refused"),
                                            (401, "refused"), (404, "refused"), (422, "refused"),
                                            (408, "retry"), (409, "retry"), (429, "retry"),
                                            (500, "retry"), (502, "retry"), (503, "retry")])
def test_what_an_answer_means(status, meaning):
    assert rules.outcome(status) == meaning


def test_everything_acknowledged_and_listed_is_no_difference():
    held = [SARI | {"report_id": 1}, SARI | {"report_id": 2}]
    ours = {"laporan-1": {"state": "acknowledged"}, "laporan-2": {"state": "acknowledged"}}
    theirs = [{"id": "a", "idLokal": "laporan-1", "nip": SARI["nip"]},
              {"id": "b", "idLokal": "laporan-2", "nip": SARI["nip"]}]
    assert rules.reconcile(held, ours, theirs) == []


def test_without_the_national_list_what_was_acknowledged_stands_in():
    held = [SARI | {"report_id": 1}, SARI | {"report_id": 2}, SARI | {"report_id": 3}]
    ours = {"laporan-1": {"state": "acknowledged"},
            "laporan-2": {"state": "refused", "last_error": "HTTP 400: satuan kosong"}}
    [p] = rules.reconcile(held, ours, None)
    assert (p["held"], p["acknowledged"], p["national"]) == (3, 1, 1)
    assert [(m["key"], m["why"], m["error"]) for m in p["missing"]] == [
        ("laporan-2", "ditolak", "HTTP 400: satuan kosong"), ("laporan-3", "belum dikirim", None)]


def test_acknowledged_here_but_gone_there_is_missing_and_a_stranger_there_is_extra():
    held = [SARI | {"report_id": 1}]
    theirs = [{"id": "x", "idLokal": "laporan-7", "nip": "199511082020121004"}]
    people = rules.reconcile(held, {"laporan-1": {"state": "acknowledged"}}, theirs)
    assert [(p["nip"], [m["why"] for m in p["missing"]], [e["key"] for e in p["extra"]]) for p in people] == [
        (SARI["nip"], ["pernah diterima, kini tidak tercatat di sana"], []), ("199511082020121004", [], ["laporan-7"])]
