"""A session's documented start and end times (HH:MM): checked against its minutes and its CPT's time range.

They are the record payers' reviewers ask for (sessions billed by the schedule rather than by documented times
are an audit signal); they go on no claim. Pure values, no I/O.
"""

from __future__ import annotations

import re
from typing import Any

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(value: str, flag: str) -> int:
    """Minutes after midnight of 'HH:MM' (24-hour clock)."""
    m = _HHMM.match(value.strip())
    if not m:
        raise ValueError(f"{flag} '{value}': give the time as HH:MM on a 24-hour clock, e.g. 09:00 or 14:30")
    return int(m.group(1)) * 60 + int(m.group(2))


def fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def check_times(start: str | None, end: str | None, minutes: int | None, cpt: str, info: Any = None
                ) -> tuple[str | None, str | None, int | None, str | None]:
    """(start, end, minutes, note): the times normalized to HH:MM and the minutes (the span when not given), or a
    ValueError naming the option and the fix. `info` is the CPT's catalog entry (min_minutes, max_minutes)."""
    if start is None and end is None:
        return None, None, minutes, None
    if start is None or end is None:
        raise ValueError("--start and --end go together: give both, e.g. --start 09:00 --end 09:55")
    a, b = parse_hhmm(start, "--start"), parse_hhmm(end, "--end")
    if b <= a:
        raise ValueError(f"--end {fmt(b)} is not after --start {fmt(a)}: a session ends after it starts, on the same day")
    span = b - a
    note = None
    if minutes is None:
        minutes = span
        note = f"minutes from the times: {span} ({fmt(a)} to {fmt(b)})"
    elif minutes > span:
        raise ValueError(f"--minutes {minutes} is more than the {span} minutes from --start {fmt(a)} to --end {fmt(b)};"
                         " correct the minutes or the times")
    if info is not None and getattr(info, "unit_minutes", None) is None:
        low, high = getattr(info, "min_minutes", None), getattr(info, "max_minutes", None)
        if (low is not None and minutes < low) or (high is not None and minutes > high):
            wanted = (f"{low} to {high} minutes" if low is not None and high is not None else
                      f"{low} minutes or more" if low is not None else f"at most {high} minutes")
            raise ValueError(f"--start {fmt(a)} --end {fmt(b)}: {minutes} minutes, but {cpt} is for {wanted};"
                             " correct the times or the code")
    return fmt(a), fmt(b), minutes, note
