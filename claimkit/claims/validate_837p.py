"""Checks on an 837P file: our own structural checks and, when pyx12 is installed, its implementation-guide
validation. Findings in plain words with the segment number, never an exception. Pure apart from reading the file
(pyx12 reads it by path); pyx12 is imported only inside `with_pyx12`.

Our checks: the envelope (ISA fields, GS08 = 005010X222A1, ST/SE, GS/GE, ISA/IEA counts and control numbers), the
HL hierarchy (numbering, parents, levels, child flags), each claim (CLM02 = the sum of its SV102, at least one
line and at most 50, LX numbering, an HI), NPI check digits (NM108 = XX), dates (D8/RD8) and amounts, and for a
claim carrying another payer's adjudication (2320/2430), whether that payer's amounts balance: charge = paid +
adjustments, per line (SV102 = SVD02 + its CAS) and per claim (CLM02 = AMT*D + every CAS for that payer).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from claimkit.core.records import npi_valid as npi_ok
from claimkit.x12.elements import date8
from claimkit.x12.elements import decimal_or_none as _num
from claimkit.x12.elements import element as _el
from claimkit.x12.envelope import Envelope
from claimkit.x12.segments import SegmentReader

VERSION = "005010X222A1"
MAX_LINES = 50


@dataclass(frozen=True)
class Problem:
    severity: str  # error | warning
    segment: int | None
    message: str
    segment_id: str = ""
    source: str = "claimkit"  # claimkit | pyx12

    @property
    def where(self) -> str:
        if self.segment is None:
            return "-"
        return f"{self.segment} ({self.segment_id})" if self.segment_id else str(self.segment)

    def as_dict(self) -> dict:
        return {"severity": self.severity, "segment": self.segment, "segment_id": self.segment_id or None,
                "message": self.message, "source": self.source}

    def __str__(self) -> str:
        where = f"segment {self.where}: " if self.segment is not None else ""
        return f"{self.severity}: {where}{self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    claims: int = 0
    segments: int = 0
    guide_ran: bool = False

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _ymd(value: str) -> bool:
    return date8(value) is not None


class _Claim:
    __slots__ = ("n", "id", "total", "lines", "line_sum", "hi", "lx", "payers", "cob", "svd_line", "in_2430", "in_2320",
                 "line_charge")

    def __init__(self, n: int, claim_id: str, total: Decimal | None):
        self.n, self.id, self.total = n, claim_id, total
        self.lines, self.line_sum, self.hi, self.lx = 0, Decimal(0), False, 0
        self.cob: dict[str, list] = {}  # other payer code (SVD01) -> [sum of its 2430 CAS]
        self.payers: list[list] = []  # 2320 loops in order: [AMT*D, claim CAS sum, payer code (2330B NM109), segment]
        self.svd_line: list | None = None  # [segment, line charge, paid, CAS sum, payer code]
        self.in_2430 = self.in_2320 = False
        self.line_charge = Decimal(0)


def structural(data: bytes | str) -> list[Problem]:
    return _structural(data)[0]


def _structural(data: bytes | str) -> tuple[list[Problem], int, int]:
    """(problems, claims, segments) from our own checks."""
    reader = SegmentReader(data)
    out: list[Problem] = [Problem(n.severity, n.segment, n.message) for n in reader.notices]
    if not reader.ok:
        return out or [Problem("error", None, "not an X12 file")], 0, 0
    comp = reader.separators.component if reader.separators else ":"

    def err(n: int, sid: str, message: str, severity: str = "error") -> None:
        out.append(Problem(severity, n, message, sid))

    env = Envelope()  # ISA13, GS06/GS08, ST02, the counts and the envelopes still open
    claims = 0
    hl_levels: dict[str, str] = {}
    hl_child_flag: dict[str, tuple[int, str]] = {}
    hl_has_child: set[str] = set()
    hl_expected = 1
    claim: _Claim | None = None
    total_segments = 0

    def close_line() -> None:
        if claim is None or claim.svd_line is None:
            return
        n, charge, paid, cas, code = claim.svd_line
        claim.cob.setdefault(code, [Decimal(0)])[0] += cas
        if charge is not None and paid is not None and charge != paid + cas:
            err(n, "SVD", f"claim {claim.id}: line charge {charge} is not the other payer's payment {paid} plus its line"
                          f" adjustments {cas}: the payer's amounts do not balance", "warning")
        claim.svd_line = None

    def close_claim() -> None:
        nonlocal claim
        if claim is None:
            return
        close_line()
        if claim.lines == 0:
            err(claim.n, "CLM", f"claim {claim.id} has no service lines (2400 LX/SV1)")
        elif claim.total is not None and claim.total != claim.line_sum:
            err(claim.n, "CLM", f"claim {claim.id}: CLM02 total {claim.total} is not the sum of its lines {claim.line_sum}")
        if claim.lines > MAX_LINES:
            err(claim.n, "CLM", f"claim {claim.id} has {claim.lines} service lines; an 837P claim holds at most {MAX_LINES}")
        if not claim.hi:
            err(claim.n, "CLM", f"claim {claim.id} has no diagnosis (HI segment)")
        for paid, cas, code, n in claim.payers:
            if paid is None or claim.total is None:
                continue
            line_cas = claim.cob.get(code, [Decimal(0)])[0]
            if claim.total != paid + cas + line_cas:
                err(n, "SBR", f"claim {claim.id}: the other payer's amounts do not balance: charge {claim.total} is not"
                              f" paid {paid} + claim adjustments {cas} + line adjustments {line_cas}", "warning")
        claim = None

    for n, sid, els in reader:
        total_segments = n
        if sid == "ISA":
            env.open_isa(n, _el(els, 13))
            isa13 = env.isa[1]
            if len(els) != 17:
                err(n, sid, f"ISA has {len(els) - 1} elements; it must have 16")
            else:
                if not (len(isa13) == 9 and isa13.isdigit()):
                    err(n, sid, f"ISA13 interchange control number '{isa13}' must be 9 digits")
                if els[12] != "00501":
                    err(n, sid, f"ISA12 version '{els[12]}' is not 00501 (HIPAA 5010)")
                if els[15] not in ("T", "P"):
                    err(n, sid, f"ISA15 usage indicator '{els[15]}' must be T (test) or P (production)")
                for i, name in ((6, "ISA06 sender id"), (8, "ISA08 receiver id")):
                    if len(els[i]) != 15:
                        err(n, sid, f"{name} is {len(els[i])} characters; the fixed-width ISA pads it to 15")
                    elif not els[i].strip():
                        err(n, sid, f"{name} is blank")
        elif sid == "GS":
            env.open_gs(n, _el(els, 6), _el(els, 8))
            gs08 = _el(els, 8)
            if _el(els, 1) != "HC":
                err(n, sid, f"GS01 '{_el(els, 1)}' is not HC (health care claim)")
            if gs08 != VERSION:
                hint = " (HIPAA mandates the A1 version)" if gs08.startswith("005010X222") else ""
                err(n, sid, f"GS08 version '{gs08}' is not {VERSION}{hint}")
            if not _ymd(_el(els, 4)):
                err(n, sid, f"GS04 date '{_el(els, 4)}' is not a CCYYMMDD date")
        elif sid == "ST":
            close_claim()
            env.open_st(n, _el(els, 2))
            hl_levels, hl_child_flag, hl_has_child, hl_expected = {}, {}, set(), 1
            if _el(els, 1) != "837":
                err(n, sid, f"ST01 is '{_el(els, 1)}', not 837: this is not a claim file")
            gs08 = env.gs[2] if env.gs is not None else None
            if _el(els, 3) and gs08 and _el(els, 3) != gs08:
                err(n, sid, f"ST03 '{_el(els, 3)}' differs from GS08 '{gs08}'")
        elif sid == "HL":
            close_claim()
            hid, parent, level, child = _el(els, 1), _el(els, 2), _el(els, 3), _el(els, 4)
            if hid != str(hl_expected):
                err(n, sid, f"HL01 is {hid}; the hierarchy numbers its levels 1, 2, 3 ... and this one should be {hl_expected}")
            hl_expected = (int(hid) + 1) if hid.isdigit() else hl_expected + 1
            want_parent = {"20": None, "22": "20", "23": "22"}.get(level, "?")
            if want_parent == "?":
                err(n, sid, f"HL03 level code '{level}' is not 20 (billing provider), 22 (subscriber) or 23 (patient)")
            elif want_parent is None and parent:
                err(n, sid, "a billing provider level (HL03 = 20) has no parent; HL02 must be empty")
            elif want_parent is not None:
                if parent not in hl_levels:
                    err(n, sid, f"HL02 parent {parent or '(empty)'} is not an earlier HL in this transaction")
                elif hl_levels[parent] != want_parent:
                    err(n, sid, f"HL {hid} (level {level}) must sit under a level {want_parent}, not under HL {parent}"
                                f" (level {hl_levels[parent]})")
                hl_has_child.add(parent)
            hl_levels[hid] = level
            hl_child_flag[hid] = (n, child)
        elif sid == "CLM":
            close_claim()
            claims += 1
            total = _num(_el(els, 2))
            if total is None:
                err(n, sid, "CLM02 (total charge) is missing or not a number")
            claim = _Claim(n, _el(els, 1), total)
            if not _el(els, 1):
                err(n, sid, "CLM01 (the claim id, the patient account number payers echo in the 835) is empty")
        elif claim is not None and sid == "HI":
            quals = {c.split(comp)[0] for c in els[1:] if c}
            if quals & {"ABK", "BK", "ABF", "BF", "ABJ", "BJ", "APR", "PR", "ABN", "BN"}:
                claim.hi = True
        elif claim is not None and sid == "SBR":  # 2320 other subscriber
            close_line()
            claim.in_2320, claim.in_2430 = True, False
            claim.payers.append([None, Decimal(0), "", n])
        elif claim is not None and sid == "CAS":
            amounts = [_num(els[i]) for i in range(3, len(els), 3) if els[i]]
            if any(a is None for a in amounts):
                err(n, sid, "a CAS adjustment amount is not a number")
            value = sum((a for a in amounts if a is not None), Decimal(0))
            if claim.in_2430 and claim.svd_line is not None:
                claim.svd_line[3] += value
            elif claim.in_2320 and claim.payers:
                claim.payers[-1][1] += value
        elif claim is not None and sid == "AMT" and claim.in_2320 and not claim.lx and _el(els, 1) == "D" and claim.payers:
            claim.payers[-1][0] = _num(_el(els, 2))
        elif claim is not None and sid == "NM1" and claim.in_2320 and not claim.lx and _el(els, 1) == "PR" and claim.payers:
            claim.payers[-1][2] = _el(els, 9)
        elif claim is not None and sid == "LX":
            close_line()
            claim.in_2320, claim.in_2430 = False, False
            claim.lx += 1
            if _el(els, 1) != str(claim.lx):
                err(n, sid, f"claim {claim.id}: LX01 is {_el(els, 1)}; service lines are numbered 1, 2, 3 ... and this one"
                            f" should be {claim.lx}")
        elif claim is not None and sid == "SV1":
            claim.lines += 1
            charge = _num(_el(els, 2))
            if charge is None:
                err(n, sid, "SV102 (line charge) is missing or not a number")
            else:
                claim.line_sum += charge
            claim.line_charge = charge
            if _el(els, 3) == "UN" and (_num(_el(els, 4)) is None or _num(_el(els, 4)) <= 0):
                err(n, sid, f"SV104 units '{_el(els, 4)}' must be a number above 0")
        elif claim is not None and sid == "SVD":
            close_line()
            claim.in_2430 = True
            paid = _num(_el(els, 2))
            if paid is None:
                err(n, sid, "SVD02 (the other payer's line payment) is missing or not a number")
            claim.svd_line = [n, claim.line_charge, paid, Decimal(0), _el(els, 1)]
        elif sid == "DTP" and len(els) > 3:
            fmt, value = els[2], els[3]
            ok = _ymd(value) if fmt == "D8" else (
                len(value) == 17 and value[8] == "-" and _ymd(value[:8]) and _ymd(value[9:]) and value[:8] <= value[9:]
            ) if fmt == "RD8" else True
            if not ok:
                err(n, sid, f"DTP*{els[1]} date '{value}' is not a valid {fmt} date")
        elif sid == "NM1" and _el(els, 8) == "XX" and not npi_ok(_el(els, 9)):
            err(n, sid, f"NPI {_el(els, 9) or '(empty)'} in NM1*{_el(els, 1)} fails its check digit; copy it from NPPES")
        elif sid == "SE":
            close_claim()
            count = env.segments_in_st(n)
            if _el(els, 1) != str(count):
                err(n, sid, f"SE01 says {_el(els, 1) or '?'} segments; the transaction has {count} (ST to SE)")
            st02 = env.st[1] if env.st is not None else None
            if _el(els, 2) != st02:
                err(n, sid, f"SE02 {_el(els, 2)} does not match ST02 {st02}")
            env.close("SE")
            for hid, (hn, flag) in hl_child_flag.items():
                if flag == "1" and hid not in hl_has_child:
                    err(hn, "HL", f"HL {hid} says it has children (HL04 = 1) but none follows")
                elif flag == "0" and hid in hl_has_child:
                    err(hn, "HL", f"HL {hid} says it has no children (HL04 = 0) but a later HL names it as parent")
        elif sid == "GE":
            gs06 = env.gs[1] if env.gs is not None else None
            if _el(els, 1) != str(env.sets):
                err(n, sid, f"GE01 says {_el(els, 1)} transactions; the group has {env.sets}")
            if _el(els, 2) != gs06:
                err(n, sid, f"GE02 {_el(els, 2)} does not match GS06 {gs06}")
            env.close("GE")
        elif sid == "IEA":
            isa13 = env.isa[1] if env.isa is not None else None
            if _el(els, 1) != str(env.groups):
                err(n, sid, f"IEA01 says {_el(els, 1)} groups; the interchange has {env.groups}")
            if _el(els, 2) != isa13:
                err(n, sid, f"IEA02 {_el(els, 2)} does not match ISA13 {isa13}")
            env.close("IEA")
    close_claim()
    ends = {"ST": "SE", "GS": "GE", "ISA": "IEA"}
    for opened in reversed(env.open_ids):
        out.append(Problem("error", None, f"the file ends without its {ends[opened]} segment: it was cut off; write it again"))
    if claims == 0 and reader.ok and not any(p.severity == "error" for p in out):
        out.append(Problem("error", None, "the file holds no claims (no CLM segment)"))
    return out, claims, total_segments


# --- pyx12 -------------------------------------------------------------------------------------------------

_PYX12_LINE = re.compile(r"^Line:(\d+)\s+(?:\w+:\S+\s+)?-\s+(.*)$", re.S)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.messages.append(record.getMessage())


def with_pyx12(path: Path, ids: dict[int, str] | None = None) -> list[Problem] | None:
    """pyx12's implementation-guide validation as problems (segment number and id where it says), or None when
    pyx12 is not installed. Writes no side files (no 997/999, no HTML)."""
    try:
        import pyx12.params
        import pyx12.x12n_document
    except ImportError:
        return None
    import io

    handler = _Collect()
    log = logging.getLogger("pyx12")
    saved = (log.handlers, log.level, log.propagate)
    log.handlers, log.propagate = [handler], False
    log.setLevel(logging.ERROR)
    try:
        pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=str(path), fd_997=None, fd_html=None,
                                          fd_json=io.StringIO())
    except Exception as exc:  # noqa: BLE001 - pyx12 fails on files it cannot map; report it, never crash
        handler.messages.append(f"pyx12 could not read the file ({type(exc).__name__}: {str(exc)[:160]})")
    finally:
        log.handlers, log.level, log.propagate = saved
    out = []
    for message in handler.messages:
        m = _PYX12_LINE.match(message)
        if m:
            n = int(m.group(1))
            out.append(Problem("error", n, f"implementation guide: {m.group(2).strip()}", (ids or {}).get(n, ""), "pyx12"))
        else:
            out.append(Problem("error", None, f"implementation guide: {message}", "", "pyx12"))
    return out


def validate_file(path: Path, *, use_pyx12: bool = True) -> Report:
    """Our checks, then pyx12's (when installed and asked for). Problems in file order."""
    data = path.read_bytes()
    problems, claims, segments = _structural(data)
    report = Report(problems, claims, segments)
    if use_pyx12:
        ids = {n: sid for n, sid, _ in SegmentReader(data)} if segments else {}
        guide = with_pyx12(path, ids)
        if guide is not None:
            report.guide_ran = True
            report.problems = problems + guide
    report.problems.sort(key=lambda p: (p.segment is None, p.segment or 0))
    return report
