"""Issue 15: money that is always right. Each test reproduces one defect measured on real ERAs (and fails
before its fix): claim-level adjustments beside line-level ones, predeterminations matched as payments, paper
EOBs in sequence, reversals out of order, split payments, secondary claims, negative totals, ERAs for another
practice; and the invariant that catches the whole class (every remittance claim posts CLP04 to the cent)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

SAMPLES = Path(__file__).parent / "data" / "x12"
MANAGED_CARE = SAMPLES / "835_x12ig_dollars_data_separate_managed_care.edi"


def balances(cli) -> dict[str, dict]:
    return {c["client"]: c for c in json.loads(cli.ok("report balances --json").stdout)["clients"]}


def postings(home: Path, claim: str) -> dict[str, int]:
    conn = sqlite3.connect(home / "ledger.db")
    return {k: v for k, v in conn.execute(
        "SELECT kind, SUM(amount_cents) FROM postings WHERE claim_id = ? AND source IN ('era', 'eob') GROUP BY kind",
        (claim,)) if v}


@pytest.fixture
def rushmore(cli, tmp_path):
    """The managed-care example's payee (tax ID 777667755, REF*TJ) with its two patients, billed as that file says
    (William Budd 99211 800.00 on 2002-03-01, Susan Settle 93555 1200.00 on 2002-03-10) to Rushmore Life: CK00001
    and CK00002."""
    from conftest import PRACTICE_ARGS

    practice = cli
    practice.ok(PRACTICE_ARGS.replace("--tax-id 99-1234567", "--tax-id 77-7667755"))
    practice.ok("fee set 99211 800.00")
    practice.ok("fee set 93555 1200.00")
    practice.ok("payer add rush --name 'Rushmore Life' --payer-id 55555 --type commercial")
    for cid, first, last, member, day, cpt in (("budd", "William", "Budd", "33344555510", "2002-03-01", "99211"),
                                               ("settle", "Susan", "Settle", "44455666610", "2002-03-10", "93555")):
        practice.ok(f"client add {cid} --first {first} --last {last} --dob 1970-01-01 --sex F --dx F41.1 --payer rush"
                    f" --member-id {member} --coinsurance 20 --address '1 Test St' --city Austin --state TX --zip 78701")
        practice.ok(f"session add {cid} --date {day} --cpt {cpt}")
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    return practice


def test_claim_level_adjustment_beside_line_level_is_taken_from_the_payment_once(rushmore, home):
    """Item 1: Σ SVC03 − claim-level CAS = CLP04; the claim-level CO-A2 was posted as an adjustment *and* left in
    insurance paid (1,050.00 for a 945.00 payment, −50.00 and −55.00 outstanding)."""
    rushmore.ok(f"era import {MANAGED_CARE}")
    assert postings(home, "CK00001") == {"insurance_paid": 45000, "contractual": 5000, "patient_resp": 30000}
    assert postings(home, "CK00002") == {"insurance_paid": 49500, "contractual": 10500, "patient_resp": 60000}
    got = balances(rushmore)
    assert (got["budd"]["insurance_paid"], got["budd"]["insurance_outstanding"], got["budd"]["balance"]) == ("450.00", "0.00", "300.00")
    assert (got["settle"]["insurance_paid"], got["settle"]["insurance_outstanding"], got["settle"]["balance"]) == ("495.00", "0.00", "600.00")


def invariant_breaks(home: Path) -> list[str]:
    from claimkit.remittance.invariant import in_ledger

    conn = sqlite3.connect(home / "ledger.db")
    try:
        return [str(b) for b in in_ledger(conn)]
    finally:
        conn.close()


def test_doctor_names_a_posting_that_breaks_the_invariant(rushmore, home):
    """Item 2: `claimkit doctor` checks every ERA on file; a posting that no remittance said is named."""
    rushmore.ok(f"era import {MANAGED_CARE}")
    checks = {c["check"]: c for c in json.loads(rushmore("doctor --json").stdout)}
    assert checks["remittances"]["status"] == "ok"
    conn = sqlite3.connect(home / "ledger.db")
    with conn:  # an extra 10.00 of insurance paid on CK00001, as the double posting of item 1 left it
        conn.execute("INSERT INTO postings (date, client, claim_id, kind, amount_cents, source, source_ref, import_id, created)"
                     " SELECT date, client, claim_id, kind, 1000, source, source_ref, import_id, created FROM postings"
                     " WHERE claim_id = 'CK00001' AND kind = 'insurance_paid'")
    conn.close()
    checks = {c["check"]: c for c in json.loads(rushmore("doctor --json").stdout)}
    assert checks["remittances"]["status"] == "error"
    assert checks["remittances"]["detail"].startswith(
        "claim CK00001 (payer claim 94060555410000) of payment 71700666555: insurance paid 460.00 is posted where the payer paid 450.00")


# --- item 2: the property test over mutated samples --------------------------------------------------------

import re
import shutil

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import Cli

_BASE: dict[str, Path] = {}


def _base_home(tmp_path_factory) -> Path:
    """One billed home (the rushmore fixture's), copied for each example."""
    if "home" not in _BASE:
        from conftest import PRACTICE_ARGS

        home = tmp_path_factory.mktemp("base") / "home"
        cli = Cli(home)
        cli.ok(PRACTICE_ARGS.replace("--tax-id 99-1234567", "--tax-id 77-7667755"))  # the file's payee (REF*TJ)
        cli.ok("fee set 99211 800.00")
        cli.ok("fee set 93555 1200.00")
        cli.ok("payer add rush --name 'Rushmore Life' --payer-id 55555 --type commercial")
        for cid, member, day, cpt in (("budd", "33344555510", "2002-03-01", "99211"), ("settle", "44455666610", "2002-03-10", "93555")):
            cli.ok(f"client add {cid} --first Testy --last McTestface --dob 1970-01-01 --sex F --dx F41.1 --payer rush"
                   f" --member-id {member} --coinsurance 20 --address '1 Test St' --city Austin --state TX --zip 78701")
            cli.ok(f"session add {cid} --date {day} --cpt {cpt}")
        cli.ok(f"cms1500 render --unbilled --force -o {home.parent / 'c.pdf'}")
        _BASE["home"] = home
    return _BASE["home"]


def _money(cents: int) -> str:
    return f"{cents / 100:.2f}".rstrip("0").rstrip(".") if cents % 100 else str(cents // 100)


def mutate(text: str, moves: list[tuple[int, str, str]], breaks: int) -> tuple[str, list[int]]:
    """The managed-care file with, per claim, a claim-level CAS of `cents` under `group`-`reason` taken from the
    claim's payment (CLP04, and BPR02, lowered by it: the file still balances, as the TR3 says sum SVC03 -
    claim-level CAS = CLP04); `breaks` cents added to the first line's payment alone (unbalancing the file) when
    not 0. Returns the file and each claim's CLP04 in cents."""
    out: list[str] = []
    clp04: list[int] = []
    for seg in text.strip().split("~"):
        seg = seg.strip()
        el = seg.split("*")
        if el[0] == "CLP":
            cents, group, reason = moves[len(clp04)]
            clp04.append(round(float(el[4]) * 100) - cents)
            el[4] = _money(clp04[-1])
            if group == "PR":
                el[5] = _money(round(float(el[5]) * 100) + cents)
            out.append("*".join(el))
            if cents:
                out.append(f"CAS*{group}*{reason}*{_money(cents)}")
            continue
        if el[0] == "SVC" and breaks and len(clp04) == 1:
            el[3] = _money(round(float(el[3]) * 100) + breaks)
        elif el[0] == "SE":
            el[1] = str(int(el[1]) + sum(1 for c, _, _ in moves if c))
        out.append("*".join(el))
    bpr = next(i for i, s in enumerate(out) if s.startswith("BPR"))
    el = out[bpr].split("*")
    el[2] = _money(sum(clp04))
    out[bpr] = "*".join(el)
    return "~".join(out) + "~", clp04


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.generate])
@given(moves=st.lists(st.tuples(st.integers(0, 40000), st.sampled_from(["CO", "OA", "PR", "PI"]), st.sampled_from(["A2", "45", "23", "2"])),
                      min_size=2, max_size=2),
       breaks=st.sampled_from([0, 0, 0, 1, 2500]))
def test_mutated_samples_post_to_the_cent_or_not_at_all(tmp_path_factory, moves, breaks):
    """Item 2: the managed-care sample with its payments moved into claim-level adjustments of any group (the file
    still balancing) posts each claim's CLP04 as insurance paid, its charge = paid + adjustments + client share,
    and the payment = BPR02; a file unbalanced by a cent is refused with its segment and changes nothing."""
    base = _base_home(tmp_path_factory)
    home = tmp_path_factory.mktemp("ex") / "home"
    shutil.copytree(base, home)
    cli = Cli(home)
    text, clp04 = mutate(MANAGED_CARE.read_text(), moves, breaks)
    f = home.parent / "mutated.835"
    f.write_text(text)
    before = sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    if breaks:
        line = cli.fails(f"era import {f}")
        assert re.search(r"segment \d+", line), line
        assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM postings").fetchone()[0] == before
        return
    cli.ok(f"era import {f}")
    assert invariant_breaks(home) == []
    conn = sqlite3.connect(home / "ledger.db")
    for claim, paid, charge in (("CK00001", clp04[0], 80000), ("CK00002", clp04[1], 120000)):
        got = dict(conn.execute("SELECT kind, SUM(amount_cents) FROM postings WHERE claim_id = ? AND source = 'era' GROUP BY kind", (claim,)).fetchall())
        assert got.get("insurance_paid", 0) == paid
        assert sum(got.values()) == charge
    owed = {c: v["insurance_outstanding"] for c, v in balances(cli).items()}
    assert owed == {"budd": "0.00", "settle": "0.00"}


# --- items 3, 5, 11: what is not a payment is not posted as one ------------------------------------------------

from test_posting import billed, claim_lines, paid_lines, remit  # noqa: E402,F401  (the billed fixture: CK00001, 3 lines)
from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835  # noqa: E402


def era(*claims: ClaimOutcome, trace="TRACE1", npi="1234567893") -> str:
    """An 835 from Acme to the practice (NPI 1234567893) paying these claims, and another practice's claim
    (ZZ-OTHER, 500.00 to a member claimkit does not know) so the payment is never negative."""
    other = ClaimOutcome("ZZOTHER", "1", "PCN-OTHER", "Nobody", "Testy", "NOTOURS", (
        LineOutcome("90834", (), D("500.00"), D("500.00"), date(2026, 9, 1)),))
    return write_835(Remit("Acme Test Health", "11111", "Testwell", npi, trace, date(2026, 11, 20), (*claims, other)))


def claim(lines, status="1", account="CK00001", pcn="PCN1", member="TST1") -> ClaimOutcome:
    return ClaimOutcome(account, status, pcn, "McTestface", "Testy", member, tuple(lines))


def test_era_match_refuses_a_predetermination(billed, home, tmp_path):
    """Item 3: a CLP02 25 item (pricing only) went to suspense, then `era match` posted it as a payment."""
    f = tmp_path / "pre.835"
    f.write_text(remit(home, paid_lines(home), status="25", account="ZZ999"))
    billed.ok(f"era import {f}")
    listed = json.loads(billed.ok("era unmatched --json").stdout)
    assert [(i["item"], i["what"]) for i in listed] == [(1, "predetermination")]
    assert "predetermination" in billed.ok("era unmatched").stdout
    before = sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    line = billed.fails("era match 1 CK00001")
    assert line == ("error: item 1 is a predetermination (CLP02 25): the payer priced the claim and paid nothing;"
                    " it changes no money, so it is not matched")
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0] == before
    assert conn.execute("SELECT status FROM claims WHERE id = 'CK00001'").fetchone()[0] == "billed"


def test_era_unmatched_words_each_status(billed, home, tmp_path):
    """Item 3: a denial in the suspense list does not look like a payment waiting to be matched."""
    lines = [LineOutcome("90837", (), D("180.00"), D("0"), date(2026, 10, 1), "", None, (("CO", "50", D("180.00")),))]
    f = tmp_path / "denied.835"
    f.write_text(era(claim(lines, status="4", account="ZZ998", member="NOBODY")))
    billed.ok(f"era import {f}")
    assert [i["what"] for i in json.loads(billed.ok("era unmatched --json").stdout)] == ["denied", "paid (primary)"]


def _reversal(home):
    lines = paid_lines(home)
    return [LineOutcome(ln.cpt, (), -ln.charge, -ln.paid, ln.service_date, ln.control, None,
                        tuple((g, r, -a) for g, r, a in ln.adjustments)) for ln in lines]


def test_reversal_before_its_original_leaves_the_claim_reversed(billed, home, tmp_path):
    """Item 5: the reversal imported first, then the payment it reverses: the postings net to nothing, and the
    status said 'paid'."""
    rev = tmp_path / "rev.835"
    rev.write_text(era(claim(_reversal(home), status="22"), trace="T-REV"))
    billed.ok(f"era import {rev}")
    orig = tmp_path / "orig.835"
    orig.write_text(remit(home, paid_lines(home), trace="T-ORIG"))
    billed.ok(f"era import {orig}")
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT status FROM claims WHERE id = 'CK00001'").fetchone()[0] == "reversed"
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE source = 'era' AND kind = 'insurance_paid'").fetchone()[0] == 0


def test_negative_totals_outside_a_reversal_go_to_suspense(billed, home, tmp_path):
    """Item 11: CLP*CK00001*1*-200*-125*-25 (status 1) posted, leaving the client a credit."""
    line = claim_lines(home)[0]
    neg = [LineOutcome("90837", (), D("-200.00"), D("-125.00"), date.fromisoformat(line["date_from"]), line["line_control"],
                       None, (("CO", "45", D("-50.00")), ("PR", "2", D("-25.00"))))]
    f = tmp_path / "neg.835"
    f.write_text(era(claim(neg)))
    out = billed.ok(f"era import {f}").stdout
    assert ("claim CK00001 (payer claim PCN1): negative amounts (charge -200.00, paid -125.00) on a claim that is not a"
            " reversal (CLP02 1); held in the suspense list, not posted") in out
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT COUNT(*) FROM postings WHERE source = 'era'").fetchone()[0] == 0
    assert [i.get("why") for i in json.loads(billed.ok("era unmatched --json").stdout)] == ["negative amounts", None]


# --- item 9: a write-off checks the balance inside the transaction that writes it -----------------------------

def test_two_writeoffs_at_once_never_take_a_balance_below_zero(practice, home):
    """Item 9: the balance was read before waiting for the ledger, so a second write-off of the same 180.00 went in
    while the first held the ledger, leaving -180.00."""
    import os
    import subprocess
    import sys
    import time

    from claimkit.store.workspace import Workspace

    practice.ok("client add fay --first Fay --last Testcase --dob 1995-09-10 --sex F --dx F41.1 --self-pay")
    practice.ok("session add fay --date 2026-10-01 --cpt 90837")
    ws = Workspace(home)
    env = {**os.environ, "CLAIMKIT_HOME": str(home), "PYTHONPATH": str(Path(__file__).parent.parent)}
    with ws.transaction() as conn:  # the other terminal's write-off of the whole 180.00, holding the ledger
        conn.execute("INSERT INTO postings (date, client, kind, reason, amount_cents, source, note, created)"
                     " VALUES ('2026-10-02', 'fay', 'writeoff', 'patient', 18000, 'manual', 'first', '2026-10-02T00:00:00')")
        second = subprocess.Popen([sys.executable, "-m", "claimkit", "writeoff", "fay", "180.00", "--reason", "second",
                                   "--date", "2026-10-02"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(4)  # the second has read the balance (before the fix) and waits for the ledger
    out, err = second.communicate(timeout=60)
    ws.close()
    assert second.returncode == 2, (out, err)
    assert err.strip() == "error: fay owes $0.00 on 2026-10-02; write off at most that"
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE kind = 'writeoff'").fetchone()[0] == 18000
    assert balances(practice)["fay"]["balance"] == "0.00"


def test_money_entered_by_hand_is_written_by_one_service_outside_the_reports():
    """Issue 17 item 5: write-offs lived in reports/statements.py; the reports package only reads postings, and
    payments and write-offs are sessions/accounts.py's."""
    from claimkit.sessions import accounts

    reports = Path(accounts.__file__).parents[1] / "reports"
    writers = [p.name for p in sorted(reports.glob("*.py")) if "INSERT INTO postings" in p.read_text()]
    assert writers == []
    assert {"add_payment", "writeoff"} <= set(vars(accounts))


# --- item 13: a report reads one moment ------------------------------------------------------------------

class _Watched:
    """The workspace's own connection, noting for each query whether it ran inside a transaction, and letting
    another terminal write (a client payment of 25.00, committed) right after the report's first query."""

    def __init__(self, conn, home: Path):
        self.conn, self.home, self.queries, self.wrote = conn, home, [], False

    def execute(self, sql, *args):
        cur = self.conn.execute(sql, *args)
        if sql.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.queries.append(self.conn.in_transaction)
            if not self.wrote:
                self.wrote = True
                other = sqlite3.connect(self.home / "ledger.db", timeout=30)
                with other:
                    other.execute("INSERT INTO postings (date, client, kind, reason, amount_cents, source, created)"
                                  " VALUES ('2026-11-01', 'jdoe', 'patient_paid', 'cash', 2500, 'manual', '2026-11-01T00:00:00')")
                other.close()
        return cur

    def __getattr__(self, name):
        return getattr(self.conn, name)


@pytest.mark.parametrize("report", ["balances", "aging", "payers", "todo", "statement"])
def test_every_report_reads_one_moment_on_one_connection(billed, home, tmp_path, monkeypatch, report):
    """Item 13: `report balances` ran its postings sums on a second connection in a thread while this one ran
    its other queries each in its own moment; a write landing between them tore the report."""
    from claimkit.reports.aging import aging
    from claimkit.reports.balances import balances as balances_of
    from claimkit.reports.payers import payers_report
    from claimkit.reports.statements import build_statement
    from claimkit.reports.todo import todo
    from claimkit.store import ledger
    from claimkit.store.workspace import Workspace

    f = tmp_path / "acme.835"
    f.write_text(remit(home, paid_lines(home)))
    billed.ok(f"era import {f}")
    run = {"balances": lambda ws: balances_of(ws, date(2026, 12, 1)).as_json(),
           "aging": lambda ws: aging(ws, today=date(2026, 12, 1)).as_json(),
           "payers": lambda ws: payers_report(ws, today=date(2026, 12, 1)).as_json(),
           "todo": lambda ws: [i.as_json() for i in todo(ws, today=date(2026, 12, 1))],
           "statement": lambda ws: build_statement(ws, "jdoe", date(2026, 12, 1)).as_json()}[report]
    ws = Workspace(home)
    before = run(ws)
    ws.close()
    ws = Workspace(home)
    watched = _Watched(ws.conn, home)
    ws.__dict__["conn"] = watched
    opened = []
    real_connect = ledger.connect
    monkeypatch.setattr(ledger, "connect", lambda *a, **k: opened.append(a) or real_connect(*a, **k))
    during = run(ws)
    assert opened == []  # no second connection
    assert watched.queries and all(watched.queries)  # every query inside the one read transaction
    assert during == before  # the payment written after the first query is not half in the report
    assert not watched.conn.in_transaction
    ws.close()
    if report == "balances":
        ws = Workspace(home)
        assert run(ws) != before  # and the next report sees it
        ws.close()


# --- item 10: days to pay never negative ----------------------------------------------------------------------

def test_payers_leave_out_claims_paid_before_they_were_sent(billed, home, tmp_path):
    """Item 10: an ERA dated before the claim was created in claimkit (an old file, a claim entered after it was
    paid) gave negative days to pay; such claims are left out of the figure and counted apart with the reason."""
    from claimkit.remittance.x12_835_writer import write_835 as write

    f = tmp_path / "old.835"
    f.write_text(write(Remit("Acme Test Health", "11111", "Testwell", "1234567893", "OLD1", date(2020, 1, 10),
                             (claim(paid_lines(home)),))))
    billed.ok(f"era import {f}")
    [acme] = json.loads(billed.ok("report payers --json").stdout)["payers"]
    assert acme["avg_days_to_pay"] is None
    assert acme["days_to_pay_left_out"] == {"claims": 1, "why": "paid before the claim was created in claimkit"}
    out = billed.ok("report payers").stdout
    assert "Acme Test Health: 1 claim left out of days to pay: paid before the claim was created in claimkit" in out


# --- item 12: an ERA for someone else -----------------------------------------------------------------------

def test_an_era_for_another_provider_is_refused(billed, home, tmp_path):
    """Item 12: every practice numbers its claims CK00001, CK00002 ...; a payment to another provider (its N1*PE
    NPI, no tax ID of ours) posted onto our CK00001 without a word."""
    from conftest import ledger_rows

    f = tmp_path / "theirs.835"
    f.write_text(era(claim(paid_lines(home)), npi="1679576722"))
    before = ledger_rows(home)
    line = billed.fails(f"era import {f}")
    assert line == ("error: theirs.835: segment 11 (N1*PE): payment TRACE1 is to TESTWELL (NPI 1679576722), not to this"
                    " practice (NPI 1234567893, tax ID 991234567); nothing was posted: this ERA is for another provider,"
                    " give it back to whoever sent it")
    assert ledger_rows(home) == before


def test_a_claim_of_another_member_goes_to_suspense(billed, home, tmp_path):
    """Item 12: the claim id matches ours but the member on the remittance is not the claim's: held, with the reason."""
    f = tmp_path / "other-member.835"
    f.write_text(era(claim(paid_lines(home), member="ZZ998877")))
    out = billed.ok(f"era import {f}").stdout
    assert ("held: claim CK00001 (payer claim PCN1): member ZZ998877 on the remittance, TST1 on the claim; held in the"
            " suspense list, not posted (check it is this client's claim)") in out
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM postings WHERE source = 'era'").fetchone()[0] == 0
    assert [i.get("why") for i in json.loads(billed.ok("era unmatched --json").stdout)] == ["member differs", None]


# --- item 6: 'paid again' means the same lines ----------------------------------------------------------------

def test_one_claim_paid_in_two_payments_under_one_number_is_posted(billed, home, tmp_path):
    """Item 6: the payer split CK00001 into two payments under one payer claim number; the second was held as
    'paid again'. Only the same lines paid again are held."""
    lines = paid_lines(home)
    first, second, again = tmp_path / "a.835", tmp_path / "b.835", tmp_path / "c.835"
    first.write_text(era(claim(lines[:1]), trace="T-A"))
    second.write_text(era(claim(lines[1:]), trace="T-B"))
    again.write_text(era(claim(lines[:1]), trace="T-C"))
    billed.ok(f"era import {first}")
    out = billed.ok(f"era import {second}").stdout
    assert "held" not in out
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE kind = 'insurance_paid'").fetchone()[0] == 20800
    assert conn.execute("SELECT status FROM claims WHERE id = 'CK00001'").fetchone()[0] == "paid"
    out = billed.ok(f"era import {again}").stdout
    assert "held: claim CK00001 (payer claim PCN1) was already paid and not reversed" in out
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE kind = 'insurance_paid'").fetchone()[0] == 20800


# --- item 4: a later paper EOB replaces what an earlier one posted for the line --------------------------------

def test_paper_denial_then_paper_payment_of_the_line_replaces_the_denial(billed, home):
    """Item 4: the denial's CO-50 stayed beside the payment's CO-45 (240.00 of adjustments on a 180.00 line)."""
    billed.ok("eob add CK00001 --line 1 --allowed 0 --paid 0 --adjust CO-50:180.00 --date 2026-11-01")
    billed.ok("eob add CK00001 --line 1 --allowed 120.00 --paid 96.00 --coinsurance 24.00 --date 2026-11-20")
    conn = sqlite3.connect(home / "ledger.db")
    net = dict(conn.execute("SELECT kind || ':' || reason, SUM(amount_cents) FROM postings WHERE source = 'eob'"
                            " AND session_id = 1 GROUP BY 1 HAVING SUM(amount_cents) != 0"))
    assert net == {"insurance_paid:": 9600, "contractual:CO-45": 6000, "patient_resp:coinsurance": 2400}
    # both kept in the history: the denial, and its negation naming the later EOB
    history = conn.execute("SELECT date, kind, reason, amount_cents, note FROM postings WHERE source = 'eob' AND reason = 'CO-50'"
                           " ORDER BY id").fetchall()
    assert history == [("2026-11-01", "contractual", "CO-50", 18000, ""),
                       ("2026-11-20", "contractual", "CO-50", -18000, "replaced by a later paper EOB for the line")]
    assert balances(billed)["jdoe"]["insurance_outstanding"] == "360.00"  # lines 2 and 3, not yet answered


# --- items 7, 8: the secondary claim -----------------------------------------------------------------------

@pytest.fixture
def secondary(tmp_path):
    """A primary (Acme) paid 100.00 of a 180.00 session, CO-45 60.00 and PR-204 20.00 to the client (a service
    the plan does not cover under this benefit); then the secondary claim to Bluepeak, CK00002."""
    from test_837p import primary_sent_with_secondary

    cli, home, _ = primary_sent_with_secondary(tmp_path)
    control = json.loads(sqlite3.connect(home / "ledger.db").execute("SELECT snapshot FROM claims").fetchone()[0])["lines"][0]["line_control"]
    f = tmp_path / "p.835"
    f.write_text(write_835(Remit("Acme", "11111", "Testwell", "1234567893", "T1", date(2026, 11, 1), (ClaimOutcome(
        "CK00001", "1", "PCN1", "Secondary", "Testa", "A1", (LineOutcome(
            "90837", (), D("180.00"), D("100.00"), date(2026, 10, 1), control, D("120.00"),
            (("CO", "45", D("60.00")), ("PR", "204", D("20.00")))),)),))))
    cli.ok(f"era import {f}")
    cli.ok(f"x12 837p --secondary --force -o {tmp_path / 's.837'}")
    cli.out = tmp_path / "s.837"
    return cli


def test_secondary_claim_carries_the_primary_patient_reason_codes(secondary):
    """Item 8: PR-204 on the primary's ERA became PR-96 in the secondary claim's 2430 CAS."""
    from test_837p import segments

    cas = [s for s in segments(secondary.out) if s[0] == "CAS"]
    assert cas == [["CAS", "CO", "45", "60"], ["CAS", "PR", "204", "20"]]


def _statement(cli, client: str, day: date):
    from claimkit.reports.statements import build_statement
    from claimkit.store.workspace import Workspace

    ws = Workspace(cli.home)
    try:
        return build_statement(ws, client, day)
    finally:
        ws.close()


def test_secondary_outstanding_is_what_the_primary_left(secondary):
    """Item 7: the secondary claim counted its whole 180.00 charge as insurance outstanding; what the secondary may
    still pay is what the primary left to the client (20.00). Balances, aging, todo and the statement say so."""
    got = balances(secondary)["t"]
    assert (got["charges"], got["insurance_paid"], got["patient_responsibility"], got["insurance_outstanding"]) == (
        "180.00", "100.00", "20.00", "20.00")
    aging = json.loads(secondary.ok("report aging --json").stdout)
    assert aging["totals"]["insurance"]["total"] == "20.00"
    assert json.loads(secondary.ok("report aging --by statement --json").stdout)["totals"]["insurance"]["total"] == "20.00"
    items = json.loads(secondary.ok("todo --json --days 0").stdout)["items"]
    assert [(i["claim"], i["amount"]) for i in items if i["kind"] == "no_remittance"] == [("CK00002", "20.00")]
    st = _statement(secondary, "t", date.today())
    assert [(ln.charge, ln.insurance_paid, ln.adjustments, ln.your_part) for ln in st.lines] == [(18000, 10000, 6000, 2000)]
    assert st.amount_due == 2000


def _secondary_era(cli, tmp_path, lines_of, trace="T2", status="2", pcn="PCN2", name="s.835") -> None:
    """An ERA from Bluepeak (the secondary) for CK00002, its line given as (paid, adjustments)."""
    control = json.loads(sqlite3.connect(cli.home / "ledger.db").execute(
        "SELECT snapshot FROM claims WHERE id = 'CK00002'").fetchone()[0])["lines"][0]["line_control"]
    paid, adjustments = lines_of
    charge = D("180.00") if status != "22" else D("-180.00")
    f = tmp_path / name
    other = ClaimOutcome("ZZOTHER", "1", "PCN-OTHER", "Nobody", "Testy", "NOTOURS", (  # (the payment never negative)
        LineOutcome("90834", (), D("500.00"), D("500.00"), date(2026, 9, 1)),))
    f.write_text(write_835(Remit("Bluepeak", "22222", "Testwell", "1234567893", trace, date(2026, 11, 20), (ClaimOutcome(
        "CK00002", status, pcn, "Secondary", "Testa", "B2", (LineOutcome(
            "90837", (), charge, paid, date(2026, 10, 1), control, None, adjustments),)), other))))
    cli.ok(f"era import {f}")


def test_secondary_era_leaves_the_client_the_secondary_share_only(secondary, tmp_path):
    """Suspicion (a): the secondary paid 18.00 of the 20.00 the primary left the client (OA-23 160.00 for the
    primary's part, PR-2 2.00): the client owed 22.00 (the primary's PR-204 20.00 and the secondary's PR-2 2.00)."""
    _secondary_era(secondary, tmp_path, (D("18.00"), (("OA", "23", D("160.00")), ("PR", "2", D("2.00")))))
    got = balances(secondary)["t"]
    assert (got["insurance_paid"], got["patient_responsibility"], got["balance"], got["insurance_outstanding"]) == (
        "118.00", "2.00", "2.00", "0.00")
    aging = json.loads(secondary.ok("report aging --json").stdout)["totals"]
    assert (aging["patient"]["total"], aging["insurance"]["total"]) == ("2.00", "0.00")
    assert _statement(secondary, "t", date.today()).amount_due == 200
    assert invariant_breaks(secondary.home) == []


def test_secondary_reversal_gives_the_client_share_back(secondary, tmp_path):
    """The secondary's payment reversed (CLP02 22): the 20.00 the primary left is the client's again and the secondary
    owes it again."""
    _secondary_era(secondary, tmp_path, (D("18.00"), (("OA", "23", D("160.00")), ("PR", "2", D("2.00")))))
    _secondary_era(secondary, tmp_path, (D("-18.00"), (("OA", "23", D("-160.00")), ("PR", "2", D("-2.00")))),
                   trace="T3", status="22", name="r.835")
    got = balances(secondary)["t"]
    assert (got["insurance_paid"], got["patient_responsibility"], got["insurance_outstanding"]) == ("100.00", "20.00", "20.00")


def test_a_reversal_undoes_each_patient_reason_code(tmp_path):
    """Suspicion (b): a reversal (CLP02 22) negated the client's share under 'noncovered' without the original's PR-204,
    so the payment made again (PR-1 deductible) left a secondary claim with PR-204 20.00 that no payer still says."""
    from test_837p import primary_sent_with_secondary, segments

    cli, home, _ = primary_sent_with_secondary(tmp_path, "Reversal", rate=False)
    control = json.loads(sqlite3.connect(home / "ledger.db").execute("SELECT snapshot FROM claims").fetchone()[0])["lines"][0]["line_control"]

    def paid(status, sign, adjustments, trace, pcn):
        f = tmp_path / f"{trace}.835"
        f.write_text(write_835(Remit("Acme", "11111", "Testwell", "1234567893", trace, date(2026, 11, 1), (ClaimOutcome(
            "CK00001", status, pcn, "Reversal", "Testa", "A1", (LineOutcome(
                "90837", (), sign * D("180.00"), sign * D("100.00"), date(2026, 10, 1), control, None,
                tuple((g, r, sign * a) for g, r, a in adjustments)),)), ClaimOutcome(
            "ZZOTHER", "1", f"PCN-OTHER-{trace}", "Nobody", "Testy", "NOTOURS", (  # (the payment never negative)
                LineOutcome("90834", (), D("500.00"), D("500.00"), date(2026, 9, 1)),))))))
        cli.ok(f"era import {f}")

    paid("1", 1, (("CO", "45", D("60.00")), ("PR", "204", D("20.00"))), "T1", "PCN1")
    paid("22", -1, (("CO", "45", D("60.00")), ("PR", "204", D("20.00"))), "T2", "PCN1")
    conn = sqlite3.connect(home / "ledger.db")
    net = conn.execute("SELECT reason, note GLOB 'PR-204*', SUM(amount_cents) FROM postings WHERE kind = 'patient_resp'"
                       " GROUP BY 1, 2").fetchall()
    assert net == [("noncovered", 1, 0)]
    paid("1", 1, (("CO", "45", D("60.00")), ("PR", "1", D("20.00"))), "T3", "PCN1B")
    cli.ok(f"x12 837p --secondary --force -o {tmp_path / 's.837'}")
    cas = [s for s in segments(tmp_path / "s.837") if s[0] == "CAS"]
    assert cas == [["CAS", "CO", "45", "60"], ["CAS", "PR", "1", "20"]]
