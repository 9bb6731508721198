"""ERA import and posting: every sample imported (to suspense, totals to the cent) or refused with its reason; round trips
through claimkit's own claims; reversal then correction; denial; PLB; duplicates; damaged files; never a partial post."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ledger_rows
from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

SAMPLES = Path(__file__).parent / "data" / "x12"
CLIENT = ("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST1 "
          "--coinsurance 20 --deductible 100 --address '1 Test St' --city Austin --state TX --zip 78701")


def sums(home: Path, **where) -> dict[str, int]:
    conn = sqlite3.connect(home / "ledger.db")
    sql = "SELECT kind || ':' || reason, SUM(amount_cents) FROM postings WHERE source IN ('era', 'eob')"
    args = []
    for k, v in where.items():
        sql += f" AND {k} = ?"
        args.append(v)
    return {k: v for k, v in conn.execute(sql + " GROUP BY 1", args) if v}


@pytest.fixture
def billed(practice, tmp_path):
    """Three sessions on one claim (CK00001) to Acme."""
    practice.ok(CLIENT)
    for d in ("2026-10-01", "2026-10-08", "2026-10-15"):
        practice.ok(f"session add jdoe --date {d} --cpt 90837 --minutes 55")
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    return practice


def claim_lines(home: Path, claim: str = "CK00001") -> list[dict]:
    conn = sqlite3.connect(home / "ledger.db")
    return json.loads(conn.execute("SELECT snapshot FROM claims WHERE id = ?", (claim,)).fetchone()[0])["lines"]


def remit(home, lines_out, *, status="1", pcn="PCN1", trace="TRACE1", plb=(), account="CK00001", control=1) -> str:
    return write_835(Remit("Acme Test Health", "11111", "Testwell", "1234567893", trace, date(2026, 11, 20),
                           (ClaimOutcome(account, status, pcn, "McTestface", "Testy", "TST1", tuple(lines_out)),), plb,
                           control=control))


def paid_lines(home, *, copay_reason="2"):
    """Line 1: deductible 100.00 then 20% of the remaining 20.00; lines 2-3: 20% coinsurance."""
    out = []
    for n, ln in enumerate(claim_lines(home)):
        adj = [("CO", "45", D("60.00"))]
        if n == 0:
            adj += [("PR", "1", D("100.00")), ("PR", copay_reason, D("4.00"))]
            paid = D("16.00")
        else:
            adj += [("PR", copay_reason, D("24.00"))]
            paid = D("96.00")
        out.append(LineOutcome("90837", (), D("180.00"), paid, date.fromisoformat(ln["date_from"]), ln["line_control"], D("120.00"), tuple(adj)))
    return out


def test_round_trip_posts_exact_amounts(billed, home, tmp_path):
    f = tmp_path / "acme.835"
    f.write_text(remit(home, paid_lines(home)))
    out = billed.ok(f"era import {f}").stdout
    assert "jdoe 2026-10-01 90837: billed 180.00 · allowed 120.00 · Acme Test Health paid 16.00 · write-off 60.00 (contract)" \
           " · client owes 100.00 (deductible) · client owes 4.00 (coinsurance)" in out
    assert sums(home) == {"insurance_paid:": 20800, "contractual:CO-45": 18000, "patient_resp:deductible": 10000,
                          "patient_resp:coinsurance": 5200}
    # each line's postings carry its session, so estimates use what the payer decided
    conn = sqlite3.connect(home / "ledger.db")
    per_session = conn.execute("SELECT session_id, SUM(amount_cents) FROM postings WHERE source = 'era' AND kind = 'insurance_paid'"
                               " GROUP BY session_id ORDER BY 1").fetchall()
    assert per_session == [(1, 1600), (2, 9600), (3, 9600)]
    assert conn.execute("SELECT status, payer_claim_number FROM claims").fetchone() == ("paid", "PCN1")
    listed = json.loads(billed.ok("session list --json").stdout)
    assert [s["patient_estimate"] for s in listed] == ["104.00", "24.00", "24.00"]
    assert [s["estimate_basis"] for s in listed] == ["adjudicated"] * 3


def test_adjudicated_deductible_changes_next_estimate(billed, home, tmp_path):
    lines = paid_lines(home)
    first = lines[0]
    # the payer applied only 40.00 of deductible on line 1: the next session's estimate must see 60.00 left
    lines[0] = LineOutcome(first.cpt, (), first.charge, D("64.00"), first.service_date, first.control, first.allowed,
                           (("CO", "45", D("60.00")), ("PR", "1", D("40.00")), ("PR", "2", D("16.00"))))
    f = tmp_path / "acme.835"
    f.write_text(remit(home, lines[:1]))
    billed.ok(f"era import {f}")
    billed.ok("session add jdoe --date 2026-10-22 --cpt 90837")
    listed = json.loads(billed.ok("session list --json").stdout)
    # session 1 as adjudicated (40.00 + 16.00); session 2 then has 60.00 of deductible left (+ 20% of 60.00)
    assert [s["patient_estimate"] for s in listed] == ["56.00", "72.00", "24.00", "24.00"]


def test_same_file_twice_changes_nothing(billed, home, tmp_path):
    f = tmp_path / "acme.835"
    f.write_text(remit(home, paid_lines(home)))
    billed.ok(f"era import {f}")
    before = ledger_rows(home)
    out = billed.ok(f"era import {f}").stdout
    assert out.startswith("acme.835: already imported (")
    assert ledger_rows(home) == before
    # the same payment in another file (new bytes, same trace number) is refused too
    g = tmp_path / "again.835"
    g.write_text(remit(home, paid_lines(home), control=7))
    out = billed.ok(f"era import {g}").stdout
    assert "payment TRACE1 from ACME TEST HEALTH was already imported on" in out
    assert ledger_rows(home)["postings"] == before["postings"]


def test_dry_run_changes_nothing(billed, home, tmp_path):
    f = tmp_path / "acme.835"
    f.write_text(remit(home, paid_lines(home)))
    before = ledger_rows(home)
    out = billed.ok(f"era import --dry-run {f}").stdout
    assert out.startswith("Would post payment TRACE1") and "Dry run: nothing was written." in out
    assert "(ACH, 2026-11-20), 1 claim\n" in out  # not "1 claims"
    assert ledger_rows(home) == before
    billed.ok(f"era import {f}")  # and the real import still works afterwards
    assert sums(home)["insurance_paid:"] == 20800


def test_denial_is_not_written_off(billed, home, tmp_path):
    lines = [LineOutcome("90837", (), D("180.00"), D("0.00"), date.fromisoformat(ln["date_from"]), ln["line_control"], None,
                         (("CO", "197", D("180.00")),), ("N54",)) for ln in claim_lines(home)]
    f = tmp_path / "deny.835"
    f.write_text(remit(home, lines, status="4"))
    out = billed.ok(f"era import {f}").stdout
    assert "denied: CO-197; nothing written off" in out and "Next:" in out
    assert sums(home) == {}
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT status FROM claims").fetchone()[0] == "denied"
    assert conn.execute("SELECT status_code, reasons FROM remit_claims").fetchone() == ("4", "CO-197")


def test_reversal_then_correction(billed, home, tmp_path):
    first = tmp_path / "one.835"
    first.write_text(remit(home, paid_lines(home)))
    billed.ok(f"era import {first}")
    neg = [LineOutcome(ln.cpt, (), -ln.charge, -ln.paid, ln.service_date, ln.control, ln.allowed,
                       tuple((g, r, -a) for g, r, a in ln.adjustments)) for ln in paid_lines(home)]
    fixed = paid_lines(home, copay_reason="2")
    fixed[2] = LineOutcome("90837", (), D("180.00"), D("100.00"), fixed[2].service_date, fixed[2].control, D("120.00"),
                           (("CO", "45", D("60.00")), ("PR", "2", D("20.00"))))
    text = write_835(Remit("Acme Test Health", "11111", "Testwell", "1234567893", "TRACE2", date(2026, 11, 27), (
        ClaimOutcome("CK00001", "22", "PCN1", "McTestface", "Testy", "TST1", tuple(neg)),
        ClaimOutcome("CK00001", "1", "PCN2", "McTestface", "Testy", "TST1", tuple(fixed))), control=2))
    second = tmp_path / "two.835"
    second.write_text(text)
    out = billed.ok(f"era import {second}").stdout
    assert "reversed by Acme Test Health (payer claim PCN1); 10 earlier postings undone" in out
    assert sums(home) == {"insurance_paid:": 21200, "contractual:CO-45": 18000, "patient_resp:deductible": 10000,
                          "patient_resp:coinsurance": 4800}
    assert sums(home, source_ref="PCN1") == {}
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT status, payer_claim_number FROM claims").fetchone() == ("paid", "PCN2")


def test_plb_kept_apart_from_clients(billed, home, tmp_path):
    f = tmp_path / "plb.835"
    f.write_text(remit(home, paid_lines(home), plb=(("L6", "INTEREST", D("-2.50")), ("WO", "OVERPAY", D("10.00")))))
    billed.ok(f"era import {f}")
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT reason, amount_cents, client, claim_id, note FROM postings WHERE kind = 'provider_adj' ORDER BY id").fetchall() == [
        ("L6", -250, None, None, "INTEREST"), ("WO", 1000, None, None, "OVERPAY")]
    assert conn.execute("SELECT amount_cents FROM remittances").fetchone()[0] == 20800 + 250 - 1000


def test_fallback_match_by_member_date_cpt_charge(billed, home, tmp_path):
    lines = paid_lines(home)
    lines = [LineOutcome(ln.cpt, ln.modifiers, ln.charge, ln.paid, ln.service_date, "", ln.allowed, ln.adjustments) for ln in lines]
    f = tmp_path / "mangled.835"
    f.write_text(remit(home, lines, account="WRONG123"))
    billed.ok(f"era import {f}")
    assert sums(home)["insurance_paid:"] == 20800
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM suspense").fetchone()[0] == 0


def test_dropped_modifier_still_matches_the_line(practice, home, tmp_path):
    practice.ok(CLIENT)
    practice.ok("session add jdoe --date 2026-10-01 --cpt 90837 --pos 10")  # gets modifier 95
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    [ln] = claim_lines(home)
    assert ln["modifiers"] == ["95"]
    out = LineOutcome("90837", (), D("180.00"), D("16.00"), date(2026, 10, 1), "", D("120.00"),
                      (("CO", "45", D("60.00")), ("PR", "1", D("100.00")), ("PR", "2", D("4.00"))))
    f = tmp_path / "nomod.835"
    f.write_text(remit(home, [out]))
    practice.ok(f"era import {f}")
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT DISTINCT session_id FROM postings WHERE source = 'era'").fetchall() == [(1,)]


def test_unmatched_goes_to_suspense_and_can_be_matched(billed, home, tmp_path):
    lines = [LineOutcome(ln.cpt, ln.modifiers, ln.charge, ln.paid, ln.service_date, "", ln.allowed, ln.adjustments)
             for ln in paid_lines(home)]
    text = remit(home, lines, account="ZZZ999").replace("MI*TST1", "MI*OTHER9")
    f = tmp_path / "stray.835"
    f.write_text(text)
    out = billed.ok(f"era import {f}").stdout
    assert "1 claim(s) matched nothing" in out
    assert sums(home) == {}
    items = json.loads(billed.ok("era unmatched --json").stdout)
    assert items == [{"item": 1, "account": "ZZZ999", "patient": "TESTY MCTESTFACE", "member_id": "OTHER9",
                      "service_date": "2026-10-01", "charge": "540.00", "paid": "208.00", "what": "paid (primary)", "status": "open", "matched_claim": None}]
    assert "no claim 'NOPE'" in billed.fails("era match 1 NOPE")
    billed.ok("era match 1 CK00001")
    assert sums(home)["insurance_paid:"] == 20800
    assert json.loads(billed.ok("era unmatched --json").stdout) == []
    assert "already matched to claim CK00001" in billed.fails("era match 1 CK00001")


# --- the public samples -----------------------------------------------------------------------------------

IMPORTED = {  # file -> (payments: [(trace, amount, claims)], PLB amounts): none of their claims are ours, so all go to suspense
    "835_all_denied_zero_payment_pyx12.txt": ([("000000000", "0.00", 1)], []),
    "835_bcbsnc_no_isa_envelope.txt": ([("02790758", "1922.86", 1)], []),
    "835_emedny_medicaid_partial_denial.txt": ([("10100000000", "45.75", 3)], []),
    "835_lfh_cob_contractual_known_defects.835": ([("0063158ABC", "34.00", 1)], []),
    "835_nevada_medicaid_multi_st_plb_only.txt": ([("100004762", "0.00", 1), ("100004765", "0.00", 2), ("000012382", "1812.27", 0)],
                                                  ["-1092.46", "-719.81", "-181.55", "181.55", "-130.00", "130.00"]),
    "835_uhc_commercial_co45_pr.txt": ([("1234567890", "349.99", 2)], []),
    "835_x12ig_dollars_data_separate_managed_care.edi": ([("71700666555", "945.00", 2)], []),
    "835_x12ig_dollars_data_together_mia_moa_plb.edi": ([("12345", "150000.00", 2)], ["-1.27"]),
    "835_x12ig_multiple_claims_single_check.edi": ([("12345", "810.80", 9)], []),
    "835_x12ig_secondary_higher_fee_schedule_neg_cas.edi": ([("0063158ABC", "34.00", 1)], []),
    "835_x12ig_secondary_payments.edi": ([("0012524965", "1222.00", 2)], []),
    "835_x12ig_tertiary_payment.edi": ([("0012524879", "187.50", 1)], []),
}
REFUSED = {  # file -> why (the payer's own totals do not add up, so posting any of it would be wrong)
    "835_4010_reversal_correction_plb_pyx12.txt": "segment 4 (BPR02): the payment 5950.21 does not match its claims",
    "835_bh_county_board_reversals_denials_plb_bom.txt": "payment method NON (no payment) but the amount is 5.75",
    "835_medicaid_3_interchanges_56_claims_denials_bom.txt": "segment 4 (BPR02): the payment 999.99 does not match its claims",
}


def test_every_sample_is_classified():
    assert sorted(p.name for p in SAMPLES.glob("835_*")) == sorted([*IMPORTED, *REFUSED])


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_sample_imports_to_suspense_with_exact_totals(practice, home, name):
    payments, plb = IMPORTED[name]
    out = json.loads(practice.ok(f"era import --json {SAMPLES / name}").stdout)
    assert [(p["trace"], p["amount"], p["claims"]) for p in out["payments"]] == payments
    assert [a["amount"] for a in out["provider_adjustments"]] == plb
    conn = sqlite3.connect(home / "ledger.db")
    n_claims = sum(c for _, _, c in payments)
    assert conn.execute("SELECT COUNT(*) FROM suspense").fetchone()[0] == n_claims
    assert conn.execute("SELECT COUNT(*) FROM postings WHERE kind != 'provider_adj'").fetchone()[0] == 0
    total = conn.execute("SELECT COALESCE(SUM(paid_cents), 0) FROM suspense").fetchone()[0]
    plb_cents = sum(int(D(a) * 100) for a in plb)
    assert total - plb_cents == sum(int(D(a) * 100) for _, a, _ in payments)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unbalanced_sample_is_refused(practice, home, name):
    before = ledger_rows(home)
    line = practice.fails(f"era import {SAMPLES / name}")
    assert line.startswith(f"error: {name}: ") and REFUSED[name] in line and line.endswith("nothing was posted")
    assert ledger_rows(home) == before


def test_not_an_835(practice, home):
    line = practice.fails(f"era import {SAMPLES / '837p_imsweb_2_claims.txt'}")
    assert "this is an X12 837 (claim), not an 835 remittance" in line


def test_cut_in_half_and_garbage_post_nothing(billed, home, tmp_path):
    text = remit(home, paid_lines(home))
    half = tmp_path / "half.835"
    half.write_text(text[: len(text) // 2])
    before = ledger_rows(home)
    assert "cut off" in billed.fails(f"era import {half}") or "ends inside" in billed.fails(f"era import {half}")
    junk = tmp_path / "junk.835"
    junk.write_bytes(bytes(range(256)) * 20)
    assert "not an X12 file" in billed.fails(f"era import {junk}")
    assert ledger_rows(home) == before


def test_amounts_that_do_not_balance_are_refused(billed, home, tmp_path):
    text = remit(home, paid_lines(home)).replace("SVC*HC:90837*180*96**1", "SVC*HC:90837*180*97**1", 1)
    f = tmp_path / "bad.835"
    f.write_text(text)
    before = ledger_rows(home)
    line = billed.fails(f"era import {f}")
    assert "(SVC" in line or "does not" in line, line
    assert ledger_rows(home) == before


def test_an_error_late_in_the_file_undoes_the_payments_before_it(billed, home, tmp_path):
    """Payments are posted as they are read: a later one that does not balance must still leave nothing behind."""
    good = remit(home, paid_lines(home), trace="TRACE1", control=1)
    bad = remit(home, paid_lines(home), trace="TRACE2", pcn="PCN2", control=2).replace(
        "SVC*HC:90837*180*96**1", "SVC*HC:90837*180*97**1", 1)
    f = tmp_path / "two.835"
    f.write_text(good + bad)
    before = ledger_rows(home)
    line = billed.fails(f"era import {f}")
    assert "nothing was posted" in line, line
    assert ledger_rows(home) == before
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT COUNT(*) FROM remittances").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM remit_claims").fetchone()[0] == 0
    (tmp_path / "good.835").write_text(good)
    assert "Posted payment TRACE1" in billed.ok(f"era import {tmp_path / 'good.835'}").stdout


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_files_never_crash_or_post_partially(billed, home, tmp_path, data):
    text = remit(home, paid_lines(home)).encode()
    pos = data.draw(st.integers(0, len(text) - 1))
    how = data.draw(st.sampled_from(["drop", "flip", "insert", "cut"]))
    byte = data.draw(st.sampled_from(list(b"*~:0123456789.-AZ\n")))
    if how == "drop":
        mutated = text[:pos] + text[pos + 1:]
    elif how == "flip":
        mutated = text[:pos] + bytes([byte]) + text[pos + 1:]
    elif how == "insert":
        mutated = text[:pos] + bytes([byte]) + text[pos:]
    else:
        mutated = text[:pos]
    f = tmp_path / "m.835"
    f.write_bytes(mutated)
    conn = sqlite3.connect(home / "ledger.db")
    before = conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    result = billed(f"era import {f}")
    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    after = conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    assert after - before in (0, 10), "a file posts all of its lines or none"
    if after != before:  # undo for the next example
        conn.execute("DELETE FROM postings WHERE source = 'era'")
        conn.execute("DELETE FROM remit_claims")
        conn.execute("DELETE FROM remittances")
        conn.execute("DELETE FROM suspense")
        conn.execute("DELETE FROM imports")
        conn.commit()


def test_file_text_is_never_read_as_terminal_markup(billed, home, tmp_path):
    """On a terminal, rich would read '[/]' or '[red]' in a payer's name as markup (and stop on the stray '[/]'):
    what a file says is printed as written."""
    import os
    import pty
    import subprocess
    import sys

    text = remit(home, paid_lines(home)).replace("ACME TEST HEALTH", "ACME [/] [RED]HEALTH")
    f = tmp_path / "markup.835"
    f.write_text(text)
    leader, follower = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "claimkit", "--home", str(home), "era", "import", str(f)],
                          stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env={**os.environ, "COLUMNS": "200"})
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    shown = out.decode("utf-8", "replace")
    assert proc.returncode == 0, shown
    assert "FROM ACME [/] [RED]HEALTH: $208.00" in shown.upper() and "Traceback" not in shown


def test_fractions_of_a_cent_are_refused(billed, home, tmp_path):
    """CAS 59.995 + 25.005 balances in the file, but posted as whole cents (60.00 + 25.01) the line would be a cent
    off its charge: an amount with more than two decimals is refused at its segment, and nothing is posted."""
    text = remit(home, paid_lines(home))
    text = text.replace("CAS*CO*45*60", "CAS*CO*45*59.995", 1).replace("CAS*PR*1*100", "CAS*PR*1*100.005", 1)
    f = tmp_path / "subcent.835"
    f.write_text(text)
    before = ledger_rows(home)
    line = billed.fails(f"era import {f}")
    assert "(CAS03): amount '59.995' has fractions of a cent" in line and line.endswith("nothing was posted"), line
    assert ledger_rows(home) == before


def test_match_to_a_claim_the_item_does_not_fit_is_refused(billed, home, tmp_path):
    """'era match' posted an item on whatever claim was named, even one without a single line of its date and
    code (another client's claim, by a typo in the id): the money went to the wrong account."""
    lines = [LineOutcome(ln.cpt, ln.modifiers, ln.charge, ln.paid, date(2026, 9, 1 + n), "", ln.allowed, ln.adjustments)
             for n, ln in enumerate(paid_lines(home))]
    f = tmp_path / "stray.835"
    f.write_text(remit(home, lines, account="ZZZ999").replace("MI*TST1", "MI*OTHER9"))
    billed.ok(f"era import {f}")
    before = ledger_rows(home)
    line = billed.fails("era match 1 CK00001")
    assert line == ("error: item 1 does not fit claim CK00001: its 90837 on 2026-09-01 is on none of the claim's lines;"
                    " check the claim id ('claimkit claim show CK00001')")
    assert ledger_rows(home) == before
    assert json.loads(billed.ok("era unmatched --json").stdout)[0]["status"] == "open"


def test_json_for_several_files_is_one_document(billed, home, tmp_path):
    """'era import --json A B' printed two JSON objects back to back, which no JSON reader accepts."""
    a, b = tmp_path / "a.835", tmp_path / "b.835"
    a.write_text(remit(home, paid_lines(home)))
    lines = [LineOutcome(ln.cpt, ln.modifiers, ln.charge, ln.paid, ln.service_date, "", ln.allowed, ln.adjustments)
             for ln in paid_lines(home)]
    b.write_text(remit(home, lines, account="ZZZ999", trace="TRACE2", control=2).replace("MI*TST1", "MI*OTHER9"))
    out = json.loads(billed.ok(f"era import --json {a} {b}").stdout)
    assert [(r["file"], len(r["claims"]), len(r["unmatched"])) for r in out] == [("a.835", 1, 0), ("b.835", 0, 1)]
    assert json.loads(billed.ok(f"era import --json {a}").stdout)["already_imported"]  # one file: one object, as before


def test_a_claim_paid_again_in_another_payment_is_held_not_posted_twice(billed, home, tmp_path):
    """The same payer claim paid again under a new trace number, nothing reversed, was posted a second time: insurance
    paid twice the claim and the client owed their share twice. It is now held in the suspense list instead."""
    a, b = tmp_path / "a.835", tmp_path / "b.835"
    a.write_text(remit(home, paid_lines(home)))
    b.write_text(remit(home, paid_lines(home), trace="TRACE2", control=2))
    billed.ok(f"era import {a}")
    once = sums(home)
    out = billed.ok(f"era import {b}").stdout
    assert "held: claim CK00001 (payer claim PCN1) was already paid and not reversed; this payment of 208.00 is held" in out
    assert sums(home) == once == {"insurance_paid:": 20800, "contractual:CO-45": 18000, "patient_resp:deductible": 10000,
                                  "patient_resp:coinsurance": 5200}
    [item] = json.loads(billed.ok("era unmatched --json").stdout)
    assert (item["account"], item["paid"], item["status"], item["why"]) == ("CK00001", "208.00", "open", "paid again")
    assert "open (claim paid again)" in billed.ok("era unmatched").stdout
    # a reversal of that payer claim, then the payer's new payment of it, posts as usual
    neg = [LineOutcome(ln.cpt, (), -ln.charge, -ln.paid, ln.service_date, ln.control, ln.allowed,
                       tuple((g, r, -x) for g, r, x in ln.adjustments)) for ln in paid_lines(home)]
    c = tmp_path / "c.835"
    c.write_text(write_835(Remit("Acme Test Health", "11111", "Testwell", "1234567893", "TRACE3", date(2026, 11, 27), (
        ClaimOutcome("CK00001", "22", "PCN1", "McTestface", "Testy", "TST1", tuple(neg)),
        ClaimOutcome("CK00001", "1", "PCN1", "McTestface", "Testy", "TST1", tuple(paid_lines(home)))), control=3)))
    assert "held" not in billed.ok(f"era import {c}").stdout
    assert sums(home) == once


def test_dry_run_says_what_would_happen(billed, home, tmp_path):
    """A dry run said the unmatched claims 'went to the suspense list' although nothing was written."""
    lines = [LineOutcome(ln.cpt, ln.modifiers, ln.charge, ln.paid, ln.service_date, "", ln.allowed, ln.adjustments)
             for ln in paid_lines(home)]
    f = tmp_path / "stray.835"
    f.write_text(remit(home, lines, account="ZZZ999").replace("MI*TST1", "MI*OTHER9"))
    out = billed.ok(f"era import --dry-run {f}").stdout
    assert "1 claim(s) matched nothing in this practice and would go to the suspense list" in out
    assert json.loads(billed.ok("era unmatched --json").stdout) == []


def test_payment_from_another_payer_than_the_claim_was_billed_to_is_noted(billed, home, tmp_path):
    """An ERA from one payer naming a claim billed to another posted silently (in the name of the claim's payer)."""
    billed.ok("payer add other --name 'Other Plan' --payer-id 22222 --type commercial")
    f = tmp_path / "other.835"
    f.write_text(remit(home, paid_lines(home)).replace("XV*11111", "XV*22222"))
    result = billed.ok(f"era import {f}")
    assert "note: claim CK00001 was billed to payer 'acme', but this payment comes from 'other'" in result.stderr
    g = tmp_path / "acme.835"
    g.write_text(remit(home, paid_lines(home), trace="TRACE2", pcn="PCN2", control=2))
    assert "billed to payer" not in json.dumps(json.loads(billed.ok(f"era import --json {g}").stdout)["warnings"])


def test_reversal_of_a_payment_not_on_file_says_what_it_posted(billed, home, tmp_path):
    """A reversal arriving before the payment it reverses said '0 earlier postings undone' while it posted its own
    negative amounts."""
    neg = [LineOutcome(ln.cpt, (), -ln.charge, -ln.paid, ln.service_date, ln.control, ln.allowed,
                       tuple((g, r, -x) for g, r, x in ln.adjustments)) for ln in paid_lines(home)]
    f = tmp_path / "rev.835"
    f.write_text(remit(home, neg, status="22", plb=(("WO", "PCN1", D("-208.00")),)))
    out = billed.ok(f"era import {f}").stdout
    assert ("claim CK00001: reversed by Acme Test Health (payer claim PCN1); the payment it reverses is not on file,"
            " so its amounts are posted as given (paid -208.00)") in out
    assert sums(home, source_ref="PCN1")["insurance_paid:"] == -20800


def test_a_payment_twice_in_one_file_is_named_as_such(billed, home, tmp_path):
    """The same payment (trace number) twice in one file: its second copy was said to be 'already imported on <today>
    (<this file>)', as if the file had been imported before."""
    one = remit(home, paid_lines(home)).split("~\n")
    body = one[2:-3]  # ST .. SE
    second = [seg.replace("ST*835*0001", "ST*835*0002") for seg in body]
    second[-1] = second[-1].replace("*0001", "*0002")  # SE02
    f = tmp_path / "twice.835"
    f.write_text("~\n".join(one[:2] + body + second + ["GE*2*1", one[-2]]) + "~\n")
    out = billed.ok(f"era import {f}").stdout
    assert "skipped: payment TRACE1 from ACME TEST HEALTH appears twice in this file; its second copy was not posted" in out
    assert sums(home)["insurance_paid:"] == 20800


def test_era_after_a_paper_eob_of_the_same_lines_replaces_it(billed, home, tmp_path):
    """A paper EOB entered by hand, then the ERA of the same payment: the lines were paid twice (insurance 32.00 on
    line 1, the deductible twice). The ERA now replaces what the paper EOB posted for its lines."""
    billed.ok("eob add CK00001 --line 1 --allowed 120.00 --paid 16.00 --deductible 100.00 --coinsurance 4.00 --check 777")
    f = tmp_path / "acme.835"
    f.write_text(remit(home, paid_lines(home)))
    out = billed.ok(f"era import {f}").stdout
    assert "replaces what a paper EOB posted for 2026-10-01 (undone), so nothing is paid twice" in out
    assert sums(home) == {"insurance_paid:": 20800, "contractual:CO-45": 18000, "patient_resp:deductible": 10000,
                          "patient_resp:coinsurance": 5200}
    conn = sqlite3.connect(home / "ledger.db")
    per_session = conn.execute("SELECT session_id, SUM(amount_cents) FROM postings WHERE kind = 'insurance_paid' GROUP BY 1").fetchall()
    assert per_session == [(1, 1600), (2, 9600), (3, 9600)]


def test_a_remittance_line_on_none_of_the_claims_lines_is_noted(billed, home, tmp_path):
    """A line the payer reports under a code and date the claim does not have was posted without a session, silently."""
    lines = paid_lines(home)
    first = lines[0]
    lines[0] = LineOutcome("90834", (), first.charge, first.paid, first.service_date, "", first.allowed, first.adjustments)
    f = tmp_path / "acme.835"
    f.write_text(remit(home, lines))
    result = billed.ok(f"era import {f}")
    assert ("note: claim CK00001: the payer's line 90834 on 2026-10-01 is on none of the claim's lines; posted to the claim"
            " as a whole") in result.stderr
    assert sums(home)["insurance_paid:"] == 20800


def test_same_file_under_another_name_says_which(billed, home, tmp_path):
    """A second import said 'already imported (2026-12-02T23:31:07+00:00)': now a date and time a person reads, and
    the name the file had then when it was renamed since (a copy in Downloads as 'acme (1).835')."""
    import re

    f = tmp_path / "acme.835"
    f.write_text(remit(home, paid_lines(home)))
    billed.ok(f"era import {f}")
    g = tmp_path / "acme (1).835"
    g.write_bytes(f.read_bytes())
    out = billed.ok("era", "import", str(g)).stdout
    assert re.fullmatch(r"acme \(1\)\.835: already imported \(on \d{4}-\d\d-\d\d at \d\d:\d\d as acme\.835\); nothing changed\.\n", out), out


def test_a_result_keeps_the_claims_it_shows_and_counts_the_rest(billed, home, tmp_path):
    """A large ERA's result held every line of every claim although the summary shows 100 claims: it now counts
    them and keeps the first `keep` (every one for --json); `x12 import` of the file says the same counts."""
    from claimkit.remittance.era_import import import_era
    from claimkit.store.workspace import Workspace

    neg = [LineOutcome(ln.cpt, (), -ln.charge, -ln.paid, ln.service_date, ln.control, ln.allowed,
                       tuple((g, r, -x) for g, r, x in ln.adjustments)) for ln in paid_lines(home)]
    stray = [LineOutcome(ln.cpt, (), ln.charge, ln.paid, ln.service_date, "", ln.allowed, ln.adjustments)
             for ln in paid_lines(home)]
    f = tmp_path / "many.835"
    f.write_text(write_835(Remit("Acme Test Health", "11111", "Testwell", "1234567893", "TRACE9", date(2026, 11, 27), (
        ClaimOutcome("CK00001", "22", "PCN1", "McTestface", "Testy", "TST1", tuple(neg)),
        ClaimOutcome("CK00001", "1", "PCN1", "McTestface", "Testy", "TST1", tuple(paid_lines(home))),
        *(ClaimOutcome(f"ZZZ{n}", "1", f"PZ{n}", "McTestface", "Testy", f"OTHER{n}", tuple(stray)) for n in range(3))))))
    ws = Workspace(home)
    r = import_era(ws, f, dry_run=True, keep=1)
    ws.close()
    assert (len(r.claims), r.posted_count, len(r.unmatched), r.unmatched_count) == (1, 2, 1, 3)
    assert [c.status_code for c in r.claims] == ["22"] and r.unmatched[0].account == "ZZZ0"
    data = json.loads(billed.ok(f"era import --dry-run --json {f}").stdout)
    assert [c["account"] for c in data["claims"]] == ["CK00001", "CK00001"]
    assert [c["account"] for c in data["unmatched"]] == ["ZZZ0", "ZZZ1", "ZZZ2"]
    assert "835: posted 1 payment, 2 claims, 3 unmatched ('claimkit era unmatched')" in billed.ok(f"x12 import {f}").stdout
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT summary FROM imports").fetchall() == [("2 claims posted, 3 unmatched",)]
    conn.close()
