"""The 999 implementation acknowledgment (005010X231A1): for each functional group of ours (AK1), each
transaction (AK2) with its segment errors (IK3), element errors (IK4), business context (CTX) and verdict (IK5),
then the group's verdict (AK9). Values only; matching them to our exports is `acks.match999`."""

from __future__ import annotations

from dataclasses import dataclass

from claimkit.x12.elements import split_composite as split
from claimkit.x12.envelope import Segment, Transaction

# IK5 / AK9 verdicts
ACCEPTED = frozenset({"A", "E"})  # E: accepted with errors noted
VERDICTS = {"A": "accepted", "E": "accepted with errors", "P": "partially accepted", "R": "rejected",
            "M": "rejected (message authentication failed)", "W": "rejected (assurance failed)",
            "X": "rejected (content could not be analyzed)"}


@dataclass(frozen=True, slots=True)
class ElementError:  # IK4
    position: str  # IK401-1
    component: str  # IK401-2
    reference: str  # IK402: the data element number
    code: str  # IK403
    value: str  # IK404: a copy of the bad value
    segment: int


@dataclass(frozen=True, slots=True)
class SegmentError:  # IK3 and its IK4s
    segment_id: str  # IK301
    position: int  # IK302: counted from ST = 1 in OUR transaction
    loop: str  # IK303
    code: str  # IK304
    elements: tuple[ElementError, ...]
    context: tuple[str, ...]  # CTX: e.g. ('CLM01', 'CK00012')
    segment: int


@dataclass(frozen=True, slots=True)
class TransactionAck:  # AK2 .. IK5
    st01: str
    st02: str
    version: str
    status: str  # IK501
    codes: tuple[str, ...]  # IK502..IK506
    errors: tuple[SegmentError, ...]
    segment: int

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


@dataclass(frozen=True, slots=True)
class GroupAck:  # AK1 .. AK9
    functional_id: str  # AK101, HC for claims
    gs06: str  # AK102: OUR group control number
    version: str  # AK103
    transactions: tuple[TransactionAck, ...]
    status: str  # AK901
    included: int | None  # AK902
    received: int | None  # AK903
    accepted_count: int | None  # AK904
    codes: tuple[str, ...]  # AK905..
    segment: int


@dataclass(frozen=True, slots=True)
class Ack999:
    isa13: str  # the clearinghouse's own interchange number
    date: str  # ISA09 YYMMDD
    st02: str
    groups: tuple[GroupAck, ...]
    problems: tuple[str, ...]  # segments out of place: the file cannot be trusted


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def read_999(tx: Transaction) -> Ack999:
    groups: list[GroupAck] = []
    problems: list[str] = []
    comp = tx.component
    ak1: Segment | None = None
    txs: list[TransactionAck] = []
    ak2: Segment | None = None
    errors: list[SegmentError] = []
    ik3: Segment | None = None
    ik4s: list[ElementError] = []
    ctx: list[str] = []

    def close_ik3() -> None:
        nonlocal ik3, ik4s, ctx
        if ik3 is not None:
            pos = ik3.el(2)
            if not pos.isdigit():
                problems.append(f"segment {ik3.number}: IK302 '{pos}' is not a segment position")
            errors.append(SegmentError(ik3.el(1), int(pos) if pos.isdigit() else 0, ik3.el(3), ik3.el(4), tuple(ik4s),
                                       tuple(ctx), ik3.number))
        ik3, ik4s, ctx = None, [], []

    for seg in tx.segments:
        sid = seg.id
        if sid == "AK1":
            ak1, txs = seg, []
        elif sid == "AK2":
            if ak1 is None:
                problems.append(f"segment {seg.number}: AK2 before any AK1")
            ak2, errors = seg, []
        elif sid == "IK3":
            close_ik3()
            if ak2 is None:
                problems.append(f"segment {seg.number}: IK3 outside a transaction response (no AK2 before it)")
            ik3 = seg
        elif sid == "CTX":
            ctx.extend(split(seg.el(1), comp) + [seg.el(i) for i in range(2, 7) if seg.el(i)])
        elif sid == "IK4":
            if ik3 is None:
                problems.append(f"segment {seg.number}: IK4 without the IK3 it belongs to")
                continue
            where = split(seg.el(1), comp)
            ik4s.append(ElementError(where[0], where[1] if len(where) > 1 else "", seg.el(2), seg.el(3), seg.el(4),
                                     seg.number))
        elif sid == "IK5":
            close_ik3()
            if ak2 is None:
                problems.append(f"segment {seg.number}: IK5 without its AK2")
                continue
            txs.append(TransactionAck(ak2.el(1), ak2.el(2), ak2.el(3), seg.el(1),
                                      tuple(seg.el(i) for i in range(2, 7) if seg.el(i)), tuple(errors), ak2.number))
            ak2, errors = None, []
        elif sid == "AK9":
            close_ik3()
            if ak1 is None:
                problems.append(f"segment {seg.number}: AK9 without its AK1")
                continue
            if ak2 is not None:
                problems.append(f"segment {ak2.number}: AK2 {ak2.el(2)} has no IK5 verdict")
            status = seg.el(1)
            if status not in VERDICTS:
                problems.append(f"segment {seg.number}: AK901 '{status}' is not a verdict (A, E, P or R)")
            groups.append(GroupAck(ak1.el(1), ak1.el(2), ak1.el(3), tuple(txs), status, _int(seg.el(2)), _int(seg.el(3)),
                                   _int(seg.el(4)), tuple(seg.el(i) for i in range(5, 10) if seg.el(i)), ak1.number))
            ak1, ak2, txs = None, None, []
    if ak1 is not None:
        problems.append(f"segment {ak1.number}: AK1 {ak1.el(2)} has no AK9 verdict: the file is incomplete")
    if not groups and not problems:
        problems.append(f"transaction {tx.st02}: a 999 without any AK1/AK9 group response")
    return Ack999(tx.isa13, tx.isa_date, tx.st02, tuple(groups), tuple(problems))
