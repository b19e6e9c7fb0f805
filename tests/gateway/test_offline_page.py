"""The offline page and its service worker, from the app itself (neither calls a service)."""
import re

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.guards import CSP


def test_the_offline_page_is_the_same_for_everyone_and_the_worker_caches_nothing_else():
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
    assert worker.text.count("cache.put") == 0  # nothing fetched later is ever stored
