"""Photos for the upload benchmarks: the page's resized ones and the API's originals.

Each kind is a small pool of base photos made once with Pillow
(tests.support.photos.phone_photo: noise at several scales, so they compress and
decode like a camera's, EXIF capture time and GPS kept); every upload gets its own
bytes by a JPEG comment segment (COM) with a counter right after the start-of-image
marker: reporting refuses a photo already used by another report, and evidence folds
one owner's identical bytes into one record, so no two uploads may be alike. Decoders
skip a COM segment; the picture, its EXIF and its cost to decode stay the same.

    page: what gateway/web/static/app.js sends after its resize: the long side at most
          1600 px, JPEG quality 0.8, upright (Orientation 1), EXIF kept: 240-320 KB
          (docs/PERFORMANCE.md, "Photos made smaller on the phone").
    originals: 12 MP camera files as an API client sends them: 3.5-4.2 MB."""
import base64
import hashlib
import itertools
import statistics
import uuid

from tests.support.photos import phone_photo

# (size as seen upright, JPEG quality, EXIF orientation of the stored pixels)
PAGE = (((1600, 1200), 80, 1), ((1200, 1600), 80, 1), ((1600, 900), 80, 1),
        ((900, 1600), 80, 1))
ORIGINALS = (((4000, 3000), 92, 1), ((3000, 4000), 92, 6), ((4000, 3000), 90, 1))


def content_digest(data: bytes) -> str:
    """RFC 9530's Content-Digest of a body: `sha-256=:<base64 of its SHA-256>:`."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"


def with_comment(jpeg: bytes, text: str) -> bytes:
    """The same JPEG with a COM segment holding `text` right after its SOI marker."""
    assert jpeg[:2] == b"\xff\xd8", "not a JPEG"
    payload = text.encode()
    return jpeg[:2] + b"\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


class PhotoPool:
    """Base photos made once; `next()` gives a unique photo from them in turn."""

    def __init__(self, kind: str, specs=None):
        specs = specs or {"page": PAGE, "originals": ORIGINALS}[kind]
        self.kind = kind
        self.bases = [phone_photo(size=size, quality=quality, orientation=orientation)
                      for size, quality, orientation in specs]
        self._turn = itertools.cycle(range(len(self.bases)))
        self._count = itertools.count(1)
        self._run = uuid.uuid4().hex[:8]

    def next(self) -> bytes:
        n = next(self._count)
        return with_comment(self.bases[next(self._turn)], f"ekinerja-bench {self._run} {n:09d}")

    def sizes(self) -> str:
        return sizes([len(b) for b in self.bases])


def sizes(values) -> str:
    """"min 239,583 / median 316,020 / max 316,635 B" of a list of byte counts."""
    if not values:
        return "none"
    return (f"min {min(values):,} / median {int(statistics.median(values)):,} / "
            f"max {max(values):,} B")
