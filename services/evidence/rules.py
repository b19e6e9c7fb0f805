"""Evidence rules as plain functions: what a file is, and whether to accept it."""
import unicodedata

from ekinerja_contract.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

# Judged by the first bytes, never by the name or the declared type.
MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
ALLOWED_TYPES = {t for _, t in MAGIC}
SNIFF_BYTES = 8


def sniff(head: bytes) -> str | None:
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def check_filename(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput("the file needs a name", [{"field": "filename", "reason": "empty"}])
    if len(name) > 200:
        raise InvalidInput("file name too long", [{"field": "filename", "reason": "over 200"}])
    if "/" in name or "\\" in name or name in (".", ".."):
        raise InvalidInput("file name must not contain path separators",
                           [{"field": "filename", "reason": "path separator"}])
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidInput("file name must not contain control characters",
                           [{"field": "filename", "reason": "control character"}])
    return name


def check_declared(size: int, content_type: str, max_bytes: int) -> None:
    if size <= 0:
        raise InvalidInput("the file is empty", [{"field": "size", "reason": "0 bytes"}])
    if size > max_bytes:
        raise PayloadTooLarge(f"the file is larger than {max_bytes // (1024 * 1024)} MB",
                              [{"field": "size", "reason": f"{size} > {max_bytes}"}])
    if content_type not in ALLOWED_TYPES:
        raise UnsupportedMediaType("only JPEG, PNG or PDF files are accepted",
                                   [{"field": "content_type", "reason": content_type}])


def check_stored(head: bytes, size: int, sha256: str, expected_size: int,
                 claimed_sha256: str | None, max_bytes: int) -> str:
    """What landed in storage must be what was announced. Returns the real type."""
    if size == 0:
        raise InvalidInput("the file is empty", [{"field": "file", "reason": "0 bytes"}])
    if size > max_bytes:
        raise PayloadTooLarge("the file is too large", [{"field": "file", "reason": str(size)}])
    if size != expected_size:
        raise InvalidInput("the upload is incomplete",
                           [{"field": "file", "reason": f"{size} of {expected_size} bytes"}])
    if claimed_sha256 and claimed_sha256 != sha256:
        raise InvalidInput("the upload was altered or truncated in transit",
                           [{"field": "file", "reason": "SHA-256 mismatch"}])
    real = sniff(head)
    if real is None:
        raise UnsupportedMediaType("the file is not a JPEG, PNG or PDF",
                                   [{"field": "file", "reason": "unrecognised content"}])
    return real


def may_view(actor, owner_id: int, approver_id: int | None) -> bool:
    """The owner, the approver of the report it backs, the review team and city admins."""
    if actor.employee_id is not None and actor.employee_id in (owner_id, approver_id):
        return True
    return actor.has("review_team", "city_admin")
