"""837P export (issue 7): the writer, the reader and the checks.

Every claim the demo produces exports to a file pyx12 validates with zero errors; the guide's sample 837Ps read back
into their values; corrected, void and secondary claims export and validate; the 837P written for a claim and the
CMS-1500 rendered for it carry the same values (one snapshot for both).
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from claim_fixtures import (ACCIDENT, BILLING_NPI, ONSET, REFERRING_NPI, RENDERING_NPI, add_accident_client, add_sessions,
                            make_home)
from conftest import Cli

from claimkit.claims import build, followup
from claimkit.core.entries import ClaimSnapshot, SnapAdjustment
from claimkit.forms.cms1500_fields import BOX1, RELATIONSHIP, digits, page_amount_paid, page_fields
from claimkit.claims import x12_837p
from claimkit.claims.x12_837p import Envelope, amount, write_837p
from claimkit.claims.read_837p import read_837p
from claimkit.x12.segments import SegmentReader
from claimkit.claims.validate_837p import npi_ok, structural, validate_file, with_pyx12

pytest.importorskip("pyx12")

SAMPLES = Path(__file__).parent / "data" / "x12"
ENV = Envelope(submitter_name="Testwell Counseling", submitter_id="TESTWELL1", contact_name="Testy McTestface",
               contact_phone="5125550100", receiver_name="Test Clearinghouse", receiver_id="TESTCH", usage="T", control=42,
               when=datetime(2026, 11, 20, 9, 30))


def segments(path_or_text) -> list[list[str]]:
    data = path_or_text.read_bytes() if isinstance(path_or_text, Path) else path_or_text
    return [els for _, _, els in SegmentReader(data)]


def guide_clean(tmp_path: Path, text: str, name: str = "x.837") -> Path:
    """Write `text`, assert our checks and pyx12 find nothing, return the path."""
    path = tmp_path / name
    path.write_text(text)
    assert structural(path.read_bytes()) == []
    assert with_pyx12(path) == []
    return path


@pytest.fixture
def ws(home):
    return make_home(home)


def _bill(ws, **select) -> list[ClaimSnapshot]:
    return build.create_claims(ws, build.select_sessions(ws, **(select or {"all_unbilled": True})), None)


def _post_era(ws, folder: Path, snap: ClaimSnapshot, paid: str, adjustments, pcn: str = "PCN-1") -> None:
    """The primary's remittance as a payer sends it: an 835 written for the claim (each line paid `paid`, with the
    CAS `adjustments` (group, reason, amount)), imported through the library the CLI uses (`era import`)."""
    from claimkit.remittance.era_import import import_era
    from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

    lines = tuple(LineOutcome(line.cpt, tuple(line.modifiers), line.charge, D(paid), line.date_from, line.line_control,
                              D(paid) + sum((D(a) for g, _, a in adjustments if g != "CO"), D(0)),
                              tuple((g, r, D(a)) for g, r, a in adjustments)) for line in snap.lines)
    era = folder / f"{snap.claim_id}.835"
    era.write_text(write_835(Remit(snap.billed.payer.name, snap.billed.payer.payer_id, "Testwell", BILLING_NPI, f"TR{snap.claim_id}",
                                   date(2026, 11, 1), (ClaimOutcome(snap.claim_id, "1", pcn, snap.patient.last,
                                                                    snap.patient.first, snap.billed.member_id, lines),))))
    result = import_era(ws, era)
    assert len(result.claims) == 1 and not result.unmatched and not result.held, result


# --- one source of claim data: the 837P says what the CMS-1500 prints ---------------------------------------

def assert_same_as_form(snap: ClaimSnapshot, claim) -> None:
    """Every box the CMS-1500 prints for `snap` that the 837P carries, compared with what the reader read back."""
    pages = [page_fields(snap, i) for i in range(len(snap.pages))]
    form = pages[0]
    sub, pat = claim.subscriber, claim.patient or claim.subscriber

    def name(p) -> str:
        return ", ".join(x for x in (" ".join(x for x in (p.last, p.suffix) if x), p.first, p.middle) if x)

    payer = claim.payer
    assert form["carrier.1"] == payer.last
    if snap.billed.payer.address.street:
        assert form["carrier.2"] == payer.street and form["carrier.3"].replace("-", "") == f"{payer.city} {payer.state} {payer.zip}"
    assert BOX1[snap.billed.payer.type] == {"MB": "1.medicare", "MC": "1.medicaid", "CH": "1.tricare", "VA": "1.champva",
                                            "OF": "1.feca"}.get(claim.filing, BOX1[snap.billed.payer.type])
    assert form["1a"] == sub.id  # member ID
    assert form["2"] == name(pat)
    assert (form["3.yyyy"], form["3.mm"], form["3.dd"]) == (f"{pat.dob:%Y}", f"{pat.dob:%m}", f"{pat.dob:%d}")
    assert form["3.m" if pat.sex == "M" else "3.f"] == "X"
    assert form["4"] == name(sub)
    assert form["5.street"] == " ".join(x for x in (pat.street, pat.street2) if x)
    assert (form["5.city"], form["5.state"], digits(form["5.zip"])) == (pat.city, pat.state, pat.zip)
    assert RELATIONSHIP[snap.billed.relationship] == {"18": "6.self", "01": "6.spouse", "19": "6.child", "G8": "6.other"}[claim.relationship]
    if sub.street:
        assert form["7.street"] == sub.street and digits(form["7.zip"]) == sub.zip
    assert form.get("11", "") == claim.group and (claim.group or form.get("11c", "") == claim.plan_name)
    if sub.dob:
        assert (form["11a.yyyy"], form["11a.mm"], form["11a.dd"]) == (f"{sub.dob:%Y}", f"{sub.dob:%m}", f"{sub.dob:%d}")
    if snap.other is not None:
        (other,) = claim.others
        assert form["11d.yes"] == "X" and form["9"] == name(other.subscriber) and form["9a"] in (other.subscriber.id, other.group)
    else:
        assert form["11d.no"] == "X" and claim.others == []
    assert ("12" in form) == (claim.release_of_info == "Y") and ("13" in form) == (claim.benefits_assignment == "Y")
    assert [form[f"21.{x}"] for x in "abcdefghijkl" if f"21.{x}" in form] == claim.dx
    assert form.get("22.code", "1") == claim.frequency and form.get("22.ref", "") == claim.original_ref
    assert form.get("23", "") == claim.prior_auth
    printed = [(page, n) for page in pages for n in range(1, 7) if f"24.{n}.cpt" in page]
    assert len(printed) == len(claim.lines)
    for (page, n), line in zip(printed, claim.lines):
        k = f"24.{n}."
        assert (page[k + "from_mm"], page[k + "from_dd"], page[k + "from_yy"]) == (
            f"{line.date_from:%m}", f"{line.date_from:%d}", f"{line.date_from:%y}")
        assert (page[k + "to_mm"], page[k + "to_dd"], page[k + "to_yy"]) == (f"{line.date_to:%m}", f"{line.date_to:%d}", f"{line.date_to:%y}")
        assert page[k + "pos"] == (line.pos or claim.pos)
        assert page[k + "cpt"] == line.cpt and [page.get(f"{k}mod{i}") for i in range(1, 5)][:len(line.modifiers)] == line.modifiers
        assert page[k + "ptr"] == "".join("ABCDEFGHIJKL"[p - 1] for p in line.pointers)
        assert D(page[k + "charge"].replace(" ", ".")) == line.charge and page[k + "units"] == line.units
        assert page.get(k + "npi", "") == (line.rendering or claim.rendering).id if (line.rendering or claim.rendering) else k + "npi" not in page
        assert ("Y" if page.get(k + "emg") else "") == ("Y" if line.emg else "")
    assert form["25"] == claim.billing.refs.get("EI", claim.billing.refs.get("SY"))
    assert form["26"] == claim.claim_id
    assert ("27.yes" in form) == (claim.assignment == "A")
    assert sum(D(p["28"].replace(" ", ".")) for p in pages) == claim.total
    paid = sum((page_amount_paid(snap, i) for i in range(len(pages))), D(0))
    other_paid = claim.others[0].paid if claim.others and claim.others[0].paid is not None else D(0)
    assert paid == (claim.patient_paid or D(0)) + other_paid
    if claim.facility is not None:
        f = claim.facility
        assert form["32.name"] == f.last and form["32.street"] == f.street and form["32.city"] == f"{f.city} {f.state} {f.zip}"
    b = claim.billing
    assert form["33.name"] == b.last and form["33.street"] == " ".join(x for x in (b.street, b.street2) if x)
    assert form["33.city"] == f"{b.city} {b.state} {b.zip}" and form["33a"] == b.id
    if "33b" in form:
        assert form["33b"] == "ZZ" + b.taxonomy
    # 14: onset (431) or last menstrual period (484); 17/17b: referring (2310A), supervising (2310D), ordering (2420E)
    onset = claim.dates.get("431") or claim.dates.get("484")
    if onset is not None:
        assert (form["14.mm"], form["14.dd"], form["14.yy"]) == (f"{onset:%m}", f"{onset:%d}", f"{onset:%y}")
        assert form["14.qual"] == ("431" if "431" in claim.dates else "484")
    else:
        assert "14.qual" not in form and "14.mm" not in form
    named = claim.referring or claim.supervising or (claim.lines[0].ordering if claim.lines else None)
    if named is not None:
        assert form["17.qual"] == named.entity and form["17b"] == named.id
        assert form["17"].startswith(" ".join(x for x in (named.first, named.middle, named.last) if x))
    else:
        assert "17" not in form and "17b" not in form


def test_837p_and_cms1500_carry_the_same_values(ws, tmp_path):
    add_sessions(ws, "testy", 8)  # two pages on paper, one claim in the 837P
    add_sessions(ws, "sam", 2)  # a known secondary policy: 9/9a/9d and 11d on paper, 2320/2330 electronically
    add_sessions(ws, "vic", 2, pos="10")  # telehealth, a payer that wants the taxonomy
    snaps = _bill(ws)
    path = guide_clean(tmp_path, write_837p(snaps, ENV))
    back = read_837p(path.read_bytes())
    assert [c.claim_id for c in back.claims] == [s.claim_id for s in snaps]
    for snap in snaps:
        assert_same_as_form(snap, back.claim(snap.claim_id))


def test_round_trip_keeps_every_value(ws, tmp_path):
    add_sessions(ws, "testy", 3)
    (snap,) = _bill(ws, client="testy")
    c = read_837p(write_837p([snap], ENV)).claims[0]
    assert (c.claim_id, c.total, c.pos, c.frequency, c.assignment) == (snap.claim_id, snap.total_charge, "11", "1", "A")
    assert c.subscriber.last == "MCTESTFACE" and c.subscriber.first == "TESTY" and c.subscriber.middle == "Q"
    assert c.subscriber.id == "ACM123456" and c.subscriber.dob == date(1980, 2, 3) and c.subscriber.sex == "F"
    assert (c.subscriber.street, c.subscriber.city, c.subscriber.zip) == ("12 FAKE ST APT 4", "AUSTIN", "78704")
    assert c.patient is None and c.relationship == "18" and c.rank == "P" and c.filing == "CI"
    assert (c.payer.last, c.payer.id, c.payer.street) == ("ACME HEALTH PLAN", "DEMO1", "PO BOX 1000")
    assert c.dx == ["F411", "F321"] and c.dx_qualifiers == ["ABK", "ABF"]
    b = c.billing
    assert (b.last, b.id, b.refs, b.taxonomy, b.zip) == ("TESTY COUNSELING PLLC", BILLING_NPI, {"EI": "991234567"}, "101YP2500X",
                                                         "787014321")
    assert (b.street, b.city, b.state) == ("400 EXAMPLE AVE STE 200", "AUSTIN", "TX")
    assert c.rendering.id == RENDERING_NPI and (c.rendering.last, c.rendering.first) == ("MCTESTFACE", "TESTY")
    assert [(ln.cpt, ln.charge, ln.units, ln.pointers, ln.date_from, ln.line_control) for ln in c.lines] == [
        (x.cpt, x.charge, str(x.units), [1, 2], x.date_from, x.line_control) for x in snap.lines]
    assert [ln.line_control for ln in c.lines] == [f"{snap.claim_id}L{n}" for n in (1, 2, 3)]  # REF*6R: the 835 echoes it
    assert c.submitter.last == "TESTWELL COUNSELING" and c.receiver.id == "TESTCH"


def test_demo_claims_validate_with_pyx12(demo, tmp_path):
    cli, home = demo
    ids = [r[0] for r in sqlite3.connect(home / "ledger.db").execute("SELECT id FROM claims ORDER BY id")]
    assert len(ids) >= 5
    out = tmp_path / "all.837"
    cli.ok(" ".join(["x12 837p --force --test -o", str(out), *[f"--claim {i}" for i in ids]]))
    report = validate_file(out)
    assert report.guide_ran and report.problems == [] and report.claims == len(ids)
    assert "all.837: OK" in cli.ok(f"x12 validate {out}").stdout
    conn = sqlite3.connect(home / "ledger.db")
    rows = conn.execute("SELECT DISTINCT sent_via, rendered_file, control_number FROM claims WHERE id IN (%s)"
                        % ",".join("?" * len(ids)), ids).fetchall()
    isa13 = segments(out)[0][13]
    assert rows == [("837p", str(out), isa13)]
    # and each demo claim matches its CMS-1500
    back = read_837p(out.read_bytes())
    for cid, snapshot in conn.execute("SELECT id, snapshot FROM claims WHERE id IN (%s)" % ",".join("?" * len(ids)), ids):
        assert_same_as_form(ClaimSnapshot.from_json(snapshot), back.claim(cid))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo837") / "home"
    cli = Cli(home)
    out = cli.ok(f"demo --dir {home}").stdout
    assert "x12 837p" in out and "claims.837: OK" in out  # the demo writes an 837P and validates it
    assert validate_file(home / "output" / "claims.837").problems == []
    return cli, home


def test_primary_with_a_known_secondary_policy_names_it(demo, tmp_path):
    """taylor has a secondary (spouse) policy: the primary claim carries it in 2320/2330 (box 9, 11d)."""
    cli, home = demo
    out = tmp_path / "taylor.837"
    cli.ok(f"x12 837p --client taylor --force -o {out}")
    segs = segments(out)
    assert ["SBR", "S", "01", "", "", "", "", "", "", "CI"] in segs or any(s[:3] == ["SBR", "S", "01"] for s in segs)
    assert not any(s[:2] == ["AMT", "D"] for s in segs)  # nothing adjudicated yet
    assert validate_file(out).problems == []


# --- corrections and secondary claims --------------------------------------------------------------------------

def test_corrected_and_void_claims_export_and_validate(ws, tmp_path):
    add_sessions(ws, "testy", 2)
    (orig,) = _bill(ws)
    fixed = followup.correct_claim(ws, orig.claim_id, "replace", "ACME-ICN-77")
    c = read_837p(guide_clean(tmp_path, write_837p([fixed], ENV), "fix.837").read_bytes()).claims[0]
    assert (c.frequency, c.original_ref) == ("7", "ACMEICN77")
    void = followup.correct_claim(ws, fixed.claim_id, "void", "ACME-ICN-78")
    text = write_837p([void], ENV)
    c = read_837p(guide_clean(tmp_path, text, "void.837").read_bytes()).claims[0]
    assert (c.frequency, c.original_ref, c.total) == ("8", "ACMEICN78", orig.total_charge)
    assert "CLM*" + void.claim_id + "*360***11:B:8*" in text


def test_secondary_claim_carries_the_primary_adjudication(ws, home, tmp_path):
    add_sessions(ws, "sam", 2)
    (primary,) = _bill(ws)
    _post_era(ws, tmp_path, primary, "100.00", [("CO", "45", "60.00"), ("PR", "3", "20.00")], pcn="ACME-ICN-5")
    (sec,) = followup.create_secondary(ws, [primary.claim_id], None)
    text = write_837p([sec], ENV)
    path = guide_clean(tmp_path, text, "sec.837")
    assert validate_file(path).problems == []  # balances too: 180 = 100 + 60 + 20 on each line
    c = read_837p(path.read_bytes()).claims[0]
    assert c.rank == "S" and c.payer.id == "DEMO4" and c.subscriber.id == "NW555" and c.relationship == "01"
    (other,) = c.others
    assert (other.responsibility, other.payer.id, other.paid, other.remaining_patient_liability) == ("P", "DEMO1", D(200), D(40))
    assert other.payer.refs == {"F8": "ACMEICN5"} and other.subscriber.id == "ACM999"
    for line, snap_line in zip(c.lines, sec.lines):
        (pay,) = line.payments
        assert (pay.payer_id, pay.paid, pay.procedure, pay.paid_date) == ("DEMO1", D(100), "90837", date(2026, 11, 1))
        assert sorted((a.group, a.reason, a.amount) for a in pay.adjustments) == [("CO", "45", D(60)), ("PR", "3", D(20))]
        assert line.line_control == snap_line.line_control
    assert_same_as_form(sec, c)


def primary_sent_with_secondary(tmp_path: Path, last: str = "Secondary", *, rate: bool = True) -> tuple[Cli, Path, Path]:
    """Client t (Testa LAST) with Acme primary and Bluepeak secondary, one 90837 session on 2026-10-01, sent to Acme
    as an 837P (CK00001): (cli, home, the 837P file)."""
    from conftest import PRACTICE_ARGS

    home = tmp_path / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("fee set 90837 180")
    cli.ok("payer add acme --name Acme --payer-id 11111")
    cli.ok("payer add blue --name Bluepeak --payer-id 22222")
    if rate:
        cli.ok("payer rate set acme 90837 120")
    cli.ok(f"client add t --first Testa --last {last} --dob 1980-01-01 --sex F --dx F41.1 --payer acme --member-id A1"
           " --copay 20 --address '1 Test St' --city Austin --state TX --zip 78701")
    cli.ok("client policy add t --payer blue --member-id B2 --coinsurance 10 --secondary")
    cli.ok("session add t --date 2026-10-01 --cpt 90837 --minutes 55")
    with open(home / "practice.toml", "a") as fh:
        fh.write(EDI)
    first = tmp_path / "p.837"
    cli.ok(f"x12 837p --unbilled --force -o {first}")
    return cli, home, first


def test_secondary_claim_through_the_cli(tmp_path):
    from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

    cli, home, first = primary_sent_with_secondary(tmp_path)
    assert validate_file(first).problems == []
    snap = ClaimSnapshot.from_json(sqlite3.connect(home / "ledger.db").execute("SELECT snapshot FROM claims").fetchone()[0])
    era = tmp_path / "p.835"
    era.write_text(write_835(Remit("Acme", "11111", "Testwell", BILLING_NPI, "T1", date(2026, 11, 1), (ClaimOutcome(
        "CK00001", "1", "PCN1", "Secondary", "Testa", "A1", (LineOutcome(
            "90837", (), D("180.00"), D("100.00"), date(2026, 10, 1), snap.lines[0].line_control, D("120.00"),
            (("CO", "45", D("60.00")), ("PR", "3", D("20.00")))),)),))))
    cli.ok(f"era import {era}")
    out = tmp_path / "s.837"
    result = cli.ok(f"x12 837p --secondary --force -o {out}")
    assert "secondary" in result.stdout
    segs = segments(out)
    assert any(s[:2] == ["SBR", "S"] for s in segs) and ["AMT", "D", "100"] in segs and ["AMT", "EAF", "20"] in segs
    assert any(s[0] == "SVD" and s[1:3] == ["11111", "100"] for s in segs)
    assert validate_file(out).problems == []
    row = sqlite3.connect(home / "ledger.db").execute("SELECT rank, sent_via, rendered_file FROM claims WHERE id = 'CK00002'").fetchone()
    assert row == ("secondary", "837p", str(out))
    assert "Nothing to bill to secondary payers" in cli.ok(f"x12 837p --secondary -o {tmp_path / 'again.837'}").stdout


EDI = """
[edi]
submitter_name = "Testwell Counseling"
submitter_id = "TESTWELL1"
contact_name = "Testy McTestface"
contact_phone = "5125550100"
receiver_name = "Test Clearinghouse"
receiver_id = "TESTCH"
"""


# --- the writer's text rules ------------------------------------------------------------------------------------

def test_text_rules_and_envelope(ws, tmp_path):
    add_sessions(ws, "sam", 1)  # O'Sample-Smith: an apostrophe, a hyphen
    (snap,) = _bill(ws)
    odd = snap.replace(**{"patient": snap.patient.replace(**{"first": "Zoë*~:^", "last": "O'Sample-Smith Jr."})})
    text = write_837p([odd], ENV)
    lines = text.splitlines()
    isa = lines[0]
    assert len(isa) == 106 and isa.endswith("~") and isa[3] == "*"  # fixed width: 105 characters + the terminator
    assert isa.split("*")[6] == "TESTWELL1      " and isa.split("*")[13] == "000000042" and isa.split("*")[15] == "T"
    assert lines[1] == "GS*HC*TESTWELL1*TESTCH*20261120*0930*42*X*005010X222A1~"
    assert lines[2] == "ST*837*0001*005010X222A1~" and lines[3] == "BHT*0019*00*420001*20261120*0930*CH~"
    assert "NM1*IL*1*OSAMPLE-SMITH JR*ZOE****MI*ACM999~" in lines
    for line in lines[1:]:
        body = line[:-1]
        assert line.endswith("~") and "~" not in body and "^" not in body and body == body.upper()
        assert ":" not in body or body.split("*")[0] in ("CLM", "HI", "SV1", "SVD")
    se = next(x for x in lines if x.startswith("SE*"))
    assert se == f"SE*{lines.index(se) - 1}*0001~"  # ST..SE inclusive
    assert lines[-2:] == ["GE*1*42~", "IEA*1*000000042~"]
    guide_clean(tmp_path, text)


def test_amounts_have_no_trailing_zeros():
    assert [amount(D(x)) for x in ("180.00", "180.50", "0.75", "0", "-9.00", "1250", "12.34")] == [
        "180", "180.5", "0.75", "0", "-9", "1250", "12.34"]


def test_hl_hierarchy_and_many_transactions(ws, tmp_path, monkeypatch):
    add_sessions(ws, "testy", 1)
    add_sessions(ws, "sam", 1)
    snaps = _bill(ws)
    # a claim built before the practice moved: its own billing provider loop (2000A) in the same file
    moved = snaps[1].replace(**{"billing": snaps[1].billing.replace(**{
        "address": snaps[1].billing.address.replace(**{"street": "1 New Place"})})})
    text = write_837p([snaps[0], moved], ENV)
    hls = [s for s in segments(text.encode()) if s[0] == "HL"]
    assert [h[1:] for h in hls] == [["1", "", "20", "1"], ["2", "1", "22", "0"], ["3", "", "20", "1"], ["4", "3", "22", "0"]]
    guide_clean(tmp_path, text)
    monkeypatch.setattr(x12_837p, "CLAIMS_PER_TRANSACTION", 1)
    text = write_837p(snaps, ENV)
    segs = segments(text.encode())
    assert [s[2] for s in segs if s[0] == "ST"] == ["0001", "0002"] and ["GE", "2", "42"] in segs
    guide_clean(tmp_path, text, "two.837")


def test_claim_flags_dates_and_emergencies(ws, tmp_path):
    from datetime import timedelta

    add_sessions(ws, "testy", 2)
    (snap,) = _bill(ws)
    first, second = snap.lines
    lines = [first.replace(**{"emg": True}), second.replace(**{"date_to": second.date_from + timedelta(days=2)})]
    odd = snap.replace(**{"related_auto": True, "related_auto_state": "TX", "patient_signature_on_file": False,
                                  "insured_signature_on_file": False, "accept_assignment": False, "prior_auth": "AUTH-1",
                                  "amount_paid": D("20.00"), "lines": lines})
    text = write_837p([odd], ENV)
    c = read_837p(text).claims[0]
    assert (c.related_causes, c.accident_state, c.release_of_info, c.benefits_assignment, c.assignment) == (["AA"], "TX", "I", "N", "C")
    assert c.prior_auth == "AUTH1" and c.patient_paid == D(20) and c.lines[0].emg and not c.lines[1].emg
    assert (c.lines[1].date_from, c.lines[1].date_to) == (second.date_from, second.date_from + timedelta(days=2))
    assert f"DTP*472*RD8*{second.date_from:%Y%m%d}-{second.date_from + timedelta(days=2):%Y%m%d}~" in text
    path = tmp_path / "flags.837"
    path.write_text(text)
    assert structural(path.read_bytes()) == [] and with_pyx12(path) == []


def test_onset_accident_referral_and_pay_to(ws, tmp_path):
    """Box 14, 10b with the accident date, 17/17b and the pay-to address: from the client and practice files to the
    exact segments, valid for pyx12, read back, and the same values as the CMS-1500 prints."""
    ws = add_accident_client(ws)
    add_sessions(ws, "rita", 2)
    (snap,) = _bill(ws, client="rita")
    text = write_837p([snap], ENV).replace("\n", "")  # one segment a line: compare the segments run together
    assert "~NM1*87*2~N3*PO BOX 77~N4*AUSTIN*TX*787110077~HL*2*1*22*0~" in text  # 2010AB after 2010AA
    assert f"~CLM*{snap.claim_id}*360***11:B:1*Y*A*Y*Y**AA:::TX~DTP*431*D8*20260901~DTP*439*D8*20260828~HI*ABK:F4310~" in text
    assert "~HI*ABK:F4310~NM1*DN*1*REFERRER*DANA*Q***XX*1679576722~NM1*82*1*MCTESTFACE*TESTY****XX*" in text  # 2310A first
    path = guide_clean(tmp_path, text)
    c = read_837p(path.read_bytes()).claims[0]
    assert c.dates == {"431": ONSET, "439": ACCIDENT} and (c.related_causes, c.accident_state) == (["AA"], "TX")
    assert (c.referring.entity, c.referring.last, c.referring.first, c.referring.middle, c.referring.id) == (
        "DN", "REFERRER", "DANA", "Q", REFERRING_NPI)
    assert (c.pay_to.street, c.pay_to.city, c.pay_to.state, c.pay_to.zip) == ("PO BOX 77", "AUSTIN", "TX", "787110077")
    assert c.billing.street == "400 EXAMPLE AVE STE 200"  # box 33 stays the physical address
    assert_same_as_form(snap, c)
    form = page_fields(snap)
    assert (form["14.mm"], form["14.dd"], form["14.yy"], form["14.qual"]) == ("09", "01", "26", "431")
    assert (form["17.qual"], form["17"], form["17b"]) == ("DN", "DANA Q REFERRER MD", REFERRING_NPI)
    assert (form["10b.yes"], form["10b.state"], form["33.street"]) == ("X", "TX", "400 EXAMPLE AVE STE 200")
    # the same claim stored and read back carries every new value
    stored = ClaimSnapshot.from_json(snap.to_json())
    assert stored == snap and stored.referring.middle == "Quill" and stored.pay_to.zip == "78711-0077"


def test_last_menstrual_period_supervising_and_ordering_providers(ws, tmp_path):
    """484 goes after the accident date; DQ is 2310D after the facility; DK is 2420E on every line."""
    ws = add_accident_client(ws)
    add_sessions(ws, "rita", 2)
    (snap,) = _bill(ws, client="rita")
    lmp = snap.replace(onset_qualifier="484", referring_qualifier="DQ")
    text = write_837p([lmp], ENV).replace("\n", "")
    assert "~DTP*439*D8*20260828~DTP*484*D8*20260901~HI*" in text and "DTP*431" not in text
    assert "NM1*DN" not in text and text.count("~NM1*DQ*1*REFERRER*DANA*Q***XX*1679576722~") == 1
    c = read_837p(guide_clean(tmp_path, text, "dq.837").read_bytes()).claims[0]
    assert c.supervising.id == REFERRING_NPI and c.referring is None and c.dates["484"] == ONSET
    assert_same_as_form(lmp, c)
    ordering = snap.replace(referring_qualifier="DK", related_auto=False, related_auto_state="", accident_date=None)
    text = write_837p([ordering], ENV).replace("\n", "")
    assert text.count("~NM1*DK*1*REFERRER*DANA*Q***XX*1679576722~") == 2 and "DTP*439" not in text
    c = read_837p(guide_clean(tmp_path, text, "dk.837").read_bytes()).claims[0]
    assert [ln.ordering.id for ln in c.lines] == [REFERRING_NPI, REFERRING_NPI] and c.related_causes == []
    assert_same_as_form(ordering, c)


def test_missing_payer_id_is_refused_by_the_writer(ws):
    add_sessions(ws, "testy", 1)
    (snap,) = _bill(ws)
    bare = snap.replace(**{"billed": snap.billed.replace(**{"payer": snap.billed.payer.replace(**{"payer_id": ""})})})
    with pytest.raises(ValueError, match="no electronic payer ID"):
        write_837p([bare], ENV)
    with pytest.raises(ValueError, match="no claims"):
        write_837p([], ENV)


# --- the guide's samples, read back ---------------------------------------------------------------------------

def test_guide_commercial_sample_reads_back():
    f = read_837p((SAMPLES / "837p_x12ig_commercial_health_insurance.edi").read_bytes())
    (inter,) = f.interchanges
    assert (inter.sender_id, inter.control, inter.usage, inter.version, inter.gs_control) == (
        "123456789012345", "000010216", "T", "005010X222A1", "20213")
    (c,) = f.claims
    assert (c.claim_id, c.total, c.pos, c.frequency, c.release_of_info) == ("26463774", D(100), "11", "1", "I")
    assert (c.billing.last, c.billing.id, c.billing.refs["EI"], c.billing.taxonomy) == ("BEN KILDARE SERVICE", "9876543210",
                                                                                        "587654321", "203BF0100Y")
    assert (c.subscriber.last, c.subscriber.first, c.subscriber.id, c.subscriber.dob) == ("SMITH", "JANE", "JS00111223333",
                                                                                          date(1943, 5, 1))
    assert (c.group, c.rank, c.filing, c.relationship) == ("2222-SJ", "P", "CI", "19")
    assert (c.patient.last, c.patient.first, c.patient.dob, c.patient.sex, c.patient.zip) == ("SMITH", "TED", date(1973, 5, 1),
                                                                                              "M", "33413")
    assert (c.payer.last, c.payer.id) == ("KEY INSURANCE COMPANY", "999996666")
    assert c.dx == ["0340", "V7389"] and c.dx_qualifiers == ["BK", "BF"]
    assert [(ln.cpt, ln.charge, ln.pointers, ln.date_from) for ln in c.lines] == [
        ("99213", D(40), [1], date(2006, 10, 3)), ("87070", D(15), [1], date(2006, 10, 3)),
        ("99214", D(35), [2], date(2006, 10, 10)), ("86663", D(10), [2], date(2006, 10, 10))]
    assert c.line_total == c.total


def test_guide_cob_sample_reads_back():
    (c,) = read_837p((SAMPLES / "837p_x12ig_cob_secondary_to_payer_b.edi").read_bytes()).claims
    assert (c.claim_id, c.total, c.rank, c.payer.id) == ("26407789", D("79.04"), "S", "567890")
    assert c.rendering.id == "1999996666" and c.rendering.taxonomy == "204C00000X" and c.facility.last == "KILDARE ASSOCIATES"
    (o,) = c.others
    assert (o.responsibility, o.relationship, o.paid, o.remaining_patient_liability) == ("P", "01", D("39.15"), D("36.89"))
    assert [(a.group, a.reason, a.amount) for a in o.adjustments] == [("PR", "1", D("21.89")), ("PR", "2", D(15))]
    assert (o.subscriber.id, o.payer.id) == ("JS00111223333", "999996666")
    assert [(p.payer_id, p.paid, [(a.group, a.reason, a.amount) for a in p.adjustments], p.paid_date)
            for ln in c.lines for p in ln.payments] == [
        ("999996666", D(40), [("CO", "42", D(3))], date(2005, 10, 15)), ("999996666", D(15), [], date(2005, 10, 15)),
        ("999996666", D("21.04"), [], date(2005, 10, 15))]
    assert c.lines[0].pointers == [1, 2, 3, 4]


@pytest.mark.parametrize("name", ["837p_x12ig_commercial_health_insurance.edi", "837p_x12ig_cob_secondary_to_payer_b.edi",
                                  "837p_x12ig_medicare_secondary_payer_cob.edi", "837p_x12ig_encounter.edi"])
def test_our_checks_pass_the_guide_samples_but_for_their_made_up_npis(name):
    """Counts, control numbers, hierarchy, totals and COB balancing all hold; the guide's made-up NPIs (e.g.
    9876543210) fail the check digit, which is exactly what our check is for."""
    problems = structural((SAMPLES / name).read_bytes())
    assert problems and all("fails its check digit" in p.message for p in problems), problems
    assert read_837p((SAMPLES / name).read_bytes()).claims


def test_other_samples_read_and_their_defects_are_named():
    two = SAMPLES / "837p_oop_two_st_combined_bom.txt"  # a byte order mark, two ST, GS08 without A1
    f = read_837p(two.read_bytes())
    assert len(f.claims) == 3 and f.interchanges[0].transactions == 2
    assert any("GS08 version '005010X222'" in p.message for p in structural(two.read_bytes()))
    a2 = structural((SAMPLES / "837p_lfh_demo_example1_x222a2.837").read_bytes())
    assert any("HIPAA mandates the A1 version" in p.message for p in a2)
    many = SAMPLES / "837p_imsweb_820_claims.txt"
    assert len(read_837p(many.read_bytes()).claims) == 820
    assert any("SE01 says 25 segments" in p.message for p in structural(many.read_bytes()))


def test_structural_checks_catch_damage():
    text = (SAMPLES / "837p_x12ig_commercial_health_insurance.edi").read_text()
    bad = (text.replace("CLM*26463774*100", "CLM*26463774*101").replace("SE*42*0021", "SE*41*0021")
           .replace("HL*3*2*23*0", "HL*3*7*23*0").replace("DTP*472*D8*20061010", "DTP*472*D8*20061310")
           .replace("IEA*1*000010216", "IEA*1*000010217"))
    problems = [str(p) for p in structural(bad.encode())]
    for expected in ("CLM02 total 101 is not the sum of its lines 100", "SE01 says 41 segments; the transaction has 42",
                     "HL02 parent 7 is not an earlier HL", "'20061310' is not a valid D8 date",
                     "IEA02 000010217 does not match ISA13 000010216", "HL 2 says it has children (HL04 = 1) but none follows"):
        assert any(expected in p for p in problems), (expected, problems)
    cut = text[: text.index("SE*42")]
    assert any("ends without its SE segment" in str(p) for p in structural(cut.encode()))
    assert [p.message for p in structural(b"hello")][0].startswith("not an X12 file")


def test_cob_balancing_is_checked(ws, home, tmp_path):
    add_sessions(ws, "sam", 1)
    (primary,) = _bill(ws)
    _post_era(ws, tmp_path, primary, "100.00", [("CO", "45", "60.00"), ("PR", "3", "20.00")])
    (sec,) = followup.create_secondary(ws, [primary.claim_id], None)
    line = sec.lines[0].replace(**{"prior_adjustments": [SnapAdjustment(group="CO", reason="45", amount=D("50.00"))]})
    text = write_837p([sec.replace(**{"lines": [line]})], ENV)
    warnings = [p.message for p in structural(text.encode()) if p.severity == "warning"]
    assert any("line charge 180 is not the other payer's payment 100 plus its line adjustments 50" in w for w in warnings)
    assert any("the other payer's amounts do not balance: charge 180" in w for w in warnings)


def test_npi_check_digit():
    assert npi_ok(BILLING_NPI) and npi_ok(RENDERING_NPI) and not npi_ok("1234567890") and not npi_ok("12345")


def test_pyx12_findings_name_the_segment(tmp_path):
    text = (SAMPLES / "837p_x12ig_commercial_health_insurance.edi").read_text().replace("*Y*A*Y*I~", "*Y*A*Y*N~")
    path = tmp_path / "bad.edi"
    path.write_text(text)
    guide = [p for p in validate_file(path).problems if p.source == "pyx12"]
    assert len(guide) == 1 and guide[0].segment == 29 and guide[0].segment_id == "CLM"
    assert "Release of Information Code (CLM09)" in guide[0].message


def test_batch_check_finds_what_one_claim_at_a_time_finds(ws):
    """An export or render checks its claims in one run (`check_claim_snapshots`); the findings are those of checking
    each claim alone, what concerns the practice, a payer or a client said once for the run instead of per claim."""
    from claimkit.checks import check_claim_snapshot, check_claim_snapshots

    add_sessions(ws, "testy", 3)
    add_sessions(ws, "sam", 2, minutes=40)  # 90837 for 40 minutes: psychotherapy-time on each line
    add_sessions(ws, "vic", 2, pos="10")  # telehealth without the payer's modifier
    snaps = _bill(ws)
    assert len(snaps) >= 3
    batch = check_claim_snapshots(snaps, ws)
    singles = [f for snap in snaps for f in check_claim_snapshot(snap, ws)]
    on_claims = lambda fs: [(f.rule, f.subject, f.message) for f in fs if "/ claim " in (f.subject or "")]  # noqa: E731
    assert on_claims(batch) == on_claims(singles)
    assert len([f for f in batch if f.rule == "dx-codeset-date"]) <= 1  # what concerns the practice: once a run
    rules = sorted({f.rule for f in batch})
    assert "psychotherapy-time" in rules and len([f for f in batch if f.rule == "psychotherapy-time"]) == 2
