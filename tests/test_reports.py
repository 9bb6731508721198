"""report balances / aging / deductible / payers over a scenario with exact figures, and write-offs.

The scenario (`scenario` below; test_statement.py and test_todo.py use it too) is built through the code the CLI
runs: clients, sessions, client payments and write-offs through the CLI; claims issued by claims/build.py (each on
its day: the ledger's clock pinned to it); the payers' answers written as 835 files (remittance/x12_835_writer.py)
and posted by `era import`'s import_era, so statuses, postings and remittance records are the ones claimkit writes.

    cole  copay 25 (acme): copays collected at 4 sessions; claim CK00001 (3 lines) paid by an ERA on 04-10, whose
          90834 line is reversed and corrected (allowed 90, under the 95 contract) on 04-24; CK00006 (04-20)
          not answered yet.
    dana  20% coinsurance after a 300.00 deductible (acme): the deductible is met across two ERAs (CK00002 on
          02-10 allows 130 for the 90791 instead of 140; CK00003 on 02-20), pays 100.00 of her part on 02-25;
          a fifth session (03-02) is not billed yet.
    eli   copay 25 (acme): CK00004 denied CO-50 (stays outstanding), CK00005 denied CO-29 and written off.
    fay   self-pay: pays 170 for a 180 session, 180 for the next, 10.00 written off; a third session unpaid.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from conftest import copy_home

ACME = "--payer acme --member-id {m} --effective 2026-01-01"
CLIENTS = {
    "cole": "client add cole --first Cole --last Testcase --dob 1985-02-03 --sex M --dx F41.1 " + ACME.format(m="C1") + " --copay 25",
    "dana": "client add dana --first Dana --last Testcase --dob 1990-05-06 --sex F --dx F32.1 --address '5 Elm St' --city Austin"
            " --state TX --zip 78702 " + ACME.format(m="D1") + " --coinsurance 20 --deductible 300",
    "eli": "client add eli --first Eli --last Testcase --dob 1979-07-08 --sex M --dx F43.23 " + ACME.format(m="E1") + " --copay 25",
    "fay": "client add fay --first Fay --last Testcase --dob 1995-09-10 --sex F --dx F41.1 --self-pay",
}
SESSIONS = [  # (client, date, cpt, paid at the session)
    ("cole", "2026-03-02", "90837", "25"), ("cole", "2026-03-09", "90837", "25"), ("cole", "2026-03-16", "90834", "25"),
    ("dana", "2026-01-05", "90791", None), ("dana", "2026-01-12", "90837", None), ("dana", "2026-01-19", "90837", None),
    ("dana", "2026-01-26", "90837", None),
    ("eli", "2026-02-02", "90837", None), ("eli", "2026-02-09", "90837", None),
    ("fay", "2026-03-03", "90837", "170"), ("fay", "2026-03-10", "90837", "180"),
    ("dana", "2026-03-02", "90837", None),  # 12: not billed
    ("cole", "2026-04-20", "90837", "25"),  # 13: CK00006, no remittance yet
    ("fay", "2026-04-07", "90837", None),  # 14: unpaid self-pay
]
# claim id -> (client, created, session ids)
CLAIMS = {
    "CK00001": ("cole", "2026-03-20", [1, 2, 3]),
    "CK00002": ("dana", "2026-01-20", [4, 5]),
    "CK00003": ("dana", "2026-02-01", [6, 7]),
    "CK00004": ("eli", "2026-02-05", [8]),
    "CK00005": ("eli", "2026-02-12", [9]),
    "CK00006": ("cole", "2026-04-22", [13]),
}
# the payers' answers, as ERA files the remittance code reads and posts: (trace, paid on, [(claim, CLP02, payer claim
# number, [(session, paid, allowed, ((group, reason, amount), ...)), ...]), ...])
COPAY = "3"
ERAS = [
    # cole, 04-10: copay 25 on each line
    ("TRN1", "2026-04-10", [("CK00001", "1", "PCN1", [(1, "95.00", "120.00", (("CO", "45", "60.00"), ("PR", COPAY, "25.00"))),
                                                      (2, "95.00", "120.00", (("CO", "45", "60.00"), ("PR", COPAY, "25.00"))),
                                                      (3, "70.00", "95.00", (("CO", "45", "55.00"), ("PR", COPAY, "25.00")))])]),
    # cole, 04-24: the payer takes the claim back (CLP02 22) and pays it again, the 90834 allowed 90 (under the 95
    # contract); the 5.00 it paid too much goes forward to a later remittance (PLB FB), as payers do with a debit
    ("TRN2", "2026-04-24", [
        ("CK00001", "22", "PCN1", [(1, "-95.00", "-120.00", (("CO", "45", "-60.00"), ("PR", COPAY, "-25.00"))),
                                   (2, "-95.00", "-120.00", (("CO", "45", "-60.00"), ("PR", COPAY, "-25.00"))),
                                   (3, "-70.00", "-95.00", (("CO", "45", "-55.00"), ("PR", COPAY, "-25.00")))]),
        ("CK00001", "1", "PCN1R", [(1, "95.00", "120.00", (("CO", "45", "60.00"), ("PR", COPAY, "25.00"))),
                                   (2, "95.00", "120.00", (("CO", "45", "60.00"), ("PR", COPAY, "25.00"))),
                                   (3, "65.00", "90.00", (("CO", "45", "60.00"), ("PR", COPAY, "25.00")))])],
     (("FB", "PCN1", "-5.00"),)),
    # dana, 02-10: all to the deductible (90791 allowed 130)
    ("TRN3", "2026-02-10", [("CK00002", "1", "PCN2", [(4, "0.00", "130.00", (("CO", "45", "70.00"), ("PR", "1", "130.00"))),
                                                      (5, "0.00", "120.00", (("CO", "45", "60.00"), ("PR", "1", "120.00")))])]),
    # dana, 02-20: the last 50 of the deductible, then 20%
    ("TRN4", "2026-02-20", [("CK00003", "1", "PCN3", [
        (6, "56.00", "120.00", (("CO", "45", "60.00"), ("PR", "1", "50.00"), ("PR", "2", "14.00"))),
        (7, "96.00", "120.00", (("CO", "45", "60.00"), ("PR", "2", "24.00")))])]),
    # eli, 03-01: two denials
    ("TRN5", "2026-03-01", [("CK00004", "1", "PCN4", [(8, "0.00", None, (("CO", "50", "180.00"),))]),
                            ("CK00005", "1", "PCN5", [(9, "0.00", None, (("CO", "29", "180.00"),))])]),
]
MEMBERS = {"cole": ("Testcase", "Cole", "C1"), "dana": ("Testcase", "Dana", "D1"), "eli": ("Testcase", "Eli", "E1")}


def _ts(day: str) -> str:
    return f"{day}T10:00:00-06:00"


def issue_claims(home: Path, claims: dict = CLAIMS) -> None:
    """The claims as `cms1500 render` issues them (claims/build.py), each on its own day: the ledger's clock is
    pinned to the claim's day, since the reports count from when a claim was created."""
    from datetime import date

    import claimkit.claims.ledger as claim_ledger
    from claimkit.claims.build import create_claims, select_sessions
    from claimkit.store.workspace import Workspace

    ws = Workspace(home)
    try:
        with pytest.MonkeyPatch.context() as mp:
            for cid, (_client, created, sids) in claims.items():
                mp.setattr(claim_ledger, "now_iso", lambda created=created: _ts(created))
                [snap] = create_claims(ws, select_sessions(ws, session_ids=sids), None, created=date.fromisoformat(created))
                assert snap.claim_id == cid, (snap.claim_id, cid)
    finally:
        ws.close()


def post_eras(home: Path, eras: list = ERAS) -> None:
    """Each answer written as the payer's 835 (remittance/x12_835_writer.py) and imported by `era import`'s code."""
    from datetime import date
    from decimal import Decimal

    from claimkit.remittance.era_import import import_era
    from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835
    from claimkit.store.workspace import Workspace

    ws = Workspace(home)
    try:
        sessions = {r[0]: r[1:] for r in ws.conn.execute("SELECT id, client, date, cpt, fee_cents FROM sessions")}
        for n, (trace, day, claims, *plb) in enumerate(eras, start=1):
            outcomes = []
            for cid, status, pcn, lines in claims:
                client = sessions[lines[0][0]][0]
                last, first, member = MEMBERS[client]
                sign = -1 if status == "22" else 1
                outcomes.append(ClaimOutcome(cid, status, pcn, last, first, member, tuple(
                    LineOutcome(sessions[sid][2], (), Decimal(sessions[sid][3]).scaleb(-2) * sign, Decimal(paid),
                                date.fromisoformat(sessions[sid][1]), "", Decimal(allowed) if allowed else None,
                                tuple((g, r, Decimal(a)) for g, r, a in adj))
                    for sid, paid, allowed, adj in lines)))
            path = home.parent / f"{trace}.835"
            path.write_text(write_835(Remit("Acme Test Health", "11111", "Testwell", "1234567893", trace,
                                            date.fromisoformat(day), tuple(outcomes),
                                            tuple((r, ref, Decimal(a)) for r, ref, a in (plb[0] if plb else ())), control=n)))
            import_era(ws, path, today=date.fromisoformat(day))
    finally:
        ws.close()


def build(cli, *, eras: bool = True, writeoffs: bool = True) -> None:
    for line in CLIENTS.values():
        cli.ok(line)
    for client, day, cpt, paid in SESSIONS:
        cli.ok(f"session add {client} --date {day} --cpt {cpt}" + (f" --paid {paid} --method card" if paid else ""))
    issue_claims(cli.home)
    if eras:
        post_eras(cli.home)
    cli.ok("payment add dana 100.00 --date 2026-02-25 --method check")
    if writeoffs:
        cli.ok("writeoff CK00005 180.00 --reason 'CO-29 timely filing, not appealable' --date 2026-03-05")
        cli.ok("writeoff fay 10.00 --reason 'small balance' --date 2026-03-15")


@pytest.fixture
def scenario(cli, report_scenario_template):
    """A copy of the report scenario (tests/test_reports.py build()), made once per test process."""
    return copy_home(report_scenario_template, cli)


def balances_json(cli, *args) -> dict:
    out = json.loads(cli.ok("report balances --json " + " ".join(args)).stdout)
    return out


def by_client(report: dict) -> dict:
    return {r["client"]: r for r in report["clients"]}


COLS = ["client", "charges", "insurance_paid", "contractual_adjustments", "patient_responsibility", "patient_paid",
        "written_off", "balance", "insurance_outstanding", "estimated_patient_pending", "last_payment"]


def row(*values) -> dict:
    return dict(zip(COLS, values))


# --- balances --------------------------------------------------------------------------------------------

def test_balances_exact(scenario):
    report = balances_json(scenario, "--as-of 2026-05-01")
    assert report["as_of"] == "2026-05-01"
    assert [list(r) for r in report["clients"]][0] == COLS
    assert by_client(report) == {
        "cole": row("cole", "690.00", "255.00", "180.00", "75.00", "100.00", "0.00", "-25.00", "180.00", "25.00", "2026-04-20"),
        "dana": row("dana", "920.00", "152.00", "250.00", "338.00", "100.00", "0.00", "238.00", "0.00", "24.00", "2026-02-25"),
        "eli": row("eli", "360.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "180.00", "0.00", None),
        "fay": row("fay", "540.00", "0.00", "0.00", "540.00", "350.00", "10.00", "180.00", "0.00", "0.00", "2026-03-10"),
    }
    assert report["totals"] == {k: v for k, v in row(
        "", "2510.00", "407.00", "430.00", "953.00", "550.00", "10.00", "393.00", "360.00", "49.00", "2026-04-20").items()
        if k != "client"}


def test_balances_as_of_before_and_after_an_era(scenario):
    before = by_client(balances_json(scenario, "--as-of 2026-04-09"))["cole"]
    # copays collected, claim billed, nothing adjudicated: a credit, all outstanding, the copays estimated
    assert before == row("cole", "510.00", "0.00", "0.00", "0.00", "75.00", "0.00", "-75.00", "510.00", "75.00", "2026-03-16")
    after = by_client(balances_json(scenario, "--as-of 2026-04-10"))["cole"]
    assert after == row("cole", "510.00", "260.00", "175.00", "75.00", "75.00", "0.00", "0.00", "0.00", "0.00", "2026-03-16")
    # the reversal and correction of 04-24 net to the corrected figures
    corrected = by_client(balances_json(scenario, "--as-of 2026-04-24"))["cole"]
    assert (corrected["insurance_paid"], corrected["contractual_adjustments"], corrected["insurance_outstanding"]) == (
        "255.00", "180.00", "180.00")


def test_balances_as_of_between_the_two_dana_eras(scenario):
    dana = by_client(balances_json(scenario, "--as-of 2026-02-15"))["dana"]
    # ERA 1 posted 250 to the deductible; CK00003 waits; its estimate uses what ERA 1 posted: 50 + 20% of 70, then 24
    assert dana == row("dana", "740.00", "0.00", "130.00", "250.00", "0.00", "0.00", "250.00", "360.00", "88.00", None)
    early = by_client(balances_json(scenario, "--as-of 2026-02-05"))["dana"]
    # before any ERA: 140 + 120 + (40 + 16) + 24 estimated
    assert early["estimated_patient_pending"] == "340.00"
    assert early["insurance_outstanding"] == "740.00"


def test_balances_today_path_matches_the_exact_one(scenario):
    # for today or later, pending sessions are found through the claims' statuses (as remittance/post.py sets them)
    past = balances_json(scenario, "--as-of 2026-05-01")
    future = balances_json(scenario, "--as-of 2099-12-31")
    assert future["clients"] == past["clients"] and future["totals"] == past["totals"]


def test_balances_one_client_csv_and_table(scenario):
    out = scenario.ok("report balances --as-of 2026-05-01 --client dana --format csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == COLS
    assert rows[1] == ["dana", "920.00", "152.00", "250.00", "338.00", "100.00", "0.00", "238.00", "0.00", "24.00", "2026-02-25"]
    assert rows[2][0] == "TOTAL" and rows[2][7] == "238.00"
    table = scenario.ok("report balances --as-of 2026-05-01").stdout
    assert "Balances as of 2026-05-01" in table
    assert [ln.split()[0] for ln in table.splitlines()[3:]] == ["cole", "dana", "eli", "fay", "TOTAL"]
    assert "-$25.00" in table and "$2,510.00" in table


def test_balances_errors(scenario):
    assert scenario.fails("report balances --client nobody").startswith("error: no client 'nobody'")
    assert "--as-of '2026-13-01' is not a real date" in scenario.fails("report balances --as-of 2026-13-01")
    assert "--format 'xml'" in scenario.fails("report balances --format xml")


def test_balances_of_an_empty_ledger(practice):
    out = json.loads(practice.ok("report balances --json --as-of 2026-05-01").stdout)
    assert out == {"as_of": "2026-05-01", "clients": [], "totals": {k: ("0.00" if k != "last_payment" else None)
                                                                     for k in COLS[1:]}}


# --- aging ---------------------------------------------------------------------------------------------------

def aging_json(cli, *args) -> dict:
    return json.loads(cli.ok("report aging --json " + " ".join(args)).stdout)


def buckets(*values, not_stated=None) -> dict:
    out = dict(zip(["0-30", "31-60", "61-90", "91-120", "over-120"], values))
    if not_stated is not None:
        out["not_stated"] = not_stated
    return out


def test_aging_by_service_on_fixed_dates(scenario):
    report = aging_json(scenario, "--today 2026-05-01")
    assert report["as_of"] == "2026-05-01" and report["by"] == "service"
    rows = {r["client"]: r for r in report["clients"]}
    # cole: a copay collected at the 04-20 session, not adjudicated yet: a credit, current
    assert rows["cole"]["patient"] == {**buckets("-25.00", "0.00", "0.00", "0.00", "0.00"), "total": "-25.00"}
    # CK00006 (04-20) waits; eli's CO-50 denial (02-02, 88 days) stays outstanding; CK00005 was written off
    assert rows["cole"]["insurance"] == {**buckets("180.00", "0.00", "0.00", "0.00", "0.00"), "total": "180.00"}
    assert rows["eli"]["insurance"] == {**buckets("0.00", "0.00", "180.00", "0.00", "0.00"), "total": "180.00"}
    # dana: 338 assigned in January, 100 paid: the oldest (01-05) is paid first; all 95-116 days old
    assert rows["dana"]["patient"] == {**buckets("0.00", "0.00", "0.00", "238.00", "0.00"), "total": "238.00"}
    # fay: the 10.00 write-off closed 03-03; 04-07 (24 days) unpaid
    assert rows["fay"]["patient"] == {**buckets("180.00", "0.00", "0.00", "0.00", "0.00"), "total": "180.00"}
    assert report["totals"]["patient"] == {**buckets("155.00", "0.00", "0.00", "238.00", "0.00"), "total": "393.00"}
    assert report["totals"]["insurance"] == {**buckets("180.00", "0.00", "180.00", "0.00", "0.00"), "total": "360.00"}


def test_aging_moves_with_today(scenario):
    rows = {r["client"]: r for r in aging_json(scenario, "--today 2026-03-15")["clients"]}
    # 100 paid against 01-05 (130): 30 left of it (69 days) and 01-12 (120, 62 days) in 61-90; 01-19 and 01-26 in 31-60
    assert rows["dana"]["patient"] == {**buckets("0.00", "88.00", "150.00", "0.00", "0.00"), "total": "238.00"}
    # eli: both denials outstanding on 03-01 ... CK00005 written off on 03-05
    assert rows["eli"]["insurance"] == {**buckets("0.00", "180.00", "0.00", "0.00", "0.00"), "total": "180.00"}
    later = {r["client"]: r for r in aging_json(scenario, "--today 2026-09-01")["clients"]}
    assert later["dana"]["patient"]["over-120"] == "238.00"
    assert later["eli"]["insurance"]["over-120"] == "180.00"


def test_aging_by_statement(scenario):
    report = aging_json(scenario, "--today 2026-05-01 --by statement")
    rows = {r["client"]: r for r in report["clients"]}
    assert rows["dana"]["patient"]["not_stated"] == "238.00" and rows["dana"]["patient"]["total"] == "238.00"
    # insurance by the day the claim was billed: CK00004 on 02-05 (85 days), CK00006 on 04-22
    assert rows["eli"]["insurance"]["61-90"] == "180.00"
    scenario.ok("statement render dana --date 2026-03-01 -o " + str(scenario.home.parent / "dana.pdf"))
    rows = {r["client"]: r for r in aging_json(scenario, "--today 2026-05-01 --by statement")["clients"]}
    # the 03-01 statement showed all of it: aged from 03-01 (61 days)
    assert rows["dana"]["patient"] == {**buckets("0.00", "0.00", "238.00", "0.00", "0.00", not_stated="0.00"), "total": "238.00"}


def test_aging_today_path_and_table(scenario):
    report = aging_json(scenario, "--today 2099-01-01")
    assert report["totals"]["insurance"]["over-120"] == "360.00"
    assert report["totals"]["patient"]["total"] == "393.00"
    out = scenario.ok("report aging --today 2026-05-01").stdout
    assert "Aging by service as of 2026-05-01" in out and "insurance" in out
    out = scenario.ok("report aging --today 2026-05-01 --format csv --client eli").stdout
    assert out.splitlines()[2] == "eli,insurance,0.00,0.00,180.00,0.00,0.00,180.00"
    assert "--by 'dos'" in scenario.fails("report aging --by dos")


# --- deductible ----------------------------------------------------------------------------------------------

def deductible_json(cli, *args) -> dict:
    return json.loads(cli.ok("report deductible --json " + " ".join(args)).stdout)


def test_deductible_met_across_two_eras(scenario):
    before = deductible_json(scenario, "dana --as-of 2026-02-05")
    # nothing adjudicated yet: all estimated, 140 + 120 + 40
    assert before["deductible"] == {"amount": "300.00", "used": "300.00", "adjudicated": "0.00", "estimated": "300.00",
                                    "carried_in": "0.00", "remaining": "0.00"}
    assert [s["patient"] for s in before["sessions"]] == ["140.00", "120.00", "56.00", "24.00"]
    between = deductible_json(scenario, "dana --as-of 2026-02-15")
    # ERA 1 put 250 (not 260: the 90791 was allowed 130) to the deductible: the next session's estimate moves to 50 + 14
    assert between["deductible"] == {"amount": "300.00", "used": "300.00", "adjudicated": "250.00", "estimated": "50.00",
                                     "carried_in": "0.00", "remaining": "0.00"}
    assert [s["patient"] for s in between["sessions"]] == ["130.00", "120.00", "64.00", "24.00"]
    after = deductible_json(scenario, "dana --as-of 2026-05-01")
    assert after["plan_year"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert after["deductible"]["adjudicated"] == "300.00" and after["deductible"]["estimated"] == "0.00"
    assert after["out_of_pocket"] == {"amount": None, "used": "362.00", "adjudicated": "338.00", "estimated": "24.00",
                                      "carried_in": "0.00", "remaining": None}
    assert after["next_session"] == {"cpt": "90837", "patient_estimate": "24.00", "basis": "coinsurance"}
    # the session list shows the same numbers
    sessions = {s["id"]: s for s in json.loads(scenario.ok("session list --client dana --json").stdout)}
    assert sessions[12]["patient_estimate"] == "24.00"
    assert sessions[6]["patient_estimate"] == "64.00" and sessions[6]["estimate_basis"] == "adjudicated"


def test_deductible_carried_in_and_oop_max(practice):
    practice.ok("client add gus --first Gus --last Testcase --dob 1980-01-01 --sex M --dx F41.1 --payer acme --member-id G1"
                " --coinsurance 20 --deductible 500 --deductible-met 450 --oop-max 600 --effective 2026-01-01")
    practice.ok("session add gus --date 2026-02-02 --cpt 90837")
    practice.ok("session add gus --date 2026-02-09 --cpt 90837")
    r = deductible_json(practice, "gus --as-of 2026-03-01")
    # 450 met before claimkit; the first session takes the last 50 + 20% of 70 (64), the second 20% of 120 (24)
    assert r["deductible"] == {"amount": "500.00", "used": "500.00", "adjudicated": "0.00", "estimated": "50.00",
                               "carried_in": "450.00", "remaining": "0.00"}
    assert r["out_of_pocket"] == {"amount": "600.00", "used": "538.00", "adjudicated": "0.00", "estimated": "88.00",
                                  "carried_in": "450.00", "remaining": "62.00"}
    out = practice.ok("report deductible gus --as-of 2026-03-01").stdout
    assert "plan year 2026-01-01 to 2026-12-31" in out and "Next 90837 session: the client pays ~$24.00" in out


def test_deductible_errors(scenario):
    assert "fay has no primary policy in force on 2026-05-01" in scenario.fails("report deductible fay --as-of 2026-05-01")
    assert "no primary policy in force on 2025-06-01" in scenario.fails("report deductible dana --as-of 2025-06-01")
    copay = deductible_json(scenario, "cole --as-of 2026-05-01")
    assert copay["deductible"]["amount"] == "0.00" and copay["out_of_pocket"]["used"] == "100.00"


# --- payers --------------------------------------------------------------------------------------------------

def test_payer_scorecard(scenario):
    report = json.loads(scenario.ok("report payers --json --today 2026-05-01").stdout)
    [acme] = report["payers"]
    cpt = {c["cpt"]: c for c in acme.pop("cpt")}
    assert acme == {"payer": "acme", "name": "Acme Test Health", "claims": 6, "billed": "1790.00", "paid": "407.00",
                    "avg_days_to_pay": 20.0, "claims_paid": 2, "claims_adjudicated": 5, "claims_denied": 2,
                    "days_to_pay_left_out": {"claims": 0, "why": "paid before the claim was created in claimkit"},
                    "denial_rate": 0.4, "claims_acknowledged": 0, "claims_clean": 0, "clean_claim_rate": None,
                    "rejections": 0}
    assert cpt["90791"] == {"cpt": "90791", "lines": 1, "avg_allowed": "130.00", "min_allowed": "130.00",
                            "contracted": "140.00", "underpaid_lines": 1, "underpaid": "10.00", "flag": "underpaid"}
    assert cpt["90834"]["avg_allowed"] == "90.00" and cpt["90834"]["underpaid"] == "5.00"
    assert cpt["90837"] == {"cpt": "90837", "lines": 5, "avg_allowed": "120.00", "min_allowed": "120.00",
                            "contracted": "120.00", "underpaid_lines": 0, "underpaid": "0.00", "flag": ""}
    assert report["charts"]["days_to_pay"] == [{"payer": "acme", "days": 20.0}]
    months = {m["month"]: m for m in report["charts"]["monthly_collections"]}
    assert len(months) == 12 and list(months)[-1] == "2026-05"
    assert months["2026-02"] == {"month": "2026-02", "insurance": "152.00", "clients": "100.00", "total": "252.00"}
    assert months["2026-03"]["total"] == "425.00" and months["2026-04"]["insurance"] == "255.00"
    out = scenario.ok("report payers --today 2026-05-01 --months 3").stdout
    assert "Average days from claim to payment" in out and "20.0 days" in out and "█" in out
    assert "1 lines, $10.00 short" in out and "40% (2/5)" in out


# --- write-offs ----------------------------------------------------------------------------------------------

def test_writeoff_rules(scenario, home):
    line = scenario.fails("writeoff CK00004 180.01 --reason x --date 2026-05-01")
    assert line == "error: claim CK00004 has $180.00 outstanding from insurance on 2026-05-01; write off at most that"
    assert scenario.fails("writeoff fay 180.01 --reason x --date 2026-05-01") == \
        "error: fay owes $180.00 on 2026-05-01; write off at most that"
    assert "a credit is refunded" in scenario.fails("writeoff cole 1.00 --reason x --date 2026-05-01")
    assert "no client or claim 'ck99999'" in scenario.fails("writeoff ck99999 1.00 --reason x")
    assert "--reason is required" in scenario.fails("writeoff fay 1.00")
    assert "more than 0.00" in scenario.fails("writeoff fay 0 --reason x")
    done = json.loads(scenario.ok("writeoff ck00004 100.00 --reason 'not worth appealing' --date 2026-05-01 --json").stdout)
    assert done == {"target": "CK00004", "part": "insurance", "client": "eli", "amount": "100.00",
                    "lines": [{"session": 8, "amount": "100.00"}], "remaining": "80.00"}
    row = sqlite3.connect(home / "ledger.db").execute(
        "SELECT kind, reason, note, claim_id, session_id, client, payer, source FROM postings ORDER BY id DESC LIMIT 1").fetchone()
    assert row == ("writeoff", "insurance", "not worth appealing", "CK00004", 8, "eli", "acme", "manual")
    assert by_client(balances_json(scenario, "--as-of 2026-05-01"))["eli"]["insurance_outstanding"] == "80.00"
    out = scenario.ok("writeoff fay 5.00 --reason 'small balance' --date 2026-05-01").stdout
    assert out.strip() == "Wrote off $5.00 of fay's balance: small balance. Left: $175.00"


# --- with the claims and postings claimkit itself writes -------------------------------------------------------

def test_reports_over_claims_and_eobs_posted_by_claimkit(practice, tmp_path, monkeypatch):
    """The same reports over claims built by `cms1500 render` and EOBs posted by `eob add` (claims/, remittance/)."""
    from datetime import date, timedelta

    day = date(2026, 4, 30)  # pinned: every session, EOB and the new session fall in the 2026 plan year
    d = lambda n: (day - timedelta(days=n)).isoformat()  # noqa: E731
    practice.ok("client add hana --first Hana --last Testcase --dob 1991-01-01 --sex F --dx F41.1 --payer acme --member-id H1"
                f" --coinsurance 20 --deductible 300 --effective {day.year - 1}-01-01")
    practice.ok("client add ivo --first Ivo --last Testcase --dob 1992-02-02 --sex M --dx F41.1 --payer acme --member-id I1 --copay 25")
    for client, ago in (("hana", 40), ("hana", 33), ("ivo", 38)):
        practice.ok(f"session add {client} --date {d(ago)} --cpt 90837 --minutes 55")
    # the claims are created on a pinned day too (the ledger's clock), before the EOBs that answer them
    monkeypatch.setattr("claimkit.claims.ledger.now_iso", lambda: f"{d(30)}T10:00:00-06:00")
    result = practice(f"cms1500 render --unbilled -o {tmp_path / 'claims.pdf'} --force")
    assert result.exit_code in (0, 1), result.stderr
    claims = {c["client"]: c["id"] for c in json.loads(practice.ok("claim list --json").stdout)}
    practice.ok(f"eob add {claims['hana']} --line 1 --allowed 120.00 --paid 0.00 --deductible 120.00 --date {d(10)}")
    practice.ok(f"eob add {claims['hana']} --line 2 --allowed 120.00 --paid 0.00 --deductible 120.00 --date {d(10)}")
    practice.ok(f"eob add {claims['ivo']} --allowed 0.00 --paid 0.00 --adjust CO-50:180.00 --date {d(9)}")
    practice.ok(f"session add hana --date {d(3)} --cpt 90837 --minutes 55")
    rows = by_client(balances_json(practice, f"--today {day.isoformat()}"))  # the today path (claim statuses)
    # 240 of the 300 deductible came from the EOB; the new session's estimate is the last 60 of it and 20% of the
    # other 60
    assert rows["hana"] == row("hana", "540.00", "0.00", "120.00", "240.00", "0.00", "0.00", "240.00", "0.00", "72.00", None)
    # ivo's denial (paid nothing, CO-50) stays outstanding, and is on the work list with what to do
    assert rows["ivo"] == row("ivo", "180.00", "0.00", "0.00", "0.00", "0.00", "0.00", "0.00", "180.00", "0.00", None)
    items = json.loads(practice.ok(f"todo --json --today {day.isoformat()}").stdout)["items"]
    [denial] = [i for i in items if i["kind"] == "denial"]
    assert denial["client"] == "ivo" and "(CO-50)" in denial["detail"]
    assert not any(i["kind"] == "no_remittance" for i in items)
    ded = deductible_json(practice, "hana", f"--as-of {day.isoformat()}")
    assert (ded["deductible"]["adjudicated"], ded["deductible"]["estimated"], ded["deductible"]["remaining"]) == (
        "240.00", "60.00", "0.00")
    aging = json.loads(practice.ok(f"report aging --json --today {day.isoformat()}").stdout)
    assert aging["totals"]["insurance"]["total"] == "180.00" and aging["totals"]["patient"]["total"] == "240.00"
