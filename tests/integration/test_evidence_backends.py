"""One suite, two backends: the evidence service as a real process, storing in a
local folder (the embedded default) or in S3 over HTTP (moto standing in for
MinIO), reached through the minio SDK."""
import hashlib
import uuid

import httpx
import pytest

from ekinerja_contract.rpc_client import RemoteError
from tests.support.stack import Stack
from tools.demo_data import tiny_jpeg

pytestmark = pytest.mark.integration

OWNER = {"account_id": 10, "employee_id": 10, "agency_id": 1, "roles": ["employee"]}
OTHER = {"account_id": 11, "employee_id": 11, "agency_id": 1, "roles": ["employee", "supervisor"]}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module", params=["local", "s3"])
def evidence(request, amqp_uri, s3_server, tmp_path_factory):
    logs = tmp_path_factory.mktemp(f"logs-{request.param}")
    if request.param == "s3":
        bucket = f"ekt-{uuid.uuid4().hex[:8]}"
        env = {**s3_server.env(bucket), "EVIDENCE_MAX_BYTES": "2048"}
        from minio import Minio
        client = Minio(s3_server.endpoint, s3_server.access_key, s3_server.secret_key,
                       secure=False)
        objects = lambda: [o.object_name for o in client.list_objects(bucket, recursive=True)]  # noqa: E731
    else:
        folder = tmp_path_factory.mktemp("evidence")
        env = {"EVIDENCE_LOCAL_DIR": str(folder), "EVIDENCE_URL_SECRET": "s3cret",
               "EVIDENCE_MAX_BYTES": "2048"}
        objects = lambda: sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())  # noqa: E731
    stack = Stack(amqp_uri, logs, env)
    try:
        stack.start_services("evidence")
        stack.objects = objects
        yield stack
    finally:
        stack.close()


def upload(stack, data: bytes, content_type="image/jpeg", name="foto.jpg", send=None,
           sha=True, actor=OWNER):
    ticket = stack.rpc.call("evidence", "create_upload", actor, name, content_type, len(data))
    body = data if send is None else send
    r = httpx.put(ticket["upload_url"], content=body,
                  headers={"Content-Type": content_type, "Content-Length": str(len(body))})
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
    key = [o for o in evidence.objects()]
    assert len(key) == 1 and "foto" not in key[0]  # keys are random, never the user's name


def test_owner_gets_a_working_short_lived_url_and_others_are_refused(evidence):
    evidence_id, confirm = upload(evidence, PNG, "image/png", "scan.png")
    confirm()
    view = evidence.rpc.call("evidence", "view", OWNER, evidence_id)
    assert httpx.get(view["url"]).content == PNG
    with pytest.raises(RemoteError) as err:
        evidence.rpc.call("evidence", "view", OTHER, evidence_id)
    assert err.value.exc_type == "Forbidden"


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
    with pytest.raises(RemoteError) as err:
        confirm()
    assert err.value.exc_type == "UnsupportedMediaType"
    assert evidence.objects() == before
    with pytest.raises(RemoteError):
        evidence.rpc.call("evidence", "describe", evidence_id)


def test_a_truncated_upload_is_refused_and_removed(evidence):
    before = evidence.objects()
    data = tiny_jpeg()
    ticket = evidence.rpc.call("evidence", "create_upload", OWNER, "foto.jpg", "image/jpeg",
                               len(data))
    httpx.put(ticket["upload_url"], content=data[:50],
              headers={"Content-Type": "image/jpeg", "Content-Length": "50"})
    with pytest.raises(RemoteError) as err:
        evidence.rpc.call("evidence", "confirm_upload", OWNER, ticket["evidence_id"], None)
    assert err.value.exc_type == "InvalidInput"
    assert evidence.objects() == before


@pytest.mark.parametrize("name,ctype,size,error", [
    ("foto.jpg", "image/jpeg", 4096, "PayloadTooLarge"),
    ("foto.jpg", "image/jpeg", 0, "InvalidInput"),
    ("../../foto.jpg", "image/jpeg", 100, "InvalidInput"),
    ("foto\x07.jpg", "image/jpeg", 100, "InvalidInput"),
    ("virus.exe", "application/x-msdownload", 100, "UnsupportedMediaType"),
])
def test_bad_uploads_are_refused_before_any_byte_is_stored(evidence, name, ctype, size, error):
    before = evidence.objects()
    with pytest.raises(RemoteError) as err:
        evidence.rpc.call("evidence", "create_upload", OWNER, name, ctype, size)
    assert err.value.exc_type == error
    assert evidence.objects() == before
