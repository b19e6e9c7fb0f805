"""The main journeys in headless Chromium (Debian's package, driven by Playwright), on a
phone and on a desktop viewport, against every service and the gateway as processes.
Screenshots of every page land in test-artifacts/screenshots/."""
import datetime as dt
from urllib.parse import urlparse

import pytest

from ekinerja_contract import clock
from tests.support.browser import DESKTOP, PHONE, SHOTS, Person, axe_violations
from tests.support.photos import jpeg_with_exif
from tests.support.stack import demo_system
from tools import demo_data
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    yield from demo_system(amqp_uri, s3_server, tmp_path_factory, "web")


def test_login_refuses_a_wrong_password(browser, system):
    context = browser.new_context(base_url=system.gateway_url, **PHONE)
    page = context.new_page()
    page.goto("/persetujuan")
    assert page.url.endswith("/masuk")
    page.fill("#username", "sari")
    page.fill("#password", "salah")
    page.click("button[type=submit]")
    assert "salah" in page.locator(".error").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "phone-login.png"))
    context.close()


def report_from_phone(browser, system, tmp_path, start, description):
    staff = Person(browser, system, "sari", PHONE, "phone-staff")
    staff.shot("home")
    staff.page.click("text=Tambah laporan")
    item = system.demo["people"]["sari"]["skp"]["items"][0]["title"]
    staff.page.select_option("#skp_item_id", label=item)
    staff.page.select_option("#activity", value="SURAT-DINAS")
    staff.page.fill("#start", start)
    staff.page.fill("#end", start.replace(":00", ":45"))
    staff.page.fill("#description", description)
    photo = tmp_path / f"surat-{start[:2]}.jpg"
    photo.write_bytes(jpeg_with_exif(seed=int(start[:2])))
    staff.page.set_input_files("#photo", str(photo))
    staff.shot("report-form")
    staff.page.click("button[value=submit]")
    staff.page.wait_for_url("**/laporan/*")
    assert staff.page.locator("#report_state").inner_text() == "Menunggu persetujuan"
    staff.shot("report-sent")
    report_id = int(staff.page.url.split("/laporan/")[1].split("?")[0])
    return staff, report_id


def test_staff_reports_from_a_phone_and_the_head_approves_from_the_list(browser, system, tmp_path):
    staff, report_id = report_from_phone(browser, system, tmp_path, "08:00",
                                         "Menyusun surat undangan rapat SPBE")
    head = Person(browser, system, "kadis", DESKTOP, "desktop-head")
    wait_until(lambda: head.page.goto("/persetujuan") and head.page.locator(
        "article.task:has-text('Menyusun surat undangan') img.thumb").count() == 1, 20, "task")
    head.shot("inbox")
    task = head.page.locator("article.task", has_text="Menyusun surat undangan")
    task.locator("button[value^='approve:']").click()
    head.page.wait_for_selector("#flash")
    assert head.page.locator("#flash").inner_text() == "Laporan disetujui."
    assert head.page.locator("article.task", has_text="Menyusun surat undangan").count() == 0
    head.page.goto("/tim")
    assert "Ni Luh Sari" in head.page.locator("table").inner_text()
    head.shot("team")
    wait_until(lambda: staff.page.goto(f"/laporan/{report_id}") and
               staff.page.locator("#report_state").inner_text() == "Disetujui", 20, "approved")
    staff.page.goto("/rekap")
    assert staff.page.locator("svg.chart rect").count() >= 28
    wait_until(lambda: staff.page.goto("/rekap") and
               staff.page.locator("#estimated_tpp").inner_text().startswith("Rp"), 20, "recap")
    staff.shot("recap")
    staff.close()
    head.close()


def test_a_rejection_is_disputed_and_the_review_team_upholds_it(browser, system, tmp_path):
    staff, report_id = report_from_phone(browser, system, tmp_path, "10:00",
                                         "Menyusun surat edaran jam kerja")
    head = Person(browser, system, "kadis", PHONE, "phone-head")
    wait_until(lambda: head.page.goto("/persetujuan") and head.page.locator(
        "article.task", has_text="surat edaran").count() == 1, 20, "task")
    task = head.page.locator("article.task", has_text="surat edaran")
    task.locator("button[value^='reject:']").click()  # no reason yet: refused, in Indonesian
    head.page.wait_for_selector("#flash.error")
    assert "Alasan" in head.page.locator("#flash").inner_text()
    head.shot("reject-without-reason")
    task = head.page.locator("article.task", has_text="surat edaran")
    task.locator("input[id^=reason_]").fill("bukti tidak terbaca")
    task.locator("button[value^='reject:']").click()
    head.page.wait_for_selector("#flash.notice")
    assert head.page.locator("#flash").inner_text() == "Laporan ditolak."
    head.close()

    wait_until(lambda: staff.page.goto(f"/laporan/{report_id}") and
               staff.page.locator("#report_state").inner_text() == "Ditolak", 20, "rejected")
    assert "bukti tidak terbaca" in staff.page.locator("#decision_reason").inner_text()
    # the bell says so, with the reason, and leads back to the report
    wait_until(lambda: staff.page.goto("/") and staff.page.locator("#bell .count").count() == 1, 20,
               "the bell's count")
    assert "belum dibaca" in staff.page.get_attribute("#bell", "aria-label")
    staff.page.click("#bell")
    notice = staff.page.locator(".notice-item", has_text="Laporan ditolak")
    assert "bukti tidak terbaca" in notice.inner_text() and "Baru" in notice.inner_text()
    staff.shot("notifications")
    notice.locator("a", has_text="Buka").click()
    staff.page.wait_for_url(f"**/laporan/{report_id}")
    assert staff.page.locator("#bell .count").count() == 0  # seen on the list: read
    assert staff.page.locator("text=Keberatan dapat diajukan paling lambat").count() == 1
    staff.page.fill("#reason", "foto bukti jelas, surat sudah ditandatangani")
    staff.shot("dispute-form")
    staff.page.click("button:has-text('Ajukan keberatan')")
    staff.page.wait_for_selector("#flash.notice")
    # both voices stay: the superior's reason and the employee's objection
    wait_until(lambda: staff.page.goto(f"/laporan/{report_id}") and
               staff.page.locator("#objection_reason").count() == 1, 20, "objection shown")
    assert "bukti tidak terbaca" in staff.page.locator("#decision_reason").inner_text()
    assert "sudah ditandatangani" in staff.page.locator("#objection_reason").inner_text()

    reviewer = Person(browser, system, "made", DESKTOP, "desktop-review")
    wait_until(lambda: reviewer.page.goto("/keberatan") and reviewer.page.locator(
        "article", has_text="surat edaran").count() == 1, 20, "dispute")
    reviewer.shot("disputes")
    card = reviewer.page.locator("article", has_text="surat edaran")
    assert "bukti tidak terbaca" in card.locator("[id^=rejection-]").inner_text()
    assert "sudah ditandatangani" in card.locator("[id^=objection-]").inner_text()
    history = card.locator("details").text_content()
    assert "WITA" in history and "menolak" in history and "reject" not in history
    card.locator("textarea").fill("bukti sah dan sesuai SKP")
    card.locator("button[value=uphold]").click()
    reviewer.page.wait_for_selector("#flash.notice")
    wait_until(lambda: staff.page.goto(f"/laporan/{report_id}") and
               staff.page.locator("#report_state").inner_text() == "Disetujui", 20, "upheld")
    wait_until(lambda: staff.page.goto("/pemberitahuan") and staff.page.locator(
        ".notice-item", has_text="Keberatan diterima").count() == 1, 20, "the objection's notice")
    assert "bukti sah dan sesuai SKP" in staff.page.locator(".notice-item", has_text="Keberatan diterima").inner_text()
    staff.close()
    reviewer.close()


def test_a_reused_photo_is_flagged_beside_both_tasks_and_the_review_team_decides_it(
        browser, system, tmp_path):
    """Issue 18 on the pages: Agus sends Sari's very photo; both are accepted; the head
    reads why beside both tasks; the review team clears one with a note and revokes the
    other's approval through the post-audit, both on record."""
    import httpx
    staff, sari_report = report_from_phone(browser, system, tmp_path, "13:00",
                                           "Menyusun surat tugas pelatihan")
    staff.close()
    with httpx.Client(base_url=system.gateway_url, timeout=30) as api:
        token = api.post("/api/v1/auth/login", json={"username": "agus", "password": next(
            e["password"] for e in demo_data.ORGANISATION["employees"] if e["username"] == "agus")})
        agus = {"Authorization": f"Bearer {token.json()['access_token']}"}
        evidence = api.post("/api/v1/evidence", params={"filename": "surat.jpg"}, content=jpeg_with_exif(seed=13),
                            headers={**agus, "Content-Type": "image/jpeg"}).json()
        day = clock.today()
        r = api.post("/api/v1/reports", headers=agus, json={
            "skp_item_id": demo_data.skp_item(system.demo["people"]["agus"], day), "activity_code": "SURAT-DINAS",
            "date": day.isoformat(), "start": "13:00", "end": "13:45",
            "description": "Mengarsipkan surat tugas pelatihan", "evidence_id": evidence["id"]})
        assert r.status_code == 201, r.text

    head = Person(browser, system, "kadis", {**PHONE, "bypass_csp": True}, "phone-head")  # for axe
    wait_until(lambda: head.page.goto("/persetujuan") and head.page.locator(
        "article.task:has-text('surat tugas pelatihan') .integrity").count() == 2, 30, "both flagged")
    sari_task = head.page.locator("article.task", has_text="Menyusun surat tugas pelatihan")
    assert "Foto dipakai pegawai lain" in sari_task.inner_text() and "Putu Agus" in sari_task.inner_text()
    assert "Risiko" in sari_task.locator(".integrity").inner_text()
    head.shot("inbox-integrity")
    assert axe_violations(head.page) == []
    head.page.locator("article.task", has_text="Mengarsipkan surat tugas").locator(
        "button[value^='approve:']").click()
    head.page.wait_for_selector("#flash.notice")
    head.close()

    reviewer = Person(browser, system, "made", {**PHONE, "bypass_csp": True}, "phone-review")
    reviewer.page.click("nav >> text=Integritas")
    reviewer.page.select_option("#sinyal", value="photo_reused")
    reviewer.page.click("button:has-text('Saring')")
    cards = reviewer.page.locator("article.card", has_text="surat tugas pelatihan")
    assert cards.count() == 2 and reviewer.page.locator("svg.chart").count() == 1
    reviewer.shot("integrity-desk")
    assert axe_violations(reviewer.page) == []
    sari_card = reviewer.page.locator("article.card", has_text="Menyusun surat tugas pelatihan")
    sari_card.locator("input[name=note]").fill("Foto asli Sari; Agus ikut menyusun, dikonfirmasi")
    sari_card.locator("button:has-text('Bersihkan tanda')").click()
    reviewer.page.wait_for_selector("#flash.notice")
    assert "dicatat" in reviewer.page.locator("#flash").inner_text()
    wait_until(lambda: reviewer.page.goto("/integritas?sinyal=photo_reused") and reviewer.page.locator(
        "article.card:has-text('Mengarsipkan surat tugas') button.danger").count() == 1, 20, "approved, revocable")
    agus_card = reviewer.page.locator("article.card", has_text="Mengarsipkan surat tugas")
    agus_card.locator("input[name=reason]").fill("Foto milik pegawai lain, bukan hasil kerja sendiri")
    agus_card.locator("button.danger").click()
    reviewer.page.wait_for_selector("#flash.notice")
    assert "Persetujuan dicabut" in reviewer.page.locator("#flash").inner_text()
    wait_until(lambda: reviewer.page.goto("/integritas?status=all&sinyal=photo_reused") and
               reviewer.page.locator("article.card:has-text('Mengarsipkan surat tugas') .flag",
                                     has_text="dicabut").count() >= 1, 20, "revoked on record")
    text = reviewer.page.locator("main").inner_text()
    assert "dibersihkan" in text and "Riwayat keputusan" in text
    reviewer.shot("integrity-decided")
    reviewer.close()
    assert sari_report


def test_notification_settings_refuse_a_wrong_address_beside_the_field(browser, system):
    staff = Person(browser, system, "agus", PHONE, "phone-settings")
    staff.page.goto("/pemberitahuan/pengaturan")
    # no outside channel on this system: the page says the bell is where notices are
    assert staff.page.locator("#in-app-only").count() == 1 and staff.page.locator("#quiet_start").count() == 0
    staff.page.uncheck("#approved_digest-in_app")
    staff.page.click("#save-settings")
    assert staff.page.locator("#flash").inner_text() == "Pengaturan pemberitahuan disimpan."
    assert not staff.page.is_checked("#approved_digest-in_app") and staff.page.is_checked("#report_rejected-in_app")
    staff.shot("notification-settings")
    staff.context.close()
    checked = browser.new_context(base_url=system.gateway_url, locale="id-ID", bypass_csp=True, **PHONE)
    page = checked.new_page()
    page.goto("/masuk")
    page.fill("#username", "agus")
    page.fill("#password", next(e["password"] for e in demo_data.ORGANISATION["employees"]
                                if e["username"] == "agus"))
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    for path in ("/pemberitahuan", "/pemberitahuan/pengaturan"):
        page.goto(path)
        assert axe_violations(page) == [], path
    checked.close()


def test_the_admin_closes_a_month_with_progress_and_downloads_the_export(browser, system):
    admin = Person(browser, system, "admin", DESKTOP, "desktop-admin")
    admin.page.goto("/admin")
    admin.shot("admin")
    today = clock.today()
    first = today.replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    if today.day <= 5:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    admin.page.fill("#close_period", month.strftime("%Y-%m"))
    admin.page.click("#close_button")
    admin.page.wait_for_selector("#downloads:not([hidden])", timeout=30000)
    assert admin.page.locator("#close_result").inner_text().startswith("✓")
    admin.shot("closed")
    with admin.page.expect_download() as download:
        admin.page.click("#dl_csv")
    assert download.value.suggested_filename.endswith(".csv")
    admin.close()


def closed_month() -> str:
    """The month the admin's journey above closes (the one before last in the first days)."""
    today = clock.today()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    if today.day <= 5:
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month.strftime("%Y-%m")


def test_a_closed_months_pay_explains_itself_and_an_objection_to_it_is_corrected(browser, system):
    month = closed_month()
    staff = Person(browser, system, "sari", PHONE, "phone-pay")
    staff.page.goto(f"/rekap?periode={month}")
    steps = staff.page.locator("#tpp_steps").inner_text()
    assert "Pagu TPP kelas jabatan" in steps and "TPP kotor" in steps and "TPP bersih" in steps
    assert "Iuran BPJS Kesehatan 1% ×" in steps
    staff.shot("pay-steps")
    staff.page.click("#pay_objection summary")
    staff.page.select_option("#objection_step", "performance")
    staff.page.fill("#objection_reason", "Rapat koordinasi tanggal 3 belum terhitung, bukti ada.")
    staff.shot("pay-objection-form")
    staff.page.click("#pay_objection button")
    staff.page.wait_for_selector("#flash.notice")
    assert "tim peninjau" in staff.page.locator("#flash").inner_text()
    assert "sedang diperiksa" in staff.page.locator("#my_objections").inner_text()

    reviewer = Person(browser, system, "made", DESKTOP, "desktop-pay-review")
    reviewer.page.goto("/keberatan")
    card = reviewer.page.locator("article", has_text="Rapat koordinasi tanggal 3")
    assert "kinerja" in card.inner_text()
    reviewer.shot("pay-objections")
    card.locator("input[name=minutes]").fill("120")
    card.locator("textarea").fill("daftar hadir rapat koordinasi sah")
    card.locator("button[value=uphold]").click()
    reviewer.page.wait_for_selector("#flash.notice")
    assert "versi baru" in reviewer.page.locator("#flash").inner_text()
    reviewer.close()
    staff.page.goto(f"/rekap?periode={month}")
    assert "diterima, TPP dikoreksi" in staff.page.locator("#my_objections").inner_text()
    staff.shot("pay-objection-upheld")
    staff.close()


def test_a_draft_perwali_is_tried_on_closed_months_with_a_chart_and_its_errors_in_indonesian(
        browser, system):
    admin = Person(browser, system, "admin", PHONE, "phone-sandbox")
    admin.page.goto("/admin")
    admin.page.click("#sandbox_link")
    admin.page.select_option("#contoh", "split_40_60")
    admin.page.click("form.inline button")
    admin.page.click("#sandbox_form button.primary")
    admin.page.wait_for_selector("#sandbox_result")
    result = admin.page.locator("#sandbox_result")
    assert "Porsi 40/60" in result.inner_text() and result.locator("svg.chart").count() == 1
    admin.shot("sandbox-result")
    with admin.page.expect_download() as download:
        admin.page.click("#sandbox_xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    admin.page.evaluate("""() => { const t = document.getElementById('draft');
        const body = JSON.parse(t.value); body.performance_share = '0.9'; body.ceilings = 'banyak';
        t.value = JSON.stringify(body, null, 2); }""")
    admin.page.click("#sandbox_form button.primary")
    problems = admin.page.locator("#sandbox_problems").inner_text()
    assert "berjumlah 100%" in problems or "bentuknya tidak sesuai" in problems
    assert "Input should" not in problems and "{" not in problems
    assert '"performance_share": "0.9"' in admin.page.locator("#draft").input_value()  # kept as typed
    admin.shot("sandbox-errors")
    admin.close()


def test_pages_are_in_bahasa_indonesia_and_labelled(browser, system):
    head = Person(browser, system, "kadis", PHONE, "phone-a11y")
    head.page.goto("/laporan/baru")
    assert head.page.locator("html").get_attribute("lang") == "id"
    for field in ("skp_item_id", "activity", "date", "start", "end", "description", "photo"):
        assert head.page.locator(f"label[for={field}]").count() == 1
    # camera or gallery: no `capture`, which would hide the gallery on Android
    assert head.page.locator("#photo").get_attribute("capture") is None
    head.close()


CACHED = """async () => {
  const urls = [];
  for (const name of await caches.keys())
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  return urls;
}"""


def test_without_a_network_a_page_says_so_in_indonesian_in_the_sites_layout(browser, system):
    staff = Person(browser, system, "sari", {**PHONE, "bypass_csp": True}, "phone-offline")
    staff.page.goto("/rekap")
    # the page registers the worker; it keeps the offline page and its assets, and (asked by
    # the first page the worker controls) this person's report form, nothing else
    assert staff.page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    staff.page.reload()
    wait_until(lambda: len(staff.page.evaluate(CACHED)) == 4, 10, "the offline page and the form cached")
    only = {"/offline", "/static/app.css", "/static/app.js", "/laporan/baru"}
    assert {urlparse(u).path for u in staff.page.evaluate(CACHED)} == only
    staff.context.set_offline(True)
    staff.page.goto("/riwayat")
    assert staff.page.locator("#problem h1").inner_text() == "Tidak ada koneksi internet"
    assert "tidak terhubung ke internet" in staff.page.locator("#problem").inner_text()
    assert staff.page.locator("html").get_attribute("lang") == "id"
    # in the site's layout (the stylesheet from the cache), with a way back
    bar = staff.page.evaluate("getComputedStyle(document.querySelector('header.bar')).backgroundColor")
    assert bar == "rgb(29, 111, 66)"
    assert staff.page.locator("#retry").inner_text() == "Coba lagi"
    assert staff.page.locator("#problem a[href='/']").count() == 1
    # an API answer is never served from the cache: without a network it fails
    assert staff.page.evaluate("fetch('/api/v1/me').then(() => 'answered', () => 'failed')") == "failed"
    staff.shot("offline")
    assert axe_violations(staff.page) == []
    staff.context.set_offline(False)
    staff.page.click("#retry")  # the page that was asked for, now that there is a network
    staff.page.wait_for_selector("#status")
    assert urlparse(staff.page.url).path == "/riwayat"
    assert {urlparse(u).path for u in staff.page.evaluate(CACHED)} == only
    staff.close()


def test_leaders_see_their_city_agency_and_team_and_the_people_behind_each_number(browser, system):
    """A report waits on the head: the team page shows it, the city page drills down to
    the agency and to the people; an employee gets no leader's page."""
    import io

    import httpx
    from openpyxl import load_workbook
    agus = system.demo["people"]["agus"]
    with httpx.Client(base_url=system.gateway_url, timeout=30) as http:
        r = http.post("/api/v1/reports", headers=agus["headers"], json={
            "skp_item_id": agus["skp"]["items"][0]["id"], "activity_code": "ENTRI-DATA",
            "date": clock.today().isoformat(), "start": "16:30", "end": "17:00", "quantity": 3,
            "description": "Entri data arsip untuk pantauan"})
        assert r.status_code == 201, r.text
    head = Person(browser, system, "kadis", {**PHONE, "bypass_csp": True}, "phone-head")  # for axe
    wait_until(lambda: head.page.goto("/pantauan/tim") and
               head.page.locator("#tile-pending").inner_text() != "0", 30,
               "the team page to hear of the report")
    assert head.page.locator("h1").inner_text().startswith("Pantauan Tim")
    assert head.page.locator("#tile-share").inner_text().endswith("%")
    assert head.page.locator("#kepatuhan svg.chart").count() == 1
    assert "Putu Agus" in head.page.locator("#tabel-kepatuhan").inner_text()
    head.shot("leaders-team")
    assert axe_violations(head.page) == []
    # the head's own pending count links to the people whose work waits on them
    head.page.locator("#tabel-persetujuan a").first.click()
    head.page.wait_for_url("**/pantauan/orang**")
    assert "Laporan menunggu keputusan" in head.page.locator("h1").inner_text()
    assert "Putu Agus" in head.page.locator("table").inner_text()
    head.shot("leaders-waiting")
    head.close()

    admin = Person(browser, system, "admin", PHONE, "phone-admin")
    admin.page.goto("/pantauan/kota")
    admin.page.click("form.filters button")  # "Semua OPD" left as it is: every agency
    admin.page.wait_for_load_state()
    assert admin.page.locator("h1").inner_text().startswith("Pantauan Kota")
    assert "Dinas Komunikasi" in admin.page.locator("#tabel-kepatuhan").inner_text()
    admin.shot("leaders-city")
    admin.page.locator("#tabel-kepatuhan a", has_text="Dinas Komunikasi").click()
    admin.page.wait_for_url("**/pantauan/opd?**")
    assert admin.page.locator("h1").inner_text().startswith("Pantauan OPD: Dinas Komunikasi")
    admin.shot("leaders-agency")
    download = admin.page.request.get(admin.page.locator("a", has_text="XLSX").get_attribute("href"))
    assert download.status == 200
    sheets = load_workbook(io.BytesIO(download.body())).sheetnames
    assert "Kepatuhan pengisian" in sheets and "Keadilan penilai" in sheets
    admin.page.click("#tile-nothing")
    admin.page.wait_for_url("**/pantauan/orang**")
    assert "Belum mengisi" in admin.page.locator("h1").inner_text()
    admin.close()

    staff = Person(browser, system, "sari", PHONE, "phone-staff")
    staff.page.goto("/pantauan/kota")
    assert "hanya untuk BKPSDM" in staff.page.locator("#problem").inner_text()
    staff.close()
