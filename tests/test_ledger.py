"""The ledger: schema version, WAL and foreign keys, one transaction per command, concurrent writers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from claimkit.core.errors import ClaimkitError
from claimkit.store import ledger

ROOT = Path(__file__).resolve().parent.parent


def test_schema_version_wal_foreign_keys(practice, home):
    conn = ledger.connect(home)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == ledger.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO postings (date, kind, amount_cents, source, created, session_id) VALUES ('2026-01-01','charge',1,'x','x',999)")


def test_newer_schema_is_refused(practice, home):
    conn = sqlite3.connect(home / "ledger.db")
    conn.execute(f"PRAGMA user_version = {ledger.SCHEMA_VERSION + 1}")
    conn.close()
    line = practice.fails("session list")
    assert "written by a newer claimkit" in line


def test_not_a_database_is_a_clear_error(practice, home):
    for suffix in ("", "-wal", "-shm"):
        p = home / f"ledger.db{suffix}"
        if p.exists():
            p.unlink()
    (home / "ledger.db").write_bytes(b"this is not sqlite" * 100)
    line = practice.fails("session list")
    assert "is not a readable claimkit ledger" in line


def test_transaction_rolls_back_on_error(practice, home):
    conn = ledger.connect(home)
    with pytest.raises(RuntimeError):
        with ledger.transaction(home, conn):
            conn.execute("INSERT INTO counters (name, value) VALUES ('x', 1)")
            raise RuntimeError("boom")
    assert conn.execute("SELECT COUNT(*) FROM counters").fetchone()[0] == 0


WRITER = """
import sys
from datetime import date, timedelta
from claimkit.sessions.sessions import NewSession, add_session
from claimkit.store.workspace import Workspace
ws = Workspace.open(sys.argv[1])
start = date(2026, 1, 1) + timedelta(days=int(sys.argv[2]) * 100)
for i in range(int(sys.argv[3])):
    add_session(ws, NewSession(client="jdoe", day=start + timedelta(days=i), cpt="90837"))
"""


@pytest.mark.parametrize("procs", [2, 4])
def test_concurrent_writers_all_land(practice, home, procs):
    practice.ok("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id T1 --copay 25")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    per = 15
    ps = [subprocess.Popen([sys.executable, "-c", WRITER, str(home), str(n), str(per)], env=env, stderr=subprocess.PIPE, text=True)
          for n in range(procs)]
    for p in ps:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "locked" not in err
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == procs * per
    assert conn.execute("SELECT COUNT(*) FROM postings WHERE kind = 'charge'").fetchone()[0] == procs * per
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_write_lock_times_out_with_a_clear_message(practice, home):
    from claimkit.store.home import write_lock

    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(home / '.lock')!r}, os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "time.sleep(5)\n")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    try:
        with pytest.raises(ClaimkitError, match="another claimkit command has been writing"):
            with write_lock(home, timeout=0.3):
                pass
    finally:
        holder.kill()
        holder.wait()


def _rollback_journal_ledger(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "ledger.db")
    conn.execute("CREATE TABLE t (x)")
    conn.execute(f"PRAGMA user_version = {ledger.SCHEMA_VERSION}")
    conn.commit()
    conn.close()


def test_first_opens_at_once_of_a_rollback_journal_ledger_never_fail(tmp_path):
    """Issue 16.1: two connections switching a restored ledger to WAL at once; one got SQLITE_BUSY at once (no busy
    handler runs for that deadlock) and was told the ledger was damaged. The BUSY is retried."""
    import threading

    failures = []
    for i in range(60):
        folder = tmp_path / f"h{i}"
        _rollback_journal_ledger(folder)
        barrier = threading.Barrier(6)

        def open_it():
            barrier.wait()
            try:
                ledger.connect(folder).close()
            except ClaimkitError as exc:
                failures.append(str(exc))

        threads = [threading.Thread(target=open_it) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_a_ledger_busy_for_too_long_is_busy_not_damaged(tmp_path, monkeypatch):
    _rollback_journal_ledger(tmp_path)
    holder = sqlite3.connect(tmp_path / "ledger.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(ledger, "BUSY_TIMEOUT_MS", 300)
    with pytest.raises(ClaimkitError) as err:
        ledger.connect(tmp_path)
    holder.execute("ROLLBACK")
    assert "busy" in str(err.value)
    assert "restore it from a backup" not in str(err.value)


def test_rows_for_ids_reads_many_ids_in_batches():
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, "a" if i % 2 else "b") for i in range(1, 3001)])
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    wanted = list(range(2, 2402, 2))  # 1,200 ids: three batches of at most 500
    rows = list(ledger.rows_for_ids(conn, "SELECT id FROM t WHERE kind = ? AND id IN ({ids}) AND id < ?", wanted,
                                    before=["b"], after=[2001]))
    assert sorted(r[0] for r in rows) == list(range(2, 2001, 2))
    assert len(statements) == 3 and statements[0].count(",") == ledger.IDS_PER_QUERY - 1
    statements.clear()
    assert list(ledger.rows_for_ids(conn, "SELECT id FROM t WHERE id IN ({ids})", [])) == [] and statements == []
