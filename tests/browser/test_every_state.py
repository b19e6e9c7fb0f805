"""Every report state has a page that works, for the person who owns it and for the
superior, on a phone and a desktop; then a crawler logs in as every role, visits
every page it can reach (a report in every state included) and fails on a 5xx, a
JSON body, English developer text or an axe-core violation. Screenshots of every
page land in test-artifacts/screenshots/."""
import re
from collections import deque
from urllib.parse import urlparse

import httpx
import pytest

from ekinerja_contract import clock
from tests.support.browser import AXE, DESKTOP, PHONE, SHOTS, Person, axe_violations, fill_report
from tests.support.photos import jpeg_with_exif
from tests.support.stack import demo_system
from tools import demo_data
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
# Words a developer writes and a civil servant should never read on a page.
ENGLISH = re.compile(r"\b(error|errors|not found|invalid|forbidden|failed|must|request|"
                     r"service|traceback|exception|none|null|undefined|true|false|value|"
                     r"the|should|please)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    yield from demo_system(amqp_uri, s3_server, tmp_path_factory, "states")


def new_report(person, system, start, end, description, draft=False, photo=None,
               activity="SURAT-DINAS"):
    page = person.page
    page.goto("/laporan/baru")
    fill_report(page, system, activity, start, end, description)
    if photo is not None:
        page.set_input_files("#photo", str(photo))
    page.click("button[value=draft]" if draft else "button[value=submit]")
    page.wait_for_url(re.compile(r".*/laporan/\d+\?baru=.*"))
    return int(page.url.split("/laporan/")[1].split("?")[0])


def state_of(person, report_id):
    person.page.goto(f"/laporan/{report_id}")
    return person.page.locator("#report_state").inner_text()


def decide(head, description, action, reason=None):
    wait_until(lambda: head.page.goto("/persetujuan") and head.page.locator(
        "article.task", has_text=description).count() == 1, 20, f"task {description}")
    task = head.page.locator("article.task", has_text=description)
    if reason:
        task.locator("input[id^=reason_]").fill(reason)
    task.locator(f"button[value^='{action}:']").click()
    head.page.wait_for_selector("#flash")
    return head.page.locator("#flash").inner_text()


@pytest.fixture(scope="module")
def states(browser, system, tmp_path_factory):
    """Reports of sari's in every state, made through the pages, as {state: id}."""
    photos = tmp_path_factory.mktemp("photos")
    staff = Person(browser, system, "sari", PHONE, "phone-states")
    head = Person(browser, system, "kadis", DESKTOP, "desktop-states")
    made = {}

    def photo(n):
        path = photos / f"bukti-{n}.jpg"
        path.write_bytes(jpeg_with_exif(seed=40 + n))
        return path

    made["draft"] = new_report(staff, system, "07:00", "07:30", "Draf surat pemberitahuan",
                               draft=True)
    assert staff.page.locator("#just").inner_text() == "Draf tersimpan."
    made["withdrawn"] = new_report(staff, system, "07:30", "08:00", "Surat yang akan ditarik",
                                   photo=photo(1))
    made["approved"] = new_report(staff, system, "08:00", "08:30", "Surat disetujui atasan",
                                  photo=photo(2))
    made["rejected"] = new_report(staff, system, "08:30", "09:00", "Surat yang ditolak atasan",
                                  photo=photo(3))
    made["revision_requested"] = new_report(staff, system, "09:00", "09:30",
                                            "Surat yang perlu perbaikan", photo=photo(4))
    made["disputed"] = new_report(staff, system, "09:30", "10:00", "Surat yang diajukan keberatan",
                                  photo=photo(5))
    made["submitted"] = new_report(staff, system, "10:00", "10:30", "Surat menunggu persetujuan",
                                   photo=photo(6))
    assert decide(head, "Surat disetujui atasan", "approve") == "Laporan disetujui."
    assert decide(head, "Surat yang ditolak atasan", "reject", "nomor surat tidak ada") == \
        "Laporan ditolak."
    assert decide(head, "Surat yang diajukan keberatan", "reject", "bukan tugas jabatan") == \
        "Laporan ditolak."
    assert decide(head, "Surat yang perlu perbaikan", "request_revision",
                  "lengkapi nomor agenda") == "Laporan dikembalikan untuk diperbaiki."
    wait_until(lambda: state_of(staff, made["disputed"]) == "Ditolak", 20, "rejected")
    staff.page.fill("#reason", "surat ini tugas pokok sesuai SKP butir pertama")
    staff.page.click("button:has-text('Ajukan keberatan')")
    staff.page.wait_for_selector("#flash.notice")
    staff.page.goto(f"/laporan/{made['withdrawn']}")
    staff.page.click("button:has-text('Tarik laporan')")
    staff.page.wait_for_selector("#flash.notice")
    wait_until(lambda: state_of(staff, made["disputed"]) == "Dalam keberatan", 20, "disputed")
    wait_until(lambda: state_of(staff, made["revision_requested"]) == "Perlu perbaikan", 20,
               "revision")
    yield made
    staff.close()
    head.close()


@pytest.mark.parametrize("device,label", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_every_state_has_a_page_that_works(browser, system, states, device, label):
    staff = Person(browser, system, "sari", device, f"{label}-state")
    expected = {"draft": "Draf", "submitted": "Menunggu persetujuan", "approved": "Disetujui",
                "rejected": "Ditolak", "revision_requested": "Perlu perbaikan",
                "disputed": "Dalam keberatan", "withdrawn": "Ditarik"}
    for state, report_id in states.items():
        response = staff.page.goto(f"/laporan/{report_id}")
        assert response.status == 200, (state, response.status)
        assert staff.page.locator("#report_state").inner_text() == expected[state]
        staff.shot(f"report-{state}")
    # the rejected one: the reason and the last day to object
    staff.page.goto(f"/laporan/{states['rejected']}")
    assert "nomor surat tidak ada" in staff.page.locator("#decision_reason").inner_text()
    assert staff.page.locator("text=paling lambat").count() == 1
    # the disputed one: both texts, each in its own place
    staff.page.goto(f"/laporan/{states['disputed']}")
    assert "bukan tugas jabatan" in staff.page.locator("#decision_reason").inner_text()
    assert "tugas pokok" in staff.page.locator("#objection_reason").inner_text()
    # the one sent back: the superior's note beside the form, and the form itself
    staff.page.goto(f"/laporan/{states['revision_requested']}")
    assert "nomor agenda" in staff.page.locator("#decision_reason").inner_text()
    assert staff.page.locator("#report_form").count() == 1
    staff.close()


def test_a_draft_is_sent_and_another_deleted(browser, system, states):
    staff = Person(browser, system, "sari", PHONE, "phone-draft")
    other = new_report(staff, system, "11:00", "11:30", "Draf yang dihapus", draft=True)
    staff.page.click("button:has-text('Hapus draf')")
    staff.page.wait_for_url("**/riwayat?periode=*")
    assert staff.page.locator("#flash").inner_text() == "Draf dihapus."
    assert state_of(staff, other) == "Ditarik"
    # a letter's draft may wait for its photo; sending it without one is refused in Indonesian
    unphotographed = new_report(staff, system, "11:30", "11:45", "Draf surat tanpa foto",
                                draft=True)
    staff.page.click("form[action$='/kirim'] button")
    staff.page.wait_for_selector("#flash.error")
    assert "wajib dilengkapi bukti" in staff.page.locator("#flash").inner_text()
    assert state_of(staff, unphotographed) == "Draf"
    sent = new_report(staff, system, "11:45", "12:00", "Draf entri data yang dikirim",
                      draft=True, activity="ENTRI-DATA")
    staff.page.click("form[action$='/kirim'] button")
    staff.page.wait_for_selector("#flash.notice")
    assert staff.page.locator("#flash").inner_text() == "Laporan terkirim."
    assert state_of(staff, sent) == "Menunggu persetujuan"
    staff.close()


def test_a_report_sent_back_is_revised_and_resubmitted(browser, system, states, tmp_path):
    staff = Person(browser, system, "sari", PHONE, "phone-revise")
    photo = tmp_path / "edaran.jpg"
    photo.write_bytes(jpeg_with_exif(seed=77))
    other = new_report(staff, system, "13:00", "13:30", "Surat edaran untuk diperbaiki",
                       photo=photo)
    head = Person(browser, system, "kadis", PHONE, "phone-revise-head")
    decide(head, "Surat edaran untuk diperbaiki", "request_revision", "tambahkan tanggal surat")
    head.close()
    wait_until(lambda: state_of(staff, other) == "Perlu perbaikan", 20, "revision")
    staff.shot("revision-note")
    staff.page.fill("#description", "Surat edaran untuk diperbaiki, tanggal 1 ditambahkan")
    staff.page.click("button[value=revise]")
    staff.page.wait_for_url("**?baru=ubah")
    assert "Kirim ulang" in staff.page.locator("#just").inner_text()
    staff.page.click("form[action$='/kirim-ulang'] button")
    staff.page.wait_for_selector("#flash.notice")
    assert state_of(staff, other) == "Menunggu persetujuan"
    staff.close()


def test_a_failed_form_answers_in_indonesian_and_bad_links_get_a_page(browser, system, states):
    staff = Person(browser, system, "sari", PHONE, "phone-errors")
    # the same time slot twice: refused with the other report's times, in Indonesian
    staff.page.goto("/laporan/baru")
    item = system.demo["people"]["sari"]["skp"]["items"][0]["title"]
    staff.page.select_option("#skp_item_id", label=item)
    staff.page.select_option("#activity", value="ENTRI-DATA")
    staff.page.fill("#start", "08:00")
    staff.page.fill("#end", "08:15")
    staff.page.fill("#description", "Entri data yang bertumpuk")
    staff.page.click("button[value=submit]")
    staff.page.wait_for_selector("#form_error:not([hidden])")
    text = staff.page.locator("#form_error").inner_text()
    assert "bertumpuk" in text and "08:00" in text and not ENGLISH.search(text), text
    staff.shot("overlap-refused")
    for path, status in (("/laporan/99999999999999999999", 422), ("/laporan/999999", 404),
                         ("/tidak-ada", 404), ("/admin", 403), ("/persetujuan", 403),
                         ("/keberatan", 403), ("/riwayat?periode=2026-13", 422)):
        response = staff.page.goto(path)
        assert response.status == status, path
        assert "application/json" not in response.headers["content-type"], path
        body = staff.page.locator("main").inner_text()
        assert not ENGLISH.search(body), (path, body)
        assert staff.page.locator("#problem a.button").count() == 1  # a way back
    staff.shot("error-page")
    # the menu offers only what the role may use
    menu = staff.page.locator("header nav").inner_text()
    assert "Administrasi" not in menu and "Persetujuan" not in menu
    staff.close()


def test_history_shows_the_month_with_minutes_against_the_cap(browser, system, states):
    staff = Person(browser, system, "sari", PHONE, "phone-history")
    staff.page.goto("/riwayat")
    assert staff.page.locator("#attention").count() == 1  # rejected and sent back are listed
    today = staff.page.locator(f"#day-{clock.today().isoformat()}")
    assert "/ 450 menit" in today.inner_text() and "Disetujui" in today.inner_text()
    staff.shot("history")
    staff.page.select_option("#status", "rejected")
    staff.page.click("button:has-text('Saring')")
    items = staff.page.locator("li.day li")
    assert items.count() >= 1 and all("Ditolak" in items.nth(i).inner_text()
                                      for i in range(items.count()))
    staff.close()


def test_the_inbox_selects_all_and_a_bulk_of_nothing_says_so(browser, system, states):
    head = Person(browser, system, "kadis", PHONE, "phone-bulk")
    head.page.goto("/persetujuan")
    head.page.click("button[value=bulk]")
    head.page.wait_for_selector("#flash.error")
    assert "Belum ada laporan yang dipilih" in head.page.locator("#flash").inner_text()
    head.page.check("#select_all")
    picks = head.page.locator("input.pick")
    assert picks.count() >= 1 and all(picks.nth(i).is_checked() for i in range(picks.count()))
    count = picks.count()
    head.page.click("button[value=bulk]")
    head.page.wait_for_selector("#flash")
    assert head.page.locator("#flash p").inner_text() == f"{count} dari {count} laporan disetujui."
    head.shot("bulk-done")
    head.close()


def crawl(person, check, starts=("/",), limit=40) -> int:
    """Visit every same-origin page reachable by links from `starts`; `check(path,
    response)` looks at each while it is open. Returns how many were visited."""
    seen, queue, per_path, visited = set(), deque(starts), {}, 0
    origin = urlparse(person.page.url).netloc
    while queue and visited < limit:
        path = queue.popleft()
        bare = path.split("?")[0]
        # a month view links the month before, and that one the month before it
        if path in seen or per_path.get(bare, 0) >= 3:
            continue
        seen.add(path)
        per_path[bare] = per_path.get(bare, 0) + 1
        response = person.page.goto(path)
        visited += 1
        check(path, response)
        for href in person.page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            url = urlparse(href)
            if url.netloc != origin or url.path.startswith(("/keluar", "/bukti/", "/api/",
                                                            "/static/")):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
    return visited


@pytest.mark.parametrize("username", ["sari", "kadis", "made", "admin"])
def test_a_crawler_finds_no_5xx_no_json_no_english_and_no_axe_violation(
        browser, system, states, username):
    assert AXE.exists(), "axe-core missing: run scripts/bootstrap dev (needs npm)"
    # axe is injected as a script: the crawler bypasses the CSP (the pages never need to)
    person = Person(browser, system, username, {**PHONE, "bypass_csp": True}, f"crawl-{username}")
    start_pages = ["/"] + ([f"/laporan/{i}" for i in states.values()] if username == "sari" else [])
    problems = []

    def check(path, response):
        kind = response.headers.get("content-type", "")
        if response.status >= 500:
            problems.append(f"{path}: {response.status}")
        if "json" in kind:
            problems.append(f"{path}: JSON on a page")
        if "html" not in kind:
            return
        english = ENGLISH.findall(person.page.locator("main").inner_text())
        if english:
            problems.append(f"{path}: English {sorted(set(english))}")
        violations = axe_violations(person.page)
        if violations:
            problems.append(f"{path}: axe {violations}")
    visited = crawl(person, check, start_pages)
    SHOTS.mkdir(parents=True, exist_ok=True)
    person.shot("crawl-last")
    person.close()
    assert visited >= 2  # the admin has two pages (home and /admin), staff many more
    assert problems == []


def create_meeting(head, title, start, end, activity=None, note_taker=None):
    head.page.goto("/rapat")
    head.page.fill("#m_title", title)
    head.page.fill("#m_place", "Aula Diskominfo")
    if activity:
        head.page.select_option("#m_activity", activity)
    head.page.fill("#m_start", start)
    head.page.fill("#m_end", end)
    head.page.select_option("#my_role", "chair")
    for box in head.page.locator("input[name=expected]").all():
        box.check()
    if note_taker:
        head.page.locator(".person", has_text=note_taker).locator("select").select_option("note_taker")
    head.shot("meeting-form")
    head.page.click("button:has-text('Buat rapat')")
    head.page.wait_for_selector("#flash.notice")
    return int(head.page.url.rsplit("/", 1)[1])


def publish_meeting_activity_without_photo(system):
    """A meeting activity that wants no evidence (the demo's RAPAT wants a photo)."""
    with httpx.Client(base_url=system.gateway_url, timeout=30) as http:
        login = http.post("/api/v1/auth/login", json={"username": "admin",
                                                      "password": demo_data.ADMIN["password"]})
        r = http.post("/api/v1/admin/catalogue", headers={
            "Authorization": f"Bearer {login.json()['access_token']}"}, json={"activity_types": [{
                "code": "SOSIALISASI", "name": "Mengikuti sosialisasi", "output_unit": "kegiatan",
                "standard_minutes": 60, "points": "4.00", "rupiah": 6000,
                "evidence_required": False, "role_weights": demo_data.MEETING_WEIGHTS,
                "effective_from": f"{clock.today().year}-01-01"}]})
        assert r.status_code < 300, r.text


def test_a_meeting_is_made_on_a_page_roles_are_named_and_claims_follow_them(browser, system):
    head = Person(browser, system, "kadis", PHONE, "phone-meeting-head")
    meeting_id = create_meeting(head, "Rapat koordinasi SPBE triwulan", "14:00", "15:00",
                                note_taker="Ni Luh Sari")
    head.shot("meeting")
    # the named note-taker claims on the meeting's page, in one form: the activity wants
    # a photo, the page says so and takes it there, and one submit files the claim
    staff = Person(browser, system, "sari", {**PHONE, "bypass_csp": True}, "phone-meeting-staff")
    staff.page.goto(f"/rapat/{meeting_id}")
    assert "wajib dilengkapi bukti" in staff.page.locator("#evidence_needed").inner_text()
    assert staff.page.locator("#claim").inner_text() == "Klaim kehadiran sebagai Notulen"
    staff.shot("meeting-claim-photo")
    assert axe_violations(staff.page) == []
    staff.page.click("#claim")  # no photo yet: said plainly, nothing is sent
    assert "wajib dilengkapi bukti" in staff.page.locator("#claim_error").inner_text()
    assert staff.page.url.endswith(f"/rapat/{meeting_id}")
    photo = SHOTS.parent / "rapat.jpg"
    photo.write_bytes(jpeg_with_exif(seed=91))
    staff.page.set_input_files("#claim_photo", str(photo))
    staff.page.click("#claim")
    staff.page.wait_for_url(re.compile(r".*/laporan/\d+$"))
    assert staff.page.locator("#flash").inner_text() == \
        "Kehadiran Anda di rapat ini terkirim ke atasan untuk disetujui."
    assert staff.page.locator("#report_state").inner_text() == "Menunggu persetujuan"
    assert "14.00–15.00" in staff.page.locator("main").inner_text()  # the meeting's time
    staff.page.goto(f"/rapat/{meeting_id}")
    assert "sebagai Notulen" in staff.page.locator("#claimed").inner_text()
    assert staff.page.locator("#claim").count() == 0  # claimed once, not twice
    # a role the organiser did not name goes through the full form, and is refused there
    agus = Person(browser, system, "agus", {**PHONE, "bypass_csp": True}, "phone-meeting-agus")
    agus.page.goto(f"/rapat/{meeting_id}")
    assert agus.page.locator("#claim").inner_text() == "Klaim kehadiran sebagai Peserta"
    agus.page.click("#claim_other_role")
    agus.page.wait_for_url("**/laporan/baru?rapat=*")
    assert agus.page.locator("#activity").input_value() == "RAPAT"
    assert agus.page.locator("#start").input_value() == "14:00"
    agus.page.select_option("#role", "speaker")
    agus.page.select_option("#skp_item_id", index=0)
    own_photo = SHOTS.parent / "rapat-agus.jpg"
    own_photo.write_bytes(jpeg_with_exif(seed=92))
    agus.page.set_input_files("#photo", str(own_photo))
    agus.page.click("button[value=submit]")
    agus.page.wait_for_selector("#form_error:not([hidden])")
    assert "belum dikonfirmasi penyelenggara" in agus.page.locator("#form_error").inner_text()
    # a plain participant of a meeting whose activity wants no photo: one tap
    publish_meeting_activity_without_photo(system)
    briefing = create_meeting(head, "Sosialisasi keamanan informasi", "15:00", "16:00",
                              activity="SOSIALISASI")
    agus.page.goto(f"/rapat/{briefing}")
    assert agus.page.locator("#claim_photo").count() == 0
    assert "tidak memerlukan foto" in agus.page.locator("#no_evidence_needed").inner_text()
    assert axe_violations(agus.page) == []
    agus.shot("meeting-one-tap")
    agus.page.click("#claim")
    agus.page.wait_for_url(re.compile(r".*/laporan/\d+$"))
    assert agus.page.locator("h1").inner_text() == "Mengikuti sosialisasi"
    assert agus.page.locator("#report_state").inner_text() == "Menunggu persetujuan"
    assert "15.00–16.00" in agus.page.locator("main").inner_text()
    agus.shot("meeting-claimed")
    # the superior judging a claim sees who claimed which role
    wait_until(lambda: head.page.goto("/persetujuan") and head.page.locator(
        "article.task", has_text="Rapat koordinasi SPBE").count() == 1, 20, "meeting task")
    roles = head.page.locator("article.task", has_text="Rapat koordinasi SPBE") \
        .locator("details.meeting-roles").text_content()
    assert "Ni Luh Sari: Notulen" in roles
    wait_until(lambda: head.page.goto("/persetujuan") and head.page.locator(
        "article.task", has_text="Sosialisasi keamanan").count() == 1, 20, "briefing task")
    roles = head.page.locator("article.task", has_text="Sosialisasi keamanan") \
        .locator("details.meeting-roles").text_content()
    assert "Putu Agus: Peserta" in roles
    head.shot("inbox-meeting")
    for p in (head, staff, agus):
        p.close()


def fill_indicator(page, item, m, name, quantity, unit):
    page.fill(f"#item_{item}_ind_{m}_name", name)
    page.fill(f"#item_{item}_ind_{m}_quantity", quantity)
    page.fill(f"#item_{item}_ind_{m}_unit", unit)


def test_an_skp_is_drawn_up_returned_with_a_note_and_approved_on_pages(browser, system):
    year = str(clock.today().year + 1)
    head = Person(browser, system, "kadis", DESKTOP, "desktop-skp-head")
    head.page.goto(f"/skp?tahun={year}")
    head.page.fill("#item_0_title", "Terwujudnya layanan digital terpadu kota")
    fill_indicator(head.page, 0, 0, "Layanan daring terintegrasi", "12", "layanan")
    head.page.click("button[value=save]")
    head.page.wait_for_selector("#flash.notice")
    staff = Person(browser, system, "agus", {**PHONE, "bypass_csp": True}, "phone-skp-staff")
    staff.page.goto(f"/skp?tahun={year}")
    assert staff.page.locator("#skp_state").inner_text() == "Belum dibuat"
    staff.page.fill("#item_0_title", "Tertatanya arsip layanan digital")
    staff.page.select_option("#item_0_parent", label="Terwujudnya layanan digital terpadu kota")
    fill_indicator(staff.page, 0, 0, "Berkas arsip tertata", "100", "berkas")
    # several indicators on one item: a second (its target left wrong and its unit
    # empty), a third added and taken away again
    add = staff.page.locator("#item_0_indicators button.add-indicator")
    add.click()
    fill_indicator(staff.page, 0, 1, "Arsip terpindai", "0", "")
    add.click()
    staff.page.fill("#item_0_ind_2_name", "Indikator yang dibatalkan")
    assert staff.page.locator("#item_0_indicators fieldset.indicator").count() == 3
    staff.page.locator("#item_0_indicators fieldset.indicator").nth(2) \
        .locator("button:has-text('Hapus indikator')").click()
    assert staff.page.locator("#item_0_ind_2_name").count() == 0
    staff.page.select_option("#item_1_kind", "creative")
    staff.page.fill("#item_1_title", "Inovasi: pencarian arsip dengan kode QR")
    fill_indicator(staff.page, 1, 0, "Prototipe", "1", "aplikasi")
    staff.shot("skp-form")
    staff.page.click("button[value=submit]")
    # refused: the page again with what was typed, each reason beside its field
    staff.page.wait_for_selector("#problem")
    assert staff.page.locator("#item_0_ind_1_quantity_error").inner_text() == "harus lebih dari 0"
    assert staff.page.locator("#item_0_ind_1_unit_error").inner_text() == "wajib diisi"
    assert staff.page.locator("#item_0_ind_1_quantity").get_attribute("aria-invalid") == "true"
    summary = staff.page.locator("#problem").inner_text()
    assert "Butir 1, Indikator 2, Target: harus lebih dari 0" in summary, summary
    assert not ENGLISH.search(summary), summary
    assert staff.page.locator("#item_0_ind_0_name").input_value() == "Berkas arsip tertata"
    assert staff.page.locator("#item_1_title").input_value() == "Inovasi: pencarian arsip dengan kode QR"
    assert staff.page.locator("#skp_state").inner_text() == "Belum dibuat"  # nothing was saved
    staff.shot("skp-refused")
    assert axe_violations(staff.page) == []
    staff.page.fill("#item_0_ind_1_quantity", "1.250")  # a thousand two hundred and fifty
    staff.page.fill("#item_0_ind_1_unit", "berkas")
    staff.page.click("button[value=submit]")
    staff.page.wait_for_selector("#flash.notice")
    assert staff.page.locator("#skp_state").inner_text() == "Menunggu persetujuan atasan"
    # the superior returns it with a note; the employee sees it, mends, submits again
    head.page.goto(f"/skp/tim?tahun={year}")
    head.page.locator("tr", has_text="Putu Agus").locator("a").click()
    head.page.fill("#note", "Target arsip terlalu rendah, naikkan ke 150")
    head.page.click("button[value=return]")
    head.page.wait_for_selector("#flash.notice")
    staff.page.goto(f"/skp?tahun={year}")
    assert "naikkan ke 150" in staff.page.locator("#skp_note").inner_text()
    assert staff.page.locator("#item_0_ind_1_quantity").input_value() == "1250"
    staff.page.fill("#item_0_ind_0_quantity", "150")
    staff.page.click("button[value=submit]")
    staff.page.wait_for_selector("#flash.notice")
    head.page.goto(f"/skp/tim?tahun={year}")
    head.page.locator("tr", has_text="Putu Agus").locator("a").click()
    items = head.page.locator("main ol").inner_text()
    assert "Berkas arsip tertata: 150 berkas" in items and "Arsip terpindai: 1.250 berkas" in items
    head.shot("skp-review")
    head.page.click("button[value=approve]")
    head.page.wait_for_selector("#flash.notice")
    staff.page.goto(f"/skp?tahun={year}")
    assert staff.page.locator("#skp_state").inner_text() == "Disetujui"
    text = staff.page.locator("main").inner_text()
    assert "150 berkas" in text and "1.250 berkas" in text and "Indikator yang dibatalkan" not in text
    staff.shot("skp-approved")
    head.close()
    staff.close()


def test_skp_indicators_are_added_and_removed_without_script(browser, system):
    """Without JavaScript: each item offers one empty indicator more, a ticked box
    removes one."""
    year = str(clock.today().year + 2)
    staff = Person(browser, system, "sari", {**PHONE, "java_script_enabled": False},
                   "phone-skp-nojs")
    staff.page.goto(f"/skp?tahun={year}")
    assert staff.page.locator("button.add-indicator").count() == 0
    staff.page.select_option("#item_0_kind", "additional")
    staff.page.fill("#item_0_title", "Tersusunnya laporan bulanan bidang")
    fill_indicator(staff.page, 0, 0, "Laporan tersusun", "12", "laporan")
    staff.page.click("button[value=save]")
    staff.page.wait_for_selector("#flash.notice")
    assert "tambahan" in staff.page.locator("#item_0_indicators fieldset.spare .spare-hint").inner_text()
    fill_indicator(staff.page, 0, 1, "Ketepatan waktu penyampaian", "2,5", "hari")
    staff.shot("skp-spare-indicator")
    staff.page.click("button[value=save]")
    staff.page.wait_for_selector("#flash.notice")
    assert staff.page.locator("#item_0_ind_1_name").input_value() == "Ketepatan waktu penyampaian"
    assert staff.page.locator("#item_0_ind_1_quantity").input_value() == "2,5"
    assert staff.page.locator("#item_0_ind_2_name").input_value() == ""  # the next spare
    staff.page.check("input[name=item_0_ind_0_remove]")
    staff.page.click("button[value=save]")
    staff.page.wait_for_selector("#flash.notice")
    assert staff.page.locator("#item_0_ind_0_name").input_value() == "Ketepatan waktu penyampaian"
    assert staff.page.locator("#item_0_ind_1_name").input_value() == ""
    assert "Laporan tersusun" not in staff.page.locator("#skp_form").inner_html()
    staff.close()
