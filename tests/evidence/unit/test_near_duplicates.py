"""The near-duplicate lookup on SQLite and PostgreSQL: every kept photo within both
thresholds is found, whoever owns it, through the indexed parts; a different photo is not."""
import random

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench import integrity_eval as ev
from services.evidence import near_duplicates, perceptual
from services.evidence.models import Base


def flip(value: int, bits: list[int]) -> int:
    for b in bits:
        value ^= 1 << b
    return value


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """SQLite checks the distances in Python; PostgreSQL counts them in SQL (bit_count)."""
    return f"sqlite:///{tmp_path / 'e.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_a_photo_within_the_thresholds_is_found_and_one_beyond_them_is_not(db_url):
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)
    rng = random.Random(4)
    base = (rng.getrandbits(64), rng.getrandbits(64))
    with Session(engine) as s:
        for n in range(300):  # others' photos, nothing like it
            near_duplicates.remember(s, f"lain-{n}", n, (rng.getrandbits(64), rng.getrandbits(64)))
        # the worst a copy may be: 16 dHash bits and 11 pHash bits off, spread over every part
        near_duplicates.remember(s, "salinan", 7, (flip(base[0], list(range(0, 64, 4))),
                                                    flip(base[1], [0, 1, 2, 16, 17, 18, 32, 33, 34, 48, 49])))
        near_duplicates.remember(s, "jauh", 8, (base[0], flip(base[1], list(range(0, 48, 4)))))  # 12 bits
        s.commit()
        found = near_duplicates.lookup(s, base)
    engine.dispose()
    assert found == [("salinan", 7, 16, 11)]


def test_the_lookup_finds_real_copies_among_other_photos_of_their_kind(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'e.db'}")
    Base.metadata.create_all(engine)
    rng = random.Random(9)
    letters = [ev.letter(rng) for _ in range(6)]
    with Session(engine) as s:
        for n, img in enumerate(letters):
            near_duplicates.remember(s, f"surat-{n}", n, ev.fingerprint(ev.jpeg(img)))
        s.commit()
        copy = ev.copies(letters[2], rng)["resized"]
        found = near_duplicates.lookup(s, ev.fingerprint(copy))
    engine.dispose()
    assert [f[0] for f in found] == ["surat-2"]


def test_the_parts_probed_are_every_value_within_two_bits():
    values = near_duplicates.within(0b1010)
    assert len(values) == 1 + 16 + 120 == len(set(values))
    assert all(perceptual.hamming(v, 0b1010) <= 2 for v in values)
