"""Real images for upload tests, made with Pillow: a phone photo with EXIF capture
time and GPS, and a scan-like PNG."""
import io

from PIL import Image


def jpeg_with_exif(seed: int = 1, size=(640, 480), gps=(-8.65, 115.2167),
                   taken="2026:11:16 09:30:00", grain: int = 0, quality: int = 85) -> bytes:
    """`grain` > 0 adds noise of that sigma: a photo that compresses like a real one
    (1600x1200 at grain 40, quality 80 is about 1 MB; 3264x2448 at 50, 85 about 5 MB)."""
    img = Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120))
    if grain:  # random: no two alike, whatever the seed
        img = Image.merge("RGB", [Image.effect_noise(size, grain) for _ in range(3)])
    exif = Image.Exif()
    exif[306] = taken  # DateTime
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
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=quality)
    return out.getvalue()


def png(seed: int = 1, size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (seed % 256, 200, 40)).save(out, "PNG")
    return out.getvalue()
