"""The TA1 interchange acknowledgment: did the clearinghouse manage to read our ISA/IEA envelope at all?"""

from __future__ import annotations

from dataclasses import dataclass

from claimkit.x12.envelope import Segment

TA1_STATUS = {"A": "accepted", "E": "accepted with errors", "R": "rejected"}


@dataclass(frozen=True, slots=True)
class Ta1:
    isa13: str  # TA101: OUR interchange control number
    date: str  # TA102 YYMMDD
    time: str  # TA103 HHMM
    status: str  # TA104: A, E, R
    note: str  # TA105: the interchange note code (000 no error, 001.. problems)
    segment: int

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


def read_ta1(segments: tuple[Segment, ...] | list[Segment]) -> tuple[list[Ta1], list[str]]:
    """Every TA1 among ``segments`` (they sit between ISA and IEA, outside any transaction) and the problems."""
    found: list[Ta1] = []
    problems: list[str] = []
    for seg in segments:
        if seg.id != "TA1":
            continue
        control, status = seg.el(1), seg.el(4)
        if not control.isdigit():
            problems.append(f"segment {seg.number}: TA101 '{control}' is not an interchange control number")
        elif status not in TA1_STATUS:
            problems.append(f"segment {seg.number}: TA104 '{status}' is not A, E or R")
        else:
            found.append(Ta1(control, seg.el(2), seg.el(3), status, seg.el(5), seg.number))
    return found, problems
