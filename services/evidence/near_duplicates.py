"""The near-duplicate lookup over every photo's fingerprint (models.PhotoPrint): which
kept photos look like this one, across all employees and months.

Multi-index hashing on the pHash: it is cut in four 16-bit parts, each with an index.
Two hashes within `perceptual.NEAR_PHASH` (11) bits have at least one part within 2 bits
(else all four differ by 3 or more: 12), so the lookup asks for the rows whose part n is
one of the 137 values within 2 bits of this photo's part n, for each n, and checks both
hashes of what it finds. At a million photos a random part value matches about 15 rows:
some 8,000 candidates, checked in Python (bench.near_duplicates measures it)."""
from itertools import combinations

from sqlalchemy import BigInteger, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import BIT

from ekinerja_contract.envelope import utcnow

from . import perceptual
from .models import PhotoPrint

PARTS, WIDTH, RADIUS = 4, 16, 2


def parts(phash: int) -> list[int]:
    mask = (1 << WIDTH) - 1
    return [(phash >> (WIDTH * i)) & mask for i in range(PARTS)]


def within(value: int, radius: int = RADIUS) -> list[int]:
    """Every 16-bit value within `radius` bits of `value` (1 + 16 + 120 for 2)."""
    out = [value]
    for r in range(1, radius + 1):
        for bits in combinations(range(WIDTH), r):
            flipped = value
            for b in bits:
                flipped ^= 1 << b
            out.append(flipped)
    return out


def remember(session, evidence_id: str, owner_id: int, fp: tuple[int, int]) -> PhotoPrint:
    row = PhotoPrint(evidence_id=evidence_id, owner_id=owner_id, dhash=perceptual.as_signed(fp[0]),
                     phash=perceptual.as_signed(fp[1]), created_at=utcnow(),
                     **{f"part{n}": v for n, v in enumerate(parts(fp[1]))})
    session.add(row)
    return row


def unsigned(value: int) -> int:
    return value & ((1 << 64) - 1)


def candidates(phash: int):
    """The condition that finds every row with a part within RADIUS of this hash's."""
    columns = (PhotoPrint.part0, PhotoPrint.part1, PhotoPrint.part2, PhotoPrint.part3)
    return or_(*[column.in_(within(part)) for column, part in zip(columns, parts(phash), strict=True)])


def _distance(column, value: int):
    """Hamming distance in SQL: bits set in (column XOR value) as bit(64)."""
    xor = column.op("#")(literal(perceptual.as_signed(value), BigInteger))
    return func.bit_count(cast(xor, BIT(64)))


def lookup(session, fp: tuple[int, int], exclude: str | None = None) -> list[tuple[str, int, int, int]]:
    """The kept photos near `fp`: (evidence_id, owner_id, dHash distance, pHash distance),
    closest first."""
    q = select(PhotoPrint.evidence_id, PhotoPrint.owner_id, PhotoPrint.dhash, PhotoPrint.phash).where(
        candidates(fp[1]))
    if session.bind.dialect.name == "postgresql":
        # the distances counted where the rows are (PostgreSQL 14+ bit_count): the few
        # within both thresholds come back, not the thousands of candidates
        q = q.where(_distance(PhotoPrint.phash, fp[1]) <= perceptual.NEAR_PHASH,
                    _distance(PhotoPrint.dhash, fp[0]) <= perceptual.NEAR_DHASH)
    found = []
    for evidence_id, owner_id, dhash, phash in session.execute(q):
        if evidence_id == exclude:
            continue
        d = perceptual.hamming(unsigned(dhash), fp[0])
        p = perceptual.hamming(unsigned(phash), fp[1])
        if d <= perceptual.NEAR_DHASH and p <= perceptual.NEAR_PHASH:
            found.append((evidence_id, owner_id, d, p))
    return sorted(found, key=lambda f: (f[3], f[2]))
