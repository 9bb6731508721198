"""The 277 family: the claim acknowledgment 277CA (005010X214) and the claim status response 277 (005010X212).

Both are a hierarchy: HL 20 information source (NM1*PR payer or NM1*AY clearinghouse) > HL 21 receiver (us) >
HL 19 billing provider > HL PT patient (277CA) or HL 22 subscriber / 23 dependent (277). Each claim's status
begins at TRN*2 (our CLM01) in the patient level and carries STC statuses, REF*1K (the payer's claim number),
REF*D9 (the clearinghouse's trace), DTP*472 (service dates) and line-level SVC + STC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from claimkit.x12.elements import split_composite as split
from claimkit.x12.envelope import Segment, Transaction
from claimkit.x12.elements import date8, decimal_or_none

REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})  # A4: not found; the rest: rejected before adjudication
ACCEPTED_CATEGORIES = frozenset({"A2"})  # accepted into adjudication (A0 forwarded, A1 received: not yet)


@dataclass(frozen=True, slots=True)
class Status:  # one STC01 (or STC10/STC11) composite with STC02..STC05
    category: str  # STC01-1: A2, A7, P3, F1 ...
    code: str  # STC01-2: the claim status code, e.g. 562
    entity: str  # STC01-3: whose data it is about, e.g. 85
    date: date | None  # STC02
    action: str  # STC03: WQ accepted, U rejected (277CA)
    charge: Decimal | None  # STC04
    paid: Decimal | None  # STC05 (277)
    segment: int

    @property
    def rejected(self) -> bool:
        return self.category in REJECTED_CATEGORIES


@dataclass(frozen=True, slots=True)
class LineStatus:
    procedure: str  # SVC01-2
    modifiers: tuple[str, ...]
    charge: Decimal | None  # SVC02
    paid: Decimal | None  # SVC03
    control: str  # REF*FJ: our line control number (REF*6R)
    service_date: date | None
    statuses: tuple[Status, ...]
    segment: int


@dataclass(frozen=True, slots=True)
class ClaimStatus:
    claim_ref: str  # TRN02: our CLM01 (the claim id)
    source: str  # the information source's NM101: PR payer, AY clearinghouse
    source_name: str
    patient: str  # last, first
    member_id: str  # NM109 of QC / IL
    provider_npi: str
    statuses: tuple[Status, ...]
    payer_claim_number: str  # REF*1K
    trace: str  # REF*D9
    service_start: date | None
    service_end: date | None
    lines: tuple[LineStatus, ...]
    segment: int  # the TRN

    @property
    def charge(self) -> Decimal | None:
        return next((s.charge for s in self.statuses if s.charge is not None), None)

    @property
    def rejected(self) -> bool:
        return any(s.rejected for s in self.statuses) or any(s.rejected for ln in self.lines for s in ln.statuses)

    @property
    def accepted(self) -> bool:
        return not self.rejected and any(s.category in ACCEPTED_CATEGORIES for s in self.statuses)


@dataclass(frozen=True, slots=True)
class Report277:
    kind: str  # "277CA" or "277"
    isa13: str
    st02: str
    batch: str  # TRN*2 at the receiver level: echoes our batch (BHT03) in a 277CA
    receiver_statuses: tuple[Status, ...]  # STC at the receiver level: the batch received / accepted
    claims: tuple[ClaimStatus, ...]
    problems: tuple[str, ...]


_dec = decimal_or_none
_day = date8


def _statuses(seg: Segment, comp: str, problems: list[str]) -> list[Status]:
    out = []
    day = seg.el(2)
    when = _day(day)
    if day and when is None:
        problems.append(f"segment {seg.number}: STC02 '{day}' is not a date (CCYYMMDD)")
    charge, paid = _dec(seg.el(4)), _dec(seg.el(5))
    for i in (1, 10, 11):
        value = seg.el(i)
        if not value:
            continue
        parts = split(value, comp) + ["", ""]
        if not parts[0]:
            problems.append(f"segment {seg.number}: STC{i:02d} has no status category code")
            continue
        out.append(Status(parts[0], parts[1], parts[2], when, seg.el(3), charge if i == 1 else None,
                          paid if i == 1 else None, seg.number))
    if not out:
        problems.append(f"segment {seg.number}: STC without a status (STC01 is empty)")
    return out


def read_277(tx: Transaction, kind: str) -> Report277:
    """One 277CA or 277 transaction as values; problems name the segment."""
    comp = tx.component
    problems: list[str] = []
    claims: list[ClaimStatus] = []
    receiver: list[Status] = []
    batch = ""
    level = ""
    source = source_name = npi = patient = member = ""
    cur: dict | None = None
    line: dict | None = None

    def close_line() -> None:
        nonlocal line
        if line is not None and cur is not None:
            cur["lines"].append(LineStatus(line["proc"], line["mods"], line["charge"], line["paid"], line["control"],
                                           line["date"], tuple(line["statuses"]), line["segment"]))
        line = None

    def close() -> None:
        nonlocal cur
        close_line()
        if cur is not None:
            if not cur["statuses"]:
                problems.append(f"segment {cur['segment']}: claim {cur['ref']} has no STC status")
            claims.append(ClaimStatus(cur["ref"], source, source_name, cur["patient"], cur["member"], npi,
                                      tuple(cur["statuses"]), cur["1K"], cur["D9"], cur["start"], cur["end"],
                                      tuple(cur["lines"]), cur["segment"]))
        cur = None

    for seg in tx.segments:
        sid = seg.id
        if sid == "HL":
            close()
            level = seg.el(3)
        elif sid == "NM1":
            entity = seg.el(1)
            if level == "20":
                source, source_name = entity, seg.el(3)
            elif level == "19":
                npi = seg.el(9)
            elif level in ("PT", "22", "23"):
                patient = ", ".join(p for p in (seg.el(3), seg.el(4)) if p)
                member = seg.el(9) or member
        elif sid == "TRN":
            if level == "21" and seg.el(1) == "2":
                batch = seg.el(2)
            elif level in ("PT", "22", "23") and seg.el(1) == "2":
                close()
                cur = {"ref": seg.el(2), "patient": patient, "member": member, "statuses": [], "1K": "", "D9": "",
                       "start": None, "end": None, "lines": [], "segment": seg.number}
        elif sid == "STC":
            found = _statuses(seg, comp, problems)
            if line is not None:
                line["statuses"].extend(found)
            elif cur is not None:
                cur["statuses"].extend(found)
            elif level == "21":
                receiver.extend(found)
        elif sid == "REF" and cur is not None:
            q = seg.el(1)
            if line is not None and q == "FJ":
                line["control"] = seg.el(2)
            elif q in ("1K", "D9") and line is None:
                cur[q] = seg.el(2)
        elif sid == "DTP" and cur is not None and seg.el(1) == "472":
            fmt, value = seg.el(2), seg.el(3)
            start, _, end = value.partition("-")
            a, b = _day(start), _day(end) if fmt == "RD8" else _day(start)
            if a is None or (fmt == "RD8" and b is None):
                problems.append(f"segment {seg.number}: DTP*472 '{value}' is not a service date ({fmt or 'no format'})")
            if line is not None:
                line["date"] = a
            else:
                cur["start"], cur["end"] = a, b
        elif sid == "SVC" and cur is not None:
            close_line()
            proc = split(seg.el(1), comp) + [""]
            line = {"proc": proc[1], "mods": tuple(m for m in proc[2:6] if m), "charge": _dec(seg.el(2)),
                    "paid": _dec(seg.el(3)), "control": "", "date": None, "statuses": [], "segment": seg.number}
    close()
    for c in claims:
        if not c.claim_ref:
            problems.append(f"segment {c.segment}: TRN*2 has no claim reference (TRN02 is empty)")
    return Report277(kind, tx.isa13, tx.st02, batch, tuple(receiver), tuple(claims), tuple(problems))
