"""Reading X12 element values: an element by position, numbers and amounts, CCYYMMDD dates, counts, composites,
and ``assign`` (a qualified value filed where its qualifier says).

``element`` and ``decimal_or_none`` are plain functions; ``ElementReader`` is the checked reading a reader of
untrusted files mixes in: each unreadable value becomes one finding naming the segment and element (through the
reader's ``err``/``warn``/``warn_once``, see ``x12.segments.FindingLog``), and values already read are cached by
their text (``mcache`` amounts, ``dcache`` dates) because a large file repeats the same few.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z", re.ASCII)
_COUNT = re.compile(r"\d{1,18}\Z", re.ASCII)
_DATE8 = re.compile(r"\d{8}\Z", re.ASCII)
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z", re.ASCII)
_ALT_COMPONENT = frozenset(">:^|!\\")
_COMPOSITE_FALLBACK = re.compile(r"[A-Z0-9]{1,3}([|^:>])")  # a code, then a separator not declared
_CENT = Decimal("0.01")
_MAX_AMOUNT_CHARS = 20  # X12 R type: at most 18 digits, plus sign and decimal point


def element(els: list[str], i: int) -> str:
    """Element i of a segment, or "" when the segment is shorter (X12 drops trailing empty elements)."""
    return els[i] if len(els) > i else ""


def decimal_or_none(value: str) -> Decimal | None:
    """An X12 number element as Decimal; None when empty or not a number."""
    try:
        return Decimal(value) if value else None
    except (InvalidOperation, ValueError):
        return None


def is_number(value: str) -> bool:
    """'180.00' or '-5': an X12 decimal number (R type) as written."""
    return len(value) <= _MAX_AMOUNT_CHARS and _NUMBER.match(value) is not None


def date8(value: str) -> date | None:
    """A CCYYMMDD date (DTP D8, DTM, BPR16 ...); None when it is not one."""
    if not _DATE8.match(value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def fmt_amount(d: Decimal) -> str:
    try:
        return f"{d:.2f}" if d.as_tuple().exponent >= -2 else str(d)  # type: ignore[operator]
    except (ValueError, TypeError, ArithmeticError):
        return str(d)


def assign(target: object, qualifier: str, value: object, fields: dict[str, str]) -> bool:
    """Set the field a qualifier names (``fields``: qualifier -> attribute, or key when ``target`` is a dict), the
    way every reader files a qualified element (REF, DTM, DTP, AMT, NM1 entities); False for a qualifier not in it."""
    name = fields.get(qualifier)
    if name is None:
        return False
    if isinstance(target, dict):
        target[name] = value
    else:
        setattr(target, name, value)
    return True


def clip(s: str, limit: int = 40) -> str:
    s = s if isinstance(s, str) else str(s)
    return s if len(s) <= limit else s[:limit] + "..."


def split_composite(value: str, component: str) -> list[str]:
    """A composite's components. Some senders write another component separator than their ISA16 declares
    (``A7|562|85`` under ISA16 ':'): when the declared one is absent and the value reads as a code followed by
    '|', '^', ':' or '>', that character is used."""
    if component and component in value:
        return value.split(component)
    m = _COMPOSITE_FALLBACK.match(value)
    if m and len(value) > m.end():
        return value.split(m.group(1))
    return [value]


class ElementReader:
    """Checked element reading for a reader class: needs ``mcache``, ``dcache`` (dicts), ``comp`` (the component
    separator) and ``err``/``warn``/``warn_once``. ``SUB_CENT_HINT`` ends the message of an amount with fractions
    of a cent."""

    SUB_CENT_HINT = "amounts have at most two decimals"

    def money(self, els: list[str], i: int, n: int, sid: str, required: bool = True) -> Decimal | None:
        """Element i as Decimal. Missing: None (+ error if required). Not a number: None + error."""
        s = els[i] if len(els) > i else ""
        d = self.mcache.get(s)
        if d is not None:
            return d
        t = s.strip()
        if not t:
            if required:
                self.err("missing-amount", f"segment {n} ({sid}{i:02d}): required amount is missing", n)
            return None
        if len(t) <= _MAX_AMOUNT_CHARS and _NUMBER.match(t):
            d = Decimal(t)
            if d != d.quantize(_CENT):  # posted as whole cents, 25.005 would be off by a cent against the file's totals
                self.err("sub-cent-amount", f"segment {n} ({sid}{i:02d}): amount {clip(s)!r} has fractions of a cent;"
                         f" {self.SUB_CENT_HINT}", n)
                return None
            self.mcache[s] = d
            return d
        self.err("bad-amount", f"segment {n} ({sid}{i:02d}): amount {clip(s)!r} is not a number", n)
        return None

    def number(self, els: list[str], i: int, n: int, sid: str) -> Decimal | None:
        """A quantity (units, CAS quantity): None when missing; a warning when unreadable."""
        s = els[i] if len(els) > i else ""
        t = s.strip()
        if not t:
            return None
        d = self.mcache.get(s)
        if d is not None:
            return d
        if len(t) <= _MAX_AMOUNT_CHARS and _NUMBER.match(t):
            d = Decimal(t)
            self.mcache[s] = d
            return d
        self.warn("bad-number", f"segment {n} ({sid}{i:02d}): quantity {clip(s)!r} is not a number; ignored", n)
        return None

    def day(self, els: list[str], i: int, n: int, sid: str) -> date | None:
        s = els[i] if len(els) > i else ""
        d = self.dcache.get(s)
        if d is not None:
            return d
        t = s.strip()
        if not t:
            return None
        if _DATE8.match(t):
            try:
                d = date(int(t[:4]), int(t[4:6]), int(t[6:]))
            except ValueError:
                d = None
            if d is not None:
                self.dcache[s] = d
                return d
        self.warn("bad-date", f"segment {n} ({sid}{i:02d}): {clip(s)!r} is not a date (CCYYMMDD); ignored", n)
        return None

    def count(self, els: list[str], i: int, n: int, sid: str) -> int | None:
        s = element(els, i).strip()
        if _COUNT.match(s):
            return int(s)
        if not s:
            self.warn("envelope-count", f"segment {n} ({sid}{i:02d}): the count is missing", n)
        else:
            self.err("bad-count", f"segment {n} ({sid}{i:02d}): count {clip(s)!r} is not a whole number of 0 or more", n)
        return None

    def composite(self, value: str, n: int, sid: str, i: int) -> list[str]:
        comp = self.comp
        if comp in value:
            return value.split(comp)
        alt = value[2:3]
        if alt and alt in _ALT_COMPONENT and value[:2].isalnum():
            self.warn_once(
                "composite", "composite-separator",
                f"segment {n} ({sid}{i:02d}): composite {clip(value)!r} is written with {alt!r} although the "
                f"component separator (ISA16) is {comp!r}; read {alt!r} as the component separator", n)
            return value.split(alt)
        return [value]
