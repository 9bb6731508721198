"""The session queries' plans hold on a ledger without planner statistics, and claimkit gathers them itself."""

from __future__ import annotations

import sqlite3

from claimkit.sessions.sessions import _adjudicated
from claimkit.store import ledger
from claimkit.store.workspace import Workspace


def _plans(conn: sqlite3.Connection, client: str | None) -> list[list[str]]:
    captured: list[str] = []
    conn.set_trace_callback(captured.append)
    try:
        _adjudicated(_Ws(conn), client)
    finally:
        conn.set_trace_callback(None)
    return [[row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")] for sql in captured]


class _Ws:  # the one thing _adjudicated reads of a workspace
    def __init__(self, conn):
        self.conn = conn


def test_a_clients_remittance_postings_are_read_by_client_without_statistics(practice, home):
    conn = ledger.connect(home)
    conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchall() == []
    plans = _plans(conn, "c001")
    assert [p[0] for p in plans] == ["SEARCH postings USING INDEX postings_report (client=? AND kind=?)"] * 2
    conn.close()


def test_a_command_that_wrote_leaves_statistics_behind(practice, home):
    conn = ledger.connect(home)
    conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
    conn.close()
    practice.ok("client add sfake --first Sam --last Fakestat --dob 1990-01-01 --sex M --dx F41.1 --payer acme"
                " --member-id S1 --copay 20")
    practice.ok("session add sfake --date 2026-11-02 --cpt 90837 --minutes 55")
    conn = sqlite3.connect(home / "ledger.db")
    tables = {t for (t,) in conn.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    assert {"sessions", "postings"} <= tables
    conn.close()


def test_an_upgraded_ledger_is_analyzed(tmp_path):
    """tests/data/home-v1 (schema 1, never analyzed) gains statistics when it is upgraded."""
    import shutil
    from pathlib import Path

    home = tmp_path / "home"
    shutil.copytree(Path(__file__).parent / "data" / "home-v1", home)
    home.chmod(0o700)
    assert sqlite3.connect(home / "ledger.db").execute(
        "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchall() == []
    ws = Workspace(home)
    tables = {t for (t,) in ws.conn.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    assert {"sessions", "postings"} <= tables
    ws.close()
