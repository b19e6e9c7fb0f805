"""Photos are made smaller on the phone before they are sent (gateway/web/static/app.js):
at most 1600 px on the long side, JPEG quality 0.8, upright, with the original's EXIF
(capture time, GPS) carried over and its orientation set to 1; a PDF goes byte for byte.
Checked on what the system stored and what the superior's inbox shows. The bytes before
and after for a few sample files land in test-artifacts/photo-resize.txt (and stdout)."""
import base64
import hashlib
import io
import re
import struct
import time

import httpx
import pytest
from PIL import ExifTags, Image

from ekinerja_contract.config import REPO_ROOT
from tests.support.browser import PHONE, Person
from tests.support.photos import MARK, jpeg_with_exif, phone_photo
from tests.support.stack import demo_system
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
TAKEN = "2026:11:16 09:30:00"
GPS = (-8.65, 115.2167)  # Denpasar; written as 8° 39' 0" S, 115° 13' 0.12" E
SHRUNK = re.compile(r"^Foto diperkecil: \d+(,\d)? MB → \d+ KB$")


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    yield from demo_system(amqp_uri, s3_server, tmp_path_factory, "photos")


def fill_report(staff, system, start, description):
    page = staff.page
    staff.context.add_init_script(RECORD_UPLOADS)
    page.goto("/laporan/baru")
    item = system.demo["people"]["sari"]["skp"]["items"][0]["title"]
    page.select_option("#skp_item_id", label=item)
    page.select_option("#activity", value="SURAT-DINAS")
    page.fill("#start", start)
    page.fill("#end", start.replace(":00", ":45"))
    page.fill("#description", description)


def choose(page, path) -> dict:
    """Choose a file in the report form; what the page says it will send."""
    page.set_input_files("#photo", str(path))
    page.wait_for_selector("#photo_size[data-after]")
    note = page.locator("#photo_size")
    return {"text": note.inner_text(), "before": int(note.get_attribute("data-before")),
            "after": int(note.get_attribute("data-after"))}


# Every upload's body as the page hands it to XMLHttpRequest (Playwright does not report a
# Blob body): what went over the wire, byte for byte, kept in the tab's sessionStorage
# across the navigation that follows the submit.
RECORD_UPLOADS = """(() => {
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (body) {
    if (!(body instanceof Blob)) return send.call(this, body);
    body.arrayBuffer().then(buffer => {
      const bytes = new Uint8Array(buffer);
      let text = "";
      for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
      sessionStorage.setItem("lastUpload", btoa(text));
      send.call(this, body);
    });
  };
})();"""


def submit_and_fetch(staff):
    """Send the form; the upload's body as it went, the stored evidence and its bytes."""
    page = staff.page
    page.click("button[value=submit]")
    page.wait_for_url(re.compile(r".*/laporan/\d+\?baru=kirim"))
    body = base64.b64decode(page.evaluate("sessionStorage.getItem('lastUpload')"))
    report_id = int(page.url.split("/laporan/")[1].split("?")[0])
    report = staff.context.request.get(f"/api/v1/reports/{report_id}").json()
    evidence = staff.context.request.get(f"/api/v1/evidence/{report['evidence_id']}").json()
    stored = httpx.get(evidence["url"], timeout=30).content
    assert hashlib.sha256(stored).hexdigest() == evidence["sha256"]
    return body, evidence, stored


def test_a_phone_photo_goes_smaller_upright_with_its_capture_time_and_place(browser, system, tmp_path):
    # a portrait photo as a phone stores it: 4000x3000 pixels, EXIF orientation 6
    original = phone_photo((3000, 4000), orientation=6, taken=TAKEN, gps=GPS)
    assert 3_000_000 < len(original) < 5_500_000
    assert Image.open(io.BytesIO(original)).size == (4000, 3000)
    path = tmp_path / "IMG_20261116_093000.jpg"
    path.write_bytes(original)
    staff = Person(browser, system, "sari", PHONE, "phone-photo")
    fill_report(staff, system, "13:00", "Memotret daftar hadir sosialisasi SPBE")
    note = choose(staff.page, path)
    assert SHRUNK.match(note["text"]), note["text"]
    assert note["before"] == len(original) and note["after"] < len(original) // 5
    staff.shot("photo-shrunk")
    body, evidence, stored = submit_and_fetch(staff)
    assert len(body) == note["after"] == evidence["size"] == len(stored)
    assert body == stored

    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (1200, 1600)  # upright: width and height swap
    exif = image.getexif()
    assert exif.get(ExifTags.Base.Orientation, 1) == 1
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == TAKEN
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert (gps[1], gps[3]) == ("S", "E")
    assert [float(x) for x in gps[2]] == [8, 39, 0] and [float(x) for x in gps[4]] == [115, 13, 0.12]
    # the picture itself is upright: the mark in its top left corner is there, nowhere else
    rgb = image.convert("RGB")
    near = lambda pixel: all(abs(a - b) < 40 for a, b in zip(pixel, MARK, strict=True))  # noqa: E731
    assert near(rgb.getpixel((20, 20)))
    assert not any(near(rgb.getpixel(p)) for p in ((1180, 20), (20, 1580), (1180, 1580)))
    # what the evidence service read from it
    assert evidence["captured_at"] == "2026-11-16T09:30:00"
    assert evidence["gps"] == pytest.approx([-8.65, 115.2167], abs=1e-4)
    staff.shot("photo-sent")
    staff.close()

    # and what the superior sees in the inbox: the capture time and the place
    head = Person(browser, system, "kadis", PHONE, "phone-photo-head")
    wait_until(lambda: head.page.goto("/persetujuan") and head.page.locator(
        "article.task:has-text('daftar hadir sosialisasi') img.thumb").count() == 1, 20, "task")
    task = head.page.locator("article.task", has_text="daftar hadir sosialisasi").inner_text()
    assert "Diambil: 16 Nov 2026 09.30" in task
    assert "-8.65000, 115.21670" in task
    head.shot("photo-inbox")
    head.close()


def scan_pdf() -> bytes:
    """An A4 page scanned at 150 dpi, as a PDF."""
    scan = io.BytesIO()
    Image.new("RGB", (1240, 1754), (250, 250, 245)).save(scan, "PDF", resolution=150)
    return scan.getvalue()


def test_a_pdf_goes_byte_for_byte(browser, system, tmp_path):
    original = scan_pdf()
    path = tmp_path / "surat-tugas.pdf"
    path.write_bytes(original)
    staff = Person(browser, system, "sari", PHONE, "phone-pdf")
    fill_report(staff, system, "14:00", "Memindai surat tugas perjalanan dinas")
    note = choose(staff.page, path)
    assert note["text"].startswith("Dikirim apa adanya: ")
    assert note["before"] == note["after"] == len(original)
    body, evidence, stored = submit_and_fetch(staff)
    assert body == stored == original
    assert evidence["content_type"] == "application/pdf"
    staff.close()


def screenshot_png() -> bytes:
    """A phone screenshot (1170x2532): flat colours and text-like bars, as a PNG."""
    image = Image.new("RGB", (1170, 2532), (245, 245, 245))
    for row in range(40):
        shade = 30 + row * 5 % 120
        image.paste((shade, shade, shade), (60, 200 + row * 55, 60 + 300 + row * 97 % 700, 230 + row * 55))
    image.paste((29, 111, 66), (0, 0, 1170, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_bytes_before_and_after_for_sample_files(browser, system, tmp_path):
    samples = [
        ("12 MP portrait, quality 92, orientation 6", "a.jpg", phone_photo((3000, 4000), 6)),
        ("12 MP landscape, quality 95", "b.jpg", phone_photo((4032, 3024), 1, quality=95)),
        ("8 MP landscape, quality 90", "c.jpg", phone_photo((3264, 2448), 1, quality=90)),
        ("1600x1200, quality 95 (already the target size)", "d.jpg",
         phone_photo((1600, 1200), 1, quality=95)),
        ("640x480, quality 85, flat (a small picture)", "e.jpg", jpeg_with_exif(size=(640, 480))),
        ("screenshot 1170x2532 PNG", "f.png", screenshot_png()),
        ("A4 scan, PDF", "g.pdf", scan_pdf()),
    ]
    staff = Person(browser, system, "sari", PHONE, "phone-photo-sizes")
    staff.page.goto("/laporan/baru")
    lines = ["what | before | after | the page said | ms to get ready (this VM's headless Chromium)"]
    for what, name, data in samples:
        path = tmp_path / name
        path.write_bytes(data)
        started = time.monotonic()
        note = choose(staff.page, path)
        ms = round(1000 * (time.monotonic() - started))
        assert note["before"] == len(data) and note["after"] <= len(data)
        lines.append(f"{what} | {len(data):,} | {note['after']:,} | {note['text']} | {ms}")
        if name.endswith(".jpg") and Image.open(io.BytesIO(data)).size[0] > 1600:
            assert SHRUNK.match(note["text"]) and note["after"] < len(data) // 3
    staff.close()
    report = "\n".join(lines)
    print("\n" + report)
    (REPO_ROOT / "test-artifacts").mkdir(exist_ok=True)
    (REPO_ROOT / "test-artifacts" / "photo-resize.txt").write_text(report + "\n")


# --- the EXIF copy on its own, with a camera's layout, in both byte orders ---------------

def camera_exif(order: bytes, width: int, height: int, orientation: int, thumbnail: bytes) -> bytes:
    """The TIFF inside a camera's APP1 segment, laid out as cameras do: IFD0 (orientation,
    the Exif and GPS IFDs), the Exif IFD (capture time, pixel dimensions as LONG and
    SHORT), the GPS IFD, then IFD1 with its thumbnail last."""
    e = "<" if order == b"II" else ">"

    def ifd(entries, next_ifd=0):
        out = struct.pack(e + "H", len(entries))
        for tag, kind, count, value in entries:
            if isinstance(value, bytes):
                value = value.ljust(4, b"\0")
            elif kind == 3:
                value = struct.pack(e + "HH", value, 0)
            else:
                value = struct.pack(e + "I", value)
            out += struct.pack(e + "HHI", tag, kind, count) + value
        return out + struct.pack(e + "I", next_ifd)

    def rationals(*pairs):
        return b"".join(struct.pack(e + "II", *p) for p in pairs)
    taken = TAKEN.encode() + b"\0"
    ifd0_at, exif_at = 8, 50
    gps_at = exif_at + 42 + len(taken)
    lat_at, lon_at = gps_at + 54, gps_at + 54 + 24
    ifd1_at = lon_at + 24
    thumb_at = ifd1_at + 30
    out = order + struct.pack(e + "HI", 42, ifd0_at)
    out += ifd([(0x0112, 3, 1, orientation), (0x8769, 4, 1, exif_at), (0x8825, 4, 1, gps_at)], ifd1_at)
    out += ifd([(0x9003, 2, len(taken), gps_at - len(taken)), (0xA002, 4, 1, width),
                (0xA003, 3, 1, height)]) + taken
    out += ifd([(1, 2, 2, b"S\0"), (2, 5, 3, lat_at), (3, 2, 2, b"E\0"), (4, 5, 3, lon_at)])
    out += rationals((8, 1), (39, 1), (0, 1)) + rationals((115, 1), (13, 1), (12, 100))
    assert len(out) == ifd1_at
    out += ifd([(0x0201, 4, 1, thumb_at), (0x0202, 4, 1, len(thumbnail))])
    assert len(out) == thumb_at
    return out + thumbnail


SHRINK = """async ([name, b64]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const upload = await uploadFor(new File([bytes], name, {type: "image/jpeg"}));
  const out = new Uint8Array(await upload.blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < out.length; i += 8192) text += String.fromCharCode(...out.subarray(i, i + 8192));
  return {shrunk: upload.shrunk, data: btoa(text)};
}"""


@pytest.mark.parametrize("order", [b"MM", b"II"])
def test_a_cameras_exif_is_carried_over_upright_with_the_new_size_and_no_old_thumbnail(browser, order):
    stored = phone_photo((3000, 4000), 8, quality=90)  # stored turned the other way
    pixels = io.BytesIO()
    Image.open(io.BytesIO(stored)).save(pixels, "JPEG", quality=90)  # the same, no EXIF
    thumbnail = io.BytesIO()
    Image.new("RGB", (160, 120), (10, 200, 10)).save(thumbnail, "JPEG")
    tiff = camera_exif(order, 4000, 3000, 8, thumbnail.getvalue())
    app1 = b"\xff\xe1" + struct.pack(">H", len(tiff) + 8) + b"Exif\0\0" + tiff
    original = pixels.getvalue()[:2] + app1 + pixels.getvalue()[2:]
    page = browser.new_page()  # the script alone, on a blank page
    page.set_content('<script id="strings" type="application/json">{}</script>')
    page.add_script_tag(path=str(REPO_ROOT / "gateway/web/static/app.js"))
    result = page.evaluate(SHRINK, ["camera.jpg", base64.b64encode(original).decode()])
    page.close()
    assert result["shrunk"]
    sent = base64.b64decode(result["data"])
    image = Image.open(io.BytesIO(sent))
    assert image.size == (1200, 1600)
    exif = image.getexif()
    assert exif[ExifTags.Base.Orientation] == 1
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    assert sub[ExifTags.Base.DateTimeOriginal] == TAKEN
    assert (sub[ExifTags.Base.ExifImageWidth], sub[ExifTags.Base.ExifImageHeight]) == (1200, 1600)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert [float(x) for x in gps[4]] == [115, 13, 0.12] and gps[1] == "S"
    assert exif.get_ifd(ExifTags.IFD.IFD1) == {}  # the old thumbnail showed the old orientation
    segment = sent.index(b"Exif\0\0")
    assert struct.unpack(">H", sent[segment - 2:segment])[0] == len(tiff) + 8 - len(thumbnail.getvalue())
    assert all(abs(a - b) < 40 for a, b in zip(image.convert("RGB").getpixel((20, 20)), MARK, strict=True))
