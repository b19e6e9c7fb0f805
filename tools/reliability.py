"""Drills write their own figures into docs/RELIABILITY.md (never typed by hand):
each drill owns one section between markers, replaced on every run."""
import datetime as dt
import re

from ekinerja_contract.config import REPO_ROOT

DOC = REPO_ROOT / "docs" / "RELIABILITY.md"
HEADER = ("# Reliability and security drills\n\n"
          "Written by the drills in `tests/` themselves when they run (CI runs them all); "
          "each section says when and with what result.\n")


def record(section: str, title: str, lines: list[str]) -> None:
    text = DOC.read_text() if DOC.exists() else HEADER
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (f"<!-- drill:{section} -->\n## {title}\n\n_Last run: {stamp}_\n\n"
             + "\n".join(lines) + f"\n<!-- /drill:{section} -->")
    pattern = re.compile(rf"<!-- drill:{section} -->.*?<!-- /drill:{section} -->", re.S)
    text = pattern.sub(block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)
