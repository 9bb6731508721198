"""Appeals: deadlines from remittance dates, the letter's text at its places, appeals recorded, won by a later ERA."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from pypdf import PdfReader

from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

# claims are created today (cms1500 render), so the remittances and the work list's days are counted from today
T0 = date.today()
PAID_ON = T0 + timedelta(days=2)  # Acme's ERA
MEDI_ON = T0 + timedelta(days=1)  # the Medicare contractor's ERA


def day(n: int) -> str:
    """T0 + n days, ISO."""
    return (T0 + timedelta(days=n)).isoformat()


def us(n: int) -> str:
    return (T0 + timedelta(days=n)).strftime("%m/%d/%Y")
CLIENTS = {
    "ada": "client add ada --first Ada --last Testcase --dob 1980-01-02 --sex F --dx F41.1 --payer acme --member-id TSTA1 --copay 25",
    "ben": "client add ben --first Ben --last Testcase --dob 1975-03-04 --sex M --dx F32.1 --payer acme --member-id TSTB2 --copay 25",
    "cyd": "client add cyd --first Cyd --last Testcase --dob 1950-05-06 --sex F --dx F43.23 --payer medi --member-id 1EG4TE5MK72"
           " --coinsurance 20",
}


def pdf_text(path: Path, page: int = 0) -> str:
    return " ".join(PdfReader(str(path)).pages[page].extract_text().split())


def runs(path: Path, page: int = 0) -> list[tuple[str, float, float]]:
    """Each text run of a page with where it was drawn (x, y from the bottom left)."""
    out: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            out.append((text.strip(), tm[4] * cm[0] + tm[5] * cm[2] + cm[4], tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    PdfReader(str(path)).pages[page].extract_text(visitor_text=visit)
    return out


def y_of(found: list[tuple[str, float, float]], text: str) -> float:
    return next(y for t, _, y in found if t == text or t.startswith(text))


def snapshot_lines(home: Path, claim: str) -> list[dict]:
    conn = sqlite3.connect(home / "ledger.db")
    return json.loads(conn.execute("SELECT snapshot FROM claims WHERE id = ?", (claim,)).fetchone()[0])["lines"]


def era(home: Path, tmp_path: Path, outcomes: list[tuple[str, str, str, list]], *, payer=("Acme Test Health", "11111"),
        paid_on: date = PAID_ON, trace: str = "TRACE1", name: str = "era.835") -> Path:
    """An 835 for claimkit's own claims: (claim, CLP02, member id, [(paid, adjustments, remarks) per line])."""
    claims = []
    for n, (claim, status, member, per_line) in enumerate(outcomes, start=1):
        lines = []
        for ln, (paid, adj, remarks) in zip(snapshot_lines(home, claim), per_line):
            lines.append(LineOutcome(ln["cpt"], tuple(ln.get("modifiers", [])), D(ln["charge"]), D(paid),
                                     date.fromisoformat(ln["date_from"]), ln["line_control"], None, tuple(adj), tuple(remarks)))
        claims.append(ClaimOutcome(claim, status, f"PCN{n:03d}{trace[-1]}", "Testcase", "X", member, tuple(lines)))
    f = tmp_path / name
    f.write_text(write_835(Remit(payer[0], payer[1], "Testwell", "1234567893", trace, paid_on, tuple(claims))))
    return f


DENY_50 = ("0.00", [("CO", "50", D("180.00"))], ["N180"])
DENY_197 = ("0.00", [("CO", "197", D("180.00"))], ["N54"])


@pytest.fixture
def denied(practice, tmp_path):
    """ada CK00001 (2 lines) and ben CK00002 denied CO-50 by Acme; cyd CK00003 denied CO-197 by a Medicare payer."""
    practice.ok("payer add medi --name 'Fake Medicare Contractor' --payer-id 22222 --type medicare")
    practice.ok("payer rate set medi 90837 110.00")
    for line in CLIENTS.values():
        practice.ok(line)
    for client, day in (("ada", "2026-10-05"), ("ada", "2026-10-12"), ("ben", "2026-10-06"), ("cyd", "2026-10-07")):
        practice.ok(f"session add {client} --date {day} --cpt 90837 --minutes 55")
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'claims.pdf'}")
    home = practice.home
    practice.ok(f"era import {era(home, tmp_path, [('CK00001', '4', 'TSTA1', [DENY_50, DENY_50]), ('CK00002', '4', 'TSTB2', [DENY_50])])}")
    practice.ok(f"era import {era(home, tmp_path, [('CK00003', '4', '1EG4TE5MK72', [DENY_197])], payer=('Fake Medicare Contractor', '22222'), paid_on=MEDI_ON, trace='TRACE2', name='medi.835')}")
    return practice


def todo(cli, today: str) -> list[dict]:
    return [i for i in json.loads(cli.ok(f"todo --json --today {today}").stdout)["items"] if i["kind"] in ("denial", "appeal")]


# --- deadlines -------------------------------------------------------------------------------------------

def test_deadlines_by_default_window_and_grouped(denied):
    items = todo(denied, day(10))
    # Medicare: 120 days from its remittance (T0+1); Acme (commercial): 180 days from T0+2
    assert [(i["claim"], i["due"], i["group"]) for i in items] == [
        ("CK00003", day(121), "later"), ("CK00001", day(182), "later"), ("CK00002", day(182), "later")]
    cyd = items[0]
    assert f"appeal by {day(121)} (111 days left of 120)" in cyd["detail"]
    assert "write the appeal: claimkit appeal render CK00003 -o appeal-CK00003.pdf" in cyd["action"]
    # under 14 days, then overdue
    assert [(i["claim"], i["group"]) for i in todo(denied, day(108))][0] == ("CK00003", "soon")
    late = todo(denied, day(124))[0]
    assert (late["claim"], late["group"]) == ("CK00003", "overdue")
    assert f"the 120-day appeal window ended {day(121)} (3 days ago)" in late["detail"]


def test_deadline_of_an_edited_payer(denied):
    denied.ok("payer edit acme --appeal-days 65")
    items = {i["claim"]: i for i in todo(denied, day(32))}
    # 65 days from T0+2: 35 days left on T0+32
    assert items["CK00001"]["due"] == day(67) and f"appeal by {day(67)} (35 days left of 65)" in items["CK00001"]["detail"]
    assert items["CK00003"]["due"] == day(121)
    denied.ok("payer edit medi --appeal-days 30")
    assert {i["claim"]: i["due"] for i in todo(denied, day(32))}["CK00003"] == day(31)


def test_todo_screen_groups_denials_by_deadline(denied):
    out = denied.ok(f"todo --today {day(60)}").stdout
    assert "appeal due within 14 days" not in out
    denied.ok("payer edit acme --appeal-days 67")  # T0+69: 9 days left
    out = denied.ok(f"todo --today {day(60)}").stdout
    soon, later = out.index("appeal due within 14 days"), out.index("appeal later")
    assert soon < out.index("claim CK00001") < later < out.index("claim CK00003")


# --- the letter --------------------------------------------------------------------------------------------

def test_letter_text_at_its_places(denied, home, tmp_path):
    out = tmp_path / "appeal.pdf"
    said = denied.ok(f"appeal render CK00001 --date {day(5)} -o {out}").stdout
    assert f"Appeal 1: claim CK00001 (Ada Testcase), CO-50; appeal deadline {day(182)}" in said
    reader = PdfReader(str(out))
    text = " ".join(pdf_text(out, n) for n in range(len(reader.pages)))
    for expected in ("Testwell Counseling", "NPI 1234567893", "TIN 991234567", "100 Example St", "Austin, TX 78701-1234",
                     "(512) 555-0100", us(5), "Acme Test Health", "Attn: Appeals",
                     "RE: Request for redetermination: medically necessary psychotherapy",
                     "Client Ada Testcase", "Date of birth 01/02/1980", "Member ID TSTA1", "Claim CK00001",
                     "Payer claim number PCN0011", f"Denied on {us(2)}", f"Appeal deadline {us(182)}",
                     "1 10/05/2026 90837 $180.00 $0.00", "2 10/12/2026 90837 $180.00 $0.00", "Total $360.00 $0.00",
                     "CO-50: The payer decided the service was not medically necessary.",
                     "These sessions were denied as not medically necessary.", "We ask Acme Test Health to review",
                     "Please reprocess the claim(s) above", "1. Treatment plan", "2. Session notes for the dates of service",
                     "Signature:", "Testy McTestface, LPC", f"Date: {us(5)}"):
        assert expected in text, expected
    assert "N180:" in text
    # places: the provider at the top, then the date, the payer, RE, the claim, the reasons, the argument, signature
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    first = runs(out)
    name_x, name_y = next((x, y) for t, x, y in first if t == "Testwell Counseling")
    assert name_y > height * 0.88 and name_x < width * 0.3
    npi_x = next(x for t, x, y in first if t.startswith("100 Example St"))
    assert npi_x > width * 0.6  # the address at the top right
    order = [y_of(first, t) for t in ("Testwell Counseling", us(5), "Acme Test Health", "RE:", "Claim", "Denial reasons",
                                      "Why the claim should be paid")]
    assert order == sorted(order, reverse=True)
    last = runs(out, len(reader.pages) - 1)
    assert y_of(last, "Signature:") > y_of(last, f"Date: {us(5)}")
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT claim_id, letter, sent, deadline, reasons, status, file FROM appeals").fetchall() == [
        ("CK00001", 1, day(5), day(182), "CO-50", "sent", str(out.absolute()))]


def test_two_claims_in_one_letter_and_own_argument(denied, home, tmp_path):
    out = tmp_path / "both.pdf"
    denied.ok(f"appeal render CK00001 --claim CK00002 --date {day(5)} --argument 'The notes show {{services}} on {{dates}}.'"
              f" --enclose 'Progress notes' --enclose 'Letter from the psychiatrist' -o {out}")
    text = " ".join(pdf_text(out, n) for n in range(len(PdfReader(str(out)).pages)))
    assert "Claim CK00001" in text and "Claim CK00002" in text
    # the subject still names the denial's reason; the argument is the user's
    assert "RE: Request for redetermination: medically necessary psychotherapy" in text
    assert "Client Ada Testcase" in text and "Client Ben Testcase" in text and "Member ID TSTB2" in text
    assert "The notes show 90837 on 10/05/2026, 10/12/2026 and 10/06/2026." in text
    assert "1. Progress notes" in text and "2. Letter from the psychiatrist" in text and "Treatment plan" not in text
    listed = json.loads(denied.ok("appeal list --json").stdout)
    assert [(a["claim"], a["letter"], a["status"]) for a in listed] == [("CK00001", 1, "sent"), ("CK00002", 1, "sent")]
    # both now wait for the answer on the work list
    assert {(i["claim"], i["group"]) for i in todo(denied, day(10))} >= {("CK00001", "appealed"), ("CK00002", "appealed")}


def test_default_argument_by_reason(denied, tmp_path):
    out = tmp_path / "auth.pdf"
    denied.ok(f"appeal render CK00003 --date {day(5)} -o {out}")
    text = pdf_text(out)
    assert "RE: Request for redetermination: denied for missing authorization" in text
    assert "CO-197: The plan required prior authorization" in text and "Fake Medicare Contractor" in text
    assert f"Appeal deadline {us(121)}" in text


@pytest.mark.parametrize("args, message", [
    ("CK00001 --claim CK00003", "the claims go to different payers (acme, medi): one letter goes to one payer"),
    ("CK00001 --claim CK00001", "--claim: CK00001 is given twice"),
    ("CK00001 --claim CK00002 --line 1", "--line: give it with one claim only"),
    ("CK00001 --line 3", "--line 3: claim CK00001 has lines 1 to 2"),
    ("CK00009", "no claim 'CK00009'"),
    ("CK00001 --argument x --argument-file a.txt", "give the argument once"),
    ("CK00001 --argument '  '", "--argument: the argument is empty"),
])
def test_letter_refusals_change_nothing(denied, home, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    assert message in denied.fails(f"appeal render {args} --date {day(5)} -o {out}")
    assert not out.exists()
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM appeals").fetchone()[0] == 0


def test_different_reasons_need_their_own_letters(denied, home, tmp_path):
    # ben's claim denied again for missing authorization: not the same argument as ada's CO-50
    denied.ok(f"era import {era(home, tmp_path, [('CK00002', '4', 'TSTB2', [DENY_197])], trace='TRACE3', name='b.835')}")
    line = denied.fails(f"appeal render CK00001 --claim CK00002 --date {day(5)} -o {tmp_path / 'x.pdf'}")
    assert line.endswith("CK00002 was denied for another reason (authorization) than CK00001 (medical necessity):"
                         " send separate letters, or give one --argument for both")


def test_not_denied_claim_refused(practice, tmp_path):
    practice.ok(CLIENTS["ada"])
    practice.ok("session add ada --date 2026-10-05 --cpt 90837")
    practice.ok(f"cms1500 render --unbilled --force -o {tmp_path / 'c.pdf'}")
    assert "claim CK00001 was not denied" in practice.fails(f"appeal render CK00001 -o {tmp_path / 'a.pdf'}")


def test_nothing_recorded_when_the_pdf_cannot_be_written(denied, home, tmp_path):
    assert "does not exist" in denied.fails(f"appeal render CK00001 --date {day(5)} -o {tmp_path / 'missing' / 'a.pdf'}")
    assert sqlite3.connect(home / "ledger.db").execute("SELECT COUNT(*) FROM appeals").fetchone()[0] == 0


# --- recorded appeals --------------------------------------------------------------------------------------

def test_later_era_paying_the_claim_marks_it_won(denied, home, tmp_path):
    denied.ok(f"appeal render CK00002 --date {day(5)} -o {tmp_path / 'a.pdf'}")
    assert json.loads(denied.ok("appeal list --json").stdout)[0]["status"] == "sent"
    paid = ("95.00", [("CO", "45", D("60.00")), ("PR", "3", D("25.00"))], [])
    denied.ok(f"era import {era(home, tmp_path, [('CK00002', '1', 'TSTB2', [paid])], paid_on=T0 + timedelta(days=40), trace='TRACE4', name='won.835')}")
    [won] = json.loads(denied.ok("appeal list --json").stdout)
    assert (won["claim"], won["status"], won["answered"], won["sent"], won["deadline"]) == (
        "CK00002", "won", day(40), day(5), day(182))
    assert not any(i["claim"] == "CK00002" for i in todo(denied, day(50)))
    assert "already won" in denied.fails("appeal close CK00002 --lost")
    assert json.loads(denied.ok("appeal list --status won --json").stdout)[0]["claim"] == "CK00002"


def test_unanswered_after_30_days_then_lost(denied, home, tmp_path):
    denied.ok(f"appeal render CK00001 --date {day(5)} -o {tmp_path / 'a.pdf'}")
    assert not [i for i in todo(denied, day(34)) if i["kind"] == "appeal"]
    [waiting] = [i for i in todo(denied, day(35)) if i["kind"] == "appeal"]
    assert waiting["claim"] == "CK00001" and waiting["detail"] == (
        f"ada: appeal sent to Acme Test Health {day(5)}, 30 days and no answer")
    assert waiting["action"].endswith("claimkit appeal close CK00001 --lost")
    assert f"was appealed on {day(5)}" in denied.fails(f"appeal render CK00001 --date {day(6)} -o {tmp_path / 'b.pdf'}")
    assert f"--date {day(4)} is before the appeal was sent" in denied.fails(f"appeal close CK00001 --lost --date {day(4)}")
    denied.ok(f"appeal close CK00001 --lost --date {day(40)}")
    [lost] = json.loads(denied.ok("appeal list --json").stdout)
    assert (lost["status"], lost["answered"]) == ("lost", day(40))
    assert not [i for i in todo(denied, day(45)) if i["kind"] == "appeal"]
    [back] = [i for i in todo(denied, day(45)) if i["claim"] == "CK00001"]
    assert f"appeal lost {day(40)}" in back["detail"]
    assert "already lost" in denied.fails("appeal close CK00001 --withdrawn")
    assert "say how it ended" in denied.fails("appeal close CK00002")
    assert "claim CK00002 has no appeal on file" in denied.fails("appeal close CK00002 --lost")
