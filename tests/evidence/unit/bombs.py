"""Images that lie about their size, built without ever holding their pixels: a PNG of
zeros (deflate shrinks it ~1000:1) and a real 1x1 JPEG whose frame header claims more."""
import io
import struct
import zlib

from tools.demo_data import tiny_jpeg


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of_zeros(width: int, height: int, color_type: int = 6) -> bytes:
    """A valid PNG, all zero bytes (transparent black for RGBA). A block of rows is deflated
    once and repeated: after a full flush deflate starts afresh, so every block compresses to
    the same bytes (10000x10000 RGBA: 390 KB in 0.1 s instead of 2.5 s deflating 400 MB)."""
    bands = {0: 1, 2: 3, 4: 2, 6: 4}[color_type]
    row = bytes(1 + width * bands)  # filter byte 0, then the samples
    rows = max(n for n in range(1, 101) if height % n == 0)
    deflate = zlib.compressobj(9)
    first = deflate.compress(row * rows) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(row * rows) + deflate.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(height):
        adler = zlib.adler32(row, adler)
    # an empty final block with fixed codes, then the checksum of everything
    idat = first + again * (height // rows - 1) + b"\x03\x00" + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """tools.demo_data's 1x1 JPEG with its SOF0 header patched to say width x height."""
    data = bytearray(tiny_jpeg())
    sof = data.index(b"\xff\xc0")  # marker, length (2), precision (1), height (2), width (2)
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def big_jpeg(width: int, height: int, progressive: bool = False) -> bytes:
    """A real, decodable grey JPEG (Pillow holds width x height bytes while saving it)."""
    from PIL import Image
    out = io.BytesIO()
    Image.new("L", (width, height), 128).save(out, "JPEG", quality=85, progressive=progressive)
    return out.getvalue()
