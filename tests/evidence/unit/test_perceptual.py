"""Perceptual fingerprints: a reused photo is found after the ways reuse happens, a
different photo of the same kind is not, and the index parts find every candidate.
The thresholds' precision and recall on 900 photos: bench.integrity_eval (docs/INTEGRITY.md)."""
import io
import random

from PIL import Image

from bench import integrity_eval as ev
from services.evidence import near_duplicates, perceptual


def fp(data: bytes):
    return ev.fingerprint(data)


def test_the_ways_a_photo_is_reused_stay_near_and_other_photos_of_its_kind_do_not():
    result = ev.evaluate(9, seed=3)  # 81 photos; the same seed, the same photos
    at = result["at_thresholds"]
    assert at["false_positives"] == 0, result["closest_different_photos"]
    assert at["recall"] >= 0.9, result["farthest_copies"]
    assert result["same_kind_negative_pairs"] > 150  # letters against letters, rooms against rooms


def test_the_picture_is_read_upright_whatever_the_cameras_orientation():
    img = ev.scene(random.Random(5))
    stored = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # the sensor's pixels turned: a phone held upright
    img.transpose(Image.Transpose.ROTATE_90).save(stored, "JPEG", quality=90, exif=exif.tobytes())
    a, b = fp(ev.jpeg(img)), fp(stored.getvalue())
    assert perceptual.hamming(a[0], b[0]) <= 4 and perceptual.hamming(a[1], b[1]) <= 4


def test_two_hashes_within_the_threshold_have_a_part_the_index_probes():
    """Within NEAR_PHASH (11) bits, some 16-bit part is within 2 bits: the lookup finds it."""
    rng = random.Random(11)
    for _ in range(500):
        a = rng.getrandbits(64)
        b = a
        for bit in rng.sample(range(64), rng.randint(0, perceptual.NEAR_PHASH)):
            b ^= 1 << bit
        assert any(q in near_duplicates.within(p) for p, q in
                   zip(near_duplicates.parts(a), near_duplicates.parts(b), strict=True))


def test_a_hash_fits_a_signed_bigint():
    assert perceptual.as_signed((1 << 64) - 1) == -1 and perceptual.as_signed(5) == 5
