"""The tamper-evident record on real PostgreSQL, through scoring's own entrypoints: ledger
lines and a month's pay lines chained as they commit (two writers at once never fork a
chain), the month's seal on the PDF slip and in the export, and a row changed directly
in the database found by the admin route's RPC and by the command, at its row."""
import base64
import datetime as dt
import io
import subprocess
import sys
import threading

import pytest
from nameko.testing.services import worker_factory
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from ekinerja_contract import config, migrate
from ekinerja_contract.config import REPO_ROOT
from ekinerja_contract.db import make_engine
from ekinerja_contract.outbox import Store
from services.scoring.models import Base
from services.scoring.service import ScoringService
from tests.support import infra
from tests.support.factories import attendance, org_chart, placed, report_approved

pytestmark = pytest.mark.integration
ADMIN = {"account_id": 99, "roles": ["city_admin"]}
NIP = "199003212015032001"


@pytest.fixture
def scoring(monkeypatch):
    name, url = infra.create_database("chains")
    migrate.upgrade("scoring", url)
    engine = make_engine(url)
    store = Store(sessionmaker(engine, expire_on_commit=False), Base.metadata.tables["outbox"],
                  Base.metadata.tables["inbox"], "scoring", relay=None)
    monkeypatch.setattr(config, "today", lambda: dt.date(2026, 12, 10))
    svc = worker_factory(ScoringService, reporting=org_chart({}), db=store)
    svc.on_placement_changed(placed(1, NIP, name="Ni Luh Sari"))
    yield svc, url, engine
    engine.dispose()
    infra.drop_database(name)


def close_november(svc):
    from sqlalchemy import select
    svc.close_period(ADMIN, "2026-11")
    with svc.db.session() as s:
        t = svc.db._outbox
        bodies = [r.envelope for r in s.execute(select(t.c.envelope).where(
            t.c.event_type == "payroll.close_requested"))]
    for body in bodies:
        svc.on_close_requested(body)


def test_two_writers_at_once_make_one_chain(scoring):
    svc, _, _ = scoring
    def approvals(first):
        for n in range(first, first + 15):
            svc.on_report_approved(report_approved(n, employee_id=1, date="2026-11-02"))
    threads = [threading.Thread(target=approvals, args=(start,)) for start in (1, 101, 201)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [ledger, lines] = svc.verify_chains(ADMIN)
    assert ledger["ok"] and ledger["rows"] == 45 and lines["rows"] == 0


def test_the_months_seal_is_printed_and_a_changed_row_is_found_by_the_route_and_the_command(scoring):
    svc, url, engine = scoring
    svc.on_report_approved(report_approved(1, employee_id=1, date="2026-11-02"))
    svc.on_attendance(attendance(NIP, "2026-11-03"))
    close_november(svc)
    [ledger, lines] = svc.verify_chains(ADMIN)
    assert ledger["ok"] and lines["ok"] and lines["rows"] == 1
    seal = lines["head"]
    sheet = load_workbook(io.BytesIO(base64.b64decode(svc.export(ADMIN, "2026-11", None, "xlsx")["base64"])))
    rows = [[c.value for c in r] for r in sheet["Rekap per OPD"].iter_rows()]
    assert ["Segel rantai (SHA-256)", seal] in [r[:2] for r in rows]
    pdf = base64.b64decode(svc.statement(ADMIN, 1, "2026-11")["base64"])
    import re
    import zlib
    shown = b"".join(zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S))
    assert seal.encode() in shown

    with engine.begin() as conn:  # behind scoring's back, straight in the database
        conn.execute(text("UPDATE ledger_entry SET rupiah = rupiah * 100 WHERE report_id = 1"))
    [ledger, lines] = svc.verify_chains(ADMIN)
    assert not ledger["ok"] and ledger["first_broken"]["why"] == "content" and lines["ok"]
    out = subprocess.run([sys.executable, "-m", "tools.verify_chains", "scoring"], cwd=REPO_ROOT,
                         env={"PATH": "/usr/bin:/bin", "SCORING_DB_URL": url}, capture_output=True, text=True)
    assert out.returncode == 1, out.stderr
    assert f'"row_id": {ledger["first_broken"]["row_id"]}' in out.stdout and '"why": "content"' in out.stdout
