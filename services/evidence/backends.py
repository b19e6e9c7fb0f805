"""Where evidence bytes live: MinIO/S3 through the minio SDK, or a local folder.

Both hand out short-lived upload and download URLs, so the gateway streams
bytes without ever holding storage credentials. The local folder's URLs point
at this service's own HTTP entrypoint and are signed with an HMAC.
"""
import hashlib
import hmac
import io
import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

CHUNK = 64 * 1024


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
                 object_lock=True, public_endpoint=None, public_secure=None):
        from minio import Minio
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key,
                            secure=secure, region=region)
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

    def upload_url(self, key: str, ttl: int) -> str:
        return self.client.presigned_put_object(self.bucket, key, expires=timedelta(seconds=ttl))

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

    def signature(self, method: str, key: str, expires: int, served: str = "") -> str:
        msg = f"{method}:{key}:{expires}" + (f":{served}" if served else "")
        return hmac.new(self.secret, msg.encode(), hashlib.sha256).hexdigest()

    def _signed(self, method: str, path: str, key: str, ttl: int, headers=None) -> str:
        expires = int(time.time()) + ttl
        signature = self.signature(method, key, expires, served_as(headers))
        query = urlencode({"expires": expires, "signature": signature,
                           **{f"response-{k}": v for k, v in (headers or {}).items()}})
        return f"{self.public_url}/{path}/{key}?{query}"

    def valid(self, method: str, key: str, expires: str, signature: str,
              served: str = "") -> bool:
        try:
            exp = int(expires)
        except (TypeError, ValueError):
            return False
        return exp >= time.time() and hmac.compare_digest(
            self.signature(method, key, exp, served), signature or "")

    def upload_url(self, key: str, ttl: int) -> str:
        return self._signed("PUT", "uploads", key, ttl)

    def download_url(self, key: str, ttl: int, content_type: str, disposition: str) -> str:
        # As S3 does: the type and disposition travel in the URL, covered by the signature,
        # so serving needs no lookup (a content-addressed key can be several users' rows,
        # each with its own file name).
        return self._signed("GET", "files", key, ttl, {"content-type": content_type,
                                                       "content-disposition": disposition})

    def receive(self, key: str, stream, length: int, max_bytes: int) -> int:
        """Write an upload, never more than announced; a short body is removed."""
        if length > max_bytes:
            raise ValueError("too large")
        path = self._path(key)
        tmp = path.with_suffix(".part")
        written = 0
        try:
            with open(tmp, "wb") as out:
                while written < length:
                    chunk = stream.read(min(CHUNK, length - written))
                    if not chunk:
                        break
                    out.write(chunk)
                    written += len(chunk)
            if written != length:
                raise ValueError(f"incomplete upload: {written} of {length} bytes")
            os.replace(tmp, path)
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


def from_config(cfg: dict, data_dir: Path):
    if cfg.get("S3_ENDPOINT"):
        return S3Backend(cfg["S3_ENDPOINT"], cfg["S3_ACCESS_KEY"], cfg["S3_SECRET_KEY"],
                         cfg.get("S3_BUCKET") or "ekinerja-evidence",
                         secure=str(cfg.get("S3_SECURE")).lower() == "true",
                         region=cfg.get("S3_REGION") or "us-east-1",
                         object_lock=str(cfg.get("S3_OBJECT_LOCK", "true")).lower() == "true",
                         public_endpoint=cfg.get("S3_PUBLIC_ENDPOINT") or None,
                         public_secure=(str(cfg.get("S3_PUBLIC_SECURE")).lower() == "true"
                                        if cfg.get("S3_PUBLIC_SECURE") not in (None, "") else None))
    secret = (cfg.get("URL_SECRET") or "").encode() or os.urandom(32)
    return LocalBackend(Path(cfg.get("LOCAL_DIR") or data_dir / "evidence"),
                        cfg.get("PUBLIC_URL") or "http://127.0.0.1:8010", secret)
