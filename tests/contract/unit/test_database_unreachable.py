"""A service whose database is out of reach (a failover, a restart) answers the contract's
Unavailable, which the gateway turns into 503 with Retry-After; a bad statement or a
broken constraint stays what it is (a bug, or the caller's conflict), never a 503."""
import psycopg2
from sqlalchemy import exc

from ekinerja_contract import errors
from ekinerja_contract.nameko_ext import database_unreachable
from gateway.errors import problem_of


def wrapped(cls, orig):
    return cls("INSERT INTO report ...", {}, orig)


def test_a_refused_or_dropped_connection_is_unreachable():
    assert database_unreachable(wrapped(exc.OperationalError, psycopg2.OperationalError(
        "connection to server at \"127.0.0.1\", port 5433 failed: Connection refused")))
    assert database_unreachable(wrapped(exc.InterfaceError, psycopg2.InterfaceError("connection already closed")))
    assert database_unreachable(exc.DisconnectionError("server closed the connection unexpectedly"))


def test_a_broken_constraint_or_a_bad_statement_is_not():
    assert not database_unreachable(wrapped(exc.IntegrityError, psycopg2.IntegrityError("duplicate key")))
    assert not database_unreachable(wrapped(exc.ProgrammingError, psycopg2.ProgrammingError("syntax error")))
    assert not database_unreachable(ValueError("not a database error"))
    # SQLite (the local runner) names a missing table an OperationalError: still a bug
    import sqlite3
    assert not database_unreachable(wrapped(exc.OperationalError, sqlite3.OperationalError("no such table: report")))
    assert database_unreachable(wrapped(exc.OperationalError, sqlite3.OperationalError("database is locked")))


def test_the_gateway_answers_unavailable_with_503_retry_after_and_an_indonesian_text():
    problem = problem_of(errors.Unavailable("the database is unavailable; try again shortly",
                                            code="database_unavailable"))
    assert problem.status == 503 and problem.headers == {"Retry-After": "5"}
    assert problem.code == "database_unavailable" and problem.kind == "unavailable"
    assert "Basis data" in problem.display_message
