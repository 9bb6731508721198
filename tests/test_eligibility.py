"""Eligibility from the CLI: 270 requests (recorded, valid), 271 imports (matched, kept dated, idempotent, bad files
refused with nothing changed), client benefits and --apply, estimates from the 271 to the cent, checks and todo."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from claimkit.eligibility.x12_270 import Provider
from claimkit.eligibility.x12_271 import Reply, answers_for_270, contact, eb, write_271
from conftest import ledger_rows, snapshot_files
from eligibility_fixtures import check_270, pyx12_errors, x279_map_available

DATA = Path(__file__).parent / "data" / "x12"
TODAY = date.today()
EDI = """
[edi]
submitter_name = "Testwell Counseling"
submitter_id = "TESTWELL01"
contact_name = "Testy McTestface"
contact_phone = "5125550100"
receiver_name = "Test Clearinghouse"
receiver_id = "TESTCH"
usage = "T"
"""
PROVIDER = Provider("1234567893", "Testwell Counseling")


@pytest.fixture
def elig(practice, home):
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    practice.ok("payer add bluepeak --name 'Bluepeak Test Mutual' --payer-id 22222")
    practice.ok("payer rate set bluepeak 90834 100.00")
    start = date(TODAY.year, 1, 1).isoformat()
    practice.ok(f"client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer bluepeak"
                f" --member-id BPK111 --coinsurance 20 --deductible 500.00 --oop-max 2000.00 --effective {start}")
    practice.ok(f"client add kid --first Kiddo --last Testperson --dob 2015-03-03 --sex M --dx F41.1 --payer acme"
                f" --member-id ACM222 --copay 25.00 --relationship child --insured-first Parent --insured-last Testperson"
                f" --insured-dob 1980-02-02 --insured-sex F --effective {start}")
    practice.ok("client add cash --first Cashy --last Testpay --dob 1985-01-01 --sex M --dx F41.1 --self-pay")
    return practice


def _request(cli, tmp_path, *args, name="q.270"):
    out = tmp_path / name
    cli.ok("eligibility", "request", *args, "-o", str(out))
    return out


def _answer(inquiry: Path, target: Path, lines_for, **kw) -> Path:
    when = kw.pop("when", datetime.now())
    replies = [Reply(inq, tuple(lines_for(inq)), **kw) for inq in answers_for_270(inquiry.read_bytes())]
    target.write_text(write_271(replies, PROVIDER, when=when))
    return target


def test_request_writes_a_valid_270_and_records_every_inquiry(elig, home, tmp_path):
    out = _request(elig, tmp_path, "jdoe", "kid", "cash", "--service-type", "MH", "--service-type", "A6")
    text = out.read_text()
    assert check_270(text) == []
    if x279_map_available():
        assert pyx12_errors(out) == []
    inqs = answers_for_270(text)
    assert [(i.trace, i.payer_id, i.member_id, i.service_type) for i in inqs] == [
        ("CK00000001", "22222", "BPK111", "MH"), ("CK00000002", "22222", "BPK111", "A6"),
        ("CK00000003", "11111", "ACM222", "MH"), ("CK00000004", "11111", "ACM222", "A6")]
    kid = inqs[2]
    assert (kid.subscriber.last, kid.subscriber.first, kid.subscriber.dob) == ("TESTPERSON", "PARENT", date(1980, 2, 2))
    assert (kid.dependent.first, kid.dependent.dob) == ("KIDDO", date(2015, 3, 3))
    assert "INS*N*19~" in text and "NM1*1P*2*TESTWELL COUNSELING*****XX*1234567893~" in text
    assert f"DTP*291*D8*{TODAY:%Y%m%d}~" in text and "TRN*1*CK00000001*1991234567~" in text
    assert text.startswith("ISA*00*          *00*          *ZZ*TESTWELL01     *ZZ*TESTCH         *")
    conn = sqlite3.connect(home / "ledger.db")
    rows = conn.execute("SELECT trace, client, payer, member_id, rank, service_type, service_date, file, control_number"
                        " FROM eligibility_inquiries ORDER BY id").fetchall()
    assert rows[0] == ("CK00000001", "jdoe", "bluepeak", "BPK111", "primary", "MH", TODAY.isoformat(), str(out), "000000001")
    assert [r[1] for r in rows] == ["jdoe", "jdoe", "kid", "kid"]
    r = elig.ok("eligibility", "request", "--all-active", "-o", str(tmp_path / "all.270"), "--json")
    data = json.loads(r.stdout)
    assert [i["trace"] for i in data["inquiries"]] == ["CK00000005", "CK00000006"]
    assert data["skipped"] == [f"cash: no insurance billed on {TODAY} (self-pay or no policy in force)"]
    assert data["control_number"] == "000000002"


def test_upcoming_uses_the_next_session_date(elig, tmp_path):
    soon = TODAY + timedelta(days=3)
    elig.ok(f"session add jdoe --date {soon} --cpt 90834 --minutes 50")
    elig.ok(f"session add kid --date {TODAY + timedelta(days=20)} --cpt 90834 --minutes 50")
    out = _request(elig, tmp_path, "--upcoming", "7")
    inqs = answers_for_270(out.read_bytes())
    assert [(i.member_id, i.service_date) for i in inqs] == [("BPK111", soon)]
    assert check_270(out.read_text()) == []


def test_request_refusals_change_nothing(elig, home, tmp_path):
    before = ledger_rows(home), snapshot_files(home)
    assert "nothing to ask: cash: no insurance billed" in elig.fails("eligibility", "request", "cash", "-o", str(tmp_path / "x.270"))
    assert "choose who to ask about" in elig.fails("eligibility", "request", "-o", str(tmp_path / "x.270"))
    assert "--service-type 'ZZ' is not a service type" in elig.fails("eligibility", "request", "jdoe", "--service-type", "ZZ",
                                                                   "-o", str(tmp_path / "x.270"))
    assert "no client 'nobody'" in elig.fails("eligibility", "request", "nobody", "-o", str(tmp_path / "x.270"))
    assert not (tmp_path / "x.270").exists()
    assert (ledger_rows(home), snapshot_files(home)) == before


def test_request_without_edi_settings_names_the_setting(practice, tmp_path):
    practice.ok("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --payer acme --member-id A1 --copay 20")
    line = practice.fails("eligibility", "request", "jdoe", "-o", str(tmp_path / "x.270"))
    assert line.startswith("error: practice.toml [edi] submitter_name is not set")


def test_round_trip_270_to_271_to_estimate_to_the_cent(elig, home, tmp_path):
    # before any 271: 20% coinsurance after a 500.00 deductible on the file; allowed 100.00 -> the first sessions
    # go to the deductible in full
    elig.ok(f"session add jdoe --date {TODAY} --cpt 90834 --minutes 50")
    before = json.loads(elig.ok("session list --client jdoe --json").stdout)
    assert (before[0]["patient_estimate"], before[0]["estimate_basis"], before[0]["estimate_source"]) == (
        "100.00", "deductible", None)
    inquiry = _request(elig, tmp_path, "jdoe")
    answer = _answer(inquiry, tmp_path / "a.271", lambda inq: [
        eb("1", "IND", "30", plan="Bluepeak PPO"), eb("A", "IND", "MH", percent="0.2", network="Y"),
        eb("C", "IND", "MH", period="23", amount="500", network="Y"),
        eb("C", "IND", "MH", period="29", amount="30", network="Y"),
        eb("G", "IND", "MH", period="23", amount="2000", network="Y"),
        eb("G", "IND", "MH", period="29", amount="1500", network="Y")], plan_begin=date(TODAY.year, 1, 1))
    r = elig.ok("eligibility", "import", str(answer))
    assert r.stdout.splitlines()[0] == ("a.271: 271 with 1 answer, stored 1 benefits snapshot (1 by trace number, 0 by"
                                        " member ID)")
    after = json.loads(elig.ok("session list --client jdoe --json").stdout)
    # 30.00 of deductible left, then 20% of the other 70.00 = 14.00: 44.00
    assert (after[0]["patient_estimate"], after[0]["estimate_basis"]) == ("44.00", "deductible")
    assert after[0]["estimate_source"] == (f"deductible $30.00 left per 271 of {TODAY}, $0.00 applied since;"
                                           f" out-of-pocket $1,500.00 left per 271 of {TODAY}")
    added = elig.ok(f"session add jdoe --date {TODAY} --cpt 90834 --minutes 50").stdout
    assert "client owes ~$20.00 (coinsurance) · deductible $0.00 left per 271 of" in added
    assert f"$30.00 applied since" in added
    # the same bytes again: nothing changes
    rows = ledger_rows(home)
    again = elig.ok("eligibility", "import", str(answer)).stdout
    assert again.startswith("a.271: 271 already imported (on ") and again.rstrip().endswith("); nothing changed")
    assert ledger_rows(home) == rows
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM benefits").fetchone() == (1,)


def test_applied_since_counts_remittances_posted_after_the_271(elig, home, tmp_path):
    earlier = TODAY - timedelta(days=10)
    elig.ok(f"session add jdoe --date {earlier} --cpt 90834 --minutes 50")
    inquiry = _request(elig, tmp_path, "jdoe")
    answer = _answer(inquiry, tmp_path / "a.271", lambda inq: [
        eb("1", "IND", "30"), eb("C", "IND", "MH", period="23", amount="500", network="Y"),
        eb("C", "IND", "MH", period="29", amount="400", network="Y")], when=datetime.combine(TODAY - timedelta(days=5),
                                                                                             datetime.min.time()))
    elig.ok("eligibility", "import", str(answer))
    # a remittance posted today (after the 271's date) applies 60.00 of deductible to the earlier session
    conn = sqlite3.connect(home / "ledger.db")
    sid = conn.execute("SELECT id FROM sessions").fetchone()[0]
    with conn:
        conn.execute("INSERT INTO postings (date, client, session_id, payer, kind, reason, amount_cents, source, created)"
                     " VALUES (?, 'jdoe', ?, 'bluepeak', 'patient_resp', 'deductible', 6000, 'eob', ?)",
                     (TODAY.isoformat(), sid, TODAY.isoformat()))
    elig.ok(f"session add jdoe --date {TODAY} --cpt 90834 --minutes 50")
    rows = json.loads(elig.ok("session list --client jdoe --json").stdout)
    # 400 left on the 271's date, 60 applied since: 340 left, the session's 100.00 all deductible
    assert rows[-1]["patient_estimate"] == "100.00"
    assert rows[-1]["estimate_source"].startswith(f"deductible $340.00 left per 271 of {TODAY - timedelta(days=5)},"
                                                  " $60.00 applied since")


def test_match_by_member_id_name_and_dob_and_unmatched_listed(elig, home, tmp_path):
    from claimkit.eligibility.x12_270 import Inquiry, Person

    known = Inquiry("", "Bluepeak Test Mutual", "22222", "BPK-111", Person("McTestface", "Testy", "", date(1990, 4, 12)), TODAY)
    stranger = Inquiry("ZZ999", "Bluepeak Test Mutual", "22222", "NOPE1", Person("Nobody", "Fake", "", date(1970, 1, 1)), TODAY)
    wrong_dob = Inquiry("", "Bluepeak Test Mutual", "22222", "BPK111", Person("McTestface", "Testy", "", date(1991, 4, 12)), TODAY)
    lines = (eb("1", "IND", "30"), eb("B", "IND", "MH", amount="35", network="Y"))
    path = tmp_path / "m.271"
    path.write_text(write_271([Reply(known, lines, echo_trace=False), Reply(stranger, lines), Reply(wrong_dob, lines)],
                              PROVIDER, when=datetime.now()))
    out = elig.ok("eligibility", "import", str(path)).stdout
    assert ("m.271: 271 with 3 answers, stored 1 benefits snapshot (0 by trace number, 1 by member ID), 2 matched nothing"
            " (listed: 'claimkit eligibility unmatched')") in out
    listed = json.loads(elig.ok("eligibility unmatched --json").stdout)
    assert [(u["patient"], u["member_id"], u["trace"]) for u in listed] == [("FAKE NOBODY", "NOPE1", "ZZ999"),
                                                                          ("TESTY MCTESTFACE", "BPK111", "")]
    assert listed[0]["reason"] == ("its trace number matches no inquiry and no client has this member ID, name and date"
                                   " of birth")


def test_provider_level_rejection_sample_is_listed_in_plain_words(elig, tmp_path):
    out = elig.ok("eligibility", "import", str(DATA / "271_lfh_provider_not_eligible_aaa.271")).stdout
    assert "0 benefits snapshots, 1 matched nothing" in out
    assert ("ABC COMPANY refused the inquiry: the provider is not eligible for inquiries with this payer (AAA 50); ask the"
            " payer or your clearinghouse to enrol your NPI for eligibility checks; meanwhile call the payer"
            " (do not ask again)") in out


def test_bad_files_are_refused_and_nothing_changes(elig, home, tmp_path):
    raw = (DATA / "271_lfh_subscriber_mh_copay.271").read_text()
    cases = {"garbage.271": b"\x00\x01 not an edi file", "cut.271": raw[: raw.index("EB*B")].encode(),
             "inquiry.270": (DATA / "270_lfh_subscriber_benefit_check.270").read_bytes(), "empty.271": b""}
    before = ledger_rows(home), snapshot_files(home)
    for name, data in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        line = elig.fails("eligibility", "import", str(p))
        assert line.startswith(f"error: {name}: ") and line.endswith("nothing was imported"), line
    assert "cut off" in elig.fails("eligibility", "import", str(tmp_path / "cut.271"))
    assert "no such file" in elig.fails("eligibility", "import", str(tmp_path / "missing.271"))
    assert (ledger_rows(home), snapshot_files(home)) == before
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT (SELECT COUNT(*) FROM imports) + (SELECT COUNT(*) FROM benefits)"
                        " + (SELECT COUNT(*) FROM eligibility_unmatched)").fetchone() == (0,)


def test_dry_run_changes_nothing(elig, home, tmp_path):
    inquiry = _request(elig, tmp_path, "jdoe")
    answer = _answer(inquiry, tmp_path / "a.271", lambda inq: [eb("1", "IND", "30")])
    before = ledger_rows(home)
    out = elig.ok("eligibility", "import", str(answer), "--dry-run").stdout
    assert "would store 1 benefits snapshot" in out
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM benefits").fetchone() == (0,)
    assert ledger_rows(home) == before


def test_benefits_are_kept_dated_and_shown_latest_beside_the_file(elig, home, tmp_path):
    inquiry = _request(elig, tmp_path, "kid")
    old = _answer(inquiry, tmp_path / "old.271", lambda inq: [eb("1", "IND", "30"), eb("B", "IND", "MH", amount="25",
                                                                                        network="Y")],
                  when=datetime(TODAY.year, 1, 5, 9, 0), group="G-1")
    new = _answer(inquiry, tmp_path / "new.271", lambda inq: [eb("1", "IND", "30"), eb("B", "IND", "MH", amount="30",
                                                                                        network="Y")],
                  when=datetime(TODAY.year, 1, 6, 9, 0), group="G-1")
    elig.ok("eligibility", "import", str(new))
    elig.ok("eligibility", "import", str(old))  # arrives later, but is older: the latest stays the newer answer
    show = elig.ok("client show kid").stdout
    assert f"271 of {TODAY.year}-01-06: active, copay $30.00 (claimkit client benefits kid)" in show
    shown = elig.ok("client benefits kid").stdout
    assert f"271 of            {TODAY.year}-01-06 (new.271, matched by trace number)" in shown
    assert "copay         25.00               30.00       differs" in shown
    assert f"{TODAY.year}-01-05  acme   old.271  active, copay $25.00" in shown
    data = json.loads(elig.ok("client benefits kid --json").stdout)
    assert [h["as_of"] for h in data["history"]] == [f"{TODAY.year}-01-06", f"{TODAY.year}-01-05"]
    assert data["compared"]["acme"][0] == {"field": "copay", "in_file": "25.00", "in_271": "30.00", "same": False}
    applied = elig.ok("client benefits kid --apply").stdout
    assert "Wrote copay, group into kid's policy with acme (clients/kid.toml)." in applied
    assert 'copay = "30.00"' in (home / "clients" / "kid.toml").read_text()
    assert elig.ok("client benefits kid --apply").stdout.strip() == "Nothing written."
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM benefits").fetchone() == (2,)


def _findings(cli, session_id: int) -> dict[str, tuple[str, str, str]]:
    data = json.loads(cli("check", "--session", str(session_id), "--json").stdout)
    items = data["findings"] if isinstance(data, dict) else data
    return {f["rule"]: (f["severity"], f["box"], f["message"]) for f in items if f["rule"].startswith("eligibility")}


def test_checks_from_the_latest_271(elig, home, tmp_path):
    inquiry = _request(elig, tmp_path, "jdoe")
    _answer(inquiry, tmp_path / "inactive.271", lambda inq: [eb("6", "IND", "30")],
            plan_begin=date(TODAY.year - 1, 1, 1), plan_end=TODAY - timedelta(days=40))
    elig.ok("eligibility", "import", str(tmp_path / "inactive.271"))
    sid = json.loads(elig.ok(f"session add jdoe --date {TODAY} --cpt 90834 --minutes 50 --json").stdout)["id"]
    found = _findings(elig, sid)
    assert found["eligibility-inactive"] == ("error", "1a", f"the 271 of {TODAY} from BLUEPEAK TEST MUTUAL says the"
                                             f" coverage is inactive on {TODAY}: the claim will be denied")
    _answer(inquiry, tmp_path / "carve.271", lambda inq: [
        eb("1", "IND", "30"), eb("1", "IND", "MH"), eb("B", "IND", "MH", amount="20", auth="Y", network="Y"),
        eb("U", "IND", "MH"), *contact("Y2", "Calm Minds Behavioral Demo", "CMB01", "8005550199")],
        when=datetime.now() + timedelta(seconds=1))
    elig.ok("eligibility", "import", str(tmp_path / "carve.271"))
    found = _findings(elig, sid)
    assert "eligibility-inactive" not in found
    assert found["eligibility-authorization"] == ("warning", "23", f"the 271 of {TODAY} says BLUEPEAK TEST MUTUAL requires"
                                                  " prior authorization for mental-health services, and no authorization"
                                                  f" on file covers {TODAY}")
    assert found["eligibility-carve-out"] == ("warning", "carrier", f"the 271 of {TODAY} says mental-health benefits are"
                                              " handled by CALM MINDS BEHAVIORAL DEMO (8005550199), not BLUEPEAK TEST MUTUAL")
    _answer(inquiry, tmp_path / "oon.271", lambda inq: [eb("1", "IND", "30"), eb("B", "IND", "MH", amount="60", network="N")],
            when=datetime.now() + timedelta(seconds=2))
    elig.ok("eligibility", "import", str(tmp_path / "oon.271"))
    found = _findings(elig, sid)
    assert set(found) == {"eligibility-out-of-network"}
    assert found["eligibility-out-of-network"][2].startswith(f"the 271 of {TODAY} answers only with out-of-network")


def test_stale_271_warns_on_the_first_session_of_the_plan_year(elig, home, tmp_path):
    inquiry = _request(elig, tmp_path, "jdoe")
    last_year = datetime(TODAY.year - 1, 12, 15, 9, 0)
    _answer(inquiry, tmp_path / "old.271", lambda inq: [eb("1", "IND", "30")], when=last_year)
    elig.ok("eligibility", "import", str(tmp_path / "old.271"))
    first = json.loads(elig.ok(f"session add jdoe --date {TODAY.year}-01-02 --cpt 90834 --minutes 50 --json").stdout)["id"]
    second = json.loads(elig.ok(f"session add jdoe --date {TODAY.year}-01-09 --cpt 90834 --minutes 50 --json").stdout)["id"]
    assert _findings(elig, first)["eligibility-stale"] == (
        "warning", "1a", f"first session of the plan year that started {TODAY.year}-01-01, and the latest 271 is from"
        f" {TODAY.year - 1}-12-15: deductible, copay and coverage may have changed")
    assert "eligibility-stale" not in _findings(elig, second)


def test_todo_lists_clients_to_verify_with_the_command(elig, home, tmp_path):
    from claimkit.reports.todo import _eligibility
    from claimkit.store.workspace import Workspace

    elig.ok(f"session add jdoe --date {TODAY + timedelta(days=2)} --cpt 90834 --minutes 50")
    ws = Workspace(home)
    items = _eligibility(ws, TODAY)
    assert [(i.subject, i.action) for i in items] == [("jdoe", "claimkit eligibility request jdoe -o eligibility-jdoe.270")]
    assert items[0].detail == f"session on {TODAY + timedelta(days=2)}, no 271 on file: verify the benefits before it"
    january = _eligibility(ws, date(TODAY.year + 1, 1, 3))
    assert [(i.subject, i.detail) for i in january] == [
        ("jdoe", "a new plan year began, no 271 on file: deductibles and copays may have changed"),
        ("kid", "a new plan year began, no 271 on file: deductibles and copays may have changed")]
    ws.close()
    inquiry = _request(elig, tmp_path, "jdoe")
    elig.ok("eligibility", "import", str(_answer(inquiry, tmp_path / "a.271", lambda inq: [eb("1", "IND", "30")])))
    ws = Workspace(home)
    assert _eligibility(ws, TODAY) == []
    ws.close()
    assert "claimkit eligibility request jdoe" not in elig.ok("todo").stdout


def test_import_file_entry_for_the_x12_door(elig, home, tmp_path):
    from claimkit.eligibility import import_file
    from claimkit.store.workspace import Workspace

    inquiry = _request(elig, tmp_path, "jdoe")
    data = _answer(inquiry, tmp_path / "a.271", lambda inq: [eb("1", "IND", "30")]).read_bytes()
    ws = Workspace(home)
    dry = import_file(ws, "a.271", data, dry_run=True)
    assert dry.summary == "271 with 1 answer, would store 1 benefits snapshot (1 by trace number, 0 by member ID)"
    done = import_file(ws, "a.271", data, dry_run=False)
    j = done.to_json()
    assert (j["kind"], j["answers"], j["stored"][0]["client"], j["stored"][0]["matched_by"]) == ("271", 1, "jdoe", "trace")
    assert import_file(ws, "copy.271", data, dry_run=False).summary.endswith(" as a.271); nothing changed")
    ws.close()


def test_x12_import_door_takes_the_271(elig, home, tmp_path):
    inquiry = _request(elig, tmp_path, "jdoe")
    answer = _answer(inquiry, tmp_path / "door.271", lambda inq: [
        eb("1", "IND", "30"), eb("C", "IND", "MH", period="23", amount="500", network="Y"),
        eb("C", "IND", "MH", period="29", amount="200", network="Y")])
    out = elig.ok("x12", "import", str(answer)).stdout
    assert out.splitlines()[0] == ("door.271: 271 with 1 answer, stored 1 benefits snapshot (1 by trace number, 0 by"
                                   " member ID)")
    assert "deductible $500.00 ($200.00 left)" in elig.ok("client show jdoe").stdout
    again = elig.ok("x12", "import", str(answer), "--json").stdout
    assert json.loads(again)[0]["already_imported"] is True
    raw = answer.read_text()
    (tmp_path / "cut.271").write_text(raw[: raw.index("EB*C")])
    before = ledger_rows(home)
    r = elig("x12", "import", str(tmp_path / "cut.271"))
    assert r.exit_code == 2 and r.stderr.splitlines() == [
        "cut.271: the file ends inside a 271 transaction (no SE after segment 13): it was cut off; download it again;"
        " nothing was imported; skipped, nothing applied", "error: 1 file skipped (cut.271); nothing of them was applied"]
    assert ledger_rows(home) == before


def test_apply_on_a_terminal_re_asks_an_answer_that_is_not_yes_or_no(elig, home, tmp_path, monkeypatch):
    import claimkit.cli.output as output

    inquiry = _request(elig, tmp_path, "kid")
    new = _answer(inquiry, tmp_path / "a.271", lambda inq: [eb("1", "IND", "30"), eb("B", "IND", "MH", amount="30",
                                                                                     network="Y")])
    elig.ok("eligibility", "import", str(new))
    monkeypatch.setattr(output, "interactive", lambda ctx: True)
    r = elig.ok("client benefits kid --apply", input="maybe\ny\n")
    assert "Write these into the policy? [y/n] (n): " in r.stderr
    assert "--apply 'maybe': answer y or n; try again" in r.stderr
    assert 'copay = "30.00"' in (home / "clients" / "kid.toml").read_text()
