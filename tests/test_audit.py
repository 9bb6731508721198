"""Sessions' documented start/end times (checked, on no claim) and `report audit`'s signals per payer."""

from __future__ import annotations

import json
import sqlite3

import pytest
from pypdf import PdfReader

from tests.conftest import ledger_rows

CLIENT = "client add {c} --first {n} --last Testcase --dob 1980-01-02 --sex F --dx F41.1 --payer {p} --member-id M{c} --copay 25"


@pytest.fixture
def two(practice):
    practice.ok("payer add bright --name 'Bright Test Plan' --payer-id 33333 --telehealth-modifier none")
    practice.ok(CLIENT.format(c="ada", n="Ada", p="acme"))
    practice.ok(CLIENT.format(c="ben", n="Ben", p="bright"))
    return practice


def test_times_recorded_and_minutes_filled_in(two, home):
    out = two.ok("session add ada --date 2026-11-02 --cpt 90837 --start 9:00 --end 09:55").stdout
    assert out.startswith("Session 1 · ada · 2026-11-02 · 90837 · 09:00-09:55 · fee $180.00")
    assert "minutes from the times: 55 (09:00 to 09:55)" in out
    [s] = json.loads(two.ok("session list --json").stdout)
    assert (s["start"], s["end"], s["minutes"]) == ("09:00", "09:55", 55)
    two.ok("session add ada --date 2026-11-09 --cpt 90834 --start 14:00 --end 14:50 --minutes 45")
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT start_time, end_time, minutes FROM sessions ORDER BY id").fetchall() == [
        ("09:00", "09:55", 55), ("14:00", "14:50", 45)]


def test_times_on_no_claim(two, home, tmp_path):
    two.ok("session add ada --date 2026-11-02 --cpt 90837 --start 09:00 --end 09:55")
    two.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    text = " ".join(p.extract_text() for p in PdfReader(str(tmp_path / "c.pdf")).pages)
    assert "09:00" not in text and "09:55" not in text and "0900" not in text
    snapshot = sqlite3.connect(home / "ledger.db").execute("SELECT snapshot FROM claims").fetchone()[0]
    assert "09:00" not in snapshot and "09:55" not in snapshot


@pytest.mark.parametrize("args, message", [
    ("--cpt 90837 --start 09:00", "--start and --end go together: give both, e.g. --start 09:00 --end 09:55"),
    ("--cpt 90837 --end 09:55", "--start and --end go together"),
    ("--cpt 90837 --start 9am --end 09:55", "--start '9am': give the time as HH:MM on a 24-hour clock, e.g. 09:00 or 14:30"),
    ("--cpt 90837 --start 09:00 --end 24:10", "--end '24:10': give the time as HH:MM"),
    ("--cpt 90837 --start 10:00 --end 09:55", "--end 09:55 is not after --start 10:00"),
    ("--cpt 90834 --start 09:00 --end 09:45 --minutes 50",
     "--minutes 50 is more than the 45 minutes from --start 09:00 to --end 09:45; correct the minutes or the times"),
    ("--cpt 90837 --start 09:00 --end 09:40",
     "--start 09:00 --end 09:40: 40 minutes, but 90837 is for 53 minutes or more; correct the times or the code"),
    ("--cpt 90832 --start 09:00 --end 09:50", "50 minutes, but 90832 is for 16 to 37 minutes"),
])
def test_bad_times_refused_and_nothing_recorded(two, home, args, message):
    two.ok("fee set 90832 100.00")  # a code with a fee: session add refuses a code without one before the times
    before = ledger_rows(home)
    assert message in two.fails(f"session add ada --date 2026-11-02 {args}")
    assert ledger_rows(home) == before


def test_session_add_does_not_load_the_catalog_without_times(two):
    import subprocess
    import sys

    code = ("import sys; from claimkit.cli import main; sys.argv = ['claimkit', 'session', 'add', 'ada', '--date', '2026-11-02',"
            " '--cpt', '90834', '--minutes', '45', '--yes']\ntry: main()\nexcept SystemExit: pass\n"
            "print('core.session_times' in ' '.join(sys.modules), 'pydantic' in sys.modules, 'reportlab' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**__import__("os").environ,
                         "CLAIMKIT_HOME": str(two.home)}, cwd=__import__("pathlib").Path(__file__).parents[1], timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False False False", out.stdout + out.stderr


def test_audit_signals_per_payer(two):
    # acme: 3 x 90837 + 1 x 90834 (75%); ada 3 sessions in the week of Monday 2026-11-02; 2 of 4 without times;
    # a telehealth session at POS 10 without its modifier (acme wants 95) and one with both 95 and 93
    for args in ("--date 2026-11-02 --cpt 90837 --start 09:00 --end 09:55",
                 "--date 2026-11-04 --cpt 90837 --start 09:00 --end 09:55",
                 "--date 2026-11-06 --cpt 90837 --minutes 55 --pos 11 --modifier 95 --modifier 93",
                 "--date 2026-11-16 --cpt 90834 --minutes 45"):
        two.ok(f"session add ada {args}")
    sqlite3.connect(two.home / "ledger.db").execute("UPDATE sessions SET pos = '10', modifiers = '' WHERE id = 4").connection.commit()
    # bright (no modifier wanted): 2 x 90834 with times; a POS 10 session without a modifier is fine there
    two.ok("session add ben --date 2026-11-03 --cpt 90834 --start 10:00 --end 10:45 --pos 10")
    two.ok("session add ben --date 2026-11-10 --cpt 90834 --start 10:00 --end 10:45")
    report = json.loads(two.ok("report audit --from 2026-11-01 --to 2026-11-30 --json").stdout)
    assert report["levels"] == {"long_session_share": 50, "sessions_per_week": 2, "untimed_share": 10}
    acme, bright = report["payers"]
    assert (acme["payer"], acme["sessions"]) == ("acme", 4)
    assert acme["long_sessions"] == {"value": "75.0", "numerator": 3, "denominator": 4}
    assert acme["busy_weeks"] == [{"client": "ada", "week": "2026-11-02", "sessions": 3}]
    assert acme["untimed"] == {"value": "50.0", "numerator": 2, "denominator": 4, "sessions": [3, 4]}
    assert acme["telehealth_modality_not_stated"] == [
        {"session": 3, "why": "both video and audio-only modifiers (93, 95)"},
        {"session": 4, "why": "POS 10 without a modality modifier (95/GT/93/FQ)"}]
    assert acme["flags"] == ["long_sessions", "sessions_per_week", "untimed", "telehealth_modality"]
    assert bright["long_sessions"] == {"value": "0.0", "numerator": 0, "denominator": 2}
    assert bright["untimed"]["numerator"] == 0 and bright["telehealth_modality_not_stated"] == [] and bright["flags"] == []
    out = two.ok("report audit --from 2026-11-01 --to 2026-11-30").stdout
    assert "75.0% (3 of 4) HIGH" in out and "Acme Test Health: ada had 3 sessions in the week of 2026-11-02" in out
    assert "Acme Test Health: session 4: POS 10 without a modality modifier" in out


def test_audit_empty(practice):
    out = practice.ok("report audit --from 2026-01-01 --to 2026-06-30").stdout
    assert out.strip() == "No insurance sessions from 2026-01-01 to 2026-06-30: nothing a payer would review."
    assert json.loads(practice.ok("report audit --from 2026-01-01 --to 2026-06-30 --json").stdout)["payers"] == []
