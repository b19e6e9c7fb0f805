"""The near-duplicate lookup at a million photos, on this machine's PostgreSQL, and what a
fingerprint costs each upload.

`python -m bench.near_duplicates [--photos 1000000] [--lookups 1000]`:
1. loads `photos` fingerprints into evidence's own table (models.PhotoPrint, by COPY,
   indexes built after) in a database of its own, dropped afterwards; one in a thousand
   is a planted copy of another (within the thresholds), the rest random;
2. times `lookups` lookups (services/evidence/near_duplicates.lookup): half for planted
   copies (each must find its original), half for photos nobody has; prints p50/p99 in
   ms, the candidates a lookup checks, and whether every planted copy was found;
3. times a fingerprint of a 1600x1200 phone photo (as the page uploads it) against the
   thumbnail evidence already makes of it, in the same run (medians over 30 photos).
Random hashes spread evenly over the parts; real ones are less even, so a city's figures
are the ones that count (the candidates column shows how many a lookup reads)."""
import argparse
import io
import json
import random
import statistics
import sys
import time

from PIL import Image
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from bench.common import pct
from services.evidence import near_duplicates, perceptual, rules
from services.evidence.models import Base, PhotoPrint
from tests.support import infra
from tests.support.photos import phone_photo

COPY = ("COPY photo_print (evidence_id, owner_id, dhash, phash, part0, part1, part2, part3, "
        "created_at) FROM STDIN")


def flip(value: int, bits) -> int:
    for b in bits:
        value ^= 1 << b
    return value


def load(url: str, photos: int, rng: random.Random) -> list[tuple[str, tuple[int, int]]]:
    """The fingerprints by COPY; returns the planted copies' (original's id, copy's print)."""
    engine = create_engine(url)
    Base.metadata.create_all(engine, tables=[PhotoPrint.__table__])
    for index in PhotoPrint.__table__.indexes:  # built after the load, as a backfill would
        index.drop(engine)
    planted, originals = [], {}
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            buffer = io.StringIO()
            for n in range(photos):
                if n % 1000 == 999 and originals:
                    source_id, (d, p) = rng.choice(list(originals.items()))
                    fp = (flip(d, rng.sample(range(64), 12)), flip(p, rng.sample(range(64), 9)))
                    planted.append((source_id, fp))
                else:
                    fp = (rng.getrandbits(64), rng.getrandbits(64))
                    if len(originals) < 5000:
                        originals[f"p{n}"] = fp
                parts = near_duplicates.parts(fp[1])
                row = [f"p{n}", n % 10000, perceptual.as_signed(fp[0]), perceptual.as_signed(fp[1]), *parts]
                buffer.write("\t".join(map(str, row)) + "\t2026-12-01 00:00:00+00\n")
                if n % 100_000 == 99_999 or n == photos - 1:
                    buffer.seek(0)
                    cur.copy_expert(COPY, buffer)
                    buffer = io.StringIO()
        raw.commit()
    finally:
        raw.close()
    for index in PhotoPrint.__table__.indexes:
        index.create(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE photo_print")
        conn.commit()
    engine.dispose()
    return planted


def time_lookups(url: str, planted, lookups: int, rng: random.Random) -> dict:
    engine = create_engine(url)
    times, cpu, candidates, found = [], [], [], 0
    asked = planted[:lookups // 2]

    def timed(fp):
        started, started_cpu = time.perf_counter(), time.process_time()
        hits = near_duplicates.lookup(s, fp)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)  # evidence's own share: rows read, checked
        return hits
    with Session(engine) as s:
        for source_id, fp in asked:
            found += any(h[0] == source_id for h in timed(fp))
        for _ in range(lookups - len(asked)):
            timed((rng.getrandbits(64), rng.getrandbits(64)))
        for _ in range(20):  # how many rows a lookup reads and checks
            candidates.append(s.scalar(select(func.count()).select_from(PhotoPrint).where(
                near_duplicates.candidates(rng.getrandbits(64)))))
    engine.dispose()
    return {"lookups": len(times), "p50_ms": round(pct(times, 50), 2), "p99_ms": round(pct(times, 99), 2),
            "cpu_p50_ms": round(pct(cpu, 50), 2), "cpu_p99_ms": round(pct(cpu, 99), 2),
            "candidates_median": statistics.median(candidates),
            "planted_copies_asked": len(asked), "planted_copies_found": found}


def upload_cost(samples: int = 30) -> dict:
    """What the fingerprint adds to each upload's check, per 1600x1200 photo (as the page
    sends it; medians, ms of CPU): the two hashes of the thumbnail the check makes anyway
    (evidence's wiring), beside the whole check's decode (rules.photo_facts, fingerprint
    included) and a fingerprint decoded on its own (the first measurement's way)."""
    prints, checks, apart = [], [], []
    for _ in range(samples):
        data = phone_photo((1600, 1200), quality=80)
        with Image.open(io.BytesIO(data)) as img:
            img.thumbnail((rules.THUMBNAIL_PX, rules.THUMBNAIL_PX), reducing_gap=1.0)
            started = time.process_time()
            perceptual.fingerprint(img)
            prints.append(time.process_time() - started)
        started = time.process_time()
        rules.photo_facts(io.BytesIO(data))
        checks.append(time.process_time() - started)
        started = time.process_time()
        with Image.open(io.BytesIO(data)) as img:
            perceptual.fingerprint(img)
        apart.append(time.process_time() - started)
    return {"fingerprint_of_thumbnail_ms": round(statistics.median(prints) * 1000, 2),
            "check_decode_with_fingerprint_ms": round(statistics.median(checks) * 1000, 2),
            "fingerprint_decoded_apart_ms": round(statistics.median(apart) * 1000, 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1000)
    args = parser.parse_args(argv)
    rng = random.Random(1)
    name, url = infra.create_database("nearbench")
    try:
        started = time.perf_counter()
        planted = load(url, args.photos, rng)
        loaded = time.perf_counter() - started
        result = {"photos": args.photos, "load_s": round(loaded, 1),
                  **time_lookups(url, planted, args.lookups, rng), **upload_cost()}
    finally:
        infra.drop_database(name)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
