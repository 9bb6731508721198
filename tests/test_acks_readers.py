"""The TA1, 999, 277CA and 277 readers on the shared samples, read to the field, and on the shapes real files take
(no line breaks, '|' or '^' component separators, several ST, a BOM, GS08 without A1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from claimkit.acks.ack999 import ElementError, SegmentError, read_999
from claimkit.x12.envelope import read_transactions as read
from claimkit.acks.status277 import read_277
from claimkit.acks.ta1 import read_ta1

DATA = Path(__file__).parent / "data" / "x12"


def one(name: str):
    env = read((DATA / name).read_bytes())
    assert env.problems == ()
    assert len(env.transactions) == 1
    return env, env.transactions[0]


def test_999_accepted_sample_to_the_field():
    env, tx = one("999_ims_accepted.txt")
    assert (tx.st01, tx.st02, tx.st03, tx.gs01, tx.gs06, tx.gs08, tx.isa13) == (
        "999", "0001", "005010X231A1", "FA", "1", "005010X231A1", "000000286")
    ack = read_999(tx)
    assert ack.problems == ()
    (g,) = ack.groups
    assert (g.functional_id, g.gs06, g.version, g.status, g.included, g.received, g.accepted_count, g.segment) == (
        "HC", "17456", "005010X223A2", "A", 1, 1, 1, 4)
    (t,) = g.transactions
    assert (t.st01, t.st02, t.version, t.status, t.codes, t.errors, t.segment, t.accepted) == (
        "837", "0001", "005010X223A2", "A", (), (), 5, True)


def test_999_rejected_sample_to_the_field():
    env, tx = one("999_ims_rejected.txt")
    assert tx.component == "|"
    ack = read_999(tx)
    (g,) = ack.groups
    assert (g.gs06, g.status, g.included, g.received, g.accepted_count) == ("28", "R", 1, 1, 0)
    (t,) = g.transactions
    assert (t.st01, t.st02, t.version, t.status, t.codes, t.accepted) == ("837", "0028", "", "R", ("5",), False)
    assert t.errors == (SegmentError("NM", 17, "", "1", (), (), 6),)


def test_277ca_accepted_sample_to_the_field():
    _, tx = one("277ca_ims_accepted.txt")
    assert (tx.st01, tx.st03, tx.gs06) == ("277", "005010X214", "14420")
    r = read_277(tx, "277CA")
    assert r.problems == ()
    assert r.batch == "000000674"
    (rs,) = r.receiver_statuses
    assert (rs.category, rs.code, rs.entity, rs.date, rs.action, rs.charge) == ("A1", "20", "", date(2011, 3, 11), "WQ",
                                                                                 Decimal("125.0"))
    (c,) = r.claims
    assert (c.claim_ref, c.source, c.source_name, c.patient, c.member_id, c.provider_npi, c.payer_claim_number, c.trace,
            c.segment) == ("5781", "PR", "NYSDOH", "TPATIENT, THEBE", "LL99999X", "1234567890", "1107000000014420", "", 21)
    assert c.service_start == c.service_end == date(1001, 1, 1)
    (s,) = c.statuses
    assert (s.category, s.code, s.entity, s.date, s.action, s.charge, s.segment) == (
        "A2", "20", "", date(2011, 3, 11), "WQ", Decimal("125"), 22)
    assert c.accepted and not c.rejected and c.lines == ()


def test_277ca_rejected_sample_no_line_breaks_pipe_components():
    _, tx = one("277ca_ims_rejected.txt")
    assert tx.component == "|"
    r = read_277(tx, "277CA")
    (c,) = r.claims
    assert (c.claim_ref, c.member_id, c.patient, c.payer_claim_number, c.service_start) == (
        "3920394930203", "XX99999X", "CLILNAME, CLIFNAME", "1107000000001120", date(2009, 3, 11))
    (s,) = c.statuses
    assert (s.category, s.code, s.entity, s.charge) == ("A7", "562", "85", Decimal("199.14"))
    assert c.rejected and not c.accepted


def test_277_x212_sample_pending_finalized_and_a_line():
    env = read((DATA / "277_lfh_claim_status_x212.277").read_bytes())
    assert env.problems == ()
    assert env.notes == ("segment 40: SE01 says 36 segments but transaction 0001 has 38",)
    r = read_277(env.transactions[0], "277")
    assert [c.claim_ref for c in r.claims] == ["ABCXYZ1", "ABCXYZ2", "ABCXYC3"]
    a, b, c = r.claims
    assert [(s.category, s.code, s.entity, s.charge, s.paid) for s in a.statuses] == [("P3", "317", "", Decimal("8513.88"), None)]
    assert (a.payer_claim_number, a.service_start, a.service_end, a.member_id) == (
        "05347006051", date(2005, 8, 31), date(2005, 9, 6), "123456789A")
    assert [(s.category, s.code, s.paid) for s in b.statuses] == [("F0", "3", Decimal("7599.00"))]
    assert (c.patient, c.member_id, c.payer_claim_number) == ("MANN, JOSEPH", "345678901", "051681010827")
    (ln,) = c.lines
    assert (ln.procedure, ln.charge, ln.paid, ln.service_date, ln.segment) == ("99203", Decimal("150.00"), Decimal("0.00"),
                                                                              date(2005, 5, 1), 37)
    assert [(s.category, s.code, s.entity) for s in ln.statuses] == [("F2", "88", "QC")]


def test_tolerates_bom_caret_components_several_st_and_gs08_without_a1():
    text = ("ISA*00*          *00*          *ZZ*CH             *ZZ*US             *261201*1200*^*00501*000000007*0*P*^~"
            "GS*FA*CH*US*20261201*1200*7*X*005010X231~"
            "ST*999*0001*005010X231~AK1*HC*12*005010X222A1~AK2*837*0001*005010X222A1~IK3*NM1*9*2010AA*8~"
            "IK4*9^1*67*7*123~CTX*CLM01*CK00001~IK5*R*5~AK9*R*1*1*0~SE*9*0001~"
            "ST*999*0002*005010X231~AK1*HC*13*005010X222A1~AK2*837*0001~IK5*A~AK9*A*1*1*1~SE*6*0002~"
            "GE*2*7~IEA*1*000000007~")
    env = read(b"\xef\xbb\xbf" + text.encode())
    assert env.problems == ()
    assert [t.st02 for t in env.transactions] == ["0001", "0002"]
    assert env.transactions[0].gs08 == "005010X231"
    first = read_999(env.transactions[0]).groups[0].transactions[0]
    (err,) = first.errors
    assert (err.segment_id, err.position, err.loop, err.code, err.context) == ("NM1", 9, "2010AA", "8", ("CLM01", "CK00001"))
    assert err.elements == (ElementError("9", "1", "67", "7", "123", 7),)
    assert read_999(env.transactions[1]).groups[0].status == "A"


def test_ta1_and_a_truncated_file():
    text = ("ISA*00*          *00*          *ZZ*CH             *ZZ*US             *261201*1200*^*00501*000000009*0*P*:~"
            "TA1*000000042*261130*0915*R*025~IEA*0*000000009~")
    env = read(text.encode())
    assert env.transactions == ()
    found, problems = read_ta1(env.loose)
    assert problems == []
    (t,) = found
    assert (t.isa13, t.date, t.time, t.status, t.note, t.accepted) == ("000000042", "261130", "0915", "R", "025", False)
    cut = (DATA / "999_ims_accepted.txt").read_bytes()[:-60]
    problems = read(cut).problems
    assert problems == ("transaction 0001 (999) has no SE: the file was cut off; download it again",)
