"""Real images for upload tests, made with Pillow: a phone photo with EXIF capture
time and GPS (plain, or one that compresses like a camera's, stored in any EXIF
orientation), and a scan-like PNG."""
import io

from PIL import Image


def exif_with(taken="2026:11:16 09:30:00", gps=(-8.65, 115.2167), orientation=None):
    """EXIF as a phone writes it: capture time (DateTime, DateTimeOriginal), GPS position
    and, when given, the orientation."""
    exif = Image.Exif()
    exif[306] = taken  # DateTime
    if orientation is not None:
        exif[274] = orientation  # Orientation
    exif.get_ifd(0x8769)[36867] = taken  # DateTimeOriginal
    lat, lon = gps

    def dms(value):
        value = abs(value)
        d = int(value)
        m = int((value - d) * 60)
        s = round((value - d - m / 60) * 3600, 2)
        return (float(d), float(m), float(s))
    exif.get_ifd(0x8825).update({1: "S" if lat < 0 else "N", 2: dms(lat),
                                 3: "W" if lon < 0 else "E", 4: dms(lon)})
    return exif


def jpeg_with_exif(seed: int = 1, size=(640, 480), gps=(-8.65, 115.2167),
                   taken="2026:11:16 09:30:00", grain: int = 0, quality: int = 85) -> bytes:
    """`grain` > 0 adds noise of that sigma: a photo that compresses like a real one
    (1600x1200 at grain 40, quality 80 is about 1 MB; 3264x2448 at 50, 85 about 5 MB)."""
    img = Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120))
    if grain:  # random: no two alike, whatever the seed
        img = Image.merge("RGB", [Image.effect_noise(size, grain) for _ in range(3)])
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif_with(taken, gps), quality=quality)
    return out.getvalue()


# How the sensor's pixels are stored for each EXIF orientation: the inverse of what a
# viewer applies (Pillow's ImageOps.exif_transpose) to show the picture upright.
_STORED = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
           4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
           6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_270}
MARK = (230, 20, 20)  # phone_photo's mark in the picture's top left corner


def phone_photo(size=(3000, 4000), orientation: int = 1, quality: int = 92,
                taken="2026:11:16 09:30:00", gps=(-8.65, 115.2167)) -> bytes:
    """A JPEG that compresses like a phone's camera photo: noise at several scales, from
    broad shapes to grain (4000x3000 at quality 92 is about 4 MB, and about 330 KB at
    1600x1200, quality 80). `size` is the picture as seen upright, with a red square
    (MARK) in its top left corner; the pixels are stored turned or mirrored as the
    camera does for `orientation` (6: a phone held upright), which the EXIF names,
    with the capture time and GPS position. No two calls alike (Pillow's noise), though
    each new process repeats the same sequence."""
    w, h = size
    picture, total = None, 0.0
    for scale, weight in ((200, 1.0), (40, 0.6), (8, 0.4), (3, 0.3), (1, 0.3)):
        small = (max(1, w // scale), max(1, h // scale))
        layer = Image.merge("RGB", [Image.effect_noise(small, 60) for _ in range(3)])
        layer = layer.resize(size, Image.Resampling.BICUBIC)
        total += weight
        picture = layer if picture is None else Image.blend(picture, layer, weight / total)
    assert picture is not None
    side = min(size) // 8
    picture.paste(MARK, (0, 0, side, side))
    stored = picture.transpose(_STORED[orientation]) if orientation in _STORED else picture
    out = io.BytesIO()
    stored.save(out, "JPEG", exif=exif_with(taken, gps, orientation), quality=quality)
    return out.getvalue()


def png(seed: int = 1, size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed % 256, 200, 40)).save(out, "PNG")
    return out.getvalue()
