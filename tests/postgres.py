"""A real PostgreSQL server for the service tests.

`.ci/run` starts one and sets KICHHOAT_TEST_PG to a URL whose role may create
databases. Each test gets a fresh database cloned from a template that is migrated
and loaded with the preset once per run. In CI a missing server is a failure;
on a developer's machine without one, the PostgreSQL variants are skipped.
"""

from __future__ import annotations

import os
import uuid
import warnings

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

PG_ENV = "KICHHOAT_TEST_PG"


def server_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs a PostgreSQL server: {PG_ENV} is not set (see .ci/run).")
        pytest.skip(f"no PostgreSQL server ({PG_ENV} not set)")
    return url


def _admin(url: str):  # type: ignore[no-untyped-def]
    return create_engine(url, isolation_level="AUTOCOMMIT")


def create_database(url: str, template: str | None = None) -> str:
    """A new empty (or templated) database next to `url`'s; returns its URL."""
    name = f"kt_{uuid.uuid4().hex[:12]}"
    engine = _admin(url)
    with engine.connect() as connection:
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str, database_url: str) -> None:
    """Drop a test database. Cleanup only: a failure leaves a throwaway database behind
    (an autovacuum worker in it that this role may not stop), never fails a test."""
    name = make_url(database_url).database
    engine = _admin(url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except DBAPIError as error:
        warnings.warn(f"test database {name} left behind: {error.orig}", stacklevel=2)
    finally:
        engine.dispose()
