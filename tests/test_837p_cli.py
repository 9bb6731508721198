"""claimkit x12 837p / x12 validate through the CLI: choosing claims, [edi] settings, checks first, control numbers,
all-or-nothing recording, plain-words findings."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from conftest import Cli, ledger_rows

from claimkit.claims.read_837p import read_837p
from claimkit.x12.segments import SegmentReader
from claimkit.claims.validate_837p import validate_file

EDI = {
    "submitter_name": "Testwell Counseling",
    "submitter_id": "TESTWELL1",
    "contact_name": "Testy McTestface",
    "contact_phone": "(512) 555-0100",
    "receiver_name": "Test Clearinghouse",
    "receiver_id": "TESTCH",
}
RECENT = (date.today() - timedelta(days=20)).isoformat()


def write_edi(home, **changes) -> None:
    values = {**EDI, **changes}
    text = (home / "practice.toml").read_text()
    if "[edi]" in text:
        text = text[: text.index("[edi]")]
    body = "".join(f'{k} = "{v}"\n' for k, v in values.items() if v is not None)
    (home / "practice.toml").write_text(text.rstrip() + "\n\n[edi]\n" + body)


@pytest.fixture
def edi(practice, home) -> Cli:
    """The conftest practice (payer acme, payer ID 11111), clearinghouse settings and two clients with sessions."""
    write_edi(home)
    for cid, first in (("j", "Jay"), ("k", "Kay")):
        practice.ok(f"client add {cid} --first {first} --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer acme"
                    f" --member-id M{cid.upper()}1 --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")
        practice.ok(f"session add {cid} --date {RECENT} --cpt 90837 --minutes 55")
    return practice


def isa(path) -> list[str]:
    return next(els for _, sid, els in SegmentReader(path.read_bytes()) if sid == "ISA")


def claims_table(home) -> list[tuple]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return conn.execute("SELECT id, client, sent_via, control_number, rendered_file FROM claims ORDER BY id").fetchall()
    finally:
        conn.close()


def test_unbilled_becomes_claims_sent_with_a_recorded_control_number(edi, home, tmp_path):
    out = tmp_path / "week.837"
    result = edi.ok(f"x12 837p --unbilled -o {out}")
    assert "Wrote 2 claims" in result.stdout and "interchange 000000001, production" in result.stdout
    assert f"claimkit x12 validate {out}" in result.stdout
    assert claims_table(home) == [("CK00001", "j", "837p", "000000001", str(out)), ("CK00002", "k", "837p", "000000001", str(out))]
    assert isa(out)[13] == "000000001" and isa(out)[15] == "P"
    f = read_837p(out.read_bytes())
    assert [c.claim_id for c in f.claims] == ["CK00001", "CK00002"] and f.claims[0].payer.id == "11111"
    assert validate_file(out).problems == []
    assert "Nothing to send" in edi.ok(f"x12 837p --unbilled -o {tmp_path / 'none.837'}").stdout  # billed now
    assert not (tmp_path / "none.837").exists()
    # resending: the control number goes up and is recorded on the claim
    again = tmp_path / "again.837"
    edi.ok(f"x12 837p --claim ck00001 --test -o {again}")
    assert isa(again)[13] == "000000002" and isa(again)[15] == "T"
    assert claims_table(home)[0][2:] == ("837p", "000000002", str(again))
    rows = sqlite3.connect(home / "ledger.db").execute("SELECT status FROM sessions").fetchall()
    assert rows == [("billed",), ("billed",)]


def test_client_selects_one_client(edi, home, tmp_path):
    out = tmp_path / "k.837"
    edi.ok(f"x12 837p --client k -o {out} --json")
    data = json.loads(edi.ok(f"x12 837p --client j -o {tmp_path / 'j.837'} --json").stdout)
    assert data["control_number"] == "000000002" and data["usage"] == "P"
    assert [(c["id"], c["client"], c["total_charge"]) for c in data["claims"]] == [("CK00002", "j", "180.00")]
    assert [c.patient or c.subscriber for c in read_837p(out.read_bytes()).claims][0].first == "KAY"
    assert edi.fails(f"x12 837p --client nobody -o {tmp_path / 'x.837'}").startswith("error: no client 'nobody'")


def test_choose_exactly_one_selection(edi, tmp_path):
    out = tmp_path / "x.837"
    assert "choose the claims with one of" in edi.fails(f"x12 837p -o {out}")
    assert "only one of --claim, --unbilled" in edi.fails(f"x12 837p --claim CK00001 --unbilled -o {out}")
    assert "no claim 'CK09999'" in edi.fails(f"x12 837p --claim CK09999 -o {out}")
    assert "--secondary goes with" in edi.fails(f"x12 837p --secondary --unbilled -o {out}")


@pytest.mark.parametrize("key", list(EDI))
def test_a_missing_edi_setting_is_named(edi, home, tmp_path, key):
    write_edi(home, **{key: None})
    before = ledger_rows(home)
    line = edi.fails(f"x12 837p --unbilled -o {tmp_path / 'x.837'}")
    assert line.startswith(f"error: practice.toml [edi] {key} is not set:") and "claimkit practice edit" in line
    assert not (tmp_path / "x.837").exists() and ledger_rows(home) == before


@pytest.mark.parametrize("changes, expected", [
    ({"usage": "X"}, "practice.toml [edi] usage 'X': use T"),
    ({"contact_phone": "555-0100"}, "practice.toml [edi] contact_phone '555-0100' is not a 10-digit phone number"),
    ({"isa_sender_qualifier": "QQ"}, "practice.toml [edi] isa_sender_qualifier 'QQ' is not an ISA qualifier"),
    # refused when practice.toml is read (issue 16.15), before the export looks at [edi]
    ({"submitter_id": "A-VERY-LONG-SUBMITTER-ID"}, "edi.submitter_id: 'A-VERY-LONG-SUBMITTER-ID' may hold only"),
    ({"submitter_id": "AVERYLONGSUBMITTERID"}, "practice.toml [edi] submitter_id 'AVERYLONGSUBMITTERID' is longer than the 15"),
    ({"reciever_id": "X"}, "practice.toml [edi] reciever_id is not a setting claimkit knows"),
    ({"ack_requested": "yes"}, "practice.toml [edi] ack_requested 'yes'"),
])
def test_wrong_edi_settings_are_named(edi, home, tmp_path, changes, expected):
    write_edi(home, **changes)
    assert expected in edi.fails(f"x12 837p --unbilled -o {tmp_path / 'x.837'}")
    assert claims_table(home) == []


def test_isa_and_gs_ids_apart_from_the_submitter(edi, home, tmp_path):
    write_edi(home, submitter_id="AVERYLONGSUBMITTERID", isa_sender_id="SHORT1", isa_sender_qualifier="zz",
              isa_receiver_qualifier="30", isa_receiver_id="330897513", gs_receiver_id="OA", usage="T", ack_requested="1",
              contact_email="office@example.com")
    out = tmp_path / "x.837"
    edi.ok(f"x12 837p --unbilled -o {out}")
    els = isa(out)
    assert (els[5], els[6], els[7], els[8], els[14], els[15]) == ("ZZ", "SHORT1         ", "30", "330897513      ", "1", "T")
    segs = [e for _, _, e in SegmentReader(out.read_bytes())]
    assert segs[1][2:4] == ["SHORT1", "OA"]
    assert ["NM1", "41", "2", "TESTWELL COUNSELING", "", "", "", "", "46", "AVERYLONGSUBMITTERID"] in segs
    assert ["PER", "IC", "TESTY MCTESTFACE", "TE", "5125550100", "EM", "office@example.com"] in segs
    assert validate_file(out).problems == []


def test_payer_without_an_electronic_payer_id(practice, home, tmp_path):
    write_edi(home)
    practice.ok("payer add plain --name 'Plain Paper Plan'")
    practice.ok("client add p --first Pat --last Paper --dob 1990-04-12 --sex F --dx F41.1 --payer plain --member-id P1 --copay 25"
                " --address '1 Test St' --city Austin --state TX --zip 78701")
    practice.ok(f"session add p --date {RECENT} --cpt 90837 --minutes 55")
    line = practice.fails(f"x12 837p --unbilled -o {tmp_path / 'x.837'}")
    assert "payers.toml [payer.plain] payer_id is not set" in line and "Plain Paper Plan" in line
    assert claims_table(home) == [] and not (tmp_path / "x.837").exists()


def test_check_errors_refuse_the_export_unless_forced(edi, home, tmp_path):
    old = (date.today() - timedelta(days=400)).isoformat()  # past acme's filing limit: an error
    edi.ok(f"session add j --date {old} --cpt 90834 --minutes 45")
    before = ledger_rows(home)
    out = tmp_path / "x.837"
    result = edi(f"x12 837p --client j -o {out}")
    assert result.exit_code == 1 and "not exported: 1 error" in result.stderr and "--force" in result.stderr
    assert "filing limit" in result.stdout
    assert not out.exists() and ledger_rows(home) == before
    forced = edi.ok(f"x12 837p --client j --force -o {out}")
    assert "exported with --force despite the errors above" in forced.stderr
    assert claims_table(home)[0][:4] == ("CK00001", "j", "837p", "000000001")


def test_unwritable_output_records_nothing(edi, home, tmp_path):
    before = ledger_rows(home)
    line = edi.fails(f"x12 837p --unbilled -o {tmp_path / 'missing' / 'x.837'}")
    assert "folder" in line and "does not exist" in line
    assert ledger_rows(home) == before
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM counters WHERE name = 'isa'").fetchone()[0] == 0


def test_replaced_claims_are_not_sent(edi, home, tmp_path):
    edi.ok(f"x12 837p --client j -o {tmp_path / 'a.837'}")
    edi.ok(f"claim correct CK00001 --replace --payer-claim-number ICN1 -o {tmp_path / 'fix.pdf'} --force")
    line = edi.fails(f"x12 837p --claim CK00001 -o {tmp_path / 'b.837'}")
    assert line == "error: --claim CK00001: the claim was replaced; send CK00002, which replaced it"
    out = tmp_path / "fix.837"
    edi.ok(f"x12 837p --claim CK00002 -o {out}")
    (c,) = read_837p(out.read_bytes()).claims
    assert (c.frequency, c.original_ref) == ("7", "ICN1") and validate_file(out).problems == []


def test_a_claim_the_payer_decided_is_not_resent_unchanged(edi, home, tmp_path):
    edi.ok(f"x12 837p --client j -o {tmp_path / 'a.837'}")
    edi.ok(f"eob add CK00001 --allowed 120.00 --paid 95.00 --copay 25.00 --check 10442 --date {date.today().isoformat()}")
    before = ledger_rows(home)
    out = tmp_path / "again.837"
    result = edi(f"x12 837p --claim CK00001 -o {out}")
    assert result.exit_code == 1 and "not exported: 1 error" in result.stderr
    assert "claim CK00001 was already paid by Acme" in " ".join(result.stdout.split())
    assert not out.exists() and ledger_rows(home) == before
    # the same claim printed again on paper: the same finding; a copy for the files takes --force
    assert "already paid" in " ".join(edi(f"cms1500 render --claim CK00001 -o {tmp_path / 'copy.pdf'}").stdout.split())
    edi.ok(f"cms1500 render --claim CK00001 --force -o {tmp_path / 'copy.pdf'}")
    # `check` of the claim as it stands (sent, paid) says nothing about it: nothing is about to go out
    checked = edi(f"check --claim CK00001 --json")
    assert checked.exit_code == 0 and json.loads(checked.stdout) == [], checked.stdout
    # the way forward is a replacement, which goes out
    edi.ok(f"claim correct CK00001 --replace --payer-claim-number ICN1")
    edi.ok(f"x12 837p --claim CK00002 -o {tmp_path / 'fix.837'}")


def test_validate_reports_in_plain_words(edi, tmp_path):
    out = tmp_path / "x.837"
    edi.ok(f"x12 837p --unbilled -o {out}")
    ok = edi.ok(f"x12 validate {out}")
    assert "x.837: OK (2 claims" in ok.stdout and "pyx12's implementation-guide checks ran too" in ok.stdout
    text = out.read_text()
    bad = tmp_path / "bad.837"
    bad.write_text(text.replace("CLM*CK00001*180*", "CLM*CK00001*190*").replace("*Y*A*Y*Y~", "*Y*A*Y*N~", 1))
    result = edi(f"x12 validate {bad}")
    assert result.exit_code == 1
    assert "claim CK00001: CLM02 total 190 is not the sum of its lines 180" in result.stdout
    assert "Release of Information Code (CLM09)" in result.stdout and "2 errors" in result.stdout
    data = json.loads(edi(f"x12 validate {bad} --json").stdout)
    assert data["errors"] == 2 and data["pyx12"] is True and {p["source"] for p in data["problems"]} == {"claimkit", "pyx12"}
    assert data["problems"][0]["segment_id"] == "CLM"
    assert edi.fails(f"x12 validate {tmp_path / 'nope.837'}").endswith("nope.837: no such file")
    junk = tmp_path / "junk.837"
    junk.write_text("hello")
    assert "not an X12 file" in edi(f"x12 validate {junk}").stdout
    assert edi.fails(f"x12 validate {tmp_path}") == f"error: {tmp_path} is a folder; give the 837P file to check"


def test_validate_without_pyx12(edi, tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pyx12(name, *a, **kw):
        if name.startswith("pyx12"):
            raise ImportError(name)
        return real(name, *a, **kw)

    out = tmp_path / "x.837"
    edi.ok(f"x12 837p --unbilled -o {out}")
    monkeypatch.setattr(builtins, "__import__", no_pyx12)
    assert "pyx12 is not installed" in edi.ok(f"x12 validate {out}").stdout


def test_help_has_examples(cli):
    for cmd in ("x12 837p --help", "x12 validate --help"):
        assert "Example: claimkit x12" in cli.ok(cmd).stdout
