"""Migration 0006: the audit log written under schema 0005 (one chain under one head row)
stays verifiable as the frozen chain `#cu`, whose last hash seeds every new chain."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from models.database import make_engine
from models.entities import AuditChain, AuditEntry
from models.migrate import upgrade
from services.security.audit import (
    GENESIS_HASH,
    LEGACY_CHAIN,
    AuditAction,
    entry_hash,
    genesis_hash,
    machine_chain,
    verify_chain,
    write_audit,
)
from services.security.session_context import cli_actor
from services.upkeep.database import open_database
from tests.postgres import create_database, drop_database, server_url

LEGACY_ENTRIES = 5


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit-0005.sqlite3'}"
        return
    server = server_url()
    assert server is not None
    made = create_database(server)
    yield made
    drop_database(server, made)


def _write_0005_log(url: str) -> list[str]:
    """Schema 0005 with a chain of entries as that version wrote them; returns their hashes."""
    engine = make_engine(url)
    upgrade(engine, "0005")
    hashes: list[str] = []
    prev = GENESIS_HASH
    start = datetime(2023, 7, 20, 1, 0, tzinfo=UTC)
    with engine.begin() as connection:
        for number in range(1, LEGACY_ENTRIES + 1):
            fields = {
                "at": start + timedelta(minutes=number),
                "username": "cli:cu",
                "operator_id": None,
                "point_code": "31573-01" if number % 2 else None,
                "action": "settings",
                "summary": f"Việc cũ số {number}",
                "details": "{}",
                "prev_hash": prev,
            }
            digest = entry_hash(entry_id=number, **fields)  # type: ignore[arg-type]
            row = {**fields, "id": number, "hash": digest}
            row["at"] = row["at"].replace(tzinfo=None)  # type: ignore[attr-defined]
            connection.execute(
                text(
                    "INSERT INTO audit_log (id, at, username, operator_id, point_code, action, "
                    "summary, details, prev_hash, hash) VALUES (:id, :at, :username, "
                    ":operator_id, :point_code, :action, :summary, :details, :prev_hash, :hash)"
                ),
                row,
            )
            hashes.append(digest)
            prev = digest
        connection.execute(
            text("UPDATE audit_head SET last_id = :n, last_hash = :h WHERE id = 1"),
            {"n": LEGACY_ENTRIES, "h": prev},
        )
    engine.dispose()
    return hashes


def test_entries_of_schema_0005_stay_verifiable_and_seed_the_new_chains(url: str) -> None:
    hashes = _write_0005_log(url)
    database = open_database(url)  # upgrades to the newest schema
    try:
        assert "audit_head" not in inspect(database.engine).get_table_names()
        with database.session() as session:
            check = verify_chain(session)
            assert check.ok and check.count == LEGACY_ENTRIES and check.chains == 1
            legacy = session.get(AuditChain, LEGACY_CHAIN)
            assert legacy is not None
            assert (legacy.last_seq, legacy.last_hash) == (LEGACY_ENTRIES, hashes[-1])
            old = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            assert [(e.id, e.chain, e.seq, e.hash) for e in old] == [
                (n, LEGACY_CHAIN, n, hashes[n - 1]) for n in range(1, LEGACY_ENTRIES + 1)
            ]
            write_audit(session, cli_actor(), AuditAction.SETTINGS, "việc mới")
            session.commit()
            new = session.scalars(select(AuditEntry).where(AuditEntry.chain != LEGACY_CHAIN)).one()
            head = session.get(AuditChain, machine_chain())
            assert head is not None and new.id > LEGACY_ENTRIES and new.seq == 1
            assert new.prev_hash == genesis_hash(machine_chain(), head.uid, hashes[-1])
            check = verify_chain(session)
            assert check.ok and check.count == LEGACY_ENTRIES + 1 and check.chains == 2

            session.execute(text("UPDATE audit_log SET summary = 'sửa lén' WHERE id = 3"))
            session.commit()
            broken = verify_chain(session)
            assert not broken.ok and broken.breaks[0].chain == LEGACY_CHAIN
            assert broken.broken_id == 3

            # The old entries emptied: every new chain's start no longer matches.
            session.execute(text("DELETE FROM audit_log WHERE chain = :c"), {"c": LEGACY_CHAIN})
            session.execute(text("DELETE FROM audit_chains WHERE chain = :c"), {"c": LEGACY_CHAIN})
            session.commit()
            emptied = verify_chain(session)
            assert not emptied.ok and emptied.breaks[0].chain == machine_chain()
            assert "khởi đầu" in emptied.describe()
    finally:
        database.dispose()


def test_an_empty_0005_log_gets_no_old_chain(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, "0005")
    engine.dispose()
    database = open_database(url)
    try:
        with database.session() as session:
            assert session.scalars(select(AuditChain)).all() == []
            write_audit(session, cli_actor(), AuditAction.SETTINGS, "việc đầu tiên")
            session.commit()
            entry = session.scalars(select(AuditEntry)).one()
            head = session.get(AuditChain, machine_chain())
            assert head is not None
            assert entry.prev_hash == genesis_hash(machine_chain(), head.uid, GENESIS_HASH)
            assert verify_chain(session).ok
    finally:
        database.dispose()
