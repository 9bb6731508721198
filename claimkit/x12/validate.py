"""Checks on an 837P file: our own structural checks (counts, control numbers, totals, NPI check digits) and,
when pyx12 is installed, its implementation-guide validation. Findings in plain words, never an exception."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from claimkit.x12.segments import SegmentReader


@dataclass(frozen=True)
class Problem:
    severity: str  # error | warning
    segment: int | None
    message: str

    def __str__(self) -> str:
        where = f"segment {self.segment}: " if self.segment else ""
        return f"{self.severity}: {where}{self.message}"


def _npi_ok(npi: str) -> bool:
    from claimkit.practice import npi_valid

    return npi_valid(npi)


def structural(data: bytes) -> list[Problem]:
    reader = SegmentReader(data)
    out = [Problem(n.severity, n.segment, n.message) for n in reader.notices if n.severity == "error"]
    if not reader.ok:
        return out or [Problem("error", None, "not an X12 file")]
    isa13 = gs06 = st02 = None
    st_start = 0
    groups = txs = 0
    claim: tuple[int, str, Decimal] | None = None
    lines_total = Decimal(0)

    def close_claim() -> None:
        if claim and claim[2] != lines_total:
            out.append(Problem("error", claim[0], f"claim {claim[1]}: CLM02 total {claim[2]} is not the sum of its lines {lines_total}"))

    for n, seg, els in reader:
        if seg == "ISA":
            isa13 = els[13] if len(els) > 13 else None
        elif seg == "GS":
            gs06 = els[6] if len(els) > 6 else None
            groups += 1
            txs = 0
        elif seg == "ST":
            st02, st_start, txs = (els[2] if len(els) > 2 else None), n, txs + 1
            if len(els) < 2 or els[1] != "837":
                out.append(Problem("error", n, f"ST01 is {els[1] if len(els) > 1 else '(missing)'}, not 837"))
        elif seg == "CLM":
            close_claim()
            try:
                claim, lines_total = (n, els[1], Decimal(els[2])), Decimal(0)
            except (IndexError, InvalidOperation):
                out.append(Problem("error", n, "CLM02 (total charge) is missing or not a number"))
                claim = None
        elif seg == "SV1":
            try:
                lines_total += Decimal(els[2])
            except (IndexError, InvalidOperation):
                out.append(Problem("error", n, "SV102 (line charge) is missing or not a number"))
        elif seg == "NM1" and len(els) > 9 and els[8] == "XX" and not _npi_ok(els[9]):
            out.append(Problem("error", n, f"NPI {els[9]} in NM1*{els[1]} fails its check digit"))
        elif seg == "SE":
            close_claim()
            claim = None
            count = n - st_start + 1
            if len(els) < 3 or els[1] != str(count):
                out.append(Problem("error", n, f"SE01 says {els[1] if len(els) > 1 else '?'} segments, the transaction has {count}"))
            if len(els) > 2 and els[2] != st02:
                out.append(Problem("error", n, f"SE02 {els[2]} does not match ST02 {st02}"))
        elif seg == "GE":
            if len(els) > 1 and els[1] != str(txs):
                out.append(Problem("error", n, f"GE01 says {els[1]} transactions, the group has {txs}"))
            if len(els) > 2 and els[2] != gs06:
                out.append(Problem("error", n, f"GE02 {els[2]} does not match GS06 {gs06}"))
        elif seg == "IEA":
            if len(els) > 1 and els[1] != str(groups):
                out.append(Problem("error", n, f"IEA01 says {els[1]} groups, the interchange has {groups}"))
            if len(els) > 2 and els[2] != isa13:
                out.append(Problem("error", n, f"IEA02 {els[2]} does not match ISA13 {isa13}"))
    return out


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.messages.append(record.getMessage())


def with_pyx12(path: Path) -> list[Problem] | None:
    """pyx12's implementation-guide validation, or None when pyx12 is not installed."""
    try:
        import pyx12.params
        import pyx12.x12n_document
    except ImportError:
        return None
    handler = _Collect()
    log = logging.getLogger("pyx12")
    saved = (log.handlers, log.level, log.propagate)
    log.handlers, log.propagate = [handler], False
    log.setLevel(logging.ERROR)
    try:
        pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=str(path), fd_997=None, fd_html=None,
                                          fd_json=io.StringIO())
    except Exception as exc:  # noqa: BLE001 - pyx12 fails on files it cannot map; report, never crash
        handler.messages.append(f"pyx12 could not read the file ({type(exc).__name__}: {str(exc)[:120]})")
    finally:
        log.handlers, log.level, log.propagate = saved
    return [Problem("error", None, f"implementation guide: {m}") for m in handler.messages]


def validate_file(path: Path) -> tuple[list[Problem], bool]:
    """All findings, and whether pyx12 ran."""
    data = path.read_bytes()
    problems = structural(data)
    guide = with_pyx12(path)
    return problems + (guide or []), guide is not None
