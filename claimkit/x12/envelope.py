"""The X12 envelope every reader shares: ISA/GS/ST..SE/GE/IEA, their control numbers and counts.

``read_transactions`` splits a returned file (999, TA1, 277CA, 277) into its transactions, each ST..SE with the
ISA/GS it came in (``Transaction``, ``Segment``: ``number`` from the start of the file, ``position`` from ST = 1,
as a 999's IK3 counts). Tolerated as the tokenizer tolerates them: no line breaks, a BOM, several ST (and several
interchanges) in one file; a GS08 without its A1 suffix is the same version.

``Envelope`` is where a reader is: the open interchange, group and transaction (segment and control number), how
many groups the interchange and transactions the group hold so far, and the envelopes still open. Each reader
words its own findings from it (the 837P validator, the 835 reader, the acknowledgement readers).
``EnvelopeReader`` is the checked reading of the envelope segments a reader of untrusted files mixes in, with
the findings of the 835 reader: it needs ``env`` (an Envelope), ``tx`` (the open transaction being read, with
its ``segment``, or None), ``skip_from`` (the ST of a transaction being skipped, or None), ``close_tx(end)``,
``set_skip(n)``, ``interchanges`` (a list), ``reader`` (the SegmentReader), ``comp`` and the FindingLog methods.
"""

from __future__ import annotations

from dataclasses import dataclass

from claimkit.x12.elements import element as _el
from claimkit.x12.segments import SegmentReader

TRANSACTION_TYPES = {
    "837": "claim", "835": "remittance", "270": "eligibility inquiry", "271": "eligibility response",
    "276": "claim status inquiry", "277": "claim status response", "278": "authorization",
    "834": "enrollment", "820": "premium payment", "999": "acknowledgment", "997": "acknowledgment",
    "277CA": "claim acknowledgment",
}
ENVELOPE_IDS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})


@dataclass(frozen=True, slots=True)
class Interchange:
    control_number: str  # ISA13
    sender_qualifier: str = ""
    sender_id: str = ""  # ISA06
    receiver_qualifier: str = ""
    receiver_id: str = ""  # ISA08
    date: str = ""  # ISA09 YYMMDD as written
    time: str = ""
    version: str = ""  # ISA12: 00401 / 00501
    usage: str = ""  # ISA15: P production, T test
    segment: int | None = None  # None when the file has no ISA


def cut_off(data: bytes, tail: int = 4096) -> bool:
    """True when a file that starts with its ISA has no IEA segment near its end: a copy or download that stopped
    halfway. It reads the first and last few bytes only, so a large file can be refused before a lock is taken;
    False whenever the start cannot tell (no ISA where a byte file has it, UTF-16): the full read decides then."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \r\n\t\x00")
    if not head.startswith(b"ISA") or len(head) < 106:
        return False
    term = head[105:106]
    pieces = (p.strip(b" \r\n\t\x00\x1a") for p in data[-tail:].split(term))
    return not any(p.startswith(b"IEA") for p in pieces)


def impossible_count(declared: int, actual: int) -> bool:
    """An envelope count no miscount explains (a billion segments in a 33-segment transaction)."""
    return declared > 2 * actual + 10


class Envelope:
    """Where a reader is in the envelope. ``isa`` = (segment, ISA13), ``gs`` = (segment, GS06, GS08), ``st`` =
    (segment, ST02), each None when closed; ``groups``: GS seen in the interchange, ``sets``: ST seen since the last
    GS; ``open_ids``: the envelopes opened and not closed, innermost last."""

    __slots__ = ("isa", "gs", "st", "groups", "sets", "had_isa", "open_ids")

    def __init__(self) -> None:
        self.isa: tuple[int, str] | None = None
        self.gs: tuple[int, str, str] | None = None
        self.st: tuple[int, str] | None = None
        self.groups = 0
        self.sets = 0
        self.had_isa = False
        self.open_ids: list[str] = []

    def open_isa(self, n: int, control: str) -> None:
        self.isa = (n, control)
        self.groups = 0
        self.had_isa = True
        self.open_ids.append("ISA")

    def open_gs(self, n: int, control: str, version: str) -> None:
        self.gs = (n, control, version)
        self.sets = 0
        self.groups += 1
        self.open_ids.append("GS")

    def open_st(self, n: int, control: str) -> None:
        self.st = (n, control)
        self.sets += 1
        self.open_ids.append("ST")

    def segments_in_st(self, n: int) -> int:
        """The segments from the open ST to segment n (its SE), both counted: what SE01 must say."""
        return n - self.st[0] + 1 if self.st is not None else 0

    def close(self, sid: str) -> None:
        """SE, GE or IEA read: the matching envelope is no longer open (taken off ``open_ids`` when innermost)."""
        opener = {"SE": "ST", "GE": "GS", "IEA": "ISA"}[sid]
        if self.open_ids[-1:] == [opener]:
            self.open_ids.pop()
        if opener == "ST":
            self.st = None
        elif opener == "GS":
            self.gs = None
        else:
            self.isa = None


class EnvelopeReader:
    """ISA, GS, GE, IEA and the envelope half of ST and SE, read with findings (see the module's docstring)."""

    def h_isa(self, n: int, els: list[str]) -> None:
        if self.tx is not None or self.skip_from is not None:
            start = self.tx.segment if self.tx is not None else self.skip_from
            self.err("missing-se", f"segment {n} (ISA): the transaction started at segment {start} has no SE; "
                                   "the file is damaged", n)
            if self.tx is not None:
                self.close_tx(None)
            self.set_skip(None)
        if self.env.isa is not None:
            self.warn("envelope", f"segment {n} (ISA): the interchange started at segment {self.env.isa[0]} has no IEA", n)
            self.env.gs = None
        if len(els) != 17:
            self.err("bad-isa", f"segment {n} (ISA): {len(els) - 1} elements instead of 16: the ISA is damaged", n)
        reader = self.reader
        if reader is not None and reader.separators is not None:
            self.comp = reader.separators.component
        control = _el(els, 13).strip()
        self.env.open_isa(n, control)
        self.interchanges.append(Interchange(
            control, _el(els, 5).strip(), _el(els, 6).strip(), _el(els, 7).strip(), _el(els, 8).strip(),
            _el(els, 9).strip(), _el(els, 10).strip(), _el(els, 12).strip(), _el(els, 15).strip(), n))
        if _el(els, 15).strip() == "T":
            self.warn("test-interchange", f"segment {n} (ISA15): the interchange is marked T (test data), not P "
                                          "(production)", n)

    def h_gs(self, n: int, els: list[str]) -> None:
        if self.tx is not None:
            self.err("missing-se", f"segment {n} (GS): the transaction started at segment {self.tx.segment} has no SE; "
                                   "the file is damaged", n)
            self.close_tx(None)
        self.set_skip(None)
        if self.env.gs is not None:
            self.warn("envelope", f"segment {n} (GS): the group started at segment {self.env.gs[0]} has no GE", n)
        self.env.open_gs(n, _el(els, 6).strip(), _el(els, 8).strip())

    def h_ge(self, n: int, els: list[str]) -> None:
        self.close_open_tx(n, "GE")
        if self.env.gs is None:
            self.warn("envelope", f"segment {n} (GE): a GE without a GS", n)
            return
        k = self.count(els, 1, n, "GE")
        if k is not None and k != self.env.sets:
            if impossible_count(k, self.env.sets):
                self.err("envelope-count", f"segment {n} (GE01): says {k} transactions, the group has {self.env.sets}:"
                                           " the file is damaged; ask the sender for a new copy", n)
            else:
                self.warn("envelope-count", f"segment {n} (GE01): says {k} transactions, the group has {self.env.sets}", n)
        ctl = _el(els, 2).strip()
        if ctl != self.env.gs[1]:
            self.warn("envelope-control", f"segment {n} (GE02): control number {ctl!r} does not match GS06 "
                                          f"{self.env.gs[1]!r} (segment {self.env.gs[0]})", n)
        self.env.close("GE")

    def h_iea(self, n: int, els: list[str]) -> None:
        self.close_open_tx(n, "IEA")
        if self.env.gs is not None:
            self.warn("envelope", f"segment {n} (IEA): the group started at segment {self.env.gs[0]} has no GE", n)
            self.env.gs = None
        if self.env.isa is None:
            self.warn("envelope", f"segment {n} (IEA): an IEA without an ISA", n)
            return
        k = self.count(els, 1, n, "IEA")
        if k is not None and k != self.env.groups:
            self.warn("envelope-count", f"segment {n} (IEA01): says {k} groups, the interchange has {self.env.groups}", n)
        ctl = _el(els, 2).strip()
        if ctl != self.env.isa[1]:
            self.warn("envelope-control", f"segment {n} (IEA02): control number {ctl!r} does not match ISA13 "
                                          f"{self.env.isa[1]!r} (segment {self.env.isa[0]})", n)
        self.env.close("IEA")

    def close_open_tx(self, n: int, sid: str) -> None:
        if self.tx is not None or self.skip_from is not None:
            start = self.tx.segment if self.tx is not None else self.skip_from
            self.err("missing-se", f"segment {n} ({sid}): the transaction started at segment {start} has no SE; "
                                   "the file is damaged", n)
            if self.tx is not None:
                self.close_tx(None)
            self.set_skip(None)

    def open_st(self, n: int, els: list[str]) -> None:
        """The envelope half of an ST: an unterminated transaction before it, its count in the group."""
        self.close_open_tx(n, "ST")
        env = self.env
        if env.gs is None and env.had_isa:
            self.warn("envelope", f"segment {n} (ST): a transaction outside a GS/GE group", n)
        env.open_st(n, _el(els, 2).strip())

    def check_se(self, n: int, els: list[str], start: int, control: str) -> None:
        """The envelope half of an SE: SE01 (the segment count) and SE02 (ST02's control number)."""
        k = self.count(els, 1, n, "SE")
        actual = n - start + 1
        if k is not None and k != actual:
            if impossible_count(k, actual):
                self.err("envelope-count", f"segment {n} (SE01): says {k} segments, the transaction has {actual}: the"
                                           " file is damaged; ask the sender for a new copy", n)
            else:
                self.warn("envelope-count", f"segment {n} (SE01): says {k} segments, the transaction has {actual}", n)
        ctl = _el(els, 2).strip()
        if ctl != control:
            self.warn("envelope-control", f"segment {n} (SE02): control number {ctl!r} does not match ST02 "
                                          f"{control!r} (segment {start})", n)
        self.env.close("SE")


# --- a returned file's transactions --------------------------------------------------------------------------

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


def read_transactions(data: bytes) -> ReturnedFile:
    """The transactions of a returned file (acknowledgements, status answers), each ST..SE with the ISA/GS it came
    in; never raises. A transaction cut off (no SE) or an SE count that disagrees is a
    problem of the file: nothing of it may be applied."""
    reader = SegmentReader(data)
    state = Envelope()  # which ISA/GS/ST is open, with its segment and control
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
