"""codes explain / import and codes icd through the CLI (tests/test_icd10cm_sets.py: the ICD-10-CM code sets)."""

from __future__ import annotations

import json


def test_explain_carc_with_group(cli):
    data = json.loads(cli.ok("codes explain CO-45 --json").stdout)
    assert data["kind"] == "CARC" and data["category"] == "contractual" and data["group"].startswith("CO:")
    assert data["explain"] and data["action"]


def test_explain_rarc_and_group(cli):
    assert json.loads(cli.ok("codes explain N130 --json").stdout)["kind"] == "RARC"
    assert json.loads(cli.ok("codes explain PR --json").stdout)["kind"] == "group"


def test_unknown_code(cli):
    assert "is not a reason, remark or group code" in cli.fails("codes explain ZZ-999")


def test_import_official_list(practice, home, tmp_path):
    f = tmp_path / "carc.csv"
    f.write_text("Code,Description\n45,Official text for forty-five.\n197,Official text for one-nine-seven.\n")
    assert "Loaded 2 CARC codes" in practice.ok(f"codes import {f} --kind carc").stdout
    assert (home / "codes" / "carc.tsv").stat().st_mode & 0o777 == 0o600
    data = json.loads(practice.ok("codes explain CO-45 --json").stdout)
    assert data["official"] == "Official text for forty-five."
    bad = tmp_path / "bad.csv"
    bad.write_text("45,x\nnot a code!,y\n")
    assert "bad.csv line 2" in practice.fails(f"codes import {bad} --kind carc")
    assert "--kind 'xyz'" in practice.fails(f"codes import {f} --kind xyz")


def test_codes_icd(cli):
    rows = json.loads(cli.ok("codes icd F41.1 --date 2026-05-01 --json").stdout)
    assert rows == [{"code": "F41.1", "billable": True, "description": "Generalized anxiety disorder", "set": "FY2026"}]
    found = json.loads(cli.ok("codes icd 'adjustment disorder' --date 2026-05-01 --json").stdout)
    assert any(r["code"] == "F43.20" for r in found)
    assert json.loads(cli.ok("codes icd F41 --date 2026-05-01 --json").stdout)[0]["billable"] is False


def test_imported_code_the_catalog_lacks_is_explained(practice, tmp_path):
    """After 'codes import', a code only the official list has was still 'not a code claimkit knows'."""
    carc = tmp_path / "carc.csv"
    carc.write_text("Code,Description\n45,Official text for forty-five.\nP1,Official text for P1.\n")
    rarc = tmp_path / "rarc.tsv"
    rarc.write_text("M1\tOfficial text for M1.\n")
    assert "is not a reason, remark or group code" in practice.fails("codes explain CO-P1")
    practice.ok(f"codes import {carc} --kind carc")
    practice.ok(f"codes import {rarc} --kind rarc")
    data = json.loads(practice.ok("codes explain CO-P1 --json").stdout)
    assert data["kind"] == "CARC" and data["official"] == "Official text for P1." and data["group"].startswith("CO:")
    assert json.loads(practice.ok("codes explain M1 --json").stdout) == {"code": "M1", "kind": "RARC", "official": "Official text for M1."}
    assert "Official text for P1." in practice.ok("codes explain P1").stdout


def test_codes_import_of_a_folder_is_one_clear_line(practice, tmp_path):
    assert practice.fails(f"codes import {tmp_path} --kind carc") == f"error: {tmp_path} is a folder; give the CSV or tab-separated file"


def test_codes_import_refuses_an_unclosed_quote_and_a_missing_description(practice, home, tmp_path):
    """Issue 16.10: a row with an unclosed quote swallowed the next rows into its description; a row with no
    description was loaded empty."""
    quote = tmp_path / "quote.csv"
    quote.write_text('Code,Description\n45,Fine text.\n97,"Opened and never closed.\n197,Next row.\n198,Another.\n')
    assert practice.fails(f"codes import {quote} --kind carc") == (
        "error: quote.csv line 3: the quote opened in code 97's description is never closed (it runs into the next"
        ' lines); close it (") or remove it, and save the file again')
    empty = tmp_path / "empty.csv"
    empty.write_text("Code,Description\n45,Fine text.\n97,\n")
    assert practice.fails(f"codes import {empty} --kind carc") == (
        "error: empty.csv line 3: code 97 has no description; the second column must hold it")
    assert not (home / "codes" / "carc.tsv").exists()


def test_control_characters_from_a_code_list_are_shown_escaped(practice, tmp_path):
    """Issue 16.16: a description holding terminal escape codes was printed raw (\\x1b[2J clears the screen)."""
    f = tmp_path / "carc.csv"
    f.write_bytes(b"Code,Description\n45,Clears \x1b[2J the screen\x07.\n")
    practice.ok(f"codes import {f} --kind carc")
    out = practice.ok("codes explain CO-45").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "Clears \\x1b[2J the screen\\x07." in out
    assert json.loads(practice.ok("codes explain CO-45 --json").stdout)["official"] == "Clears \x1b[2J the screen\x07."
