"""Where evidence bytes live: MinIO/S3 through the minio SDK, or a local folder.

Both hand out short-lived upload and download URLs, so the gateway streams
bytes without ever holding storage credentials. The local folder's URLs point
at this service's own HTTP entrypoint and are signed with an HMAC.
"""
import base64
import hashlib
import hmac
import io
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Landed:
    """What the store says of an object without sending it: its size, and the SHA-256 the
    store itself checked the bytes against on the way in (None when it checked none)."""
    size: int
    verified_sha256: str | None


@dataclass(frozen=True)
class UploadTicket:
    """Where to PUT, and the headers the PUT must carry (its signature covers them)."""
    url: str
    headers: dict[str, str]


def sha256_base64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def presign_put(*, endpoint: str, secure: bool, region: str, access_key: str, secret_key: str,
                bucket: str, key: str, ttl: int, headers: dict[str, str],
                now: datetime | None = None) -> str:
    """An S3 Signature V4 query-presigned PUT whose signature also covers `headers`.

    minio's presigner signs the host alone, and S3 and MinIO then take an
    x-amz-checksum-sha256 sent with the PUT as the uploader's say-so; signed, it is the
    uploader's promise, which the store checks against the bytes and refuses (400) when
    they differ. The signing time is the wall clock, as every S3 client's is: it is not a
    date of the city's."""
    now = now or datetime.now(UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{region}/s3/aws4_request"
    signed = {"host": endpoint, **{k.lower(): v.strip() for k, v in headers.items()}}
    names = ";".join(sorted(signed))
    query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
             "X-Amz-Credential": f"{access_key}/{scope}", "X-Amz-Date": amz_date,
             "X-Amz-Expires": str(ttl), "X-Amz-SignedHeaders": names}
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                               for k, v in sorted(query.items()))
    path = "/" + quote(f"{bucket}/{key}", safe="/-_.~")
    canonical = "\n".join(["PUT", path, canonical_query,
                           "".join(f"{k}:{signed[k]}\n" for k in sorted(signed)), names,
                           "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = f"AWS4{secret_key}".encode()
    for part in (day, region, "s3", "aws4_request"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    scheme = "https" if secure else "http"
    return f"{scheme}://{endpoint}{path}?{canonical_query}&X-Amz-Signature={signature}"


def new_key() -> str:
    # Random, never the user's file name.
    return f"staging/{uuid.uuid4().hex}"


def locked_key(sha256: str) -> str:
    # Content-addressed: the same bytes are one locked object, whoever uploaded them.
    return f"evidence/{sha256}"


class S3Backend:
    """Staging objects are unlocked; linked evidence is copied to a content-addressed key
    in a bucket with versioning and object lock, and given a COMPLIANCE retention."""

    def __init__(self, endpoint, access_key, secret_key, bucket, secure=False, region="us-east-1",
                 object_lock=True, public_endpoint=None, public_secure=None, connections=10):
        from minio import Minio
        self._signing = dict(endpoint=endpoint, secure=secure, region=region,
                             access_key=access_key, secret_key=secret_key, bucket=bucket)
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region, http_client=_pool(connections))
        # Browsers fetch downloads from the address they can reach (the signature covers
        # the host); the region is given, so signing needs no call to that address.
        self.public = Minio(public_endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure if public_secure is None else public_secure,
                            region=region) if public_endpoint else self.client
        self.bucket = bucket
        self.object_lock = object_lock

    def ensure_bucket(self) -> None:
        if not self.client.bucket_exists(self.bucket):
            self.client.make_bucket(self.bucket, object_lock=self.object_lock)

    def lock(self, key: str, sha256: str, until) -> tuple[str, str | None]:
        """Idempotent: a second call (after a crash) finds the locked copy and finishes."""
        from minio.commonconfig import COMPLIANCE, CopySource
        from minio.retention import Retention
        final = locked_key(sha256)
        try:
            version = self.client.stat_object(self.bucket, final).version_id
        except Exception:  # not there yet
            result = self.client.copy_object(self.bucket, final, CopySource(self.bucket, key),
                                             metadata={"sha256": sha256},
                                             metadata_directive="REPLACE")
            version = result.version_id
            if self.object_lock:
                # Set after the write: a PUT carrying retention headers needs HTTPS on some
                # servers (moto refuses it over plain HTTP).
                self.client.set_object_retention(self.bucket, final, Retention(COMPLIANCE, until),
                                                 version_id=version)
        self.delete(key)
        return final, version

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(self.bucket, key, io.BytesIO(data), len(data), content_type)

    def upload_ticket(self, key: str, ttl: int, sha256: str | None = None) -> UploadTicket:
        """With the uploader's SHA-256 the store checks the bytes (S3: BadDigest, MinIO:
        XAmzContentChecksumMismatch) and records the checksum for `landed`; the algorithm
        header too, which S3 accepts on a PUT and without which moto records none."""
        if sha256 is None:
            return UploadTicket(self.client.presigned_put_object(
                self.bucket, key, expires=timedelta(seconds=ttl)), {})
        headers = {"x-amz-checksum-sha256": sha256_base64(sha256),
                   "x-amz-sdk-checksum-algorithm": "SHA256"}
        return UploadTicket(presign_put(**self._signing, key=key, ttl=ttl, headers=headers),
                            headers)

    def landed(self, key: str) -> Landed | None:
        """One HEAD: the size, and the checksum the store verified (asked for with
        x-amz-checksum-mode, as S3 returns it only then)."""
        from minio.error import S3Error
        try:
            stat = self.client.stat_object(self.bucket, key,
                                           extra_headers={"x-amz-checksum-mode": "ENABLED"})
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise
        recorded = {k.lower(): v for k, v in (stat.metadata or {}).items()}.get(
            "x-amz-checksum-sha256")
        verified = None
        if recorded:
            try:
                verified = base64.b64decode(recorded, validate=True).hex()
            except ValueError:
                verified = None
        return Landed(int(stat.size or 0), verified)

    def read_head(self, key: str, length: int) -> bytes:
        """The first `length` bytes (one ranged GET)."""
        response = self.client.get_object(self.bucket, key, offset=0, length=length)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def download_url(self, key: str, ttl: int, content_type: str, disposition: str) -> str:
        # The object's own Content-Type is whatever the uploader's PUT said (a presigned PUT
        # does not sign it): the type we verified is named in the (signed) URL instead.
        return self.public.presigned_get_object(
            self.bucket, key, expires=timedelta(seconds=ttl),
            response_headers={"response-content-type": content_type,
                              "response-content-disposition": disposition})

    def read(self, key: str) -> Iterator[bytes] | None:
        """The object's bytes in chunks, or None when there is no such object (one request,
        no HEAD before it)."""
        from minio.error import S3Error
        try:
            response = self.client.get_object(self.bucket, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return None
            raise
        return _stream(response)

    def delete(self, key: str) -> None:
        from minio.error import S3Error
        try:
            self.client.remove_object(self.bucket, key)
        except S3Error as exc:
            if exc.code not in ("NoSuchKey", "NoSuchObject"):
                raise


def _pool(connections: int):
    """minio's own pool, but as large as the service's workers: with ten connections and
    forty workers waiting on the store, each call past the tenth opened a connection and
    threw it away ("Connection pool is full, discarding connection")."""
    import certifi
    import urllib3
    from urllib3.util import Retry, Timeout
    return urllib3.PoolManager(
        timeout=Timeout(connect=300, read=300), maxsize=connections,
        cert_reqs="CERT_REQUIRED", ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=Retry(total=5, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]))


def _stream(response) -> Iterator[bytes]:
    try:
        yield from response.stream(CHUNK)
    finally:
        response.close()
        response.release_conn()


def _chunks(f) -> Iterator[bytes]:
    with f:
        while chunk := f.read(CHUNK):
            yield chunk


SERVED_HEADERS = ("content-type", "content-disposition")


def served_as(headers: dict | None) -> str:
    """What a download URL's signature covers besides method, key and expiry: the response
    headers it names (nothing for an upload URL)."""
    values = [(headers or {}).get(name) or "" for name in SERVED_HEADERS]
    return "\n".join(values) if any(values) else ""


class LockedError(PermissionError):
    pass


class ChecksumMismatch(ValueError):
    """The bytes are not those the upload URL was signed for (MinIO's
    XAmzContentChecksumMismatch)."""
    CODE = "XAmzContentChecksumMismatch"


class LocalBackend:
    """The embedded default: a folder. Linked evidence is moved to a content-addressed
    path, made read-only, and never deleted by this code."""

    def __init__(self, root: Path, public_url: str, secret: bytes):
        self.root = Path(root)
        self.public_url = public_url.rstrip("/")
        self.secret = secret

    def ensure_bucket(self) -> None:
        for folder in ("staging", "evidence", "thumbs"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)

    def lock(self, key: str, sha256: str, until) -> tuple[str, str | None]:
        final = locked_key(sha256)
        target = self._path(final)
        self._checked(key).unlink(missing_ok=True)
        if not target.exists():
            os.replace(self._path(key), target)
            target.chmod(0o444)
        else:
            self._path(key).unlink(missing_ok=True)
        return final, None

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("key outside the evidence folder")
        return path

    def signature(self, method: str, key: str, expires: int, served: str = "",
                  sha256: str = "") -> str:
        msg = (f"{method}:{key}:{expires}" + (f":{served}" if served else "")
               + (f":sha256={sha256}" if sha256 else ""))
        return hmac.new(self.secret, msg.encode(), hashlib.sha256).hexdigest()

    def _signed(self, method: str, path: str, key: str, ttl: int, headers=None,
                sha256: str = "") -> str:
        expires = int(time.time()) + ttl
        signature = self.signature(method, key, expires, served_as(headers), sha256)
        query = urlencode({"expires": expires, "signature": signature,
                           **({"sha256": sha256} if sha256 else {}),
                           **{f"response-{k}": v for k, v in (headers or {}).items()}})
        return f"{self.public_url}/{path}/{key}?{query}"

    def valid(self, method: str, key: str, expires: str, signature: str,
              served: str = "", sha256: str = "") -> bool:
        try:
            exp = int(expires)
        except (TypeError, ValueError):
            return False
        return exp >= time.time() and hmac.compare_digest(
            self.signature(method, key, exp, served, sha256), signature or "")

    def upload_ticket(self, key: str, ttl: int, sha256: str | None = None) -> UploadTicket:
        """As S3: a SHA-256 in the signed URL is checked against the bytes as they are
        written, and recorded beside them."""
        if sha256 is None:
            return UploadTicket(self._signed("PUT", "uploads", key, ttl), {})
        return UploadTicket(self._signed("PUT", "uploads", key, ttl, sha256=sha256), {})

    def landed(self, key: str) -> Landed | None:
        try:
            size = self._path(key).stat().st_size
        except FileNotFoundError:
            return None
        try:
            verified = self._checked(key).read_text().strip() or None
        except FileNotFoundError:
            verified = None
        return Landed(size, verified)

    def read_head(self, key: str, length: int) -> bytes:
        with open(self._path(key), "rb") as f:
            return f.read(length)

    def _checked(self, key: str) -> Path:
        # the checksum the upload was verified against, beside the staging file
        return self._path(key).with_suffix(".sha256")

    def download_url(self, key: str, ttl: int, content_type: str, disposition: str) -> str:
        # As S3 does: the type and disposition travel in the URL, covered by the signature,
        # so serving needs no lookup (a content-addressed key can be several users' rows,
        # each with its own file name).
        return self._signed("GET", "files", key, ttl, {"content-type": content_type,
                                                       "content-disposition": disposition})

    def receive(self, key: str, stream, length: int, max_bytes: int,
                sha256: str | None = None) -> int:
        """Write an upload, never more than announced; a short body, or one that is not
        the SHA-256 the URL was signed for (ChecksumMismatch), is removed."""
        if length > max_bytes:
            raise ValueError("too large")
        path = self._path(key)
        tmp = path.with_suffix(".part")
        written, digest = 0, hashlib.sha256()
        try:
            with open(tmp, "wb") as out:
                while written < length:
                    chunk = stream.read(min(CHUNK, length - written))
                    if not chunk:
                        break
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
            if written != length:
                raise ValueError(f"incomplete upload: {written} of {length} bytes")
            if sha256 is not None and digest.hexdigest() != sha256:
                raise ChecksumMismatch("the body is not the SHA-256 the URL was signed for")
            os.replace(tmp, path)
            if sha256 is not None:
                self._checked(key).write_text(sha256)
        finally:
            tmp.unlink(missing_ok=True)
        return written

    def read(self, key: str) -> Iterator[bytes] | None:
        """The file's bytes in chunks, or None when there is no such file."""
        try:
            f = open(self._path(key), "rb")
        except FileNotFoundError:
            return None
        return _chunks(f)

    def delete(self, key: str) -> None:
        if key.startswith("evidence/"):
            raise LockedError("locked evidence is never deleted")
        self._path(key).unlink(missing_ok=True)
        self._checked(key).unlink(missing_ok=True)


def from_config(cfg: dict, data_dir: Path, connections: int = 10):
    if cfg.get("S3_ENDPOINT"):
        return S3Backend(cfg["S3_ENDPOINT"], cfg["S3_ACCESS_KEY"], cfg["S3_SECRET_KEY"],
                         cfg.get("S3_BUCKET") or "ekinerja-evidence",
                         secure=str(cfg.get("S3_SECURE")).lower() == "true",
                         region=cfg.get("S3_REGION") or "us-east-1",
                         object_lock=str(cfg.get("S3_OBJECT_LOCK", "true")).lower() == "true",
                         public_endpoint=cfg.get("S3_PUBLIC_ENDPOINT") or None,
                         connections=connections,
                         public_secure=(str(cfg.get("S3_PUBLIC_SECURE")).lower() == "true"
                                        if cfg.get("S3_PUBLIC_SECURE") not in (None, "") else None))
    secret = (cfg.get("URL_SECRET") or "").encode() or os.urandom(32)
    return LocalBackend(Path(cfg.get("LOCAL_DIR") or data_dir / "evidence"),
                        cfg.get("PUBLIC_URL") or "http://127.0.0.1:8010", secret)
