"""Perceptual fingerprints of a photo, to find the same picture again after it was
re-encoded, resized, slightly cropped or made brighter: plain functions on Pillow, no I/O.

Two 64-bit hashes of the picture as it is seen upright (EXIF orientation applied):
- dHash: a 9x8 grey thumbnail, one bit per neighbouring pair (is the right one brighter);
- pHash: the 8x8 lowest frequencies of a 32x32 grey thumbnail's DCT, one bit per
  coefficient (above their median).

Two photos are near-duplicates when both hashes are within their Hamming thresholds
(`NEAR_DHASH`, `NEAR_PHASH`). Two different photos of the same kind (two letters, two
meeting rooms) differ in both; what a re-encode or a 5% crop changes stays under both.
The thresholds are measured, not guessed: `python -m bench.integrity_eval` makes a
labelled set from Pillow transformations and prints precision and recall
(docs/INTEGRITY.md)."""
import math

from PIL import Image, ImageOps

NEAR_DHASH = 16  # of 64 bits (bench.integrity_eval: copies reach 17, other meeting rooms 8)
NEAR_PHASH = 11  # (copies reach 14 after a 5% crop; two different letters come as close as 12)
_N = 32  # the pHash thumbnail's side
# DCT-II basis, orthonormal: row u is frequency u over the 32 samples
_BASIS = [[(math.sqrt(1 / _N) if u == 0 else math.sqrt(2 / _N))
           * math.cos((2 * x + 1) * u * math.pi / (2 * _N)) for x in range(_N)] for u in range(8)]


def upright_grey(img: Image.Image, side: int = 64) -> Image.Image:
    """The picture as seen (orientation applied), grey, small: what both hashes read. A
    JPEG is decoded straight at its smallest DCT scale above `side` (draft), so a 12 MP
    photo never decodes whole here."""
    if img.format == "JPEG":
        img.draft("L", (side, side))
    return ImageOps.exif_transpose(img).convert("L")


def _pixels(grey: Image.Image, size: tuple[int, int]) -> list[int]:
    resample = Image.Resampling.BOX if grey.width >= 2 * size[0] else Image.Resampling.BILINEAR
    small = grey.resize(size, resample)
    return list(small.getdata())


def dhash(grey: Image.Image) -> int:
    px = _pixels(grey, (9, 8))
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = bits << 1 | (px[row * 9 + col + 1] > px[row * 9 + col])
    return bits


def phash(grey: Image.Image) -> int:
    px = _pixels(grey, (_N, _N))
    rows = [px[y * _N:(y + 1) * _N] for y in range(_N)]
    # the 8 lowest frequencies down the columns, then along the rows: 8x32, then 8x8
    down = [[sum(_BASIS[u][y] * rows[y][x] for y in range(_N)) for x in range(_N)] for u in range(8)]
    low = [sum(_BASIS[v][x] * down[u][x] for x in range(_N)) for u in range(8) for v in range(8)]
    median = sorted(low[1:])[31]  # the DC term (overall brightness) left out of the median
    bits = 0
    for value in low:
        bits = bits << 1 | (value > median)
    return bits


def fingerprint(img: Image.Image) -> tuple[int, int]:
    """(dHash, pHash) of an opened image."""
    grey = upright_grey(img)
    return dhash(grey), phash(grey)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def near(a: tuple[int, int], b: tuple[int, int], dhash_max: int = NEAR_DHASH,
         phash_max: int = NEAR_PHASH) -> bool:
    return hamming(a[0], b[0]) <= dhash_max and hamming(a[1], b[1]) <= phash_max


def as_signed(value: int) -> int:
    """A 64-bit hash as a signed integer, for a database's BIGINT column."""
    return value - (1 << 64) if value >= 1 << 63 else value
