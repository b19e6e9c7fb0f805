import io
import time

import pytest

from services.evidence.backends import LocalBackend, new_key


@pytest.fixture
def backend(tmp_path):
    b = LocalBackend(tmp_path / "ev", "http://127.0.0.1:8010", b"secret")
    b.ensure_bucket()
    return b


def test_signed_urls_expire_and_cannot_be_reused_for_another_key(backend):
    key = new_key()
    exp = int(time.time()) + 60
    sig = backend.signature("PUT", key, exp)
    assert backend.valid("PUT", key, str(exp), sig)
    assert not backend.valid("PUT", new_key(), str(exp), sig)
    assert not backend.valid("GET", key, str(exp), sig)
    assert not backend.valid("PUT", key, str(int(time.time()) - 1),
                             backend.signature("PUT", key, int(time.time()) - 1))


def test_a_short_upload_leaves_nothing_behind(backend):
    key = new_key()
    with pytest.raises(ValueError):
        backend.receive(key, io.BytesIO(b"12345"), 10, 1000)
    assert backend.read(key) is None
    assert list((backend.root / "staging").iterdir()) == []


def test_keys_cannot_escape_the_folder(backend):
    with pytest.raises(ValueError):
        backend.read("../../etc/passwd")
