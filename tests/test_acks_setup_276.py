"""x12 setup (the [edi] settings without a text editor) and x12 276 (claim status requests)."""

from __future__ import annotations

import sqlite3
import tomllib
from datetime import date, timedelta

import pytest
from conftest import snapshot_files
from test_837p_cli import EDI, write_edi

from claimkit.x12.segments import SegmentReader

DAY = date.today() - timedelta(days=40)
OPTIONS = ("--submitter-id TESTWELL1 --submitter-name 'Testwell Counseling' --receiver-id TESTCH --receiver-name"
           " 'Test Clearinghouse' --contact-name 'Testy McTestface' --contact-phone '(512) 555-0100' --usage T")


def edi_of(home) -> dict:
    return tomllib.loads((home / "practice.toml").read_text()).get("edi", {})


def test_setup_from_options_show_and_refusals(practice, home):
    practice.ok(f"x12 setup {OPTIONS}")
    assert edi_of(home) == {"submitter_id": "TESTWELL1", "submitter_name": "Testwell Counseling", "receiver_id": "TESTCH",
                            "receiver_name": "Test Clearinghouse", "contact_name": "Testy McTestface",
                            "contact_phone": "5125550100", "usage": "T"}
    assert (home / "practice.toml").stat().st_mode & 0o777 == 0o600
    shown = practice.ok("x12 setup --show").stdout
    assert "receiver_id" in shown and "TESTCH" in shown and "wait_999_days" in shown and "(default 2)" in shown
    before = snapshot_files(home)
    assert practice.fails("x12 setup --usage X") == ("error: --usage 'X': use T (test files while the clearinghouse tests"
                                                     " your setup) or P (production)")
    assert practice.fails("x12 setup --isa-sender-id ABCDEFGHIJKLMNOPQ") == (
        "error: --isa-sender-id 'ABCDEFGHIJKLMNOPQ' is longer than the 15 characters ISA allows")
    assert practice.fails("x12 setup --contact-phone 555") == (
        "error: --contact-phone '555' is not a 10-digit phone number; write it like 5125550100")
    assert practice.fails("x12 setup --receiver-id 'A*B'").startswith("error: --receiver-id 'A*B' may hold only letters")
    assert snapshot_files(home) == before
    practice.ok("x12 setup --usage p --wait-999-days 3")
    assert edi_of(home)["usage"] == "P" and edi_of(home)["wait_999_days"] == "3"


def test_setup_without_the_required_settings_names_the_option(practice, home):
    before = snapshot_files(home)
    assert practice.fails("x12 setup --receiver-id TESTCH") == (
        "error: --submitter-name is not set: your practice's name as the clearinghouse has it (1000A NM103); give it as an"
        " option or run 'claimkit x12 setup' on a terminal")
    assert snapshot_files(home) == before


def test_setup_on_a_terminal_asks_with_defaults_and_re_asks(practice, home, monkeypatch):
    write_edi(home)
    import claimkit.cli.output as output

    monkeypatch.setattr(output, "interactive", lambda ctx: True)
    # Enter keeps a current value; a bad phone is re-asked; usage typed lower case
    answers = ["", "", "", "NEWCH", "", "12", "5125550199", "", "t", "", ""]
    r = practice.ok("x12 setup", input="\n".join(answers) + "\n")
    assert "is not a 10-digit phone number" in r.stderr
    edi = edi_of(home)
    assert (edi["receiver_id"], edi["contact_phone"], edi["usage"], edi["submitter_id"]) == (
        "NEWCH", "5125550199", "T", EDI["submitter_id"])


@pytest.fixture
def sent(practice, home, tmp_path):
    write_edi(home)
    practice.ok("client add j --first Jay --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id MJ1"
                " --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")
    practice.ok(f"session add j --date {DAY} --cpt 90837 --minutes 55")
    practice.ok(f"x12 837p --unbilled -o {tmp_path / 'a.837'}")
    return practice


def segments(path) -> list[str]:
    return ["*".join(els) for _, _, els in SegmentReader(path.read_bytes())]


def test_276_for_a_claim_with_its_payer_claim_number(sent, home, tmp_path):
    conn = sqlite3.connect(home / "ledger.db")
    conn.execute("UPDATE claims SET payer_claim_number = 'PCN77' WHERE id = 'CK00001'")
    conn.commit()
    conn.close()
    out = tmp_path / "q.276"
    r = sent.ok(f"x12 276 --claim CK00001 -o {out}")
    assert "Wrote a status request for 1 claim (CK00001)" in r.stdout and "interchange 000000002" in r.stdout
    segs = segments(out)
    d = DAY.strftime("%Y%m%d")
    assert segs[1].startswith("GS*HR*TESTWELL1*TESTCH*") and segs[1].endswith("*2*X*005010X212")
    assert segs[2:] == [
        "ST*276*0001*005010X212", segs[3], "HL*1**20*1", "NM1*PR*2*ACME TEST HEALTH*****PI*11111", "HL*2*1*21*1",
        "NM1*41*2*TESTWELL COUNSELING*****46*TESTWELL1", "HL*3*2*19*1", "NM1*1P*2*TESTWELL COUNSELING*****XX*1234567893",
        "HL*4*3*22*0", "DMG*D8*19900412*F", "NM1*IL*1*TESTCASE*JAY****MI*MJ1", "TRN*1*CK00001", "REF*1K*PCN77",
        "REF*EJ*CK00001", "AMT*T3*180", f"DTP*472*RD8*{d}-{d}", "SE*17*0001", "GE*1*2", "IEA*1*000000002"]
    assert segs[3].startswith("BHT*0010*13*2*")
    (ev,) = sqlite3.connect(home / "ledger.db").execute("SELECT kind, status, control FROM claim_events WHERE kind = '276'")
    assert ev == ("276", "asked", "000000002")


def test_276_silent_days_and_choices(sent, home, tmp_path):
    conn = sqlite3.connect(home / "ledger.db")
    conn.execute("UPDATE claims SET rendered_at = '2026-01-01T10:00:00+00:00'")
    conn.commit()
    conn.close()
    out = tmp_path / "s.276"
    assert "(CK00001)" in sent.ok(f"x12 276 --silent-days 30 -o {out}").stdout
    assert sent.fails(f"x12 276 -o {out}") == ("error: choose the claims with --claim CLAIM (repeatable) or --silent-days N,"
                                               " not both")
    assert "Nothing to ask" in sent.ok(f"x12 276 --silent-days 3650 -o {tmp_path / 'none.276'}").stdout
    assert not (tmp_path / "none.276").exists()
