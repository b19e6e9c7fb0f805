"""One suite, two backends: the evidence service as a real process, storing in a
local folder (the embedded default) or in S3 over HTTP (moto standing in for
MinIO), reached through the minio SDK."""
import hashlib
import uuid

import httpx
import pytest

from ekinerja_contract import clock
from ekinerja_contract.errors import ServiceError
from ekinerja_contract.rpc_client import RemoteError
from tests.support.bus import publish
from tests.support.factories import report_submitted
from tests.support.photos import jpeg_with_exif, png
from tests.support.stack import Stack
from tools.demo_data import tiny_jpeg
from tools.supervisor import wait_until

pytestmark = pytest.mark.integration

OWNER = {"account_id": 10, "employee_id": 10, "agency_id": 1, "roles": ["employee"]}
OTHER = {"account_id": 11, "employee_id": 11, "agency_id": 1, "roles": ["employee", "supervisor"]}
PNG = png(1)
# A refusal arrives as nameko's RemoteError or, with the contract's own classes registered,
# as the class itself: both name it in exc_type.
REFUSED = (RemoteError, ServiceError)


@pytest.fixture(scope="module", params=["local", "s3"])
def evidence(request, amqp_uri, s3_server, tmp_path_factory):
    logs = tmp_path_factory.mktemp(f"logs-{request.param}")
    if request.param == "s3":
        bucket = f"ekt-{uuid.uuid4().hex[:8]}"
        env = {**s3_server.env(bucket), "EVIDENCE_MAX_BYTES": "200000"}
        from minio import Minio
        client = Minio(s3_server.endpoint, s3_server.access_key, s3_server.secret_key,
                       secure=False)
        objects = lambda: sorted(o.object_name for o in client.list_objects(bucket, recursive=True))  # noqa: E731
    else:
        folder = tmp_path_factory.mktemp("evidence")
        env = {"EVIDENCE_LOCAL_DIR": str(folder), "EVIDENCE_URL_SECRET": "s3cret",
               "EVIDENCE_MAX_BYTES": "200000"}
        objects = lambda: sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())  # noqa: E731
    stack = Stack(amqp_uri, logs, env)
    try:
        stack.start_services("evidence")
        # thumbnails are made apart from the uploads, a moment after each: compared apart
        stack.objects = lambda: [o for o in objects() if not o.startswith("thumbs/")]
        stack.all_objects = objects
        stack.kind = request.param
        stack.client = client if request.param == "s3" else None
        stack.bucket = bucket if request.param == "s3" else None
        stack.folder = folder if request.param == "local" else None
        yield stack
    finally:
        stack.close()


def upload(stack, data: bytes, content_type="image/jpeg", name="foto.jpg", send=None,
           sha=True, actor=OWNER, put_type=None):
    ticket = stack.rpc.call("evidence", "create_upload", actor, name, content_type, len(data))
    body = data if send is None else send
    r = httpx.put(ticket["upload_url"], content=body,
                  headers={"Content-Type": put_type or content_type,
                           "Content-Length": str(len(body))})
    assert r.status_code < 300, r.text
    digest = hashlib.sha256(body).hexdigest() if sha else None
    return ticket["evidence_id"], lambda: stack.rpc.call(
        "evidence", "confirm_upload", actor, ticket["evidence_id"], digest)


def test_upload_is_verified_and_recorded_with_its_sha256(evidence):
    data = tiny_jpeg()
    evidence_id, confirm = upload(evidence, data)
    record = confirm()
    assert record["status"] == "stored" and record["content_type"] == "image/jpeg"
    assert record["sha256"] == hashlib.sha256(data).hexdigest() and record["size"] == len(data)
    assert evidence.rpc.call("evidence", "describe", evidence_id)["owner_id"] == 10
    staged = [o for o in evidence.objects() if o.startswith("staging/")]
    assert len(staged) == 1 and "foto" not in staged[0]  # keys are random, never the user's name


def test_owner_gets_a_working_short_lived_url_and_others_are_refused(evidence):
    evidence_id, confirm = upload(evidence, PNG, "image/png", "scan.png")
    confirm()
    view = evidence.rpc.call("evidence", "view", OWNER, evidence_id)
    assert httpx.get(view["url"]).content == PNG
    with pytest.raises(REFUSED) as err:
        evidence.rpc.call("evidence", "view", OTHER, evidence_id)
    assert err.value.exc_type == "NotFound"  # as if there were none: ids tell nothing


def test_the_same_bytes_again_return_the_existing_record_flagged(evidence):
    data = PNG + b"dup"
    first_id, confirm = upload(evidence, data, "image/png")
    confirm()
    before = evidence.objects()
    _, confirm_again = upload(evidence, data, "image/png")
    again = confirm_again()
    assert again["id"] == first_id and again["duplicate"] is True
    assert evidence.objects() == before


def test_wrong_bytes_behind_a_right_looking_name_leave_nothing_behind(evidence):
    before = evidence.objects()
    evidence_id, confirm = upload(evidence, b"MZ\x90\x00" + b"\x00" * 100, "image/jpeg", "foto.jpg")
    with pytest.raises(REFUSED) as err:
        confirm()
    assert err.value.exc_type == "UnsupportedMediaType"
    assert evidence.objects() == before
    with pytest.raises(REFUSED):
        evidence.rpc.call("evidence", "describe", evidence_id)


def test_a_truncated_upload_is_refused_and_removed(evidence):
    before = evidence.objects()
    data = tiny_jpeg()
    ticket = evidence.rpc.call("evidence", "create_upload", OWNER, "foto.jpg", "image/jpeg",
                               len(data))
    httpx.put(ticket["upload_url"], content=data[:50],
              headers={"Content-Type": "image/jpeg", "Content-Length": "50"})
    with pytest.raises(REFUSED) as err:
        evidence.rpc.call("evidence", "confirm_upload", OWNER, ticket["evidence_id"], None)
    assert err.value.exc_type == "InvalidInput"
    assert evidence.objects() == before


@pytest.mark.parametrize("name,ctype,size,error", [
    ("foto.jpg", "image/jpeg", 200001, "PayloadTooLarge"),
    ("foto.jpg", "image/jpeg", 0, "InvalidInput"),
    ("../../foto.jpg", "image/jpeg", 100, "InvalidInput"),
    ("foto\x07.jpg", "image/jpeg", 100, "InvalidInput"),
    ("virus.exe", "application/x-msdownload", 100, "UnsupportedMediaType"),
])
def test_bad_uploads_are_refused_before_any_byte_is_stored(evidence, name, ctype, size, error):
    before = evidence.objects()
    with pytest.raises(REFUSED) as err:
        evidence.rpc.call("evidence", "create_upload", OWNER, name, ctype, size)
    assert err.value.exc_type == error
    assert evidence.objects() == before


def test_a_photo_keeps_its_capture_time_and_place_and_gets_a_thumbnail(evidence):
    evidence_id, confirm = upload(evidence, jpeg_with_exif(seed=3), name="lokasi.jpg")
    record = confirm()
    assert record["captured_at"] == "2026-11-16T09:30:00"  # from the head, at once
    assert [round(x, 2) for x in record["gps"]] == [-8.65, 115.22]
    # the thumbnail is made apart from the upload, by evidence's handler of evidence.stored
    wait_until(lambda: evidence.rpc.call("evidence", "describe", evidence_id)["checked"], 10,
               "the full check")
    urls = evidence.rpc.call("evidence", "thumbnail_urls", OWNER, [evidence_id])
    thumb = httpx.get(urls[evidence_id]["url"])
    assert thumb.status_code == 200 and thumb.content.startswith(b"\xff\xd8")
    assert evidence.rpc.call("evidence", "thumbnail_urls", OTHER, [evidence_id]) == {}


def signed_upload(stack, data: bytes, send: bytes | None = None, content_type="image/jpeg"):
    """As the gateway does with a Content-Digest: the SHA-256 goes into the upload URL's
    signature and the PUT carries the headers the ticket names."""
    sha = hashlib.sha256(data).hexdigest()
    ticket = stack.rpc.call("evidence", "create_upload", OWNER, "foto.jpg", content_type,
                            len(data), None, sha)
    body = data if send is None else send
    r = httpx.put(ticket["upload_url"], content=body,
                  headers={**ticket["upload_headers"], "Content-Type": content_type,
                           "Content-Length": str(len(body))})
    return ticket["evidence_id"], r


def test_a_declared_sha256_is_checked_by_the_store_itself(evidence):
    data = jpeg_with_exif(seed=31)
    before = evidence.objects()
    evidence_id, r = signed_upload(evidence, data, send=data[:-4] + b"\x00\x00\xff\xd9")
    assert r.status_code == 400 and "XAmzContentChecksumMismatch" in r.text  # as MinIO answers
    assert evidence.objects() == before
    with pytest.raises(REFUSED) as err:
        evidence.rpc.call("evidence", "confirm_upload", OWNER, evidence_id, None)
    assert err.value.exc_type == "InvalidInput"  # nothing landed: nothing kept
    evidence_id, r = signed_upload(evidence, data)
    assert r.status_code == 200, r.text
    record = evidence.rpc.call("evidence", "confirm_upload", OWNER, evidence_id, None)
    assert record["status"] == "stored" and record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["captured_at"] == "2026-11-16T09:30:00"


def test_a_damaged_photo_is_found_before_any_report_can_name_it(evidence):
    data = jpeg_with_exif(seed=32)
    cut = data[:len(data) * 2 // 3]  # the header intact, the scan cut short
    before = evidence.objects()
    evidence_id, confirm = upload(evidence, cut)
    assert confirm()["status"] == "stored"  # the head alone looks right
    # what reporting asks when it has not yet heard of the check: checked, whoever did it
    facts = evidence.rpc.call("evidence", "checked_facts", evidence_id)
    assert facts["checked"] is True and facts["status"] == "damaged"
    assert facts["problem"] == "evidence_damaged"
    assert evidence.objects() == before  # its bytes removed
    assert not any(evidence_id in o for o in evidence.all_objects())  # and no thumbnail
    sound_id, confirm = upload(evidence, jpeg_with_exif(seed=33))
    confirm()
    facts = evidence.rpc.call("evidence", "checked_facts", sound_id)
    assert facts["checked"] is True and facts["status"] == "stored" and facts["problem"] is None
    assert evidence.rpc.call("evidence", "thumbnail_urls", OWNER, [sound_id])


def test_linking_locks_the_evidence_under_a_content_addressed_key(evidence, amqp_uri):
    data = jpeg_with_exif(seed=4)
    evidence_id, confirm = upload(evidence, data)
    sha = confirm()["sha256"]
    publish(amqp_uri, report_submitted(4001, employee_id=10, approver_id=11,
                                       evidence_id=evidence_id, evidence_sha256=sha))
    wait_until(lambda: evidence.rpc.call("evidence", "describe", evidence_id)["status"] == "linked",
               10, "linked")
    record = evidence.rpc.call("evidence", "describe", evidence_id)
    assert record["locked_until"] is not None
    assert f"evidence/{sha}" in evidence.objects()
    assert not any(o.startswith("staging/") and o.endswith(evidence_id) for o in evidence.objects())
    # the approver named in the report may now see it
    assert httpx.get(evidence.rpc.call("evidence", "view", OTHER, evidence_id)["url"]).content == data
    if evidence.kind == "s3":
        # Our code sets a COMPLIANCE retention after the copy (moto will not take retention
        # headers on a plain-HTTP PUT); moto enforces it: the locked version cannot be deleted.
        from minio.error import S3Error
        version = evidence.client.stat_object(evidence.bucket, f"evidence/{sha}").version_id
        with pytest.raises(S3Error):
            evidence.client.remove_object(evidence.bucket, f"evidence/{sha}", version_id=version)
    else:
        locked = evidence.folder / "evidence" / sha
        assert oct(locked.stat().st_mode & 0o777) == "0o444"


def test_the_audit_finds_an_altered_object(evidence, amqp_uri):
    from tests.support.bus import Watcher
    admin = {"account_id": 99, "roles": ["city_admin"]}
    data = png(seed=9)
    evidence_id, confirm = upload(evidence, data, "image/png", "scan.png")
    sha = confirm()["sha256"]
    publish(amqp_uri, report_submitted(4002, employee_id=10, approver_id=11,
                                       evidence_id=evidence_id, evidence_sha256=sha))
    wait_until(lambda: evidence.rpc.call("evidence", "describe", evidence_id)["status"] == "linked",
               10, "linked")
    assert evidence.rpc.call("evidence", "verify", admin, evidence_id)["ok"] is True
    with pytest.raises(REFUSED):
        evidence.rpc.call("evidence", "verify", OWNER, evidence_id)
    key = f"evidence/{sha}"
    if evidence.kind == "s3":  # a new version on top of the locked one
        import io
        evidence.client.put_object(evidence.bucket, key, io.BytesIO(b"tampered"), 8)
    else:  # someone with root on the server
        path = evidence.folder / key
        path.chmod(0o644)
        path.write_bytes(b"tampered")
    watcher = Watcher(amqp_uri, "evidence", "evidence.integrity_failed")
    assert evidence.rpc.call("evidence", "verify", admin, evidence_id)["found"] == "altered"
    result = evidence.rpc.call("evidence", "run_housekeeping")
    assert result["audit"]["failed"] >= 1
    assert any(m["data"]["evidence_id"] == evidence_id for m in watcher.wait_for(1))
    watcher.close()


def test_uploads_never_linked_within_seven_days_are_removed(evidence):
    import datetime as dt
    evidence_id, confirm = upload(evidence, png(seed=12), "image/png", "lupa.png")
    confirm()
    evidence.restart_at("evidence", clock.now() + dt.timedelta(days=8))  # eight days on
    try:
        assert evidence.rpc.call("evidence", "run_housekeeping")["purged"] >= 1
    finally:
        evidence.restart_at("evidence", None)
    with pytest.raises(REFUSED):
        evidence.rpc.call("evidence", "describe", evidence_id)
    assert not any(evidence_id in o for o in evidence.objects())
    assert not any(o.startswith("staging/") for o in evidence.objects())


# --- hardening: what is refused at confirm time, and how files are served ---------------

PLAIN_PDF = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
             b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
             b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def test_decompression_bombs_are_refused_from_their_header_and_leave_nothing_behind(evidence):
    from tests.evidence.unit.bombs import jpeg_claiming, png_of_zeros
    before = evidence.objects()
    for data, ctype in ((jpeg_claiming(60000, 60000), "image/jpeg"),
                        (png_of_zeros(10000, 10000, color_type=0), "image/png")):  # grey: 99 KB
        evidence_id, confirm = upload(evidence, data, ctype, "foto.png")
        with pytest.raises(REFUSED) as err:
            confirm()
        assert err.value.exc_type == "InvalidInput"
        assert "megapixels" in err.value.message
        with pytest.raises(REFUSED):
            evidence.rpc.call("evidence", "describe", evidence_id)
    assert evidence.objects() == before


def test_a_pdf_with_a_script_is_refused_and_leaves_nothing_behind(evidence):
    before = evidence.objects()
    scripted = PLAIN_PDF.replace(b"/Pages 2 0 R", b"/Pages 2 0 R /OpenAction 3 0 R").replace(
        b"trailer", b"3 0 obj\n<< /S /J#61vaScript /JS (app.alert(1)) >>\nendobj\ntrailer")
    _, confirm = upload(evidence, scripted, "application/pdf", "undangan.pdf")
    with pytest.raises(REFUSED) as err:
        confirm()
    assert err.value.exc_type == "UnsupportedMediaType" and "scripts" in err.value.message
    assert evidence.objects() == before


def test_files_are_served_with_the_verified_type_and_pdfs_as_downloads(evidence):
    from urllib.parse import parse_qs, urlsplit
    # the uploader's PUT says text/html; what was verified (PNG) is what is served
    image_id, confirm = upload(evidence, png(seed=21), "image/png", "scan.png",
                               put_type="text/html")
    confirm()
    pdf_id, confirm = upload(evidence, PLAIN_PDF, "application/pdf", "Surat Undangan.pdf")
    confirm()
    image = evidence.rpc.call("evidence", "view", OWNER, image_id)["url"]
    pdf = evidence.rpc.call("evidence", "view", OWNER, pdf_id)["url"]
    served = {"image": httpx.get(image), "pdf": httpx.get(pdf)}
    assert served["image"].headers["content-type"] == "image/png"
    assert served["image"].headers["content-disposition"].startswith("inline")
    assert served["pdf"].headers["content-type"] == "application/pdf"
    assert served["pdf"].headers["content-disposition"] == (
        "attachment; filename=\"Surat Undangan.pdf\"; filename*=UTF-8''Surat%20Undangan.pdf")
    assert served["pdf"].content == PLAIN_PDF
    # both backends name the headers in the signed URL (S3: response-* query parameters)
    query = parse_qs(urlsplit(pdf).query)
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"][0].startswith("attachment;")
    if evidence.kind == "local":
        for response in served.values():
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["content-security-policy"] == "default-src 'none'"
        forged = pdf.replace("application%2Fpdf", "text%2Fhtml")
        assert httpx.get(forged).status_code == 403
    # A presigned GET can only override the type and disposition (and caching, language,
    # encoding): nosniff and a CSP are up to the S3 server or a proxy in front of it; moto
    # sends neither, and honours both response-* parameters (asserted above)
