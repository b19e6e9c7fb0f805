"""Backup and restore of one service's PostgreSQL database (pg_dump custom format).

    python -m tools.backup dump  postgresql://user@host/db  FILE.dump
    python -m tools.backup restore postgresql://user@host/db FILE.dump   (into an empty db)
"""
import subprocess
import sys


def libpq(url: str) -> str:
    """SQLAlchemy URLs name their driver; pg_dump wants plain postgresql://."""
    return url.replace("postgresql+psycopg2://", "postgresql://", 1)


def dump(url: str, path: str) -> None:
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={path}", libpq(url)],
                   check=True)


def restore(url: str, path: str) -> None:
    subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(url)}", path],
                   check=True)


if __name__ == "__main__":
    command, url, path = sys.argv[1:4]
    {"dump": dump, "restore": restore}[command](url, path)
    print(f"{command}: {url.rsplit('/', 1)[-1]} <-> {path}")
