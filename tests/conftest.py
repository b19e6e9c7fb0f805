"""Shared fixtures: real RabbitMQ (a vhost per run), real PostgreSQL (databases
per test module), a real S3 endpoint (moto over HTTP). All removed afterwards."""
import os

import pytest

from tests.support import infra

# Services started by the tests must not print eventlet's deprecation banner.
os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")


def pytest_addoption(parser):
    parser.addoption("--city-clock", metavar="YYYY-MM-DDTHH:MM",
                     help="run with the city's clock starting at this local time, in this "
                          "process and in every process the tests start (e.g. 2026-11-30T23:30)")


def pytest_configure(config):
    start = config.getoption("--city-clock")
    if start:
        from tests.support import clock
        clock.start_everywhere(start)


def _leftovers() -> list[int]:
    """Processes this run started (their environment names this run's vhosts)."""
    import pathlib
    marker = f"ekt-{infra.RUN_ID}".encode()
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if proc.name.isdigit() and int(proc.name) != os.getpid():
            try:
                if marker in (proc / "environ").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="session", autouse=True)
def nothing_left_running():
    """Tests stop what they start; anything still running at the end is killed and
    reported as an error."""
    import signal
    yield
    left = _leftovers()
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert not left, f"processes left running by the tests (now killed): {left}"


@pytest.fixture(scope="module")
def amqp_uri(request):
    """A vhost of its own for each test module: no queue or dead letter left by one
    module's services reaches another's."""
    vhost = f"ekt-{infra.RUN_ID}-{request.module.__name__.rsplit('.', 1)[-1][:40]}"
    uri = infra.create_vhost(vhost)
    yield uri
    infra.delete_vhost(vhost)


@pytest.fixture(scope="session")
def s3_server():
    server = infra.S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url():
    name, url = infra.create_database("t")
    yield url
    infra.drop_database(name)
