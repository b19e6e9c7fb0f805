"""evidence's memory while it checks an upload, measured honestly: confirm's read of the
head and the full check's decode run in a fresh interpreter each, which then reports its peak resident set
(VmHWM). A baseline is a 1x1 JPEG checked the same way in the same run; a bomb or a large
allowed image must not lift the peak more than BOUND_MB above it. A memory bound, not a
timing one: it holds on a loaded machine.

Before the header check, the 10000x10000 PNG below took a bare interpreter from 14 to
782 MB (evidence itself from 102 to 866 MB)."""
import json
import os
import subprocess
import sys

from ekinerja_contract.config import REPO_ROOT
from tests.evidence.unit.bombs import big_jpeg, jpeg_claiming, png_of_zeros
from tools.demo_data import tiny_jpeg

BOUND_MB = 60

CHECK = """
import json, sys, types
from pathlib import Path
from services.evidence import backends, evidence, rules
path = Path(sys.argv[1])
backend = backends.LocalBackend(path.parent, "http://127.0.0.1", b"k")
row = types.SimpleNamespace(object_key=path.name, size=path.stat().st_size,
                            declared_sha256=None, content_type=None)
store = types.SimpleNamespace(backend=backend, max_pixels=rules.MAX_PIXELS,
                              max_decode_bytes=rules.MAX_DECODE_BYTES)
try:  # what confirm does (the type and the header, from the head), then the full check
    real_type, digest, size, head = evidence._inspect_landed(backend, row, None, 10 * 2**20)
    rules.header_facts(head, size <= len(head))
    row.content_type = real_type
    facts = evidence._photo(store, row)
    outcome = "thumbnail" if facts["thumbnail"] else "kept without thumbnail"
except Exception as exc:
    outcome = type(exc).__name__
peak_kb = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
print(json.dumps({"outcome": outcome, "peak_mb": peak_kb // 1024}))
"""

# The control: the same measurement sees a real decode (Pillow told to decode in full, after
# the same imports as the baseline, so the difference is all pixels).
DECODE = """
import json, sys
from pathlib import Path
from PIL import Image
from services.evidence import backends, evidence, rules
Image.MAX_IMAGE_PIXELS = None
with Image.open(sys.argv[1]) as img:
    img.load()
peak_kb = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])
print(json.dumps({"outcome": "decoded", "peak_mb": peak_kb // 1024}))
"""


def _peak(code: str, path) -> dict:
    done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO_ROOT, env={
        **os.environ, "PYTHONPATH": str(REPO_ROOT)}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bombs_and_large_allowed_images_leave_evidence_memory_flat(tmp_path):
    files = {
        "tiny": tiny_jpeg(),
        "png 10000x10000 RGBA": png_of_zeros(10000, 10000),
        "jpeg claiming 60000x60000": jpeg_claiming(60000, 60000),
        "jpeg 8000x6000 (48 MP, allowed)": big_jpeg(8000, 6000),
        "png 7000x7000 RGBA (49 MP, allowed)": png_of_zeros(7000, 7000),
    }
    for n, (_name, data) in enumerate(files.items()):
        (tmp_path / str(n)).write_bytes(data)
    measured = {name: _peak(CHECK, tmp_path / str(n)) for n, name in enumerate(files)}
    base = measured.pop("tiny")
    assert base["outcome"] == "thumbnail"
    assert {name: m["outcome"] for name, m in measured.items()} == {
        "png 10000x10000 RGBA": "InvalidInput",
        "jpeg claiming 60000x60000": "InvalidInput",
        "jpeg 8000x6000 (48 MP, allowed)": "thumbnail",
        "png 7000x7000 RGBA (49 MP, allowed)": "kept without thumbnail",
    }
    above = {name: m["peak_mb"] - base["peak_mb"] for name, m in measured.items()}
    print(f"baseline {base['peak_mb']} MB; above it: {above}")
    assert all(mb <= BOUND_MB for mb in above.values()), (base, above)
    # and the measurement would have seen a decode: 5000x5000 RGBA is 100 MB of pixels
    (tmp_path / "control").write_bytes(png_of_zeros(5000, 5000))
    assert _peak(DECODE, tmp_path / "control")["peak_mb"] - base["peak_mb"] > BOUND_MB
