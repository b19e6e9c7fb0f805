"""The offline page and its service worker, from the app itself (neither calls a service)."""
import re

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.guards import CSP


def test_the_offline_page_is_the_same_for_everyone_and_the_worker_keeps_only_it_and_the_form():
    client = TestClient(create_app())
    page = client.get("/offline", cookies={"ekinerja_flash": "kept"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="id"' in page.text and "Tidak ada koneksi internet" in page.text
    assert 'id="retry"' in page.text and 'href="/"' in page.text
    assert "<nav" not in page.text  # no menu: nothing of the person who cached it
    assert "set-cookie" not in page.headers  # a flash message waiting is left for its page
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"
    assert worker.headers["content-security-policy"] == CSP  # the pages' own policy
    version = re.search(r'"ekinerja-offline-([0-9a-f]{12})"', worker.text)
    assert version is not None  # a change to the offline page's parts is a new worker
    cached = re.search(r"cache\.addAll\(\[OFFLINE, \.\.\.ASSETS\]\)", worker.text)
    assert cached and 'const ASSETS = ["/static/app.css", "/static/app.js"];' in worker.text
    # the one page fetched later that is stored: the report form, forgotten on logout and login
    assert worker.text.count("cache.put") == 1 and "cache.put(FORM, response)" in worker.text
    assert 'const FORM = "/laporan/baru";' in worker.text
    assert 'const FORGET_FORM = ["/keluar", "/masuk"];' in worker.text


def test_the_site_is_an_installable_app_in_indonesian():
    client = TestClient(create_app())
    page = client.get("/offline")
    assert '<link rel="manifest" href="/static/manifest.webmanifest">' in page.text
    manifest = client.get("/static/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    app = manifest.json()
    assert (app["name"], app["lang"], app["start_url"], app["display"]) == (
        "E-Kinerja", "id", "/", "standalone")
    assert app["theme_color"] == "#1d6f42"  # the bar's green (app.css)
    for icon in app["icons"]:
        png = client.get(icon["src"])
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        size = int.from_bytes(png.content[16:20], "big"), int.from_bytes(png.content[20:24], "big")
        assert icon["sizes"] == f"{size[0]}x{size[1]}"
    assert {icon["sizes"] for icon in app["icons"]} == {"192x192", "512x512"}
