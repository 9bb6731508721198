"""837P export: every demo claim validates with pyx12 (zero errors); corrected and secondary claims too; the 837P
and the CMS-1500 print the same values from the same snapshot; our structural checks on the guide's samples."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from claimkit.core.entries import ClaimSnapshot
from claimkit.render.cms1500_fields import page_fields
from claimkit.x12.segments import SegmentReader
from claimkit.x12.validate import structural, with_pyx12
from conftest import Cli

SAMPLES = Path(__file__).parent / "data" / "x12"
EDI = """
[edi]
submitter_name = "Testwell Counseling"
submitter_id = "TESTWELL1"
contact_name = "Testy McTestface"
contact_phone = "5125550100"
receiver_name = "Test Clearinghouse"
receiver_id = "TESTCH"
"""
pytest.importorskip("pyx12")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo837") / "home"
    cli = Cli(home)
    cli.ok(f"demo --dir {home}")
    return cli, home


def segments(path: Path) -> list[list[str]]:
    return [els for _, _, els in SegmentReader(path.read_bytes())]


def test_demo_claims_validate_with_pyx12(demo, tmp_path):
    cli, home = demo
    ids = [r[0] for r in sqlite3.connect(home / "ledger.db").execute("SELECT id FROM claims ORDER BY id")]
    assert len(ids) >= 5
    out = tmp_path / "all.837"
    cli.ok(" ".join(["x12 837p --force --test -o", str(out), *[f"--claim {i}" for i in ids]]))
    assert structural(out.read_bytes()) == []
    assert with_pyx12(out) == []
    assert "OK (structure, counts, totals, NPIs, and pyx12" in cli.ok(f"x12 validate {out}").stdout
    conn = sqlite3.connect(home / "ledger.db")
    sent = conn.execute("SELECT DISTINCT sent_via, rendered_file FROM claims WHERE id IN (%s)" % ",".join("?" * len(ids)), ids).fetchall()
    assert sent == [("837p", str(out))]


def test_control_numbers_increase_and_are_recorded(demo, tmp_path):
    cli, home = demo
    cli.ok(f"x12 837p --claim CK00001 --force -o {tmp_path / 'a.837'}")
    cli.ok(f"x12 837p --claim CK00001 --force -o {tmp_path / 'b.837'}")
    a = [s for s in segments(tmp_path / "a.837") if s[0] == "ISA"][0][13]
    b = [s for s in segments(tmp_path / "b.837") if s[0] == "ISA"][0][13]
    assert int(b) == int(a) + 1
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT control_number FROM claims WHERE id = 'CK00001'").fetchone()[0] == b


def test_837p_and_cms1500_print_the_same_values(demo, tmp_path):
    cli, home = demo
    out = tmp_path / "one.837"
    cli.ok(f"x12 837p --claim CK00005 --force -o {out}")
    snap = ClaimSnapshot.model_validate_json(
        sqlite3.connect(home / "ledger.db").execute("SELECT snapshot FROM claims WHERE id = 'CK00005'").fetchone()[0])
    form = page_fields(snap, 0)
    segs = segments(out)
    clm = next(s for s in segs if s[0] == "CLM")
    assert clm[1] == form["26"] == "CK00005"
    assert next(s for s in segs if s[0] == "NM1" and s[1] == "IL")[9] == form["1a"]
    hi = next(s for s in segs if s[0] == "HI")
    assert [c.split(":")[1] for c in hi[1:]] == [form[f"21.{x}"] for x in "abcdefghijkl"[: len(hi) - 1]]
    sv1 = [s for s in segs if s[0] == "SV1"]
    assert [D(s[2]) for s in sv1] == [D(form[f"24.{n}.charge"].replace(" ", ".")) for n in range(1, len(sv1) + 1)]
    assert [s[1].split(":")[1] for s in sv1] == [form[f"24.{n}.cpt"] for n in range(1, len(sv1) + 1)]
    assert D(clm[2]) == D(form["28"].replace(" ", "."))
    assert next(s for s in segs if s[0] == "NM1" and s[1] == "85")[9] == form["33a"]
    # sam is insured through a parent: subscriber and patient loops
    assert ["HL", "3", "2", "23", "0"] in segs or any(s[:2] == ["PAT", "19"] for s in segs)


def test_corrected_and_secondary_claims_validate(demo, tmp_path):
    cli, home = demo
    cli.ok(f"claim correct CK00002 --replace --payer-claim-number PCN00002 -o {tmp_path / 'corr.pdf'} --force")
    new = sqlite3.connect(home / "ledger.db").execute("SELECT id FROM claims WHERE frequency = '7'").fetchone()[0]
    out = tmp_path / "corr.837"
    cli.ok(f"x12 837p --claim {new} --force -o {out}")
    clm = next(s for s in segments(out) if s[0] == "CLM")
    assert clm[5] == "11:B:7" and ["REF", "F8", "PCN00002"] in segments(out)
    assert with_pyx12(out) == [] and structural(out.read_bytes()) == []


def test_secondary_claim_carries_primary_payment(tmp_path):
    from conftest import PRACTICE_ARGS
    from claimkit.x12.era_writer import ClaimOutcome, LineOutcome, Remit, write_835

    home = tmp_path / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("fee set 90837 180")
    cli.ok("payer add acme --name Acme --payer-id 11111")
    cli.ok("payer add blue --name Bluepeak --payer-id 22222")
    cli.ok("payer rate set acme 90837 120")
    cli.ok("client add t --first Testa --last Secondary --dob 1980-01-01 --sex F --dx F41.1 --payer acme --member-id A1 --copay 20"
           " --address '1 Test St' --city Austin --state TX --zip 78701")
    cli.ok("client policy add t --payer blue --member-id B2 --coinsurance 10 --secondary")
    cli.ok("session add t --date 2026-10-01 --cpt 90837 --minutes 55")
    cli.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'p.pdf'}")
    snap = json.loads(sqlite3.connect(home / "ledger.db").execute("SELECT snapshot FROM claims").fetchone()[0])
    line = snap["lines"][0]
    era = tmp_path / "p.835"
    era.write_text(write_835(Remit("Acme", "11111", "Testwell", "1234567893", "T1", date(2026, 11, 1), (ClaimOutcome(
        "CK00001", "1", "PCN1", "Secondary", "Testa", "A1", (LineOutcome("90837", (), D("180.00"), D("100.00"), date(2026, 10, 1),
                                                                         line["line_control"], D("120.00"),
                                                                         (("CO", "45", D("60.00")), ("PR", "3", D("20.00")))),)),))))
    cli.ok(f"era import {era}")
    cli.ok(f"cms1500 render --secondary --claim CK00001 --force -o {tmp_path / 's.pdf'}")
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    sec = sqlite3.connect(home / "ledger.db").execute("SELECT id FROM claims WHERE rank = 'secondary'").fetchone()[0]
    out = tmp_path / "s.837"
    cli.ok(f"x12 837p --claim {sec} --force -o {out}")
    segs = segments(out)
    assert any(s[:2] == ["SBR", "S"] for s in segs) and ["AMT", "D", "100"] in segs
    assert any(s[0] == "SVD" and s[2] == "100" for s in segs)
    assert with_pyx12(out) == [] and structural(out.read_bytes()) == []


def test_missing_edi_settings_and_checks(practice, home, tmp_path):
    practice.ok("client add j --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id T1"
                " --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")
    practice.ok("session add j --date 2026-10-01 --cpt 90837 --minutes 55")
    line = practice.fails(f"x12 837p --unbilled --force -o {tmp_path / 'x.837'}")
    assert line.startswith("error: practice.toml [edi] submitter_name is not set")
    assert not (tmp_path / "x.837").exists()
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


@pytest.mark.parametrize("name", ["837p_x12ig_commercial_health_insurance.edi", "837p_x12ig_cob_secondary_to_payer_b.edi",
                                  "837p_x12ig_medicare_secondary_payer_cob.edi", "837p_x12ig_encounter.edi"])
def test_our_structural_checks_pass_the_guide_samples(name):
    """Counts, control numbers and totals all hold; the guide's made-up NPIs (e.g. 9876543210) fail the check digit,
    which is exactly what our check is for."""
    problems = structural((SAMPLES / name).read_bytes())
    assert all("fails its check digit" in p.message for p in problems), problems


def test_structural_checks_catch_damage(tmp_path):
    text = (SAMPLES / "837p_x12ig_commercial_health_insurance.edi").read_text()
    bad = text.replace("CLM*26463774*100", "CLM*26463774*101").replace("SE*42*0021", "SE*41*0021")
    problems = [str(p) for p in structural(bad.encode())]
    assert any("CLM02 total 101 is not the sum of its lines 100" in p for p in problems)
    assert any("SE01 says 41 segments, the transaction has 42" in p for p in problems)
