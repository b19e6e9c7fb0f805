"""Shared fixtures: real RabbitMQ (a vhost per run), real PostgreSQL (databases
per test module), a real S3 endpoint (moto over HTTP). All removed afterwards."""
import os

import pytest

from tests.support import infra

# Services started by the tests must not print eventlet's deprecation banner.
os.environ.setdefault("PYTHONWARNINGS", "ignore::DeprecationWarning")


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
