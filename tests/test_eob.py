"""Paper EOBs: by hand and from CSV, through the same posting code, every line balanced or nothing posted."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import ledger_rows

CLIENT = "client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST1 --copay 25"


@pytest.fixture
def billed(practice, tmp_path):
    practice.ok(CLIENT)
    for d in ("2026-10-01", "2026-10-08"):
        practice.ok(f"session add jdoe --date {d} --cpt 90837 --minutes 55")
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    return practice


def kinds(home):
    conn = sqlite3.connect(home / "ledger.db")
    return conn.execute("SELECT session_id, kind, reason, amount_cents, source FROM postings WHERE source = 'eob' ORDER BY id").fetchall()


def test_eob_add_posts_a_balanced_line(billed, home):
    out = billed.ok("eob add CK00001 --line 2 --allowed 120.00 --paid 95.00 --copay 25.00 --check 10442 --date 2026-11-27").stdout
    assert "jdoe 2026-10-08 90837: billed 180.00 · allowed 120.00 · Acme Test Health paid 95.00 · write-off 60.00 (contract)" \
           " · client owes 25.00 (copay)" in out
    assert kinds(home) == [(2, "insurance_paid", "", 9500, "eob"), (2, "contractual", "CO-45", 6000, "eob"),
                           (2, "patient_resp", "copay", 2500, "eob")]
    assert sqlite3.connect(home / "ledger.db").execute("SELECT status FROM claims").fetchone()[0] == "paid"


@pytest.mark.parametrize("args,msg", [
    ("--line 1 --allowed 120 --paid 90 --copay 25", "the line does not balance: charge 180.00 - adjustments 85.00 = 95.00, but paid is 90.00"),
    ("--allowed 120 --paid 95 --copay 25", "claim CK00001 has 2 lines; say which with --line N"),
    ("--line 9 --allowed 120 --paid 95 --copay 25", "claim CK00001 has no line 9"),
    ("--line 1 --allowed 200 --paid 95", "allowed 200.00 is more than the charge 180.00"),
    ("--line 1 --allowed 120 --paid 95 --adjust CO45:1", "write it as GROUP-CARC:AMOUNT"),
    # a CO-45 named beside an allowed amount that leaves no room for it posted a negative write-off (-60.00 and +60.00)
    ("--line 1 --allowed 180 --paid 155 --copay 25 --adjust CO-45:60",
     "allowed 180.00 + CO/PI adjustments 60.00 is more than the charge 180.00"),
    ("--line 1 --allowed 120 --paid -5", "negative"),
])
def test_eob_add_refuses_bad_lines(billed, home, args, msg):
    before = ledger_rows(home)
    assert msg in billed.fails(f"eob add CK00001 {args}")
    assert ledger_rows(home) == before


def test_eob_add_unknown_claim(billed):
    assert "no claim 'CK99999'" in billed.fails("eob add CK99999 --allowed 1 --paid 1")


def test_eob_csv_import(billed, home, tmp_path):
    f = tmp_path / "eobs.csv"
    f.write_text("claim,line,allowed,paid,deductible,coinsurance,copay,adjustments,payer_claim_number,check,date\n"
                 "CK00001,1,120.00,95.00,,,25.00,,PCN9,10442,2026-11-27\n"
                 "CK00001,2,120.00,0.00,,,,PR-96:120.00,PCN9,10442,2026-11-27\n")
    out = billed.ok(f"eob import {f}").stdout
    assert "Posted 2 EOB line(s) on 1 claim(s) from eobs.csv." in out
    assert kinds(home) == [(1, "insurance_paid", "", 9500, "eob"), (1, "contractual", "CO-45", 6000, "eob"),
                           (1, "patient_resp", "copay", 2500, "eob"), (2, "contractual", "CO-45", 6000, "eob"),
                           (2, "patient_resp", "noncovered", 12000, "eob")]
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT trace, amount_cents, source FROM remittances").fetchall() == [("10442", 9500, "eob")]
    before = ledger_rows(home)
    assert "eobs.csv: already imported (on " in billed.ok(f"eob import {f}").stdout
    assert ledger_rows(home) == before


@pytest.mark.parametrize("body,msg", [
    ("claim,allowed\nCK00001,120\n", "the header lacks column 'paid'"),
    ("claim,allowed,paid,bogus\nCK00001,120,95,x\n", "unknown column 'bogus'"),
    ("claim,line,allowed,paid,copay\nCK00001,1,120,95,25\nCK00001,2,120,abc,0\n", "eobs.csv line 3, column paid: 'abc' is not an amount"),
    ("claim,line,allowed,paid,copay\nCK00001,1,120,95,25\nCK00001,2,120,90,25\n", "eobs.csv line 3: the line does not balance"),
    ("claim,line,allowed,paid\n", "no rows under the header"),
    ("claim;line;allowed;paid;copay\nCK00001;1;120,00;95,00;25,00\n", "eobs.csv: the columns are separated by semicolons, not commas"),
    ("claim\tline\tallowed\tpaid\nCK00001\t1\t120\t95\n", "eobs.csv: the columns are separated by tabs, not commas"),
    ("claim,line,allowed,paid,copay\nCK00001,,120,95,25\n", "eobs.csv line 2: claim CK00001 has 2 lines; say which with column line"),
    ("", "the file is empty"),
])
def test_eob_csv_bad_files_post_nothing(billed, home, tmp_path, body, msg):
    f = tmp_path / "eobs.csv"
    f.write_text(body)
    before = ledger_rows(home)
    assert msg in billed.fails(f"eob import {f}")
    assert ledger_rows(home) == before


def test_eob_add_one_check_for_two_lines(billed, home):
    """One check pays several lines: entering them one by one must work; entering the same line again must not."""
    billed.ok("eob add CK00001 --line 1 --allowed 120.00 --paid 95.00 --copay 25.00 --check 10442 --date 2026-11-27")
    billed.ok("eob add CK00001 --line 2 --allowed 120.00 --paid 95.00 --copay 25.00 --check 10442 --date 2026-11-27")
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT trace, amount_cents FROM remittances").fetchall() == [("10442", 19000)]
    before = ledger_rows(home)
    assert "check 10442 from acme was already posted on line 2 of claim CK00001" in billed.fails(
        "eob add CK00001 --line 2 --allowed 120.00 --paid 95.00 --copay 25.00 --check 10442 --date 2026-11-27")
    assert ledger_rows(home) == before


@pytest.mark.parametrize("args", [
    "eob import {csv}",
    "eob add CK00001 --line 1 --allowed 120,00 --paid 95,00 --copay 25,00",
    "payment add jdoe 25,00",
])
def test_decimal_comma_is_refused_not_read_as_hundreds(billed, home, tmp_path, args):
    """'25,00' (a decimal comma, as a European spreadsheet writes it) was read as 2500.00."""
    f = tmp_path / "eobs.csv"
    f.write_text('claim,line,allowed,paid,copay\nCK00001,1,"120,00","95,00","25,00"\n')
    before = ledger_rows(home)
    line = billed.fails(args.format(csv=f))
    assert "is not an amount; write cents after a point, like 25.00" in line, line
    assert ledger_rows(home) == before
    billed.ok("payment add jdoe 1,250.00")  # a thousands separator is still fine


def test_eob_csv_same_line_twice_posts_nothing(billed, home, tmp_path):
    """A row copied twice in the sheet paid the line twice (insurance 190.00 and the copay twice on a 180.00 line)."""
    f = tmp_path / "eobs.csv"
    row = "CK00001,1,120.00,95.00,,,25.00,,PCN9,10442,2026-11-27\n"
    f.write_text("claim,line,allowed,paid,deductible,coinsurance,copay,adjustments,payer_claim_number,check,date\n" + row + row)
    before = ledger_rows(home)
    line = billed.fails(f"eob import {f}")
    assert line == "error: eobs.csv line 3: line 1 of claim CK00001 is given twice (also eobs.csv line 2); give each service line once"
    assert ledger_rows(home) == before


def test_eob_import_of_a_folder_is_one_clear_line(billed, home, tmp_path):
    before = ledger_rows(home)
    assert billed.fails(f"eob import {tmp_path}") == f"error: {tmp_path} is a folder; give the .csv file"
    assert ledger_rows(home) == before


def test_claim_status_is_the_same_line_by_line_as_in_one_csv(billed, home, tmp_path):
    """Line 1 paid, line 2 denied: one CSV made the claim 'partial', but the same lines by 'eob add' one at a time made
    it 'denied' (the status came from the last line entered alone)."""
    status = lambda: sqlite3.connect(home / "ledger.db").execute("SELECT status FROM claims").fetchone()[0]  # noqa: E731
    billed.ok("eob add CK00001 --line 1 --allowed 120.00 --paid 95.00 --copay 25.00 --check 10442 --date 2026-11-27")
    assert status() == "paid"
    out = billed.ok("eob add CK00001 --line 2 --allowed 0 --paid 0 --adjust CO-197:180.00 --check 10442 --date 2026-11-27").stdout
    assert status() == "partial"
    # and the denied line is not shown as written off (the reports keep it owed by the payer)
    assert out.strip() == "jdoe 2026-10-08 90837: billed 180.00 · Acme Test Health paid 0.00 · denied (CO-197), nothing written off"


def test_eob_csv_with_empty_columns_past_the_last(billed, home, tmp_path):
    """A sheet saved with empty columns past the last one ('...,copay,,') was refused: "unknown column ''"."""
    f = tmp_path / "eobs.csv"
    f.write_text("claim,line,allowed,paid,copay,,\nCK00001,1,120.00,95.00,25.00,,\n")
    assert "Posted 1 EOB line(s) on 1 claim(s) from eobs.csv." in billed.ok(f"eob import {f}").stdout
    g = tmp_path / "eobs2.csv"
    g.write_text("claim,line,allowed,paid,copay,,\nCK00001,2,120.00,95.00,25.00,,note\n")
    before = ledger_rows(home)
    assert billed.fails(f"eob import {g}").startswith("error: eobs2.csv line 2: column 7 has no name in the header but holds 'note'")
    assert ledger_rows(home) == before


def test_eob_add_the_same_line_again_is_refused(billed, home):
    """The same 'eob add' run twice (the shell's history) posted the line twice: insurance 190.00 on a 180.00 line
    and the copay twice. A line the payer already paid is refused, whatever the check."""
    args = "eob add CK00001 --line 1 --allowed 120.00 --paid 95.00 --copay 25.00 --date 2026-11-27"
    billed.ok(args)
    before = ledger_rows(home)
    for again in (args, args + " --check 555"):
        assert "line 1 of claim CK00001 was already posted (2026-11-27: insurance paid 95.00, client's share 25.00)" in billed.fails(again)
    assert ledger_rows(home) == before


def test_eob_csv_under_another_name_says_which(billed, home, tmp_path):
    f = tmp_path / "eobs.csv"
    f.write_text("claim,line,allowed,paid,copay\nCK00001,1,120.00,95.00,25.00\n")
    billed.ok(f"eob import {f}")
    g = tmp_path / "copy.csv"
    g.write_bytes(f.read_bytes())
    line = billed.ok(f"eob import {g}").stdout.strip()
    assert line.startswith("copy.csv: already imported (on ") and line.endswith(" as eobs.csv); nothing changed.")
