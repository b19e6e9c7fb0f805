"""Evidence rules as plain functions: what a file is, and whether to accept it."""
import base64
import datetime as dt
import hmac
import re
import unicodedata
from urllib.parse import quote

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
        raise InvalidInput("the file needs a name", [{"field": "filename", "reason": "empty"}],
                           code="filename_empty")
    if len(name) > 200:
        raise InvalidInput("file name too long", [{"field": "filename", "reason": "over 200"}],
                           code="filename_too_long")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise InvalidInput("file name must not contain path separators",
                           [{"field": "filename", "reason": "path separator"}],
                           code="filename_path")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise InvalidInput("file name must not contain control characters",
                           [{"field": "filename", "reason": "control character"}],
                           code="filename_control_character")
    return name


def _size_text(n: int) -> str:
    # "larger than 0 MB" said nothing when the limit is below a megabyte
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n // 1024} KB"


def check_declared(size: int, content_type: str, max_bytes: int) -> None:
    if size <= 0:
        raise InvalidInput("the file is empty", [{"field": "size", "reason": "0 bytes"}],
                           code="evidence_empty")
    if size > max_bytes:
        raise PayloadTooLarge(f"the file is larger than {_size_text(max_bytes)}",
                              [{"field": "size", "reason": f"{size} > {max_bytes}"}],
                              code="evidence_too_large",
                              params={"limit_mb": f"{round(max_bytes / 2**20, 1):g}"})
    if content_type not in ALLOWED_TYPES:
        raise UnsupportedMediaType("only JPEG, PNG or PDF files are accepted",
                                   [{"field": "content_type", "reason": content_type}],
                                   code="evidence_type")


def check_stored(head: bytes, size: int, sha256: str, expected_size: int,
                 claimed_sha256: str | None, max_bytes: int) -> str:
    """What landed in storage must be what was announced. Returns the real type."""
    if size == 0:
        raise InvalidInput("the file is empty", [{"field": "file", "reason": "0 bytes"}],
                           code="evidence_empty")
    if size > max_bytes:
        raise PayloadTooLarge("the file is too large", [{"field": "file", "reason": str(size)}],
                              code="evidence_too_large",
                              params={"limit_mb": f"{round(max_bytes / 2**20, 1):g}"})
    if size != expected_size:
        raise InvalidInput("the upload is incomplete",
                           [{"field": "file", "reason": f"{size} of {expected_size} bytes"}],
                           code="evidence_incomplete")
    if claimed_sha256 and claimed_sha256 != sha256:
        raise InvalidInput("the upload was altered or truncated in transit",
                           [{"field": "file", "reason": "SHA-256 mismatch"}],
                           code="evidence_upload_mismatch")
    real = sniff(head)
    if real is None:
        raise UnsupportedMediaType("the file is not a JPEG, PNG or PDF",
                                   [{"field": "file", "reason": "unrecognised content"}],
                                   code="evidence_type")
    return real


# --- photos: pixels counted before any is decoded, then a thumbnail ----------------------
#
# A PNG of zeros compresses about 1000:1: 389 KB said 10000x10000 RGBA, Pillow decoded it
# into 400 MB (twice that while resizing) and evidence went from 102 to 866 MB. Pillow only
# refuses above twice its limit and merely warns below, so the header's dimensions are
# checked here first, with Pillow's warning turned into an error as a second guard.

THUMBNAIL_PX = 320
# Above any phone camera (48-50 MP sensors) and an A4 scan at 600 dpi (35 MP); refused
# from the header alone. EVIDENCE.MAX_PIXELS.
MAX_PIXELS = 50_000_000
# Under the pixel limit an image can still be expensive to decode: a PNG has no reduced
# decode, so 49 MP RGBA is 196 MB (392 with the resize's premultiplied copy), and a
# progressive JPEG makes libjpeg hold every DCT coefficient (2 bytes x 64 per block, 144 MB
# at 48 MP 4:2:0). Images whose decode would take more than this are kept without a
# thumbnail instead of decoded. One decode runs at a time per process (nameko's workers are
# green threads, the decoder never yields), so this bounds evidence's peak above its base.
# EVIDENCE.MAX_DECODE_BYTES.
MAX_DECODE_BYTES = 96 * 1024 * 1024

_LOSSLESS_JPEG = {0xC3, 0xC7, 0xCB, 0xCF}
_NOT_SOF = {0xC4, 0xC8, 0xCC}  # DHT, JPG, DAC share the SOF range


def _megapixels(pixels: int) -> str:
    return f"{round(pixels / 1e6, 1):g}"  # 50.3, 100, 3600


def _too_many_pixels(pixels: int | None, max_pixels: int, why: str) -> InvalidInput:
    said = f"{_megapixels(pixels)} megapixels; " if pixels else ""
    return InvalidInput(f"the image is too large ({said}at most {_megapixels(max_pixels)} "
                        "megapixels are accepted)", [{"field": "file", "reason": why}],
                        code="evidence_too_many_pixels",
                        params={"limit": _megapixels(max_pixels),
                                **({"megapixels": _megapixels(pixels)} if pixels else {})})


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise _too_many_pixels(width * height, max_pixels, f"{width} x {height} pixels")


def _pillow_refused(exc, max_pixels: int) -> InvalidInput:
    # Pillow's own check fired at open: its message is all that says the pixel count
    said = re.search(r"\((\d+) pixels\)", str(exc))
    return _too_many_pixels(int(said[1]) if said else None, max_pixels, str(exc)[:120])


def jpeg_layout(fileobj) -> tuple[int | None, int]:
    """The frame's SOF marker and how many components the first scan carries, walking the
    markers as libjpeg does (Pillow stops at the scan without recording it). (None, 0) when
    the walk fails: the caller then assumes the expensive case."""
    fileobj.seek(0)
    if fileobj.read(2) != b"\xff\xd8":
        return None, 0
    sof = None
    while True:
        byte = fileobj.read(1)
        if not byte:
            return sof, 0
        if byte != b"\xff":
            continue  # junk between segments, skipped as libjpeg does
        marker = byte
        while marker == b"\xff":  # fill bytes
            marker = fileobj.read(1)
        if not marker:
            return sof, 0
        m = marker[0]
        if m == 0x00 or m == 0x01 or 0xD0 <= m <= 0xD7:
            continue  # stuffed byte, TEM, restart: no length field
        length = fileobj.read(2)
        if len(length) < 2:
            return sof, 0
        if 0xC0 <= m <= 0xCF and m not in _NOT_SOF:
            sof = m
        if m == 0xDA:
            count = fileobj.read(1)
            return sof, count[0] if count else 0
        fileobj.seek(int.from_bytes(length, "big") - 2, 1)


def image_bytes(mode: str, size: tuple[int, int]) -> int:
    """Pillow's buffer for an image: 1 byte a pixel for 1/L/P, 2 for 16-bit grey, 4 for the
    rest (RGB is stored as 4); twice with alpha, resizing premultiplies into a copy.
    Measured here at 4000x4000 against VmHWM: L 18, RGB 65, RGBA and LA 126 MB."""
    bpp = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    return size[0] * size[1] * bpp * (2 if "A" in mode else 1)


def jpeg_coefficient_bytes(size: tuple[int, int], layers) -> int:
    """libjpeg's whole-image coefficient buffer (progressive or multi-scan files): per MCU,
    h x v blocks of 64 two-byte coefficients for each component. Measured at 4000x4000
    progressive: 4:4:4 +96 MB, 4:2:0 +50 MB."""
    if not layers:
        return size[0] * size[1] * 3 * 2
    hmax = max(h for _, h, _, _ in layers)
    vmax = max(v for _, _, v, _ in layers)
    mcus = -(-size[0] // (8 * hmax)) * -(-size[1] // (8 * vmax))
    return mcus * sum(h * v for _, h, v, _ in layers) * 64 * 2


def _decode_cost(img, fileobj) -> int:
    """What decoding `img` for a thumbnail will allocate, from its header. For a JPEG this
    asks for the reduced decode (draft) the thumbnail would ask for anyway."""
    if img.format not in ("JPEG", "MPO"):
        return image_bytes(img.mode, img.size)  # PNG: decoded in full
    full = img.size
    sof, scan_components = jpeg_layout(fileobj)
    if sof in _LOSSLESS_JPEG:  # no reduced decode; conservatively samples and a copy
        return full[0] * full[1] * 8
    img.draft(None, (THUMBNAIL_PX, THUMBNAIL_PX))  # decodes nothing, changes img.size
    cost = image_bytes(img.mode, img.size)
    if img.info.get("progressive") or scan_components < max(len(img.layer), 1):
        cost += jpeg_coefficient_bytes(full, img.layer)
    return cost


def _gps_degrees(value, ref) -> float | None:
    try:
        d, m, s = (float(x) for x in value)
    except (TypeError, ValueError):
        return None
    degrees = d + m / 60 + s / 3600
    return round(-degrees if ref in ("S", "W") else degrees, 6)


EXIF_TIME = "%Y:%m:%d %H:%M:%S"


def _exif_time(raw) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(raw).strip("\x00 "), EXIF_TIME)
    except (TypeError, ValueError):
        return None


def _exif_text(raw) -> str | None:
    text = str(raw).strip("\x00 ") if raw is not None else ""
    return text[:120] or None


def _exif_facts(img) -> dict:
    """Capture time and GPS, and for the integrity checks whether there is EXIF at all,
    the camera, the software that wrote the file last and its last change. EXIF is the
    uploader's to write: whatever it holds (malformed, huge, contradictory) never stops
    the upload; what cannot be read is said (`exif_unreadable`) and checked by no one."""
    from PIL import ExifTags
    facts: dict[str, object] = {"captured_at": None, "gps_lat": None, "gps_lon": None,
                                "exif_present": False, "camera": None, "software": None,
                                "modified_at": None, "exif_unreadable": False}
    if img.format == "PNG" and "exif" not in img.info:
        # Pillow's PNG getexif() decodes every pixel to look for an eXIf chunk after them
        return facts
    import warnings
    try:
        with warnings.catch_warnings(record=True) as heard:
            warnings.simplefilter("always")
            exif = img.getexif()
            sub = exif.get_ifd(ExifTags.IFD.Exif)
            gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        facts["exif_present"] = len(exif) > 0
        # an EXIF segment Pillow could not make sense of (it warns and reads what it can)
        facts["exif_unreadable"] = bool(img.info.get("exif")) and (
            not exif or any("Corrupt EXIF" in str(w.message) for w in heard))
        facts["captured_at"] = _exif_time(sub.get(36867) or exif.get(306))  # DateTimeOriginal
        facts["modified_at"] = _exif_time(exif.get(306))  # DateTime
        camera = " ".join(t for t in (_exif_text(exif.get(271)), _exif_text(exif.get(272))) if t)
        facts["camera"], facts["software"] = camera or None, _exif_text(exif.get(305))
        if gps.get(2) and gps.get(4):
            facts["gps_lat"] = _gps_degrees(gps[2], gps.get(1))
            facts["gps_lon"] = _gps_degrees(gps[4], gps.get(3))
    except Exception:  # noqa: BLE001 - Pillow raises all kinds on hostile EXIF
        facts.update(captured_at=None, gps_lat=None, gps_lon=None, exif_unreadable=True)
    return facts


# EXIF sits in an APP1 segment of at most 64 KB right after the start of a JPEG; with the
# frame header behind it, the first 128 KB hold everything read before a pixel is decoded.
HEAD_BYTES = 128 * 1024


def header_facts(head: bytes, whole: bool, max_pixels: int = MAX_PIXELS) -> dict:
    """Capture time and GPS from an image's first bytes, its pixel count checked, nothing
    decoded. {} when the header runs on past `head` (the full check reads it); when `head`
    is the whole file and no header can be read, the image is damaged."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(head)) as img:
                check_pixels(img.width, img.height, max_pixels)
                return _exif_facts(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _pillow_refused(exc, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if not whole:
            return {}
        raise _damaged(exc) from None


def _fingerprint(img) -> tuple[int, int] | None:
    from . import perceptual
    try:
        return perceptual.fingerprint(img)
    except Exception:  # noqa: BLE001 - a picture the hashes cannot read is still a photo
        return None


def _damaged(exc) -> UnsupportedMediaType:
    return UnsupportedMediaType("the image is damaged or cannot be read",
                                [{"field": "file", "reason": str(exc)[:100]}],
                                code="evidence_damaged")


def photo_facts(fileobj, max_pixels: int = MAX_PIXELS,
                max_decode_bytes: int = MAX_DECODE_BYTES) -> dict:
    """EXIF capture time and GPS position (when present) and a JPEG thumbnail (None, with
    `no_thumbnail` saying why, when decoding would cost more than max_decode_bytes).
    Raises InvalidInput above max_pixels, before a pixel is decoded, and
    UnsupportedMediaType for an image Pillow cannot read."""
    import io
    import warnings

    from PIL import Image, UnidentifiedImageError

    # Pillow's own check at open uses the same limit (process-wide, set on every call)
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            # Between the limit and twice it Pillow only warns: here that is a refusal
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj) as img:  # reads the header only
                check_pixels(img.width, img.height, max_pixels)
                facts = _exif_facts(img)
                if img.mode.startswith("I;16"):  # the resizer lacks 16-bit grey: kept as is
                    return {**facts, "thumbnail": None, "no_thumbnail": f"mode {img.mode}",
                            "fingerprint": None}
                cost = _decode_cost(img, fileobj)
                if cost > max_decode_bytes:
                    return {**facts, "thumbnail": None, "fingerprint": None,
                            "no_thumbnail": f"decoding would take {cost // 2**20} MB"}
                # JPEG: decoded straight at the smallest DCT scale that still covers the
                # thumbnail (1/4 or 1/8 of a phone photo): 1 MB 18 -> 12 ms, 5 MB 56 -> 48 ms
                img.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), reducing_gap=1.0)
                out = io.BytesIO()
                img.convert("RGB").save(out, "JPEG", quality=70)
                facts["thumbnail"] = out.getvalue()
                # the near-duplicate fingerprints read the thumbnail, upright: no second
                # decode (bench.integrity_eval measures them on this very path)
                facts["fingerprint"] = _fingerprint(img)
                return facts
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _pillow_refused(exc, max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise _damaged(exc) from None


# --- links a national reviewer opens without an account (Progres Harian export) ----------

def share_token(key: bytes, evidence_id: str, until: dt.date) -> str:
    """`<evidence id>.<last day valid, YYYYMMDD>.<HMAC-SHA256, 144 bits>`: it names one
    piece of evidence and a day; nothing else can be read from it or changed in it."""
    body = f"{evidence_id}.{until:%Y%m%d}"
    sig = hmac.new(key, body.encode(), "sha256").digest()[:18]
    return f"{body}.{base64.urlsafe_b64encode(sig).decode()}"


def shared_evidence_id(key: bytes, token: str, today: dt.date) -> str | None:
    """The evidence a token names, if it was signed with `key` and is still valid today."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[0]) != 36:
        return None
    try:
        until = dt.datetime.strptime(parts[1], "%Y%m%d").date()
    except ValueError:
        return None
    if not hmac.compare_digest(share_token(key, parts[0], until), token) or until < today:
        return None
    return parts[0]


def may_share(actor, owner_id: int, viewers: list[int], review: str | None,
              agency_id: int | None, review_scope: str = "agency") -> bool:
    """Who may hand out a link: whoever may view it, and an agency admin exporting their
    agency's Progres Harian."""
    return may_view(actor, owner_id, viewers, review, agency_id, review_scope) or (
        actor.has("agency_admin") and agency_id is not None and actor.agency_id == agency_id)


def may_view(actor, owner_id: int, viewers: list[int], review: str | None = None,
             agency_id: int | None = None, review_scope: str = "agency") -> bool:
    """The owner, whoever must decide on the report (approver, escalation target, a
    rerouted approver) and city admins; the review team only for a report under
    dispute or approved (post-audit), and only in its scope: its own agency's, or any
    agency's when the city's review team hears every dispute (review_scope "city")."""
    if actor.employee_id is not None and (actor.employee_id == owner_id
                                          or actor.employee_id in (viewers or [])):
        return True
    if actor.has("city_admin"):
        return True
    if actor.has("review_team") and review in ("disputed", "approved"):
        return review_scope == "city" or (agency_id is not None and actor.agency_id == agency_id)
    return False


# --- PDFs: no scripts, no actions that run by themselves, no attached files ---------------
#
# A name may be written with #xx escapes (/J#61vaScript is /JavaScript), so names are
# compared after decoding them. Long names are looked for in every byte of the file: no
# string or fake stream boundary hides them. The two-letter keys are looked for outside
# stream data only, where compressed bytes would match a 3-byte pattern about once in 30 MB.
# Object streams (PDF 1.5) hold objects compressed: those are inflated and read as well.

PDF_ACTIVE = {"JavaScript", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia",
              "FileAttachment"}
PDF_ACTIVE_KEYS = {"JS", "AA", "EF"}  # script, additional (automatic) actions, attached file
PDF_INFLATE_LIMIT = 32 * 1024 * 1024  # object streams are small; a zlib bomb is refused

_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_PDF_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")  # the keyword, not the end of 'endstream'
_PDF_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_PDF_FILTERS = {"ASCIIHexDecode", "ASCII85Decode", "LZWDecode", "RunLengthDecode",
                "CCITTFaxDecode", "JBIG2Decode", "DCTDecode", "JPXDecode", "Crypt",
                "AHx", "A85", "LZW", "RL", "CCF", "DCT", "Predictor"}


def pdf_names(data: bytes) -> set[str]:
    """Every /Name in the bytes, #xx escapes decoded."""
    return {(_PDF_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), raw) if b"#" in raw else raw)
            .decode("latin-1") for raw in _PDF_NAME.findall(data)}


def _uncheckable(why: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        "this PDF cannot be checked for scripts (it is encrypted or compressed in an unusual "
        "way); print or export it again as a plain PDF",
        [{"field": "file", "reason": f"cannot be checked: {why}"}], code="evidence_pdf_uncheckable")


def _object_stream(body: bytes, names: set[str], budget: int) -> bytes:
    if "Filter" not in names and "FlateDecode" not in names:
        return body
    if "FlateDecode" not in names or names & _PDF_FILTERS:
        raise _uncheckable("object stream with filters " + ", ".join(sorted(names & _PDF_FILTERS)
                                                                     or ["unknown"]))
    import zlib
    try:
        text = zlib.decompressobj().decompress(body, budget + 1)
    except zlib.error:
        raise _uncheckable("object stream does not inflate") from None
    if len(text) > budget:
        raise _uncheckable(f"object streams inflate to more than {budget // 2**20} MB")
    return text


def check_pdf(data: bytes, inflate_limit: int = PDF_INFLATE_LIMIT) -> None:
    """Refuses a PDF carrying JavaScript, launch or automatic actions, or attached files
    (UnsupportedMediaType), and one whose object streams cannot be read to tell."""
    names = pdf_names(data)
    found = names & PDF_ACTIVE
    encrypted = "Encrypt" in names  # then object streams are ciphertext
    outside, budget, pos = [], inflate_limit, 0
    while match := _PDF_STREAM.search(data, pos):
        end = data.find(b"endstream", match.end())
        end = len(data) if end < 0 else end
        between = data[pos:match.start()]
        outside.append(between)
        headers = list(_PDF_OBJ.finditer(between))
        stream_dict = pdf_names(between[headers[-1].end():] if headers else between[-4096:])
        if "ObjStm" in stream_dict:
            if encrypted:
                raise _uncheckable("encrypted object stream")
            text = _object_stream(data[match.end():end], stream_dict, budget)
            budget -= len(text)
            found |= pdf_names(text) & (PDF_ACTIVE | PDF_ACTIVE_KEYS)
        pos = end + len(b"endstream")
    outside.append(data[pos:])
    found |= pdf_names(b"".join(outside)) & PDF_ACTIVE_KEYS
    if found:
        raise UnsupportedMediaType(
            "PDFs with scripts, automatic actions or attached files are not accepted; print "
            "or export the document again as a plain PDF",
            [{"field": "file", "reason": "contains " + ", ".join(f"/{n}" for n in sorted(found))}],
            code="evidence_pdf_active")


# --- serving: what a browser gets with evidence bytes ------------------------------------

INLINE_TYPES = {"image/jpeg", "image/png"}  # shown in the page; anything else is downloaded
# Only our own HTTP entrypoint sends these: an S3 presigned GET can override the content
# type and disposition (response-content-type, response-content-disposition), no other header.
HARDENING_HEADERS = {"X-Content-Type-Options": "nosniff",
                     "Content-Security-Policy": "default-src 'none'"}


def content_disposition(content_type: str, filename: str | None = None) -> str:
    """inline for photos, attachment for PDFs (a PDF viewer in the browser runs in our
    origin); the user's file name as ASCII plus RFC 5987's UTF-8 form."""
    kind = "inline" if content_type in INLINE_TYPES else "attachment"
    if not filename:
        return kind
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
