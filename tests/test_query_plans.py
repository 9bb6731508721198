"""The plans of the session, report and claim-listing queries on a ledger without planner statistics (issue 24).

Without sqlite_stat1 SQLite takes every table to be the same size, so a plan that is right only with statistics
(which claimkit gathers as a command that wrote closes, but a restored or copied ledger may lack) is caught here.
Each call's queries are captured as SQLite runs them (trace callback) and explained. The rules:
- a query about one client, session or claim reads postings, claims and claim_lines by an index search, never a
  scan;
- a pass over the whole practice scans postings either as the table or through the covering postings_report, and
  never scans claim_lines or builds an automatic index on postings, claims or claim_lines (a join in the wrong
  order or a missing index);
- the queries issue 24 found on the wrong index name the one they use (below).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date

import pytest

from claimkit.claims.ledger import get_claim, list_claims
from claimkit.reports.aging import aging
from claimkit.reports.balances import balances
from claimkit.reports.deductible import deductible
from claimkit.reports.kpis import kpis
from claimkit.reports.payers import payers_report
from claimkit.reports.statements import build_statement, clients_with_balance
from claimkit.reports.todo import todo
from claimkit.sessions.sessions import _adjudicated, get_session, list_sessions
from claimkit.store import ledger
from claimkit.store.workspace import Workspace

TABLES = ("postings", "claims", "claim_lines", "sessions", "remit_claims")
NOT_ALIASES = {"WHERE", "ON", "JOIN", "CROSS", "LEFT", "INDEXED", "NOT", "GROUP", "ORDER", "USING", "AS", "UNION",
               "LIMIT", "SET", "VALUES"}
TODAY = date(2026, 12, 7)
PAST = date(2026, 3, 1)  # between the scenario's remittances: the "as it stood" paths

# (name, call): one client's (or one session's, one claim's) queries
ONE_CLIENT = [
    ("balances --client", lambda ws: balances(ws, client="dana", today=TODAY)),
    ("balances --client --as-of", lambda ws: balances(ws, PAST, client="dana")),
    ("aging --client", lambda ws: aging(ws, client="cole", today=TODAY)),
    ("aging --client --by statement", lambda ws: aging(ws, "statement", client="cole", today=TODAY)),
    ("statement", lambda ws: build_statement(ws, "dana", TODAY)),
    ("deductible", lambda ws: deductible(ws, "dana", today=TODAY)),
    ("session list --client", lambda ws: list_sessions(ws, client="dana")),
    ("session show", lambda ws: get_session(ws, 5)),
    ("claim list --client", lambda ws: list_claims(ws, client="cole")),
    ("claim show", lambda ws: get_claim(ws, "CK00001")),
]


# the whole practice's
PRACTICE = [
    ("balances", lambda ws: balances(ws, today=TODAY)),
    ("balances --as-of", lambda ws: balances(ws, PAST)),
    ("aging", lambda ws: aging(ws, today=TODAY)),
    ("aging --by statement", lambda ws: aging(ws, "statement", today=TODAY)),
    ("aging on a past day", lambda ws: aging(ws, today=PAST)),
    ("payers", lambda ws: payers_report(ws, today=TODAY)),
    ("todo", lambda ws: todo(ws, today=TODAY)),
    ("statements due", lambda ws: clients_with_balance(ws, TODAY)),
    ("kpis", lambda ws: kpis(ws, start=date(2026, 1, 1), end=TODAY)),
    ("kpis --payer", lambda ws: kpis(ws, start=date(2026, 1, 1), end=TODAY, payer="acme")),
    ("session list", lambda ws: list_sessions(ws)),
    ("claim list", lambda ws: list_claims(ws)),
]


@pytest.fixture(scope="module")
def unanalyzed(tmp_path_factory, report_scenario_template):
    """A copy of test_reports' scenario (claims, ERAs, a denial, write-offs, payments) with its statistics dropped."""
    home = tmp_path_factory.mktemp("plans") / "home"
    shutil.copytree(report_scenario_template, home, symlinks=True)
    conn = sqlite3.connect(home / "ledger.db")
    conn.execute("DROP TABLE IF EXISTS sqlite_stat1")
    conn.commit()
    conn.close()
    return home


@pytest.fixture
def ws(unanalyzed):
    ws = Workspace(unanalyzed)
    assert ws.conn.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() is None
    yield ws
    ws.close()


def queries(ws: Workspace, call) -> list[str]:
    """The distinct SELECTs `call` runs, in order."""
    seen: list[str] = []
    ws.conn.set_trace_callback(seen.append)
    try:
        call(ws)
    finally:
        ws.conn.set_trace_callback(None)
    out: list[str] = []
    for sql in seen:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")) and "sqlite_master" not in sql and sql not in out:
            out.append(sql)
    return out


def reads(conn: sqlite3.Connection, sql: str) -> list[str]:
    """The plan's SCAN and SEARCH steps, each alias of a ledger table written as the table's name."""
    aliases = {}
    for table, alias in re.findall(rf"\b({'|'.join(TABLES)})\s+(?:AS\s+)?(\w+)", sql):
        if alias.upper() not in NOT_ALIASES:
            aliases[alias] = table
    steps = []
    for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
        detail = row[3]
        m = re.match(r"(SCAN|SEARCH) (\w+)(.*)", detail)
        if m:
            steps.append(f"{m[1]} {aliases.get(m[2], m[2])}{m[3]}")
    return steps


def plans(ws: Workspace, call) -> dict[str, list[str]]:
    return {" ".join(sql.split()): reads(ws.conn, sql) for sql in queries(ws, call)}


@pytest.mark.parametrize("name, call", ONE_CLIENT, ids=[n for n, _ in ONE_CLIENT])
def test_one_clients_queries_search_the_ledger_tables(ws, name, call):
    found = plans(ws, call)
    assert found, name
    for sql, steps in found.items():
        scans = [s for s in steps if re.match(r"SCAN (postings|claims|claim_lines)\b", s)]
        assert scans == [], f"{name}: {sql[:120]}: {steps}"
        assert not [s for s in steps if re.match(r"SEARCH (postings|claims|claim_lines) USING AUTOMATIC", s)], (name, sql, steps)


WHOLE_PASSES = {"SCAN postings", "SCAN postings USING COVERING INDEX postings_report", "SCAN claims",
                "SCAN claims USING INDEX claims_client", "SCAN claims USING INDEX sqlite_autoindex_claims_1",
                "SCAN claims USING COVERING INDEX sqlite_autoindex_claims_1"}


@pytest.mark.parametrize("name, call", PRACTICE, ids=[n for n, _ in PRACTICE])
def test_whole_practice_passes_read_each_table_once_in_order(ws, name, call):
    found = plans(ws, call)
    assert found, name
    for sql, steps in found.items():
        for step in steps:
            if re.match(r"SCAN (postings|claims)\b", step):
                assert step in WHOLE_PASSES, f"{name}: {sql[:120]}: {step}"
            if name != "claim list":  # the listing of every claim's lines reads them all, in order
                assert not step.startswith("SCAN claim_lines"), f"{name}: {sql[:120]}: {steps}"
            assert not re.match(r"SEARCH (postings|claims|claim_lines) USING AUTOMATIC", step), f"{name}: {sql[:120]}: {step}"


def the(found: dict[str, list[str]], fragment: str) -> list[str]:
    [steps] = [steps for sql, steps in found.items() if fragment in sql]
    return steps


def test_a_clients_remittance_postings_are_read_by_client_in_one_pass(ws):
    found = plans(ws, lambda w: _adjudicated(w, "dana"))
    assert list(found.values()) == [["SEARCH postings USING INDEX postings_report (client=? AND kind=?)"]]


def test_the_practices_remittance_postings_are_one_pass_over_the_table(ws):
    found = plans(ws, lambda w: _adjudicated(w, None))
    assert list(found.values()) == [["SCAN postings"]]


def test_the_estimates_read_the_pending_sessions_postings_by_session(ws):
    """Known wrong before the indexes were reshaped: postings_kind (kind, source, session_id) was taken."""
    found = plans(ws, lambda w: balances(w, today=TODAY))
    assert the(found, "FROM postings WHERE session_id IN (")[0] == "SEARCH postings USING INDEX postings_session (session_id=?)"


def test_balances_sums_come_from_the_covering_report_index(ws):
    every = plans(ws, lambda w: balances(w, today=TODAY))
    assert the(every, "json_group_array(json_array(client, kind, cents, linked))") == [
        "SEARCH postings USING COVERING INDEX postings_report (client>?)"]
    one = plans(ws, lambda w: balances(w, client="dana", today=TODAY))
    assert the(one, "json_group_array(json_array(client, kind, cents, linked))") == [
        "SEARCH postings USING COVERING INDEX postings_report (client=?)"]


def test_monthly_collections_read_the_covering_report_index(ws):
    """Known wrong before: postings_kind, then a table look-up per payment; postings_report holds kind, date and
    amount, so the months are summed from it alone."""
    found = plans(ws, lambda w: payers_report(w, today=TODAY))
    assert the(found, "SELECT substr(date, 1, 7) AS month") == ["SCAN postings USING COVERING INDEX postings_report"]


def test_claims_lead_their_lines(ws):
    """Known wrong before: every claim line of the practice read, and its claim looked up."""
    lines = "SEARCH claim_lines USING INDEX sqlite_autoindex_claim_lines_1 (claim_id=?)"
    listed = plans(ws, lambda w: list_sessions(w, client="dana"))
    assert the(listed, "FROM claims c CROSS JOIN claim_lines cl") == ["SEARCH claims USING INDEX claims_client (client=?)", lines]
    claims = plans(ws, lambda w: list_claims(w, client="cole"))
    assert the(claims, "FROM claims c CROSS JOIN claim_lines cl") == ["SEARCH claims USING INDEX claims_client (client=?)", lines]
    pending = plans(ws, lambda w: balances(w, today=TODAY))
    assert lines in the(pending, "UNION SELECT cl.session_id FROM claims c CROSS JOIN claim_lines cl")
    statement = plans(ws, lambda w: build_statement(w, "eli", TODAY))
    assert the(statement, "c.status = 'denied'") == ["SEARCH claims USING INDEX claims_client (client=?)", lines]


def test_the_import_check_finds_each_payments_provider_adjustments_by_index(ws):
    """After an ERA import the ledger is checked per payment (remittance/invariant.py): its PLB postings were found
    through postings_kind; without it, and without the index named, each payment read every posting."""
    from claimkit.remittance.invariant import in_ledger

    found = plans(ws, lambda w: in_ledger(w.conn, 1))
    assert "SEARCH postings USING INDEX postings_report (client=? AND kind=?)" in the(found, "AS plb")
    assert not [s for steps in found.values() for s in steps if s.startswith("SCAN postings")]


def test_the_postings_indexes_are_the_reshaped_ones(ws):
    indexes = dict(ws.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'postings'"))
    assert set(indexes) == {"postings_client", "postings_session", "postings_claim", "postings_report"}
    assert indexes["postings_report"].strip().endswith("(client, kind, date, claim_id, amount_cents)")


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
