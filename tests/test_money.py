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
def rushmore(practice, tmp_path):
    """The managed-care example's two patients, billed as that file says (William Budd 99211 800.00 on 2002-03-01,
    Susan Settle 93555 1200.00 on 2002-03-10) to Rushmore Life: CK00001 and CK00002."""
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
        cli.ok(PRACTICE_ARGS)
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
