"""An upload whose SHA-256 the store checked is not read back; one it did not check is.
On the real local backend, counting what evidence asks of it."""
import hashlib
import io
import types
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from ekinerja_contract.errors import InvalidInput
from services.evidence import backends, evidence
from tests.support.photos import jpeg_with_exif


class Counting(backends.LocalBackend):
    def __init__(self, root):
        super().__init__(root, "http://127.0.0.1:1", b"k")
        self.whole_reads = self.head_reads = 0

    def read(self, key):
        self.whole_reads += 1
        return super().read(key)

    def read_head(self, key, length):
        self.head_reads += 1
        return super().read_head(key, length)


def landed(backend, data: bytes, sha256: str | None):
    key = backends.new_key()
    backend.ensure_bucket()
    backend.receive(key, io.BytesIO(data), len(data), 10 * 2**20, sha256)
    return types.SimpleNamespace(object_key=key, size=len(data), declared_sha256=sha256,
                                 content_type="image/jpeg")


def test_a_checked_checksum_is_trusted_and_only_the_head_is_read(tmp_path):
    data = jpeg_with_exif(seed=5) + b"\0" * 200_000  # longer than the head
    sha = hashlib.sha256(data).hexdigest()
    backend = Counting(tmp_path)
    real_type, digest, size, head = evidence._inspect_landed(backend, landed(backend, data, sha),
                                                             None, 10 * 2**20)
    assert (real_type, digest, size) == ("image/jpeg", sha, len(data))
    assert len(head) == 128 * 1024 < len(data)
    assert (backend.head_reads, backend.whole_reads) == (1, 0)


def test_without_a_checked_checksum_the_upload_is_read_back_once(tmp_path):
    data = jpeg_with_exif(seed=6)
    backend = Counting(tmp_path)
    row = landed(backend, data, None)
    _, digest, _, _ = evidence._inspect_landed(backend, row, None, 10 * 2**20)
    assert digest == hashlib.sha256(data).hexdigest()
    assert (backend.head_reads, backend.whole_reads) == (0, 1)
    # a SHA-256 declared but not the one the store checked (none): read back, and compared
    row.declared_sha256 = "0" * 64
    with pytest.raises(InvalidInput) as err:
        evidence._inspect_landed(backend, row, "0" * 64, 10 * 2**20)
    assert err.value.code == "evidence_upload_mismatch"


def test_the_local_store_refuses_bytes_that_are_not_the_signed_sha256(tmp_path):
    backend = backends.LocalBackend(tmp_path, "http://127.0.0.1:1", b"k")
    backend.ensure_bucket()
    key = backends.new_key()
    with pytest.raises(backends.ChecksumMismatch):
        backend.receive(key, io.BytesIO(b"abc"), 3, 100, hashlib.sha256(b"abd").hexdigest())
    assert backend.landed(key) is None
    url = backend.upload_ticket(key, 60, "a" * 64).url
    query = parse_qs(urlsplit(url).query)
    assert query["sha256"] == ["a" * 64]
    # the signature covers the SHA-256: another one in the URL is not valid
    assert backend.valid("PUT", key, query["expires"][0], query["signature"][0], sha256="a" * 64)
    assert not backend.valid("PUT", key, query["expires"][0], query["signature"][0],
                             sha256="b" * 64)


def test_the_presigned_put_is_signature_v4_as_minio_signs_it():
    """With no header besides the host, ours is byte for byte the minio SDK's presign."""
    from minio.credentials import Credentials
    from minio.signer import presign_v4
    at = datetime(2026, 12, 2, 3, 4, 5, tzinfo=UTC)
    ours = backends.presign_put(endpoint="127.0.0.1:9000", secure=False, region="us-east-1",
                                access_key="ak", secret_key="sk", bucket="bkt",
                                key="staging/abc", ttl=300, headers={}, now=at)
    theirs = presign_v4(method="PUT", url=urlsplit("http://127.0.0.1:9000/bkt/staging/abc"),
                        region="us-east-1", credentials=Credentials("ak", "sk"), date=at,
                        expires=300).geturl()
    assert parse_qs(urlsplit(ours).query) == parse_qs(urlsplit(theirs).query)
    signed = backends.presign_put(endpoint="127.0.0.1:9000", secure=False, region="us-east-1",
                                  access_key="ak", secret_key="sk", bucket="bkt",
                                  key="staging/abc", ttl=300, now=at,
                                  headers={"x-amz-checksum-sha256": "AAAA"})
    assert parse_qs(urlsplit(signed).query)["X-Amz-SignedHeaders"] == [
        "host;x-amz-checksum-sha256"]
