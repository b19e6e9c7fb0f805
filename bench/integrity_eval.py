"""How well the perceptual fingerprints (services/evidence/perceptual.py) tell a reused
photo from a different one, measured on a labelled set made with Pillow.

`python -m bench.integrity_eval [--bases 100] [--seed 7]` makes `bases` photos of three
kinds (camera scenes, letters on a desk, meeting rooms: many alike in kind), and of each
seven copies as reuse happens: re-encoded at quality 95, 80 and 60, resized to 50-90%,
cropped by up to 5%, brightness shifted by up to +/-10%, EXIF stripped or edited (and one
resized, cropped and re-encoded at once). With 100 bases that is 900 photos. A pair is a
positive when both come from one base, a negative otherwise (every copy against every
other base of the same kind, the hard case, and a sample across kinds). It prints the
distance distributions and precision and recall at the thresholds in use and around
them, as JSON. No timing: docs/INTEGRITY.md keeps the figures."""
import argparse
import io
import json
import random
import sys

from PIL import Image, ImageDraw, ImageEnhance

from services.evidence import perceptual, rules

KINDS = ("scene", "letter", "meeting")


def noise(rng: random.Random, size: tuple[int, int], spread: int) -> Image.Image:
    """Grey noise around mid-grey from `rng` (not Pillow's own generator, whose sequence
    depends on what ran before in the process): the same seed, the same photos."""
    w, h = size
    return Image.frombytes("L", size, bytes(max(0, min(255, 128 + rng.randint(-spread, spread)))
                                            for _ in range(w * h)))


def scene(rng: random.Random, size=(640, 480)) -> Image.Image:
    """A camera photo: broad shapes to grain, and a few objects."""
    w, h = size
    picture, total = None, 0.0
    for scale, weight in ((160, 1.0), (40, 0.6), (8, 0.3), (4, 0.2)):
        small = (max(1, w // scale), max(1, h // scale))
        layer = Image.merge("RGB", [noise(rng, small, rng.randint(60, 127)) for _ in range(3)])
        layer = layer.resize(size, Image.Resampling.BICUBIC)
        total += weight
        picture = layer if picture is None else Image.blend(picture, layer, weight / total)
    draw = ImageDraw.Draw(picture)
    for _ in range(rng.randint(2, 6)):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.randint(20, 120)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    return picture


def letter(rng: random.Random, size=(480, 640)) -> Image.Image:
    """A letter photographed on a desk: a white page, a letterhead, lines of words."""
    w, h = size
    desk = tuple(rng.randint(90, 150) for _ in range(3))
    img = Image.new("RGB", size, desk)
    draw = ImageDraw.Draw(img)
    margin = rng.randint(10, 40)
    draw.rectangle((margin, margin, w - margin, h - margin), fill=(245, 245, 240))
    draw.rectangle((margin + 20, margin + 15, w - margin - 20, margin + 55), fill=(40, 40, 120))
    y = margin + 80
    while y < h - margin - 30:
        x = margin + 25 + (rng.randint(0, 30) if rng.random() < 0.2 else 0)
        end = w - margin - 25 - (rng.randint(0, 200) if rng.random() < 0.3 else 0)
        while x < end:
            word = rng.randint(12, 60)
            draw.rectangle((x, y, min(x + word, end), y + 7), fill=(30, 30, 30))
            x += word + rng.randint(5, 9)
        y += rng.randint(14, 18) + (rng.randint(10, 25) if rng.random() < 0.15 else 0)
    if rng.random() < 0.7:  # a signature and a stamp
        sx, sy = rng.randint(margin + 40, w - margin - 160), h - margin - rng.randint(60, 110)
        draw.ellipse((sx, sy, sx + 70, sy + 70), outline=(40, 60, 160), width=4)
        draw.line([(sx + 20 + i * 9, sy + 35 + rng.randint(-15, 15)) for i in range(12)],
                  fill=(20, 20, 80), width=3)
    return img


def meeting(rng: random.Random, size=(640, 480)) -> Image.Image:
    """A meeting room: a wall, a table, people as blobs, a screen."""
    w, h = size
    img = Image.new("RGB", size, tuple(rng.randint(150, 220) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    floor = tuple(rng.randint(60, 120) for _ in range(3))
    draw.rectangle((0, int(h * rng.uniform(0.55, 0.7)), w, h), fill=floor)
    sx = rng.randint(40, w // 2)
    draw.rectangle((sx, 40, sx + rng.randint(150, 260), 40 + rng.randint(90, 150)), fill=(30, 60, 140))
    for _ in range(rng.randint(4, 12)):
        x, y = rng.randrange(w), rng.randint(int(h * 0.35), int(h * 0.75))
        draw.ellipse((x, y, x + 40, y + 40), fill=tuple(rng.randint(80, 200) for _ in range(3)))
        draw.rectangle((x - 10, y + 40, x + 50, y + 120), fill=tuple(rng.randrange(256) for _ in range(3)))
    grain = Image.merge("RGB", [noise(rng, (w // 4, h // 4), 40).resize(size) for _ in range(3)])
    return Image.blend(img, grain, 0.12)


MAKERS = {"scene": scene, "letter": letter, "meeting": meeting}


def jpeg(img: Image.Image, quality: int = 90, exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, **({"exif": exif} if exif else {}))
    return out.getvalue()


def copies(img: Image.Image, rng: random.Random) -> dict[str, bytes]:
    """The ways a photo is reused, as bytes."""
    w, h = img.size

    def resized(factor):
        return img.resize((int(w * factor), int(h * factor)), Image.Resampling.LANCZOS)

    def cropped(share):
        dx, dy = int(w * share * rng.random()), int(h * share * rng.random())
        return img.crop((dx, dy, w - int(w * share) + dx, h - int(h * share) + dy))
    edited = Image.Exif()
    edited[0x0132] = "2026:11:30 08:00:00"  # DateTime: edited after capture
    return {
        "quality95": jpeg(img, 95), "quality80": jpeg(img, 80), "quality60": jpeg(img, 60),
        "resized": jpeg(resized(rng.uniform(0.5, 0.9))),
        "cropped": jpeg(cropped(rng.uniform(0.02, 0.05))),
        "brightness": jpeg(ImageEnhance.Brightness(img).enhance(rng.choice((0.9, 0.93, 1.07, 1.1)))),
        "exif_edited": jpeg(img, 88, edited.tobytes()),
        "all_at_once": jpeg(cropped(0.03).resize((int(w * 0.7), int(h * 0.7))), 65),
    }


def fingerprint(data: bytes) -> tuple[int, int]:
    """As evidence fingerprints an upload at its check: from the thumbnail photo_facts
    decodes anyway (services/evidence/rules.py)."""
    fp = rules.photo_facts(io.BytesIO(data))["fingerprint"]
    assert fp is not None
    return fp


def evaluate(bases: int, seed: int) -> dict:
    rng = random.Random(seed)
    originals, transformed = [], []  # (kind, base index, fingerprint)
    for n in range(bases):
        kind = KINDS[n % len(KINDS)]
        img = MAKERS[kind](rng)
        originals.append((kind, n, fingerprint(jpeg(img, 90))))
        for how, data in copies(img, rng).items():
            transformed.append((kind, n, how, fingerprint(data)))
    photos = len(originals) + len(transformed)
    def apart(a, b):
        return perceptual.hamming(a[0], b[0]), perceptual.hamming(a[1], b[1])
    positives = [(how, *apart(t, originals[n][2])) for _, n, how, t in transformed]
    negatives = []
    for kind, n, _, t in transformed:
        for other_kind, m, fp in originals:
            if m != n and (other_kind == kind or rng.random() < 0.1):
                negatives.append((other_kind == kind, *apart(t, fp)))
    for i, (kind, _, fp) in enumerate(originals):  # two different originals of one kind
        for other_kind, _, other in originals[i + 1:]:
            if other_kind == kind:
                negatives.append((True, *apart(fp, other)))

    def score(dmax, pmax):
        tp = sum(1 for _, d, p in positives if d <= dmax and p <= pmax)
        fp = sum(1 for _, d, p in negatives if d <= dmax and p <= pmax)
        fn = len(positives) - tp
        return {"dhash_max": dmax, "phash_max": pmax, "true_positives": tp, "false_positives": fp,
                "false_negatives": fn, "precision": round(tp / (tp + fp), 4) if tp + fp else None,
                "recall": round(tp / len(positives), 4)}

    by_how: dict[str, list] = {}
    for how, d, p in positives:
        by_how.setdefault(how, []).append((d, p))
    chosen = (perceptual.NEAR_DHASH, perceptual.NEAR_PHASH)
    return {
        "photos": photos, "bases": bases, "kinds": list(KINDS), "seed": seed,
        "positive_pairs": len(positives), "negative_pairs": len(negatives),
        "same_kind_negative_pairs": sum(1 for same, _, _ in negatives if same),
        "at_thresholds": score(*chosen),
        "recall_by_transformation": {
            how: round(sum(1 for d, p in pairs if d <= chosen[0] and p <= chosen[1]) / len(pairs), 4)
            for how, pairs in by_how.items()},
        "closest_different_photos": sorted((d, p) for _, d, p in negatives)[:5],
        "farthest_copies": sorted(((d, p, how) for how, d, p in positives), reverse=True)[:5],
        "around": [score(d, p) for d, p in ((12, 8), (14, 10), (16, 11), (16, 12), (18, 12), (16, 14),
                                             (20, 14))],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bases", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(evaluate(args.bases, args.seed), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
