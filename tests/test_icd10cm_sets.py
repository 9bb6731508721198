"""ICD-10-CM code sets by fiscal year (issue 18): loading a release as CMS/CDC publish it, checking each session's
diagnoses against the set in force on its date of service, the one warning, what changed for the practice."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import snapshot_files
from icd10cm_release import (
    ADDED, cdc_zip, cms_zip, codes_file, fy2026_rows, fy2027_rows, order_file,
)

from claimkit.catalog.icd10cm_release import ReleaseError, parse, read_release

CLIENT = ("client add {id} --first {first} --last Testperson --dob 1990-04-12 --sex F --dx {dx} --payer acme "
          "--member-id TST{n}23456 --copay 25 --address '12 Sample Rd' --city Austin --state TX --zip 78704")


def _client(cli, cid: str, dx: str, n: int = 1, first: str = "Testy") -> None:
    cli.ok(CLIENT.format(id=cid, first=first, dx=dx, n=n))


def _findings(cli, rule: str) -> list[dict]:
    out = cli("check --json")
    return [f for f in json.loads(out.stdout) if f["rule"] == rule]


@pytest.fixture
def cms(tmp_path):
    path = tmp_path / "2027-code-descriptions-tabular-order.zip"
    path.write_bytes(cms_zip(fy2027_rows()))
    return path


# --------------------------------------------------------------------------------------------------- the reader


def test_order_file_lf_and_crlf_read_the_same_codes():
    lf = read_release("icd10cm_order_2027.txt", order_file(fy2027_rows()))
    crlf = read_release("icd10cm_order_2027.txt", order_file(fy2027_rows(), crlf=True))
    assert lf.kind == crlf.kind == "order" and lf.year == crlf.year == 2027
    assert (lf.line_ends, crlf.line_ends) == ("LF", "CR LF")
    assert lf.rows == crlf.rows and len(lf.rows) == 301 and lf.billable == 241
    assert ("F64A", True, "Gender identity disorder, in remission") in lf.rows
    assert "F418" not in {r[0] for r in lf.rows}
    assert dict((c, d) for c, _, d in lf.rows)["F419"] == "Anxiety disorder, unspecified type"
    assert lf.sha256 != crlf.sha256


def test_zips_as_cms_and_cdc_name_them_find_the_order_file():
    cms = read_release("2027-code-descriptions-tabular-order.zip", cms_zip(fy2027_rows()))
    assert cms.file == "2027-code-descriptions-tabular-order.zip:Code Descriptions/icd10cm_order_2027.txt"
    assert cms.kind == "order" and cms.year == 2027 and cms.line_ends == "CR LF"
    cdc = read_release("icd10cm-code-descriptions-2027.zip", cdc_zip(fy2027_rows()))
    assert cdc.file.endswith("icd10cm-code-descriptions-2027/icd10cm-order-2027.txt") and cdc.rows == cms.rows
    only_codes = read_release("icd10cm-code-descriptions-2027.zip", cdc_zip(fy2027_rows(), order=False))
    assert only_codes.kind == "codes" and only_codes.file.endswith("icd10cm-codes-2027.txt")


def test_codes_only_file_derives_categories():
    rel = read_release("icd10cm_codes_2027.txt", codes_file(fy2027_rows()))
    rows = {c: (b, d) for c, b, d in rel.rows}
    assert rel.kind == "codes" and rel.billable == 241
    assert rows["F411"] == (True, "Generalized anxiety disorder")
    assert rows["F41"] == (False, "") and rows["F64"] == (False, "")  # a category, not an unknown code


@pytest.mark.parametrize(("damage", "message"), [
    (lambda ln: ln[:14] + " " + ln[14:], "line 7 column 16: '1' where the layout has a blank; the columns are shifted"),
    (lambda ln: ln[:14] + "Y" + ln[15:], "line 7 column 15: 'Y' is not a billable flag (1 = valid on a claim, 0 = header)"),
    (lambda ln: ln[:20] + "é" + ln[21:], "line 7 column 21: a non-ASCII character (byte 0xc3)"),
    (lambda ln: ln[:40], "line 7 has 40 characters; an order-file line has at least 78"),
    (lambda ln: ln[:6] + "F4.1.1 " + ln[13:], "line 7 columns 7-13: 'F4.1.1' is not an ICD-10-CM code"),
    (lambda ln: "0000x" + ln[5:], "line 7 columns 1-5: '0000x' is not an order number"),
])
def test_a_damaged_line_is_refused_with_its_number(damage, message):
    lines = order_file(fy2027_rows()).decode("ascii").split("\n")
    lines[6] = damage(lines[6])
    with pytest.raises(ReleaseError) as exc:
        parse("icd10cm_order_2027.txt", "\n".join(lines).encode("utf-8"), "order", 2027)
    assert f"icd10cm_order_2027.txt {message}" in str(exc.value)


def test_a_code_given_twice_and_a_bad_codes_line_are_refused():
    rows = fy2027_rows()
    with pytest.raises(ReleaseError, match="line 3: code F30 is given again \\(first on line 1\\)"):
        parse("o.txt", order_file([rows[0], rows[1], rows[0]]).replace(b"00003 ", b"00004 "), "order", 2027)
    with pytest.raises(ReleaseError, match="o.txt line 2 columns 1-5: order number 00001 does not follow 00001"):
        parse("o.txt", order_file(rows[:2]).replace(b"00002 ", b"00001 "), "order", 2027)
    with pytest.raises(ReleaseError, match="c.txt line 1 columns 1-7: '1F411' is not an ICD-10-CM code"):
        parse("c.txt", b"1F411   Generalized anxiety disorder\n", "codes", 2027)


# --------------------------------------------------------------------------------------------------- icd-import


def test_import_cms_zip_then_again_changes_nothing(practice, home, cms):
    out = practice.ok(f"codes icd-import {cms}").stdout
    assert "not a release I recognize; read 301 codes, 241 billable, 60 headers (CR LF line ends" in out
    assert "Loaded ICD-10-CM FY2027 (2026-10-01 to 2027-09-30)" in out
    folder = home / "codes" / "icd10cm"
    assert folder.stat().st_mode & 0o777 == folder.parent.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()} == {
        "sets.json": 0o600, **{p.name: 0o600 for p in folder.glob("FY2027-*")}}
    before = snapshot_files(home)
    again = practice.ok(f"codes icd-import {cms}").stdout
    assert "FY2027 is already loaded from this file" in again and "nothing changed" in again
    assert snapshot_files(home) == before
    sets = json.loads(practice.ok("codes icd-sets --json").stdout)
    assert [(s["set"], s["origin"], s["effective_from"], s["codes"], s["billable"], s["official"]) for s in sets] == [
        ("FY2026", "shipped", "2025-10-01", 98186, 74719, False),
        ("FY2027", "loaded", "2026-10-01", 301, 241, False)]
    assert sets[1]["file"] == "2027-code-descriptions-tabular-order.zip"
    table = practice.ok("codes icd-sets").stdout
    assert "2026-10-01 to 2027-09-30  2027-code-descriptions-tabular-order.zip, loaded" in table
    assert "FY2026" in table and "shipped with claimkit" in table


def test_a_damaged_release_loads_nothing(practice, home, tmp_path):
    lines = order_file(fy2027_rows()).decode("ascii").split("\n")
    lines[41] = lines[41][:30]
    bad = tmp_path / "icd10cm_order_2027.txt"
    bad.write_text("\n".join(lines))
    before = snapshot_files(home)
    msg = practice.fails(f"codes icd-import {bad}")
    assert msg == ("error: icd10cm_order_2027.txt line 42 has 30 characters; an order-file line has at least 78 "
                   "(order number, code, billable flag, short and long descriptions)")
    assert snapshot_files(home) == before and not (home / "codes" / "icd10cm").exists()


def test_dry_run_and_year_rules(practice, home, tmp_path):
    f = tmp_path / "release.txt"
    f.write_bytes(order_file(fy2027_rows()))
    assert "the file name does not say which fiscal year" in practice.fails(f"codes icd-import {f}")
    out = practice.ok(f"codes icd-import {f} --year 2027 --dry-run").stdout
    assert "Dry run: would load ICD-10-CM FY2027 (2026-10-01 to 2027-09-30)" in out and "nothing written" in out
    assert not (home / "codes" / "icd10cm").exists()
    assert "--effective 2027-10-01: FY2027 runs from 2026-10-01 to 2027-09-30" in practice.fails(
        f"codes icd-import {f} --year 2027 --effective 2027-10-01")
    april = practice.ok(f"codes icd-import {f} --year 2027 --effective 2027-04-01").stdout
    assert "Loaded ICD-10-CM FY2027-2027-04-01 (2027-04-01 to 2027-09-30)" in april


def test_the_official_release_is_recognized_by_its_checksum(practice, cms, monkeypatch):
    from claimkit.catalog import icd10cm_import
    from claimkit.catalog.icd10cm_import import Known, known_releases

    official = known_releases()["38981fb2c1226e2b92393cef7d921d2293494dd184b5ad039dde08e4b364265f"]
    assert (official.fiscal_year, official.rows, official.billable, official.bytes) == (2027, 98403, 74879, 14724229)
    sha = read_release(cms.name, cms.read_bytes()).sha256
    monkeypatch.setattr(icd10cm_import, "known_releases", lambda: {sha: official._replace(sha256=sha)})
    out = practice.ok(f"codes icd-import {cms}").stdout
    assert "icd10cm_order_2027.txt: official FY2027 release, 74,879 billable codes" in out
    assert "is the official FY2027 release, not FY2026" in practice.fails(f"codes icd-import {cms} --year 2026")
    assert isinstance(official, Known)


# --------------------------------------------------------------------------------------------------- check by date


def test_sessions_either_side_of_october_first_use_their_own_set(practice, cms):
    _client(practice, "ana", "F41.8", 1)
    _client(practice, "bea", "F64.A", 2, "Bea")
    for cid, dx in (("ana", "F41.8"), ("bea", "F64.A")):
        for day in ("2026-09-30", "2026-10-01"):
            practice.ok(f"session add {cid} --date {day} --cpt 90837 --minutes 55 --dx {dx}")
    practice.ok(f"codes icd-import {cms}")
    found = sorted((f["subject"], f["message"]) for f in _findings(practice, "dx-unknown"))
    assert found == [
        ("client ana / session 2", "diagnosis F41.8 is not valid on 2026-10-01: it was deleted in ICD-10-CM FY2027 "
                                   "(in force from 2026-10-01; valid in FY2026)"),
        ("client bea / session 3", "diagnosis F64.A is not valid on 2026-09-30: it is not valid yet in ICD-10-CM FY2026 "
                                   "(in force from 2025-10-01; valid in FY2027)"),
    ]
    fix = next(f["fix"] for f in _findings(practice, "dx-unknown") if f["subject"].endswith("session 2"))
    assert fix.startswith("use a billable code of F41 in FY2027 such as F41.0, F41.1, F41.3;")
    assert all(f["box"] == "21" and f["severity"] == "error" for f in _findings(practice, "dx-unknown"))
    assert _findings(practice, "dx-codeset-date") == []  # quiet once the year is loaded


def test_one_warning_for_all_dates_no_set_covers(practice, cms):
    _client(practice, "ana", "F41.1", 1)
    _client(practice, "cal", "F41.1", 3, "Cal")
    for cid in ("ana", "cal"):
        for day in ("2026-09-29", "2026-10-02", "2026-11-16", "2026-12-01"):
            practice.ok(f"session add {cid} --date {day} --cpt 90837 --minutes 55 --dx F41.1")
    warned = _findings(practice, "dx-codeset-date")
    assert len(warned) == 1
    assert warned[0]["message"] == ("6 session(s) dated 2026-10-02 to 2026-12-01 fall under ICD-10-CM FY2027, which is not "
                                    "loaded; their diagnoses were checked against FY2026")
    assert warned[0]["fix"].endswith("load it: claimkit codes icd-import ~/Downloads/2027-code-descriptions-tabular-order.zip")
    assert "'2027 Code Descriptions in Tabular Order' from cms.gov" in warned[0]["fix"]
    practice.ok(f"codes icd-import {cms}")
    assert _findings(practice, "dx-codeset-date") == []


def test_a_code_added_in_an_unloaded_year_says_to_load_it(practice):
    _client(practice, "bea", "F64.A", 2, "Bea")
    practice.ok("session add bea --date 2026-10-05 --cpt 90837 --minutes 55 --dx F64.A")
    [hit] = _findings(practice, "dx-unknown")
    assert hit["message"] == "diagnosis F64.A is not in ICD-10-CM FY2026, and 2026-10-05 falls under FY2027, which is not loaded"
    assert hit["fix"].startswith("load FY2027: claimkit codes icd-import ~/Downloads/2027-code-descriptions-tabular-order.zip")


def test_a_claim_with_lines_on_both_sides_uses_each_lines_date(practice, cms, home):
    from claimkit.checks import check_claim_snapshot
    from claimkit.claims.build import build_claims, select_sessions
    from claimkit.store.workspace import Workspace

    _client(practice, "ana", "F41.8", 1)
    for day in ("2026-09-28", "2026-10-05"):
        practice.ok(f"session add ana --date {day} --cpt 90837 --minutes 55 --dx F41.8")
    practice.ok(f"codes icd-import {cms}")
    ws = Workspace(home)
    [snap] = build_claims(ws, select_sessions(ws, client="ana"))  # one claim, two lines (a preview: nothing written)
    assert [line.date_from for line in snap.lines] == [date(2026, 9, 28), date(2026, 10, 5)]
    hits = [f for f in check_claim_snapshot(snap, ws, today=date(2026, 12, 6)) if f.rule == "dx-unknown"]
    assert [(f.subject.rsplit("/ ", 1)[-1], f.message.split(":")[0]) for f in hits] == [
        ("line 2", "diagnosis F41.8 is not valid on 2026-10-05")]


# --------------------------------------------------------------------------------------------------- look-ups


def test_codes_icd_answers_from_the_set_of_the_date(practice, cms):
    practice.ok(f"codes icd-import {cms}")
    rows = json.loads(practice.ok("codes icd F64.A --date 2026-10-01 --json").stdout)
    assert rows == [{"code": "F64.A", "billable": True, "description": ADDED[2], "set": "FY2027"}]
    out = practice("codes icd F64.A --date 2026-09-30")
    assert out.exit_code == 1
    assert "No ICD-10-CM code in FY2026 (in force on 2026-09-30) matches 'F64.A'; it is in FY2027" in out.stdout
    table = practice.ok("codes icd F41.9 --date 2026-10-01").stdout
    assert "ICD-10-CM FY2027 (2026-10-01 to 2027-09-30), in force on 2026-10-01" in table
    assert "Anxiety disorder, unspecified type" in table


def test_codes_icd_without_a_set_for_the_date_says_so(cli):
    res = cli.ok("codes icd F41.1 --date 2026-12-01")
    assert "no loaded ICD-10-CM set covers 2026-12-01 (FY2027); answering from FY2026" in res.stderr
    assert "ICD-10-CM FY2026 (2025-10-01 to 2026-09-30), in force on 2026-12-01" in res.stdout


def test_code_icd_is_a_hidden_alias_that_says_where_it_moved(cli):
    res = cli.ok("code icd F41.1 --date 2026-05-01 --json")
    assert json.loads(res.stdout)[0]["code"] == "F41.1"
    assert res.stderr.strip() == "'claimkit code icd' has moved to 'claimkit codes icd' (all code commands are under 'claimkit codes')"
    top = cli.ok("--help").stdout
    assert " codes " in top and "\n│ code " not in top and " code  " not in top
    assert "icd-import" in cli.ok("codes --help").stdout


# --------------------------------------------------------------------------------------------------- what changed


def test_icd_changes_names_the_affected_clients(practice, tmp_path):
    old = tmp_path / "icd10cm_order_2026.txt"
    old.write_bytes(order_file(fy2026_rows()))
    assert "Loaded ICD-10-CM FY2026 (2025-10-01 to 2026-09-30) in place of the shipped FY2026 (98,186 codes)" in practice.ok(
        f"codes icd-import {old}").stdout
    new = tmp_path / "icd10cm-code-descriptions-2027.zip"
    new.write_bytes(cdc_zip(fy2027_rows()))
    practice.ok(f"codes icd-import {new}")
    _client(practice, "ana", "F41.8", 1)
    _client(practice, "cal", "F41.1", 3, "Cal")
    practice.ok("session add ana --date 2026-09-28 --cpt 90837 --minutes 55 --dx F41.8")
    practice.ok("session add ana --date 2026-10-05 --cpt 90837 --minutes 55 --dx F41.8")
    practice.ok("session add cal --date 2026-10-06 --cpt 90837 --minutes 55 --dx F41.8 --dx F41.1")
    data = json.loads(practice.ok("codes icd-changes --json").stdout)
    assert (data["from"], data["to"], data["effective"]) == ("FY2026", "FY2027", "2026-10-01")
    assert [c["code"] for c in data["added"]] == ["F64.A"]
    assert [c["code"] for c in data["deleted"]] == ["F41.8"]
    assert data["retitled"] == [{"code": "F41.9", "old": "Anxiety disorder, unspecified", "new": "Anxiety disorder, unspecified type"}]
    assert data["affected"] == [
        {"client": "ana", "code": "F41.8", "change": "deleted", "in_client_dx": True,
         "sessions": [{"id": 2, "date": "2026-10-05"}], "suggest": ["F41.0", "F41.1", "F41.3"]},
        {"client": "cal", "code": "F41.8", "change": "deleted", "in_client_dx": False,
         "sessions": [{"id": 3, "date": "2026-10-06"}], "suggest": ["F41.0", "F41.1", "F41.3"]},
    ]
    text = practice.ok("codes icd-changes --from 2026 --to 2027").stdout
    assert "ICD-10-CM FY2026 -> FY2027 (in force from 2026-10-01): 1 added, 1 deleted, 1 retitled, 0 no longer billable" in text
    assert "ana" in text and "2 (2026-10-05)" in text
    assert "--from 2028: no such ICD-10-CM set" in practice.fails("codes icd-changes --from 2028")


# --------------------------------------------------------------------------------------------------- todo


def test_todo_in_september_and_for_sessions_in_a_year_with_no_set(practice, home, cms):
    from claimkit.reports.todo import todo
    from claimkit.store.workspace import Workspace

    _client(practice, "ana", "F41.1", 1)
    practice.ok("session add ana --date 2026-10-02 --cpt 90837 --minutes 55 --dx F41.1")
    items = [i for i in todo(Workspace(home), today=date(2026, 9, 15)) if i.kind == "code_set"]
    assert [(i.subject, i.detail) for i in items] == [
        ("ICD-10-CM FY2027", "takes effect on 2026-10-01; diagnoses on sessions from then are checked against it"),
        ("ICD-10-CM FY2027", "1 session (1 not billed) dated 2026-10-02 fall in FY2027, which is not loaded: their "
                             "diagnoses are checked against an older set")]
    assert all("claimkit codes icd-import ~/Downloads/2027-code-descriptions-tabular-order.zip" in i.action for i in items)
    assert [i for i in todo(Workspace(home), today=date(2026, 8, 15)) if i.kind == "code_set"][0].due == date(2026, 10, 2)
    practice.ok(f"codes icd-import {cms}")
    assert [i for i in todo(Workspace(home), today=date(2026, 9, 15)) if i.kind == "code_set"] == []
    assert "Diagnosis code sets" not in practice.ok("todo").stdout


# --------------------------------------------------------------------------------------------------- shipping a year


def test_gen_icd10_turns_a_release_into_a_shipped_set(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from claimkit.catalog.icd10cm import CodeSets, set_from_files

    root = Path(__file__).resolve().parent.parent
    release = tmp_path / "2027-code-descriptions-tabular-order.zip"
    release.write_bytes(cms_zip(fy2027_rows()))
    tool = [sys.executable, str(root / "tools" / "gen_icd10.py"), "--release", str(release), "--out", str(tmp_path / "out")]
    refused = subprocess.run(tool, capture_output=True, text=True)
    assert refused.returncode == 2 and "is not a release claimkit recognizes" in refused.stderr
    assert not (tmp_path / "out").exists()
    done = subprocess.run([*tool, "--unrecognized-ok"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["icd10cm-2027-index.tsv", "icd10cm-2027.toml", "icd10cm-2027.tsv.gz"]
    shipped = set_from_files(tmp_path / "out" / "icd10cm-2027.toml")
    assert (shipped.info.key, shipped.info.effective_from, shipped.info.count, shipped.info.billable) == (
        "FY2027", date(2026, 10, 1), 301, 241)
    sets = CodeSets(extra=(shipped,))
    assert sets.in_force(date(2026, 9, 30)).info.key == "FY2026" and sets.in_force(date(2026, 10, 1)) is shipped
    assert sets.lookup("F64.A", date(2026, 10, 1)).description == ADDED[2]
    assert sets.lookup("F41.8", date(2026, 10, 1)) is None and sets.lookup("F41.8", date(2026, 9, 30)).billable


def test_a_code_with_a_letter_second_is_a_diagnosis(practice):
    """FY2026 added QA0 (neurodevelopmental disorders by gene): 'client add --dx QA00101' was refused as not a code."""
    from claimkit.core.records import normalize_dx

    assert normalize_dx("qa001.01") == "QA0.0101"
    _client(practice, "zed", "QA00101", 4, "Zed")
    practice.ok("session add zed --date 2026-05-04 --cpt 90837 --minutes 55")
    assert [f for f in json.loads(practice("check --json").stdout) if f["rule"].startswith("dx-")] == []
    assert read_release("icd10cm_order_2026.txt", order_file([("QA00101", True, "SCN2A-related neurodevelopmental disorder")])).rows


def test_superbill_titles_come_from_the_set_of_the_date(practice, home, cms):
    from claimkit.claims.superbill import build_superbill
    from claimkit.store.workspace import Workspace

    _client(practice, "bea", "F64.A", 2, "Bea")
    practice.ok("session add bea --date 2026-10-05 --cpt 90837 --minutes 55 --dx F64.A --dx F41.9")
    assert build_superbill(Workspace(home), "bea").diagnoses == (("F64.A", ""), ("F41.9", "Anxiety disorder, unspecified"))
    practice.ok(f"codes icd-import {cms}")
    assert build_superbill(Workspace(home), "bea").diagnoses == (
        ("F64.A", "Gender identity disorder, in remission"), ("F41.9", "Anxiety disorder, unspecified type"))


def test_a_damaged_set_in_the_home_is_one_line(practice, home, cms):
    _client(practice, "ana", "F41.1", 1)
    practice.ok("session add ana --date 2026-10-05 --cpt 90837 --minutes 55")
    practice.ok(f"codes icd-import {cms}")
    folder = home / "codes" / "icd10cm"
    next(folder.glob("*.index.tsv")).unlink()
    assert "is missing or damaged (FileNotFoundError); load the release again with 'claimkit codes icd-import FILE'" in \
        practice.fails("codes icd F41.1 --date 2026-10-05")
    (folder / "sets.json").write_text('{"sets": [{"key": "FY2027"}]}')
    assert "sets.json is damaged (an entry lacks 'effective_from')" in practice.fails("codes icd-sets")
    (folder / "sets.json").write_text("{not json")
    assert "sets.json is damaged" in practice.fails("check")
