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


# --- serving: the /files entrypoint, without a broker (nameko's worker_factory) -------------

def _serve(backend, url: str):
    from types import SimpleNamespace
    from urllib.parse import urlsplit

    from nameko.testing.services import worker_factory
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from services.evidence.service import EvidenceService
    service = worker_factory(EvidenceService, store=SimpleNamespace(backend=backend))
    parts = urlsplit(url)
    request = Request(EnvironBuilder(path=parts.path, query_string=parts.query).get_environ())
    return service.serve_file(request, parts.path.removeprefix("/files/"))


def _stored(backend, data: bytes) -> str:
    key = new_key()
    backend.receive(key, io.BytesIO(data), len(data), 1000)
    return key


def test_a_pdf_is_served_as_a_download_never_sniffed_never_run(backend):
    from services.evidence import rules
    key = _stored(backend, b"%PDF-1.7 <html><script>alert(1)</script>")
    url = backend.download_url(key, 60, "application/pdf",
                               rules.content_disposition("application/pdf", "Laporan.pdf"))
    response = _serve(backend, url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Laporan.pdf\"; filename*=UTF-8''Laporan.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert b"".join(response.response).startswith(b"%PDF-1.7")


def test_a_photo_is_served_inline_with_the_same_protections(backend):
    from tools.demo_data import tiny_jpeg
    key = _stored(backend, tiny_jpeg())
    response = _serve(backend, backend.download_url(key, 60, "image/jpeg", "inline"))
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"


def test_the_served_type_cannot_be_changed_in_the_url(backend):
    key = _stored(backend, b"%PDF-1.7 <html>")
    url = backend.download_url(key, 60, "application/pdf", "attachment")
    for forged in (url.replace("application%2Fpdf", "text%2Fhtml"),
                   url.replace("attachment", "inline")):
        response = _serve(backend, forged)
        assert response.status_code == 403
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    # a URL signed before the type travelled in it (minted just before an upgrade)
    exp = int(time.time()) + 60
    bare = f"/files/{key}?expires={exp}&signature={backend.signature('GET', key, exp)}"
    response = _serve(backend, bare)  # bytes to save, not to show
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == "attachment"
