"""A ledger written by an older schema upgrades in place, inside one transaction, after an automatic backup."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from claimkit.store import ledger
from conftest import Cli

FIXTURES = Path(__file__).parent / "data"


@pytest.fixture
def old_home(tmp_path) -> Path:
    """tests/data/home-v1: a home made by claimkit with schema version 1 (2 sessions, 3 postings)."""
    home = tmp_path / "home"
    shutil.copytree(FIXTURES / "home-v1", home)
    home.chmod(0o700)
    return home


def test_fixture_is_old():
    conn = sqlite3.connect(FIXTURES / "home-v1" / "ledger.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1 < ledger.SCHEMA_VERSION


def test_old_ledger_upgrades_after_a_backup(old_home):
    cli = Cli(old_home)
    out = cli.ok("session list --json").stdout
    assert '"fee": "180.00"' in out
    conn = sqlite3.connect(old_home / "ledger.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == ledger.SCHEMA_VERSION
    assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0] == 3
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'postings_report'").fetchone() is not None
    [backup] = list((old_home / "backups").glob("ledger-schema1-*.db"))
    assert (backup.stat().st_mode & 0o777) == 0o600
    old = sqlite3.connect(backup)
    assert old.execute("PRAGMA user_version").fetchone()[0] == 1
    assert old.execute("SELECT COUNT(*) FROM postings").fetchone()[0] == 3
    # a second run does not back up again
    cli.ok("session list")
    assert len(list((old_home / "backups").glob("ledger-schema1-*.db"))) == 1


def test_failed_upgrade_changes_nothing(old_home, monkeypatch):
    def broken(conn):
        conn.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("simulated failure in the middle of an upgrade")

    monkeypatch.setattr(ledger, "MIGRATIONS", [*ledger.MIGRATIONS, broken])
    monkeypatch.setattr(ledger, "SCHEMA_VERSION", len(ledger.MIGRATIONS))
    with pytest.raises(sqlite3.OperationalError):
        ledger.connect(old_home)
    conn = sqlite3.connect(old_home / "ledger.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name IN ('half_done', 'postings_kind')").fetchall() == []


def test_v6_rebuilds_postings_with_the_same_rows_indexes_and_kinds(old_home):
    """v6 writes the kind CHECK as OR terms (a constant IN list costs SQLite a lookup table per inserted row); the
    rows keep their ids and amounts, the five indexes are back, and a kind outside the list is still refused."""
    before = sqlite3.connect(old_home / "ledger.db").execute("SELECT id, kind, amount_cents FROM postings ORDER BY id").fetchall()
    assert before == [(1, "charge", 18000), (2, "patient_paid", 2500), (3, "charge", 18000)]
    ledger.connect(old_home).close()
    conn = sqlite3.connect(old_home / "ledger.db")
    assert conn.execute("SELECT id, kind, amount_cents FROM postings ORDER BY id").fetchall() == before
    table_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'postings'").fetchone()[0]
    assert "kind = 'charge' OR kind = 'insurance_paid'" in table_sql and " IN (" not in table_sql
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'postings'")}
    # the five of v6, less postings_kind (dropped by the later reshape, tests/test_query_plans.py)
    assert indexes == {"postings_client", "postings_session", "postings_claim", "postings_report"}
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'postings_v6'").fetchone() is None
    for kind in ledger.POSTING_KINDS:
        conn.execute("INSERT INTO postings (date, kind, amount_cents, source, created) VALUES ('2026-12-01', ?, 1, 't', 'now')",
                     (kind,))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("INSERT INTO postings (date, kind, amount_cents, source, created) VALUES ('2026-12-01', 'gift', 1, 't', 'now')")
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
