"""Start the services and the gateway as OS processes, and stop them by PID.

Used by the local runner (output prefixed on the terminal) and by the tests
and drills (output to log files)."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ekinerja_contract.config import REPO_ROOT

SERVICES = ("reporting", "evidence", "approval", "scoring", "monitoring", "notifications", "sync",
            "availability", "integrity")


def service_command(name: str) -> list[str]:
    return [sys.executable, "-m", "nameko", "run", "--config",
            str(REPO_ROOT / "services" / name / "config.yml"), f"services.{name}.service"]


def gateway_command(port: int, host: str = "127.0.0.1", workers: int = 1) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "gateway.app:app", "--host", host,
            "--port", str(port), "--workers", str(workers), "--no-access-log"]


class Supervisor:
    def __init__(self, env: dict | None = None, log_dir: Path | None = None):
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1",
                    "PYTHONWARNINGS":
                        "ignore::DeprecationWarning,ignore::UserWarning,ignore::Warning:eventlet"}
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.extra_env: dict[str, dict] = {}

    def start(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        """Start `argv` as `name`; `env` adds to (or overrides) the shared environment."""
        self.commands[name] = argv
        self.extra_env[name] = env or {}
        env = {**self.env, **(env or {})}
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.log", "ab")
            proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            out.close()
        else:
            proc = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, start_new_session=True)
            threading.Thread(target=_prefix, args=(name, proc.stdout), daemon=True).start()
        self.procs[name] = proc
        return proc

    def restart(self, name: str) -> subprocess.Popen:
        """Stop it (if it still runs) and start it again with the same command."""
        self.stop(name)
        return self.start(name, self.commands[name], self.extra_env[name])

    def kill(self, name: str) -> None:
        """kill -9, as a crash would."""
        proc = self.procs[name]
        _signal_group(proc, signal.SIGKILL)
        proc.wait()

    def stop(self, name: str, timeout: float = 15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()

    def restart_all(self, names: list[str]) -> None:
        """Stop these at once (as stop_all does) and start each again."""
        self.stop_all(names=names)
        for name in names:
            self.start(name, self.commands[name], self.extra_env[name])

    def stop_all(self, timeout: float = 15, names: list[str] | None = None) -> None:
        """SIGTERM to every process (or to `names`) at once, then wait for each (SIGKILL past
        `timeout`): each stops gracefully in parallel, not one after another (a service
        takes seconds)."""
        chosen = [n for n in list(self.procs)[::-1] if names is None or n in names]
        procs = [(name, self.procs.pop(name)) for name in chosen]
        running = [(name, proc) for name, proc in procs if proc.poll() is None]
        for _, proc in running:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()

    def exited(self) -> list[str]:
        return [n for n, p in self.procs.items() if p.poll() is not None]

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log" if self.log_dir else None
        return path.read_text(errors="replace") if path and path.exists() else ""


def _signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _prefix(name, stream):
    for line in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>10} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def wait_until(check, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(interval)
    raise TimeoutError(f"{what} not ready after {timeout}s (last error: {last})")
