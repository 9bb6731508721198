"""session add/list/show/void, payments, and the client-responsibility estimate vectors through the CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import ledger_rows

CLIENT = "client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST1"


def sessions_json(cli, *extra) -> list[dict]:
    return json.loads(cli.ok(" ".join(("session list --json", *extra))).stdout)


def test_session_add_summary_line(practice):
    practice.ok(CLIENT + " --copay 25")
    out = practice.ok("session add jdoe --date 2026-11-20 --cpt 90837 --minutes 55").stdout
    assert out.splitlines()[0] == "Session 1 · jdoe · 2026-11-20 · 90837 · fee $180.00 · Acme Test Health allows $120.00 · client owes ~$25.00 (copay)"
    assert "diagnoses from the client's record: F41.1" in out


def test_session_fills_defaults_and_telehealth_modifier(practice):
    practice.ok(CLIENT + " --copay 25")
    out = practice.ok("session add jdoe --date 2026-11-20 --cpt 90837 --minutes 55 --pos 10").stdout
    assert "added modifier 95: Acme Test Health wants it on telehealth (POS 10)" in out
    [s] = sessions_json(practice)
    assert {k: s[k] for k in ("id", "client", "date", "cpt", "units", "modifiers", "pos", "dx", "minutes", "fee", "payer",
                              "allowed", "patient_estimate", "estimate_basis", "status")} == {
        "id": 1, "client": "jdoe", "date": "2026-11-20", "cpt": "90837", "units": 1, "modifiers": ["95"], "pos": "10",
        "dx": ["F41.1"], "minutes": 55, "fee": "180.00", "payer": "acme", "allowed": "120.00", "patient_estimate": "25.00",
        "estimate_basis": "copay", "status": "unbilled"}


def test_default_pos_and_explicit_fee_and_dx(practice):
    practice.ok(CLIENT + " --copay 25")
    practice.ok("session add jdoe --date 2026-11-20 --cpt 90834 --fee 160 --dx F43.23 --dx Z63.0")
    [s] = sessions_json(practice)
    assert (s["pos"], s["fee"], s["dx"], s["allowed"]) == ("11", "160.00", ["F43.23", "Z63.0"], "95.00")


def test_no_fee_is_an_error(practice, home):
    practice.ok(CLIENT + " --copay 25")
    before = ledger_rows(home)
    line = practice.fails("session add jdoe --date 2026-11-20 --cpt 90832")
    assert line == "error: no fee for 90832: give --fee AMOUNT, or set your standard fee with 'claimkit fee set 90832 AMOUNT'"
    assert ledger_rows(home) == before


def test_session_without_terminal_needs_cpt(practice):
    practice.ok(CLIENT + " --copay 25")
    assert "--cpt is required" in practice.fails("session add jdoe --date 2026-11-20")


def test_charge_and_payment_postings(practice, home):
    practice.ok(CLIENT + " --copay 25")
    practice.ok("session add jdoe --date 2026-11-20 --cpt 90837 --paid 25 --method cash")
    practice.ok("payment add jdoe 10.50 --date 2026-11-21 --method check --note 'balance'")
    conn = sqlite3.connect(home / "ledger.db")
    rows = conn.execute("SELECT kind, reason, amount_cents, source, session_id FROM postings ORDER BY id").fetchall()
    assert rows == [("charge", "", 18000, "session", 1), ("patient_paid", "cash", 2500, "session", 1),
                    ("patient_paid", "check", 1050, "payment", None)]


def test_payment_bad_input(practice, home):
    practice.ok(CLIENT + " --copay 25")
    before = ledger_rows(home)
    assert "negative" in practice.fails("payment add jdoe -- -5")
    assert "more than 0.00" in practice.fails("payment add jdoe 0")
    assert "--method 'bitcoin'" in practice.fails("payment add jdoe 5 --method bitcoin")
    assert "no client 'nobody'" in practice.fails("payment add nobody 5")
    assert ledger_rows(home) == before


def test_void_keeps_row_and_reverses_charge(practice, home):
    practice.ok(CLIENT + " --copay 25")
    practice.ok("session add jdoe --date 2026-11-20 --cpt 90837")
    practice.ok("session void 1 --reason 'entered twice'")
    [s] = sessions_json(practice)
    assert s["status"] == "void" and s["void_reason"] == "entered twice"
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE kind='charge'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0] == 2
    assert "already void" in practice.fails("session void 1 --reason again")
    assert "no session 99" in practice.fails("session void 99 --reason x")


def test_list_filters(practice):
    practice.ok(CLIENT + " --copay 25")
    for d in ("2026-10-01", "2026-10-15", "2026-11-01"):
        practice.ok(f"session add jdoe --date {d} --cpt 90837")
    assert [s["date"] for s in sessions_json(practice, "--from", "2026-10-10", "--to", "2026-10-31")] == ["2026-10-15"]
    assert len(sessions_json(practice, "--client", "jdoe", "--unbilled")) == 3
    assert "no client 'x'" in practice.fails("session list --client x")
    shown = json.loads(practice.ok("session show 2 --json").stdout)
    assert shown["date"] == "2026-10-15"


DATES = ["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02", "2026-02-09", "2026-02-16", "2026-02-23",
         "2026-03-02", "2026-03-09"]


@pytest.mark.parametrize("sharing,expected", [
    ("--copay 25", ["25.00"] * 3),
    ("--copay 150", ["120.00"] * 3),
    ("--coinsurance 20", ["24.00"] * 3),
    ("--coinsurance 20 --deductible 500", ["120.00", "120.00", "120.00", "120.00", "40.00", "24.00"]),
    ("--coinsurance 20 --deductible 500 --oop-max 600",
     ["120.00", "120.00", "120.00", "120.00", "40.00", "24.00", "24.00", "24.00", "8.00", "0.00"]),
])
def test_estimate_vectors(practice, sharing, expected):
    practice.ok(f"{CLIENT} {sharing}")
    for d in DATES[: len(expected)]:
        practice.ok(f"session add jdoe --date {d} --cpt 90837")
    assert [s["patient_estimate"] for s in sessions_json(practice)] == expected


def test_self_pay_estimate(practice):
    practice.ok("client add solo --first Selfie --last Payer --dob 1980-01-01 --sex M --self-pay")
    out = practice.ok("session add solo --date 2026-11-20 --cpt 90837").stdout
    assert "client owes ~$180.00 (self-pay)" in out
    [s] = sessions_json(practice)
    assert s["payer"] is None and s["patient_estimate"] == "180.00"


def test_out_of_order_entry_recomputes(practice):
    practice.ok(f"{CLIENT} --coinsurance 20 --deductible 500")
    order = [5, 0, 3, 1, 4, 2]
    for i in order:
        practice.ok(f"session add jdoe --date {DATES[i]} --cpt 90837")
    by_date = sorted(sessions_json(practice), key=lambda s: s["date"])
    assert [s["patient_estimate"] for s in by_date] == ["120.00", "120.00", "120.00", "120.00", "40.00", "24.00"]


def test_deductible_met_and_plan_year(practice):
    practice.ok(f"{CLIENT} --coinsurance 20 --deductible 500 --deductible-met 450 --plan-year-start 07-01")
    import datetime

    today = datetime.date.today()
    practice.ok(f"session add jdoe --date {today.isoformat()} --cpt 90837")
    [s] = sessions_json(practice)
    # 50.00 of deductible left, then 20% of the other 70.00
    assert s["patient_estimate"] == "64.00" and s["estimate_basis"] == "deductible"


def test_new_plan_year_resets_deductible(practice):
    practice.ok(f"{CLIENT} --coinsurance 20 --deductible 100")
    practice.ok("session add jdoe --date 2025-12-20 --cpt 90837")
    practice.ok("session add jdoe --date 2026-01-03 --cpt 90837")
    assert [s["patient_estimate"] for s in sessions_json(practice)] == ["104.00", "104.00"]


def test_out_of_network_policy(practice):
    practice.ok("payer add northwind --name Northwind")
    practice.ok("client add oon --first Out --last Network --dob 1980-01-01 --sex F --payer northwind --member-id N1 --self-pay")
    out = practice.ok("session add oon --date 2026-11-20 --cpt 90837 --paid 180").stdout
    assert "client owes ~$180.00 (out-of-network)" in out
    [s] = sessions_json(practice)
    assert s["payer"] is None


def test_no_contracted_rate_estimates_full_fee(practice):
    practice.ok(CLIENT + " --copay 25")
    practice.ok("fee set 90847 170")
    out = practice.ok("session add jdoe --date 2026-11-20 --cpt 90847").stdout
    assert "no contracted rate" in out and "client owes ~$170.00 (out-of-network)" in out


@pytest.mark.parametrize("args,msg", [
    ("--date 2026-02-30 --cpt 90837", "--date '2026-02-30' is not a real date"),
    ("--date 2026-11-20 --cpt 9083", "not a 5-character CPT"),
    ("--date 2026-11-20 --cpt 90837 --fee abc", "'abc' is not an amount"),
    ("--date 2026-11-20 --cpt 90837 --units 0", "--units 0: must be 1 to 99"),
    ("--date 2026-11-20 --cpt 90837 --pos 1", "--pos '1'"),
    ("--date 2026-11-20 --cpt 90837 --modifier 959", "not a 2-character modifier"),
    ("--date 2026-11-20 --cpt 90837 --paid 5 --method barter", "--method 'barter'"),
])
def test_session_bad_input(practice, home, args, msg):
    practice.ok(CLIENT + " --copay 25")
    before = ledger_rows(home)
    assert msg in practice.fails(f"session add jdoe {args}")
    assert ledger_rows(home) == before
