"""The transactions of a returned X12 file, over the shared segment reader and envelope (x12/segments.py,
x12/envelope.py): each ST..SE with the ISA/GS it came in.

Segments keep two numbers: ``number`` (from the start of the file, as the tokenizer counts) and ``position``
(counted from ST = 1, as a 999's IK3 counts). Tolerated as the tokenizer tolerates them: no line breaks, a BOM,
several ST (and several interchanges) in one file; a GS08 without its A1 suffix is the same version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claimkit.x12.envelope import Envelope as EnvelopeState
from claimkit.x12.envelope import impossible_count
from claimkit.x12.segments import SegmentReader

_COMPOSITE_FALLBACK = re.compile(r"[A-Z0-9]{1,3}([|^:>])")


@dataclass(frozen=True, slots=True)
class Segment:
    number: int  # 1-based, from the start of the file
    position: int  # 1-based, counted from the transaction's ST (0 outside a transaction)
    id: str
    elements: tuple[str, ...]  # elements[0] is the segment id, so elements[2] is element 02

    def el(self, i: int) -> str:
        return self.elements[i].strip() if len(self.elements) > i else ""


@dataclass(frozen=True, slots=True)
class Transaction:
    isa13: str  # the sender's interchange control number
    isa_date: str  # ISA09 YYMMDD
    usage: str  # ISA15
    component: str  # ISA16: the component separator in force
    gs01: str
    gs06: str
    gs08: str
    st01: str
    st02: str
    st03: str
    segments: tuple[Segment, ...]  # ST .. SE, both included

    @property
    def version(self) -> str:
        return self.st03 or self.gs08


@dataclass(frozen=True, slots=True)
class ReturnedFile:
    """Everything read from one file: its transactions, interchange-level segments (TA1) and problems."""

    transactions: tuple[Transaction, ...]
    loose: tuple[Segment, ...]  # segments outside any ST..SE (TA1, or a file without ST)
    isa13: str
    isa12: str  # the interchange version (00501, 00401)
    problems: tuple[str, ...]  # errors: the file cannot be used as it is
    notes: tuple[str, ...]  # warnings from the tokenizer


def split(value: str, component: str) -> list[str]:
    """A composite's components. Some senders write another component separator than their ISA16 declares
    (``A7|562|85`` under ISA16 ':'): when the declared one is absent and the value reads as a code followed by
    '|', '^', ':' or '>', that character is used."""
    if component and component in value:
        return value.split(component)
    m = _COMPOSITE_FALLBACK.match(value)
    if m and len(value) > m.end():
        return value.split(m.group(1))
    return [value]


def read(data: bytes) -> ReturnedFile:
    """Transactions of ``data``; never raises. A transaction cut off (no SE) or an SE count that disagrees is a
    problem of the file: nothing of it may be applied."""
    reader = SegmentReader(data)
    state = EnvelopeState()  # the shared envelope tracker: which ISA/GS/ST is open, with its segment and control
    problems: list[str] = []
    notes: list[str] = []
    txs: list[Transaction] = []
    loose: list[Segment] = []
    isa = ["", "", "", "", ""]  # isa13, isa09, isa15, isa16, isa12
    first_isa13 = first_isa12 = ""
    gs = ["", "", ""]
    cur: list[Segment] | None = None
    st = ("", "", "")
    for number, sid, els in reader:
        if sid == "ISA":
            isa = [_at(els, 13), _at(els, 9), _at(els, 15), _at(els, 16), _at(els, 12)]
            first_isa13 = first_isa13 or isa[0]
            first_isa12 = first_isa12 or isa[4]
            state.open_isa(number, isa[0])
            continue
        if sid == "GS":
            gs = [_at(els, 1), _at(els, 6), _at(els, 8)]
            state.open_gs(number, gs[1], gs[2])
            continue
        if sid in ("GE", "IEA"):
            state.close(sid)
            continue
        if sid == "ST":
            if state.st is not None:
                problems.append(f"segment {number}: ST {_at(els, 2)} starts before transaction {st[1]} ended with SE;"
                                " the file is damaged")
            state.open_st(number, _at(els, 2))
            cur = []
            st = (_at(els, 1), _at(els, 2), _at(els, 3))
        if cur is None:
            loose.append(Segment(number, 0, sid, tuple(els)))
            continue
        cur.append(Segment(number, len(cur) + 1, sid, tuple(els)))
        if sid == "SE":
            count, actual = _at(els, 1), state.segments_in_st(number)
            if count != str(actual):
                # a miscount (senders get it wrong) is a note; a count no miscount explains means a damaged file
                where = f"segment {number}: SE01 says {count or 'nothing'} segments but transaction {st[1]} has {actual}"
                if not count.isdigit() or impossible_count(int(count), actual):
                    problems.append(f"{where}: the file is damaged; ask for a new copy")
                else:
                    notes.append(where)
            if _at(els, 2) != st[1]:
                notes.append(f"segment {number}: SE02 '{_at(els, 2)}' does not match ST02 '{st[1]}'")
            state.close("SE")
            txs.append(Transaction(isa[0], isa[1], isa[2], isa[3] or (reader.separators.component if reader.separators
                                   else ":"), gs[0], gs[1], gs[2], st[0], st[1], st[2], tuple(cur)))
            cur = None
    for n in reader.notices:
        (problems if n.severity == "error" else notes).append(n.message)
    if cur is not None:
        problems.append(f"transaction {st[1]} ({st[0]}) has no SE: the file was cut off; download it again")
    return ReturnedFile(tuple(txs), tuple(loose), first_isa13, first_isa12, tuple(problems), tuple(notes))


def _at(els: list[str], i: int) -> str:
    return els[i].strip() if len(els) > i else ""
