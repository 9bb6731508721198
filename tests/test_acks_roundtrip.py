"""The clearinghouse round trip through the CLI: export claims, then import the 999s, 277CAs and an 835 that come
back in one `x12 import` of a folder; statuses, the history, the boxes named, and what is refused or unmatched."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from ack_writers import write_277ca, write_999, write_ta1
from conftest import ledger_rows
from test_837p_cli import write_edi

from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

DAY = date.today() - timedelta(days=20)


def rows(home, sql, *args):
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture
def sent(practice, home, tmp_path):
    """Three claims in one export (interchange 1) and a fourth in another (interchange 2)."""
    write_edi(home)
    for cid, first in (("j", "Jay"), ("k", "Kay"), ("m", "Em"), ("n", "En")):
        practice.ok(f"client add {cid} --first {first} --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer acme"
                    f" --member-id M{cid.upper()}1 --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")
        practice.ok(f"session add {cid} --date {DAY} --cpt 90837 --minutes 55")
    practice.ok(f"x12 837p --client j -o {tmp_path / 'none.837'} --json")  # interchange 1: CK00001 alone
    (tmp_path / "none.837").unlink()
    return practice


def test_export_remembers_control_numbers_and_positions(sent, home, tmp_path):
    out = tmp_path / "three.837"
    sent.ok(f"x12 837p --unbilled -o {out}")
    (export,) = rows(home, "SELECT id, isa13, gs06, claims FROM x12_exports WHERE file = ?", str(out))
    assert export[1:] == ("000000002", "2", 3)
    (tx,) = rows(home, "SELECT st02, segments FROM x12_export_transactions WHERE export_id = ?", export[0])
    keys = tx[1].split(",")
    assert keys[:5] == ["ST", "BHT", "NM1*41", "PER@41", "NM1*40"] and keys[-1] == "SE"
    places = rows(home, "SELECT claim_id, st02, clm_pos, first_pos, last_pos, provider_pos FROM x12_export_claims"
                        " WHERE export_id = ? ORDER BY first_pos", export[0])
    assert [p[0] for p in places] == ["CK00002", "CK00003", "CK00004"]
    segs = out.read_text().split("~\n")[2:]  # from ST
    for claim, st02, clm, first, last, provider in places:
        assert st02 == "0001"
        assert segs[clm - 1].startswith(f"CLM*{claim}*") and keys[clm - 1] == "CLM"
        assert segs[first - 1].startswith("HL*") and segs[first - 1].endswith("*22*0")
        assert segs[provider - 1].startswith("HL*1**20*1")
        assert keys[first] == "SBR" and keys[first + 1] == "NM1*IL"
    assert [p[4] + 1 for p in places[:-1]] == [p[3] for p in places[1:]]  # each claim ends where the next begins
    assert segs[places[-1][4]].startswith("SE*")


def test_round_trip_one_folder(sent, home, tmp_path):
    out = tmp_path / "three.837"
    sent.ok(f"x12 837p --unbilled -o {out}")  # CK00002..4 in interchange 2
    export_id = rows(home, "SELECT id FROM x12_exports WHERE isa13 = '000000002'")[0][0]
    pos = {c: (clm, first) for c, clm, first in rows(home, "SELECT claim_id, clm_pos, first_pos FROM x12_export_claims"
                                                          " WHERE export_id = ?", export_id)}
    keys = rows(home, "SELECT segments FROM x12_export_transactions WHERE export_id = ?", export_id)[0][0].split(",")
    il = pos["CK00003"][1] + 2  # HL, SBR, NM1*IL
    assert keys[il - 1] == "NM1*IL"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # interchange 1 (CK00001): accepted; interchange 2: rejected at CK00003's NM1*IL, NM109 invalid
    (inbox / "a_999.txt").write_text(write_999("1", [("0001", "A", [])], control=901))
    (inbox / "b_999.txt").write_text(write_999("2", [("0001", "R", [("NM1", il, "2010BA", "8", [(9, "7", "MK1")])])],
                                               control=902))
    # a 277CA for interchange 1's claim accepting it, and one for a claim never sent (unmatched)
    (inbox / "c.277ca").write_text(write_277ca([("CK00001", "A2:20", "180", "MJ1", DAY), ("CK09999", "A2:20", "50", "X", DAY)]))
    snap = json.loads(rows(home, "SELECT snapshot FROM claims WHERE id = 'CK00001'")[0][0])
    ln = snap["lines"][0]
    (inbox / "d.835").write_text(write_835(Remit("Acme", "11111", "Testwell", "1234567893", "TRACE1", DAY + timedelta(days=10),
        (ClaimOutcome("CK00001", "1", "PCNCK00001", "TESTCASE", "JAY", "MJ1",
                      (LineOutcome("90837", (), D("180.00"), D("95.00"), DAY, ln["line_control"], D("120.00"),
                                   (("CO", "45", D("60.00")), ("PR", "3", D("25.00")))),)),))))
    r = sent.ok(f"x12 import {inbox}")
    text = r.stdout
    assert "a_999.txt: 999 for group 1: accepted: 1 accepted" in text
    assert "b_999.txt: 999 for group 2: rejected: 3 rejected" in text
    assert ("CK00003 rejected: NM1*IL at segment %d: a segment with element errors (NM109 not a valid code ('MK1')),"
            " loop 2010BA [box 1a]" % il) in text
    assert "CK00002 rejected: rejected with the whole transaction: the error is in claim CK00003" in text
    assert "c.277ca: 277CA: 1 accepted, 1 matched nothing ('claimkit x12 unmatched')" in text
    assert "d.835: 835: posted 1 payment, 1 claim" in text
    status = dict(rows(home, "SELECT id, status FROM claims"))
    assert status == {"CK00001": "paid", "CK00002": "rejected", "CK00003": "rejected", "CK00004": "rejected"}
    assert rows(home, "SELECT payer_claim_number FROM claims WHERE id = 'CK00001'") == [("PCNCK00001",)]
    assert rows(home, "SELECT ack_status FROM x12_exports ORDER BY id") == [("A",), ("R",)]
    unmatched = sent.ok("x12 unmatched --json")
    (u,) = json.loads(unmatched.stdout)
    assert (u["kind"], u["reference"], u["file"]) == ("277ca", "CK09999", "c.277ca")
    assert u["detail"].startswith("277CA for claim 'CK09999' (TESTCASE, PAT, member X,")
    show = sent.ok("claim show CK00003").stdout
    hist = show[show.index("History:"):].splitlines()
    assert hist[1].split()[1:3] == ["built", "built"]
    assert "sent" in hist[2] and "three.837 (interchange 000000002)" in hist[2]
    assert "999    rejected  NM1*IL at segment" in hist[3] and "[box 1a]" in hist[3]
    assert hist[4].strip() == "fix: claimkit client edit m, then resend: claimkit x12 837p --claim CK00003 -o resend.837"
    assert "rejected" in sent.ok("claim list --status rejected").stdout
    listed = [ln.split()[0] for ln in sent.ok("claim list --status rejected").stdout.splitlines()[2:]]
    assert listed == ["CK00002", "CK00003", "CK00004"]
    # everything again: nothing changes and each file says when it was first imported
    before = ledger_rows(home)
    again = sent.ok(f"x12 import {inbox} --json")
    data = json.loads(again.stdout)
    assert [d["already_imported"] is not None for d in data] == [True, True, True, True]
    assert ledger_rows(home) == before


def test_277ca_rejects_one_then_the_resend_is_a_new_original(sent, home, tmp_path):
    out = tmp_path / "three.837"
    sent.ok(f"x12 837p --unbilled -o {out}")
    f = tmp_path / "r.277ca"
    f.write_text(write_277ca([("CK00002", "A2:20", "180", "MK1", DAY), ("CK00003", "A2:20", "180", "MM1", DAY),
                              ("CK00004", "A7:562:85", "180", "MN1", DAY)], component="|"))
    r = sent.ok(f"x12 import {f}")
    assert ("CK00004 rejected: 277CA from the clearinghouse (TEST CLEARINGHOUSE): rejected for invalid information: the"
            " billing provider's NPI [box 33, 33a]; payer claim number PCNCK00004") in r.stdout
    assert dict(rows(home, "SELECT id, status FROM claims WHERE id != 'CK00001'")) == {
        "CK00002": "accepted", "CK00003": "accepted", "CK00004": "rejected"}
    ev = rows(home, "SELECT kind, status, source, data FROM claim_events WHERE claim_id = 'CK00004' ORDER BY id")
    assert [e[:3] for e in ev] == [("sent", "", ""), ("277ca", "rejected", "AY")]
    assert json.loads(ev[1][3])["fix"] == "claimkit practice edit" and json.loads(ev[1][3])["box"] == "33, 33a"
    # the fix is made; the resend is an original with the same id and a new snapshot
    old = rows(home, "SELECT snapshot FROM claims WHERE id = 'CK00004'")[0][0]
    client = home / "clients" / "n.toml"  # the fix, as 'claimkit client edit n' would save it
    client.write_text(client.read_text().replace('"MN1"', '"MN2"'))
    sent.ok(f"x12 837p --claim CK00004 -o {tmp_path / 'resend.837'}")
    new = rows(home, "SELECT status, frequency, total_cents, snapshot FROM claims WHERE id = 'CK00004'")[0]
    assert new[:2] == ("billed", "1") and new[3] != old
    text = (tmp_path / "resend.837").read_text()
    assert "CLM*CK00004*" in text and ":B:1*" in text and "*MI*MN2~" in text
    show = sent.ok("claim show CK00004").stdout
    assert "sent again as an original claim (frequency 1) with a new snapshot after its rejection" in show
    # an accepted claim resent goes as it was (no rebuild)
    snap2 = rows(home, "SELECT snapshot FROM claims WHERE id = 'CK00002'")[0][0]
    sent.ok(f"x12 837p --claim CK00002 -o {tmp_path / 'again.837'}")
    assert rows(home, "SELECT snapshot FROM claims WHERE id = 'CK00002'")[0][0] == snap2


def test_refused_files_change_nothing_and_exit_2(sent, home, tmp_path):
    inbox = tmp_path / "bad"
    inbox.mkdir()
    from pathlib import Path

    samples = Path(__file__).parent / "data" / "x12"
    (inbox / "claims.999").write_bytes((samples / "837p_x12ig_commercial_health_insurance.edi").read_bytes())
    (inbox / "old.txt").write_text(write_999("1", [("0001", "A", [])]).replace("ST*999", "ST*997").replace("005010X231A1", "004010"))
    (inbox / "cut.999").write_text(write_999("1", [("0001", "R", [])])[:-40])
    (inbox / "garbage.bin").write_bytes(b"\x00\x01 hello")
    (inbox / "x4010.277").write_text(write_277ca([("CK00001", "A2:20", "180", "MJ1", DAY)]).replace("005010X214", "004010X093"))
    before = ledger_rows(home)
    r = sent("x12", "import", str(inbox))
    assert r.exit_code == 2
    err = r.stderr
    assert "claims.999: an 837 claim file (a file you send, not one that comes back); skipped, nothing applied" in err
    assert "old.txt: a 997 acknowledgment (the 4010 form of the 999)" in err
    assert "cut.999: a 999 acknowledgment: transaction 0001 (999) has no SE: the file was cut off" in err
    assert "garbage.bin: not an X12 file" in err
    assert "x4010.277: a 277 in the old 4010 format (004010X093)" in err
    assert err.strip().splitlines()[-1] == ("error: 5 files skipped (cut.999, claims.999, garbage.bin, old.txt, x4010.277);"
                                            " nothing of them was applied")
    assert ledger_rows(home) == before
    assert rows(home, "SELECT COUNT(*) FROM imports") == [(0,)]


def test_999_for_a_file_never_sent_and_ta1(sent, home, tmp_path):
    f = tmp_path / "x.999"
    f.write_text(write_999("77", [("0001", "A", [])]))
    r = sent.ok(f"x12 import {f}")
    assert "x.999: 999 for group 77: accepted: 1 matched nothing ('claimkit x12 unmatched')" in r.stdout
    (u,) = json.loads(sent.ok("x12 unmatched --json").stdout)
    assert u["reference"] == "GS06 77" and u["detail"] == "999 answer (accepted) for group 77, which claimkit did not export"
    t = tmp_path / "t.ta1"
    t.write_text(write_ta1("000000001", "R", "006"))
    r = sent.ok(f"x12 import {t}")
    assert "TA1 for interchange 000000001: rejected (the sender's ID (ISA06) is invalid): 1 rejected" in r.stdout
    ev = rows(home, "SELECT kind, status, data FROM claim_events WHERE claim_id = 'CK00001' ORDER BY id")[-1]
    assert ev[:2] == ("ta1", "rejected") and json.loads(ev[2])["fix"] == "claimkit x12 setup"


def test_dry_run_changes_nothing(sent, home, tmp_path):
    f = tmp_path / "a.999"
    f.write_text(write_999("1", [("0001", "R", [])]))
    before = ledger_rows(home)
    r = sent.ok(f"x12 import --dry-run {f}")
    assert "1 rejected (dry run: nothing written)" in r.stdout
    assert ledger_rows(home) == before and rows(home, "SELECT COUNT(*) FROM claim_events WHERE kind = '999'") == [(0,)]
    sent.ok(f"x12 import {f}")
    assert rows(home, "SELECT status FROM claims WHERE id = 'CK00001'") == [("rejected",)]


def test_old_export_matched_by_control_number_alone(sent, home, tmp_path):
    conn = sqlite3.connect(home / "ledger.db")
    conn.execute("DELETE FROM x12_export_claims")
    conn.execute("DELETE FROM x12_export_transactions")
    conn.execute("DELETE FROM x12_exports")
    conn.commit()
    conn.close()
    f = tmp_path / "a.999"
    f.write_text(write_999("1", [("0001", "R", [("NM1", 12, "2010BA", "8", [])])]))
    r = sent.ok(f"x12 import {f}")
    assert ("note: group 1 was exported before claimkit recorded segment positions: matched by its control number alone;"
            " an error cannot be tied to one claim or box") in r.stdout
    assert rows(home, "SELECT status FROM claims WHERE id = 'CK00001'") == [("rejected",)]


def test_todo_lists_rejections_and_silences(sent, home, tmp_path):
    out = tmp_path / "three.837"
    sent.ok(f"x12 837p --unbilled -o {out}")
    f = tmp_path / "r.277ca"
    f.write_text(write_277ca([("CK00002", "A2:20", "180", "MK1", DAY), ("CK00004", "A7:562:85", "180", "MN1", DAY)]))
    sent.ok(f"x12 import {f}")
    conn = sqlite3.connect(home / "ledger.db")  # time passes: the files and events are dated back
    conn.execute("UPDATE x12_exports SET created = '2026-01-02T10:00:00+00:00'")
    conn.execute("UPDATE claim_events SET at = '2026-01-02' WHERE kind IN ('sent', '277ca')")
    conn.commit()
    conn.close()
    items = {(i["kind"], i["claim"] or i["subject"]): i for i in json.loads(sent.ok("todo --json").stdout)["items"]}
    r = items[("rejected", "CK00004")]
    assert r["detail"] == ("n, Acme Test Health: 277CA 277CA from the clearinghouse (TEST CLEARINGHOUSE): rejected for"
                           " invalid information: the billing provider's NPI [box 33, 33a]; payer claim number PCNCK00004;"
                           f" filing deadline {DAY + timedelta(days=90)} ({(DAY + timedelta(days=90) - date.today()).days}"
                           " days left)")
    assert r["action"] == ("fix it (claimkit practice edit), then resend it as a new original: claimkit x12 837p --claim"
                           " CK00004 -o resend.837")
    assert items[("no_999", "none.837")]["detail"].startswith("sent 2026-01-02 (interchange 000000001, 1 claim)")
    assert items[("no_999", "three.837")]["action"].startswith("download the 999 for three.837 from the clearinghouse")
    assert items[("no_277ca", "CK00003")]["detail"].startswith("m: sent 2026-01-02 in three.837,")
    assert ("no_277ca", "CK00002") not in items and ("no_277ca", "CK00004") not in items
    assert items[("no_835", "CK00002")]["action"] == ("ask about it: claimkit x12 276 --claim CK00002 -o status-CK00002.276"
                                                      " (upload it, then import the 277)")
    assert not any(k == ("no_remittance", "CK00002") or k == ("no_remittance", "CK00004") for k in items)
    # the waits are practice settings
    sent.ok("x12 setup --wait-277ca-days 365")
    items = {(i["kind"], i["claim"] or i["subject"]) for i in json.loads(sent.ok("todo --json").stdout)["items"]}
    assert ("no_277ca", "CK00003") not in items


def test_report_payers_clean_claim_rate(sent, home, tmp_path):
    out = tmp_path / "three.837"
    sent.ok(f"x12 837p --unbilled -o {out}")
    f = tmp_path / "r.277ca"
    f.write_text(write_277ca([("CK00002", "A2:20", "180", "MK1", DAY), ("CK00003", "A2:20", "180", "MM1", DAY),
                              ("CK00004", "A7:562:85", "180", "MN1", DAY)]))
    sent.ok(f"x12 import {f}")
    sent.ok(f"x12 837p --claim CK00004 -o {tmp_path / 'resend.837'}")
    g = tmp_path / "s.277ca"
    g.write_text(write_277ca([("CK00004", "A7:562:85", "180", "MN1", DAY)], control=701))
    sent.ok(f"x12 import {g}")
    (acme,) = json.loads(sent.ok("report payers --json").stdout)["payers"]
    assert (acme["claims"], acme["claims_acknowledged"], acme["claims_clean"], acme["clean_claim_rate"], acme["rejections"]) == (
        4, 3, 2, 0.6667, 2)
    assert "67% (2/3)" in sent.ok("report payers").stdout
