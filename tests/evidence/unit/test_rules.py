import pytest

from ekinerja_contract.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from ekinerja_contract.schemas import Actor
from services.evidence import rules
from tools.demo_data import tiny_jpeg

MB = 1024 * 1024


def test_type_is_judged_by_magic_bytes():
    assert rules.sniff(tiny_jpeg()) == "image/jpeg"
    assert rules.sniff(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert rules.sniff(b"%PDF-1.7\n") == "application/pdf"
    assert rules.sniff(b"MZ\x90\x00 an exe named photo.jpg") is None


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b.jpg", "a\\b.jpg", "foto\x00.jpg",
                                  "foto\n.jpg", "", "   ", "x" * 201])
def test_bad_file_names_are_refused(name):
    with pytest.raises(InvalidInput):
        rules.check_filename(name)


def test_ordinary_names_pass_even_in_indonesian():
    assert rules.check_filename(" Surat Undangan Rapat (final).jpg ") == \
        "Surat Undangan Rapat (final).jpg"


def test_declared_size_and_type_are_checked_before_upload():
    rules.check_declared(5 * MB, "image/jpeg", 10 * MB)
    with pytest.raises(InvalidInput):
        rules.check_declared(0, "image/jpeg", 10 * MB)
    with pytest.raises(PayloadTooLarge) as err:
        rules.check_declared(10 * MB + 1, "image/jpeg", 10 * MB)
    assert (err.value.message, err.value.params) == ("the file is larger than 10 MB",
                                                     {"limit_mb": "10"})
    with pytest.raises(PayloadTooLarge) as err:
        rules.check_declared(200_001, "image/jpeg", 200_000)
    assert err.value.message == "the file is larger than 195 KB"  # was "than 0 MB"
    with pytest.raises(UnsupportedMediaType):
        rules.check_declared(100, "application/x-msdownload", 10 * MB)


def test_what_landed_must_match_what_was_announced():
    head = tiny_jpeg()[:8]
    assert rules.check_stored(head, 159, "ab", 159, "ab", MB) == "image/jpeg"
    with pytest.raises(InvalidInput):  # truncated
        rules.check_stored(head, 100, "ab", 159, None, MB)
    with pytest.raises(InvalidInput):  # altered in transit
        rules.check_stored(head, 159, "ab", 159, "cd", MB)
    with pytest.raises(UnsupportedMediaType):  # right name, wrong bytes
        rules.check_stored(b"GIF89a..", 159, "ab", 159, None, MB)


def test_evidence_is_visible_to_owner_and_approver_and_to_the_review_team_only_in_review():
    owner = Actor(account_id=1, employee_id=10, roles=["employee"])
    approver = Actor(account_id=2, employee_id=20, roles=["employee", "supervisor"])
    other_supervisor = Actor(account_id=3, employee_id=30, roles=["employee", "supervisor"])
    review = Actor(account_id=4, employee_id=40, agency_id=1, roles=["employee", "review_team"])
    assert rules.may_view(owner, 10, [20])
    assert rules.may_view(approver, 10, [20])
    assert not rules.may_view(other_supervisor, 10, [20])
    # the review team: not for a report nobody disputed or approved, nor another agency's
    assert not rules.may_view(review, 10, [20], None, 1)
    assert rules.may_view(review, 10, [20], "disputed", 1)
    assert rules.may_view(review, 10, [20], "approved", 1)  # post-audit of paid work
    assert not rules.may_view(review, 10, [20], "disputed", 2)
    assert rules.may_view(review, 10, [20], "disputed", 2, review_scope="city")


def test_exif_capture_time_gps_and_a_thumbnail_are_read_from_a_photo():
    import io

    from tests.support.photos import jpeg_with_exif
    facts = rules.photo_facts(io.BytesIO(jpeg_with_exif(gps=(-8.65, 115.2167))))
    assert facts["captured_at"].isoformat() == "2026-11-16T09:30:00"
    assert (round(facts["gps_lat"], 3), round(facts["gps_lon"], 3)) == (-8.65, 115.217)
    assert facts["thumbnail"].startswith(b"\xff\xd8") and len(facts["thumbnail"]) < 20000


def test_a_damaged_image_behind_the_right_magic_bytes_is_refused():
    import io
    with pytest.raises(UnsupportedMediaType):
        rules.photo_facts(io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 200))


# --- decompression bombs: refused from the header, before a pixel is decoded -------------

def test_a_png_of_100_megapixels_is_refused_from_its_header():
    import io

    from tests.evidence.unit.bombs import png_of_zeros
    bomb = png_of_zeros(10000, 10000)  # RGBA: 400 MB once decoded
    assert len(bomb) < 400_000
    with pytest.raises(InvalidInput) as err:
        rules.photo_facts(io.BytesIO(bomb))
    assert err.value.message == ("the image is too large (100 megapixels; at most 50 "
                                 "megapixels are accepted)")
    assert err.value.code == "evidence_too_many_pixels"
    assert err.value.params == {"megapixels": "100", "limit": "50"}


def test_a_1x1_jpeg_whose_header_claims_60000x60000_is_refused(monkeypatch):
    import io

    from PIL import Image

    from tests.evidence.unit.bombs import jpeg_claiming
    lying = jpeg_claiming(60000, 60000)
    assert len(lying) == len(tiny_jpeg())
    with pytest.raises(InvalidInput) as err:
        rules.photo_facts(io.BytesIO(lying))
    assert err.value.params == {"megapixels": "3600", "limit": "50"}
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # Pillow's own check off: the
    assert Image.open(io.BytesIO(lying)).size == (60000, 60000)  # header says so


def test_between_the_limit_and_twice_it_pillow_only_warns_and_that_is_a_refusal():
    import io
    import warnings

    from tests.evidence.unit.bombs import png_of_zeros
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # even where warnings are ignored
        with pytest.raises(InvalidInput):
            rules.photo_facts(io.BytesIO(png_of_zeros(150, 100)), max_pixels=10_000)
        # our own check, should Pillow's ever be switched off by someone else
        from PIL import Image
        with Image.open(io.BytesIO(png_of_zeros(150, 100))) as img:
            with pytest.raises(InvalidInput) as err:
                rules.check_pixels(*img.size, 10_000)
    assert err.value.details == [{"field": "file", "reason": "150 x 100 pixels"}]


def test_a_large_phone_photo_under_the_limit_gets_its_thumbnail():
    import io

    from PIL import Image

    from tests.evidence.unit.bombs import big_jpeg
    facts = rules.photo_facts(io.BytesIO(big_jpeg(8000, 6000)))  # 48 MP
    assert Image.open(io.BytesIO(facts["thumbnail"])).size == (320, 240)


def test_an_image_too_costly_to_decode_is_kept_without_a_thumbnail():
    import io

    from tests.evidence.unit.bombs import png_of_zeros
    facts = rules.photo_facts(io.BytesIO(png_of_zeros(7000, 7000)))  # 49 MP, under the limit
    assert facts["thumbnail"] is None and "decoding would take 373 MB" in facts["no_thumbnail"]
    small = rules.photo_facts(io.BytesIO(png_of_zeros(3000, 2000)))
    assert small["thumbnail"].startswith(b"\xff\xd8")


def test_decode_costs_follow_what_was_measured():
    # Pillow: 1 byte a pixel for L/P, 4 for RGB, twice with alpha (resize premultiplies)
    assert rules.image_bytes("L", (4000, 4000)) == 16_000_000
    assert rules.image_bytes("RGB", (4000, 4000)) == 64_000_000
    assert rules.image_bytes("RGBA", (4000, 4000)) == 128_000_000
    # libjpeg's coefficients: 4:2:0 is 1.5 components, 4:4:4 three, two bytes each
    four_two_zero = [(1, 2, 2, 0), (2, 1, 1, 1), (3, 1, 1, 1)]
    four_four_four = [(1, 1, 1, 0), (2, 1, 1, 1), (3, 1, 1, 1)]
    assert rules.jpeg_coefficient_bytes((4000, 4000), four_two_zero) == 48_000_000
    assert rules.jpeg_coefficient_bytes((4000, 4000), four_four_four) == 96_000_000


def test_progressive_jpegs_cost_their_coefficients_baseline_ones_do_not():
    import io

    from PIL import Image

    from tests.evidence.unit.bombs import big_jpeg
    for progressive, expected in ((False, 1000 * 750), (True, 1000 * 750 + 96_000_000)):
        f = io.BytesIO(big_jpeg(8000, 6000, progressive))
        with Image.open(f) as img:
            assert rules.jpeg_layout(f) == (0xC2 if progressive else 0xC0, 1)
            assert rules._decode_cost(img, f) == expected
    f = io.BytesIO(tiny_jpeg())
    assert rules.jpeg_layout(f) == (0xC0, 1)
    assert rules.jpeg_layout(io.BytesIO(b"\xff\xd8\xff\xe0\x00")) == (None, 0)  # truncated


def test_limits_are_the_configured_ones():
    import io

    from tests.evidence.unit.bombs import png_of_zeros
    with pytest.raises(InvalidInput):
        rules.photo_facts(io.BytesIO(png_of_zeros(300, 200)), max_pixels=50_000)
    facts = rules.photo_facts(io.BytesIO(png_of_zeros(300, 200)), max_decode_bytes=1000)
    assert facts["thumbnail"] is None


# --- PDFs: no scripts, no automatic actions, no attached files ----------------------------

def _pdf(*objects: bytes, trailer: bytes = b"") -> bytes:
    out = b"%PDF-1.7\n"
    for number, body in enumerate(objects, 1):
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    return out + b"trailer\n<< /Root 1 0 R " + trailer + b">>\n%%EOF\n"


def _object_stream(body: bytes, dictionary: bytes = b"/Type /ObjStm /N 1 /First 5") -> bytes:
    import zlib
    data = zlib.compress(body)
    return (b"<< %s /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
            % (dictionary, len(data), data))


CATALOG = b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"


def test_a_plain_pdf_is_accepted_even_with_an_open_action_that_only_sets_the_view():
    content = b"<< /Length 4 >>\nstream\nq Q\n\nendstream"
    rules.check_pdf(_pdf(CATALOG, PAGES, PAGE, content))


@pytest.mark.parametrize("action", [
    b"<< /S /JavaScript /JS (app.alert(1)) >>",
    b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",  # names may be written with #xx escapes
    b"<< /S /Launch /F (cmd.exe) >>",
    b"<< /Type /Annot /Subtype /Widget /AA << /O << /S /URI /URI (http://x) >> >> >>",
    b"<< /Type /Filespec /F (a.exe) /EF << /F 9 0 R >> >>",
    b"<< /Type /EmbeddedFile /Length 0 >>\nstream\n\nendstream",
    b"<< /Names << /JavaScript 9 0 R >> >>",
])
def test_pdfs_with_scripts_automatic_actions_or_attachments_are_refused(action):
    pdf = _pdf(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", PAGES, PAGE, action)
    with pytest.raises(UnsupportedMediaType) as err:
        rules.check_pdf(pdf)
    assert "scripts" in err.value.message
    assert err.value.code == "evidence_pdf_active"


def test_a_script_inside_a_compressed_object_stream_is_found():
    hidden = _object_stream(b"4 0 << /S /JavaScript /JS (app.alert(1)) >>")
    with pytest.raises(UnsupportedMediaType):
        rules.check_pdf(_pdf(CATALOG, PAGES, PAGE, hidden))
    disguised = _object_stream(b"4 0 << /AA 5 0 R >>", b"/Type /Obj#53tm /N 1 /First 5")
    with pytest.raises(UnsupportedMediaType):
        rules.check_pdf(_pdf(CATALOG, PAGES, PAGE, disguised))
    rules.check_pdf(_pdf(CATALOG, PAGES, PAGE, _object_stream(b"4 0 << /Type /Font >>")))


def test_an_object_stream_that_cannot_be_read_is_refused_rather_than_trusted():
    import zlib
    bomb = zlib.compress(b" " * 2_000_000)
    zipped = (b"<< /Type /ObjStm /N 1 /First 5 /Filter /FlateDecode /Length %d >>\nstream\n%s"
              b"\nendstream" % (len(bomb), bomb))
    for pdf in (_pdf(CATALOG, PAGES, PAGE, zipped),  # inflates past the budget
                _pdf(CATALOG, PAGES, PAGE, _object_stream(b"4 0 << >>"),
                     trailer=b"/Encrypt 9 0 R "),
                _pdf(CATALOG, PAGES, PAGE, _object_stream(b"4 0 << >>").replace(
                    b"/FlateDecode", b"[/ASCIIHexDecode /FlateDecode]"))):
        with pytest.raises(UnsupportedMediaType) as err:
            rules.check_pdf(pdf, inflate_limit=1_000_000)
        assert err.value.details[0]["reason"].startswith("cannot be checked")


def test_binary_stream_data_matching_a_short_name_by_chance_is_not_refused():
    image = b"\xff\xd8 random /JS /AA bytes \xff\xd9"
    stream = b"<< /Subtype /Image /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream" % (
        len(image), image)
    rules.check_pdf(_pdf(CATALOG, PAGES, PAGE, stream))


# --- serving -------------------------------------------------------------------------------

def test_photos_are_shown_inline_and_pdfs_downloaded_with_the_users_file_name():
    assert rules.content_disposition("image/jpeg") == "inline"
    assert rules.content_disposition("application/pdf", "Surat Undangan.pdf") == (
        "attachment; filename=\"Surat Undangan.pdf\"; filename*=UTF-8''Surat%20Undangan.pdf")
    assert rules.content_disposition("text/html", "x.html").startswith("attachment")
    odd = rules.content_disposition("image/png", 'Foto "rapat" café.png')
    assert odd == ("inline; filename=\"Foto _rapat_ caf_.png\"; "
                   "filename*=UTF-8''Foto%20%22rapat%22%20caf%C3%A9.png")
