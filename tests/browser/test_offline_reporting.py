"""Reporting without a network (gateway/web/static/app.js, gateway/web/sw.js), in headless
Chromium on a phone with the network cut (Playwright's offline mode): the report form
stays open, a report sent from it waits in IndexedDB with its photo and goes when the
network is back, exactly once; a report the server refuses stays on the phone with the
reason in Indonesian, to be changed or deleted. Screenshots: test-artifacts/screenshots/
offline-*.png."""
import re
from urllib.parse import urlparse

import pytest

from ekinerja_contract import clock
from tests.support.browser import PHONE, Person, axe_violations, fill_report
from tests.support.photos import jpeg_with_exif
from tests.support.stack import demo_system
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
CHANGE = {"X-Requested-With": "fetch"}  # what a cookie-authenticated change must carry

CACHED = """async () => {
  const paths = [];
  for (const name of await caches.keys())
    for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
  return paths.sort();
}"""
QUEUED = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("ekinerja", 1);
  open.onupgradeneeded = () => open.result.createObjectStore("antrean", {keyPath: "id"});
  open.onsuccess = () => {
    const get = open.result.transaction("antrean").objectStore("antrean").getAll();
    get.onsuccess = () => { resolve(get.result.map(i => ({key: i.key, state: i.state,
      start: i.label.start, evidence: i.evidenceId, photo: !!i.photo}))); open.result.close(); };
  };
  open.onerror = () => reject(open.error);
})"""


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    yield from demo_system(amqp_uri, s3_server, tmp_path_factory, "offline")


def open_form(browser, system):
    """Sari on her phone with the form open and kept by the worker for offline use."""
    staff = Person(browser, system, "sari", {**PHONE, "bypass_csp": True}, "offline")  # for axe
    staff.page.goto("/laporan/baru")
    assert staff.page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    wait_until(lambda: "/laporan/baru" in staff.page.evaluate(CACHED), 15, "the form kept")
    return staff


def fill(staff, system, activity, start, end, description):
    fill_report(staff.page, system, activity, start, end, description)


def reports_at(staff, start: str, activity: str) -> list[dict]:
    """Sari's reports of today that start at `start`, as the API has them."""
    today = clock.today()
    reports = staff.context.request.get(f"/api/v1/reports?period={today:%Y-%m}").json()
    return [r for r in reports if r["date"] == today.isoformat() and r["start"].startswith(start)
            and r["activity_code"] == activity]


def outbox(page) -> list[str]:
    return page.locator("#outbox_list li").all_inner_texts()


def test_a_report_written_offline_waits_on_the_phone_and_is_sent_once_when_online(browser, system, tmp_path):
    staff = open_form(browser, system)
    page = staff.page
    staff.context.set_offline(True)
    fill(staff, system, "SURAT-DINAS", "10:00", "10:45", "Menyusun surat edaran tanpa sinyal")
    photo = tmp_path / "surat-offline.jpg"
    photo.write_bytes(jpeg_with_exif(seed=41))
    page.set_input_files("#photo", str(photo))
    page.wait_for_selector("#photo_size[data-after]")
    page.click("button[value=submit]")
    page.wait_for_selector("#outbox_kept:visible")
    assert "disimpan di perangkat ini" in page.locator("#outbox_kept").inner_text()
    assert page.locator("#outbox h2").inner_text() == "Menunggu dikirim"
    [waiting] = outbox(page)
    today = clock.today()
    assert f"{today.day} " in waiting and "10:00–10:45" in waiting
    assert "Menyusun surat dinas" in waiting and "Menunggu koneksi" in waiting
    assert page.input_value("#description") == ""  # the form is free for the next report
    [queued] = page.evaluate(QUEUED)
    assert queued["photo"] and queued["evidence"] is None and queued["state"] == "waiting"
    assert re.fullmatch(r"[0-9a-f-]{36}", queued["key"])  # its own Idempotency-Key
    staff.shot("queued")
    assert axe_violations(page) == []

    # the form itself opens without a network, with what waits; other pages do not
    page.reload()
    assert page.locator("h1").inner_text() == "Tambah laporan"
    page.wait_for_selector("#outbox_list li")
    assert "Menunggu koneksi" in outbox(page)[0]
    assert "Tidak ada koneksi" in page.locator("#outbox_hint").inner_text()
    staff.shot("reloaded")
    page.goto("/riwayat")
    assert page.locator("#problem h1").inner_text() == "Tidak ada koneksi internet"
    page.goto("/laporan/baru")

    staff.context.set_offline(False)  # the `online` event sends it
    page.wait_for_selector("#outbox_done:visible", timeout=30_000)
    assert page.locator("#outbox_done").inner_text() == "✓ Semua laporan yang menunggu sudah terkirim."
    assert outbox(page) == [] and page.evaluate(QUEUED) == []
    staff.shot("sent")
    [report] = reports_at(staff, "10:00", "SURAT-DINAS")
    assert report["description"] == "Menyusun surat edaran tanpa sinyal"
    assert report["state"] == "submitted" and report["evidence_id"]
    evidence = staff.context.request.get(f"/api/v1/evidence/{report['evidence_id']}").json()
    assert evidence["filename"] == "surat-offline.jpg"
    page.reload()  # another page load sends nothing again
    page.wait_for_load_state("networkidle")
    assert len(reports_at(staff, "10:00", "SURAT-DINAS")) == 1

    # logging out forgets the person's form; the offline page and its assets stay
    page.goto("/keluar")
    assert page.evaluate(CACHED) == ["/offline", "/static/app.css", "/static/app.js"]
    staff.close()


def test_a_report_whose_answer_was_lost_is_not_made_twice(browser, system):
    staff = open_form(browser, system)
    page = staff.page
    arrived = []

    def lose_the_answer(route):
        arrived.append(route.fetch().status)  # the server makes the report...
        route.abort("connectionreset")        # ...and its answer never reaches the phone

    staff.context.route("**/api/v1/reports", lose_the_answer)
    fill(staff, system, "ENTRI-DATA", "11:00", "11:30", "Entri data yang jawabannya hilang")
    page.click("button[value=submit]")
    page.wait_for_selector("#outbox_kept:visible")
    assert arrived == [201] and len(reports_at(staff, "11:00", "ENTRI-DATA")) == 1
    assert "Menunggu" in outbox(page)[0]
    staff.context.unroute("**/api/v1/reports")
    page.click("#outbox_send")  # sent again with the same key: the first answer, replayed
    page.wait_for_selector("#outbox_done:visible")
    assert page.evaluate(QUEUED) == []
    assert len(reports_at(staff, "11:00", "ENTRI-DATA")) == 1
    staff.close()


def test_a_refused_report_stays_with_the_reason_and_is_changed_or_deleted(browser, system):
    staff = open_form(browser, system)
    page = staff.page
    item = system.demo["people"]["sari"]["skp"]["items"][0]["id"]
    today = clock.today().isoformat()
    made = staff.context.request.post("/api/v1/reports", headers=CHANGE, data={
        "skp_item_id": item, "activity_code": "ENTRI-DATA", "date": today, "start": "13:00",
        "end": "13:45", "description": "Entri data yang sudah dilaporkan"})
    assert made.status == 201
    staff.context.set_offline(True)
    for start, end, text in (("13:15", "13:30", "Entri data bertumpuk pertama"),
                             ("13:30", "13:40", "Entri data bertumpuk kedua")):
        fill(staff, system, "ENTRI-DATA", start, end, text)
        page.click("button[value=submit]")
        page.wait_for_selector("#outbox_kept:visible")
    assert len(outbox(page)) == 2
    staff.context.set_offline(False)
    wait_until(lambda: page.locator("#outbox_list li.refused").count() == 2, 30, "both refused")
    reason = "Waktunya bertumpuk dengan laporan Anda yang lain pukul 13:00–13:45."
    for text in outbox(page):
        assert "Ditolak: perlu diperbaiki" in text and reason in text
    assert [q["state"] for q in page.evaluate(QUEUED)] == ["refused", "refused"]
    assert "ditolak dan tidak dikirim lagi" in page.locator("#outbox_hint").inner_text()
    assert page.locator("#outbox_kept").is_hidden()  # "kept on this phone" is old news
    staff.shot("refused")
    assert axe_violations(page) == []
    page.reload()  # a refusal is not sent again until it is changed
    page.wait_for_load_state("networkidle")
    assert page.locator("#outbox_list li.refused").count() == 2

    # the home page shows them too, with a way to change each
    page.goto("/")
    page.wait_for_selector("#outbox_list li.refused")
    assert page.locator("#outbox_list li").count() == 2
    staff.shot("home")

    # deleted: gone from the phone, nothing sent
    second = page.locator("#outbox_list li", has_text="kedua")
    page.once("dialog", lambda dialog: dialog.accept())
    second.locator("button.delete").click()
    wait_until(lambda: page.locator("#outbox_list li").count() == 1, 10, "deleted")
    assert [q["start"] for q in page.evaluate(QUEUED)] == ["13:15"]

    # changed: the form again with its values and the reason, then sent
    page.locator("#outbox_list li a.edit").click()
    page.wait_for_selector("#outbox_editing:visible")
    assert urlparse(page.url).path == "/laporan/baru"
    assert page.input_value("#start") == "13:15" and page.input_value("#end") == "13:30"
    assert page.input_value("#description") == "Entri data bertumpuk pertama"
    assert page.input_value("#activity") == "ENTRI-DATA"
    assert page.locator("#form_error").inner_text() == reason
    staff.shot("editing")
    page.fill("#start", "14:00")
    page.fill("#end", "14:30")
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(r".*/laporan/\d+\?baru=kirim"))
    assert page.locator("#report_state").inner_text() == "Menunggu persetujuan"
    assert page.evaluate(QUEUED) == []
    assert len(reports_at(staff, "14:00", "ENTRI-DATA")) == 1
    assert reports_at(staff, "13:15", "ENTRI-DATA") == reports_at(staff, "13:30", "ENTRI-DATA") == []
    assert len(reports_at(staff, "13:00", "ENTRI-DATA")) == 1
    staff.close()


def test_logging_out_with_reports_on_the_phone_asks_first(browser, system):
    staff = open_form(browser, system)
    page = staff.page
    staff.context.set_offline(True)
    fill(staff, system, "SURAT-DINAS", "16:00", "16:30", "Surat yang belum terkirim saat keluar")
    page.click("button[value=submit]")
    page.wait_for_selector("#outbox_list li")
    with page.expect_event("dialog") as asked:
        page.click("a[href='/keluar']")
    assert "Masih ada 1 laporan di perangkat ini yang belum terkirim" in asked.value.message
    asked.value.dismiss()
    assert urlparse(page.url).path == "/laporan/baru" and len(outbox(page)) == 1  # stayed
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#outbox_list li button", has_text="Hapus").click()  # not wanted after all
    wait_until(lambda: outbox(page) == [], 10, "deleted")
    staff.context.set_offline(False)
    page.click("a[href='/keluar']")  # nothing waits: no question
    page.wait_for_url("**/masuk")
    staff.close()


def test_the_offline_page_leads_to_the_form_kept_from_any_page_of_the_session(browser, system):
    staff = Person(browser, system, "sari", PHONE, "offline-any-page")  # home only, not the form
    page = staff.page
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    page.reload()  # now controlled: the page asks the worker to keep the form
    wait_until(lambda: "/laporan/baru" in page.evaluate(CACHED), 15, "the form kept")
    staff.context.set_offline(True)
    page.goto("/riwayat")
    assert page.locator("#problem h1").inner_text() == "Tidak ada koneksi internet"
    page.click("#offline-form")
    page.wait_for_url("**/laporan/baru")
    assert page.locator("h1").inner_text() == "Tambah laporan"
    staff.context.set_offline(False)
    staff.close()
