"""X12 835 (electronic remittance advice, ERA) reader: bytes in, typed frozen records out.

``parse_835(data)`` never raises for any input bytes: every problem becomes a ``Finding``
(severity "error" or "warning", a short code, a message naming the segment, the segment
number). Callers post nothing from an ``Era`` that has any error finding.

Reads 5010 (005010X221A1) and 4010 (004010X091A1) remittances. Money is ``Decimal``
(exact, as written in the file); dates are ``datetime.date``. All records are frozen
dataclasses holding tuples, so an ``Era`` can be shared and cached safely.

The reader is one class made of parts, one module each: era835_records (the typed values), era835_state
(what is open while reading), era835_payment and era835_claims (the loops, segment by segment),
era835_balance (the balance checks), era835_lenient (real files' quirks), and from x12/ the envelope,
the element reading and the findings every X12 reader shares. This module drives them: the segment loop.
"""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Callable

from claimkit.remittance.era835_balance import Balancing
from claimkit.remittance.era835_claims import ClaimLoops
from claimkit.remittance.era835_lenient import Leniency
from claimkit.remittance.era835_payment import PaymentLoops
from claimkit.remittance.era835_records import CAS_GROUPS_5010, Adjustment, Era, Payment
from claimkit.remittance.era835_state import _AdjustmentSlots, _amount, _Claim, _Line, _new, _Party, _ref, _Tx
from claimkit.x12.elements import ElementReader
from claimkit.x12.envelope import Envelope, EnvelopeReader, Interchange
from claimkit.x12.segments import FindingLog, SegmentReader

__all__ = ["parse_835", "parse_835_file"]

# 1 + the most elements each segment may have (the length of its split list); longer → warning
_MAX_ELEMENTS = {
    sid: k + 1
    for sid, k in {
        "ISA": 16, "GS": 8, "ST": 3, "SE": 2, "GE": 2, "IEA": 2, "BPR": 21, "TRN": 4, "CUR": 21,
        "REF": 4, "DTM": 6, "N1": 6, "N2": 2, "N3": 2, "N4": 7, "PER": 9, "RDM": 7, "LX": 1, "TS3": 24,
        "TS2": 19, "CLP": 14, "CAS": 19, "NM1": 12, "MIA": 24, "MOA": 9, "AMT": 3, "QTY": 4, "SVC": 7,
        "LQ": 2, "PLB": 14, "TA1": 5,
    }.items()
}


class _Parser(EnvelopeReader, PaymentLoops, ClaimLoops, Balancing, Leniency, ElementReader, FindingLog):
    SUB_CENT_HINT = "amounts in an 835 have at most two decimals"

    def __init__(self, source: str, on_payment: Callable[[Payment], None] | None = None):
        self.source = source
        self.on_payment = on_payment
        FindingLog.__init__(self)  # self.errors: a payment is handed to on_payment only while it is 0
        self.transactions: list[Payment] = []
        self.interchanges: list[Interchange] = []
        self.comp = ":"
        self.reader: SegmentReader | None = None
        self.env = Envelope()
        self.n835 = 0
        self.non835: set[str] = set()
        self.skip_from: int | None = None  # inside a non-835 transaction
        self.stray_run = False
        # transaction state
        self.tx: _Tx | None = None
        self.party: _Party | None = None
        self.claim: _Claim | None = None
        self.line: _Line | None = None  # the line being read: spare_line, or None
        self.spare_line = _Line()
        self.mcache: dict[str, Decimal] = {}
        self.dcache: dict[str, date] = {}
        self.units_ok: dict[str, Decimal] = {}  # SVC05 strings read as a unit count from 0 to MAX_UNITS
        self.handlers = {
            "ISA": self.h_isa, "GS": self.h_gs, "ST": self.h_st, "SE": self.h_se, "GE": self.h_ge,
            "IEA": self.h_iea, "BPR": self.h_bpr, "TRN": self.h_trn, "REF": self.h_ref, "DTM": self.h_dtm,
            "N1": self.h_n1, "N3": self.h_n3, "N4": self.h_n4, "PER": self.h_per, "LX": self.h_lx,
            "CLP": self.h_clp, "CAS": self.h_cas, "NM1": self.h_nm1, "MIA": self.h_mia, "MOA": self.h_moa,
            "AMT": self.h_amt, "SVC": self.h_svc, "LQ": self.h_lq, "PLB": self.h_plb,
            "CUR": self.h_ignore, "RDM": self.h_ignore, "TS3": self.h_ts3, "TS2": self.h_ignore,
            "QTY": self.h_ignore, "N2": self.h_ignore, "TA1": self.h_ignore,
        }
        self.all_handlers = dict(self.handlers)

    def run(self, data: bytes | bytearray | memoryview | str) -> Era:
        reader = SegmentReader(data)
        self.reader = reader
        first_notes = len(reader.notices)
        for note in reader.notices:
            self.add(*note)
        if reader.ok and reader.separators is not None:
            self.comp = reader.separators.component
            self.env.had_isa = reader.has_isa
            handlers = self.handlers
            get = handlers.get
            limits = _MAX_ELEMENTS
            # The segments of a service line (CAS, DTM, REF, AMT) are most of a large file: their common case is
            # read here, without a call; anything else (no line open, a missing or unread value, a claim-level
            # segment, a skipped transaction, whose handlers are h_skip) goes to the handler, which reads it the
            # same way and names what is wrong.
            h_cas, h_dtm, h_ref, h_amt = handlers["CAS"], handlers["DTM"], handlers["REF"], handlers["AMT"]
            mget = self.mcache.get
            dget = self.dcache.get
            groups = CAS_GROUPS_5010
            adj_slots = _AdjustmentSlots
            new = _new
            adj_cls = Adjustment
            for n, batch in reader.batches(shared=True):  # no handler changes an element list
                for els in batch:
                    n += 1
                    sid = els[0]
                    h = get(sid)
                    if h is None:
                        if self.skip_from is None:
                            self.h_unknown(n, sid, els)
                        continue
                    L = len(els)
                    if L > limits[sid] and self.skip_from is None:
                        self.warn("extra-elements",
                                  f"segment {n} ({sid}): {L - 1} elements, at most {limits[sid] - 1} allowed; "
                                  "the extra ones were ignored", n)
                    if h is h_cas:
                        line = self.line
                        if line is not None and L == 4:
                            grp = els[1]
                            if grp in groups:
                                reason = els[2]
                                amt = mget(els[3])
                                if amt is not None and reason and reason[0] != " " and reason[-1] != " ":
                                    a = new(adj_slots)  # _adjustment(), without its two calls
                                    a.group = grp
                                    a.reason = reason
                                    a.amount = amt
                                    a.quantity = None
                                    a.segment = n
                                    a.__class__ = adj_cls
                                    line.adjs.append(a)
                                    continue
                    elif h is h_dtm:
                        line = self.line
                        if line is not None and L > 2 and self.tx is not None:
                            d = dget(els[2])
                            if d is not None:
                                q = els[1]
                                if q == "472":
                                    line.rec["service_date"] = d
                                elif q == "150":
                                    line.start = d
                                elif q == "151":
                                    line.rec["service_end_date"] = d
                                continue
                    elif h is h_ref:
                        line = self.line
                        if line is not None and L > 2 and self.tx is not None:
                            q = els[1]
                            v = els[2].strip()
                            rec = line.rec
                            if q == "6R" and not rec["control_number"]:
                                rec["control_number"] = v
                            else:
                                line.refs.append(_ref(q, v))
                            continue
                    elif h is h_amt:
                        line = self.line
                        if line is not None and L > 2:
                            amt = mget(els[2])
                            if amt is not None:
                                q = els[1]
                                rec = line.rec
                                if q == "B6" and rec["allowed"] is None:
                                    rec["allowed"] = amt
                                else:
                                    line.amounts.append(_amount(q, amt))
                                continue
                    h(n, els)
            self.finish()
        for note in reader.notices[first_notes:]:  # notices the reader added while streaming
            self.add(*note)
        return Era(self.source, tuple(self.transactions), tuple(self.interchanges), self.sorted_findings(),
                   reader.separators)

    def finish(self) -> None:
        if self.tx is not None:
            tx = self.tx
            self.err("truncated",
                     f"file ends inside transaction started at segment {tx.segment}: it was cut off; download it again",
                     tx.segment)
            self.close_tx(None)
        elif self.skip_from is not None:
            self.err("truncated",
                     f"file ends inside transaction started at segment {self.skip_from}: it was cut off; download it again",
                     self.skip_from)
        elif self.env.isa is not None:
            self.err("truncated",
                     f"file ends inside interchange started at segment {self.env.isa[0]} (no IEA): it was cut off; "
                     "download it again", self.env.isa[0])
        if not self.n835 and not self.non835 and not any(f.code == "truncated" for f in self.findings):
            self.err("no-transactions", "the file holds no 835 transaction (no ST*835)", None)


def parse_835(data: bytes | bytearray | memoryview | str, source: str = "<file>",
              on_payment: Callable[[Payment], None] | None = None) -> Era:
    """Read an 835 remittance. Never raises for any bytes: problems are ``Era.findings``.

    With ``on_payment``, each transaction (ST..SE) is handed to it as soon as it is read and checked, while the
    file has no error finding so far (after the first error none is); the returned ``Era`` then holds no
    transactions, so memory stays flat on a large file. The caller must still look at ``Era.findings`` at the end
    (an error may come later in the file: the caller undoes what it did) and the callback runs with the cyclic
    garbage collector paused."""
    # The records hold no reference cycles, so the cyclic garbage collector has nothing to find
    # while we build them; pausing it takes a third off the time of a large file.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with localcontext() as ctx:
            # amounts have at most 20 characters, so sums of them stay exact at this precision
            ctx.prec = 100
            return _Parser(source, on_payment).run(data)
    finally:
        if gc_was_enabled:
            gc.enable()


def parse_835_file(path: str | Path) -> Era:
    p = Path(path)
    return parse_835(p.read_bytes(), source=str(p))
