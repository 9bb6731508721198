"""What the 835 reader holds while it reads: the open transaction, payer or payee, claim and service line, and
the fast ways it builds its frozen records (the same objects the records' own constructors give; tests compare).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import TypeVar

from claimkit.remittance.era835_records import (ZERO, Address, Adjustment, Amount, ClaimPayment, Contact, Name, ProviderAdjustment,
                                                Ref, ServiceLine, _is_4010)
from claimkit.x12.elements import element as _el

_T = TypeVar("_T")
_new = object.__new__
_setattr = object.__setattr__


def _make(cls: type[_T], values: dict[str, object]) -> _T:
    """Build a frozen (non-slots) dataclass from a dict holding every one of its fields.

    The same object ``cls(**values)`` gives, about three times faster: the generated frozen
    ``__init__`` pays one ``object.__setattr__`` call per field, which is most of the parse
    time of a large file. Used for the records made once per claim (ClaimPayment, Name); a
    ServiceLine is built the same way from its _Line's ``rec`` (close_line). Tests check that every
    field is set.
    """
    obj: _T = _new(cls)
    _setattr(obj, "__dict__", values)
    return obj


# a ServiceLine's __dict__ before its segments are read: every field, in field order, at its default
_LINE_DEFAULTS: dict[str, object] = {
    f.name: (f.default if f.default is not dataclasses.MISSING else None) for f in dataclasses.fields(ServiceLine)}
_LINE_DEFAULTS.update(qualifier="", code="", modifiers=(), charge=ZERO, paid=ZERO)


# The small frozen records made once per CAS, REF or AMT segment, built about twice as fast as their
# generated __init__ (one object.__setattr__ call per field): a plain class with the same __slots__ sets the
# fields, then the object becomes the record's class (allowed: the two layouts are the same). The result is
# the object ``cls(...)`` gives; tests compare them.
class _AdjustmentSlots:
    __slots__ = Adjustment.__slots__

    def __init__(self, group: str, reason: str, amount: Decimal, quantity: Decimal | None, segment: int):
        self.group = group
        self.reason = reason
        self.amount = amount
        self.quantity = quantity
        self.segment = segment


class _RefSlots:
    __slots__ = Ref.__slots__

    def __init__(self, qualifier: str, value: str):
        self.qualifier = qualifier
        self.value = value


class _AmountSlots:
    __slots__ = Amount.__slots__

    def __init__(self, qualifier: str, amount: Decimal):
        self.qualifier = qualifier
        self.amount = amount


def _adjustment(group: str, reason: str, amount: Decimal, quantity: Decimal | None, segment: int) -> Adjustment:
    obj = _AdjustmentSlots(group, reason, amount, quantity, segment)
    obj.__class__ = Adjustment  # type: ignore[assignment]
    return obj  # type: ignore[return-value]


def _ref(qualifier: str, value: str) -> Ref:
    obj = _RefSlots(qualifier, value)
    obj.__class__ = Ref  # type: ignore[assignment]
    return obj  # type: ignore[return-value]


def _amount(qualifier: str, amount: Decimal) -> Amount:
    obj = _AmountSlots(qualifier, amount)
    obj.__class__ = Amount  # type: ignore[assignment]
    return obj  # type: ignore[return-value]


class _Party:
    __slots__ = ("kind", "name", "qual", "id", "lines", "city", "state", "zip", "country", "has_addr",
                 "contacts", "refs", "segment")

    def __init__(self, kind: str, els: list[str], n: int):
        self.kind = kind
        self.name = _el(els, 2).strip()
        self.qual = _el(els, 3).strip()
        self.id = _el(els, 4).strip()
        self.lines: list[str] = []
        self.city = self.state = self.zip = self.country = ""
        self.has_addr = False
        self.contacts: list[Contact] = []
        self.refs: list[Ref] = []
        self.segment = n

    def address(self) -> Address | None:
        if not self.has_addr:
            return None
        return Address(tuple(self.lines), self.city, self.state, self.zip, self.country)


class _Line:
    """Service line being read. ``rec`` is the finished ServiceLine's ``__dict__`` (a copy of the defaults, in
    field order): the handlers write its scalar fields there; the lists become its tuples when the line closes."""

    __slots__ = ("rec", "adjs", "amounts", "refs", "remarks", "start", "bad", "orphan")

    def __init__(self) -> None:
        self.rec: dict[str, object] = {}
        self.adjs: list[Adjustment] = []
        self.amounts: list[Amount] = []
        self.refs: list[Ref] = []
        self.remarks: list[str] = []
        self.start: date | None = None  # DTM*150: the service date when there is no DTM*472
        self.bad = False
        self.orphan = False

    def open(self, n: int) -> _Line:
        """Start reading the line at segment n. One _Line serves every line of a file, one at a time: the lists
        are copied into the record's tuples when the line closes, then emptied here."""
        rec = self.rec = _LINE_DEFAULTS.copy()
        rec["segment"] = n
        if self.adjs:
            self.adjs.clear()
        if self.amounts:
            self.amounts.clear()
        if self.refs:
            self.refs.clear()
        if self.remarks:
            self.remarks.clear()
        self.start = None
        self.bad = self.orphan = False
        return self


class _Claim:
    """Claim being read. Scalars default to class attributes: only what a file sets is stored."""

    account = status = filing = payer_claim = facility = freq = ""
    charge = paid = pr = ZERO
    patient: Name | None = None
    insured: Name | None = None
    corrected: Name | None = None
    rendering: Name | None = None
    start: date | None = None
    end: date | None = None
    received: date | None = None
    mia: tuple[str, ...] | None = None
    moa: tuple[str, ...] | None = None
    bad = False
    lines_bad = False
    line_adj = ZERO  # sum of the CAS amounts of its service lines
    line_pr = ZERO  # ... of their PR (patient responsibility) CAS amounts
    line_charge = ZERO  # sum of their charges
    line_paid = ZERO  # sum of their payments (SVC03)
    line_unbalanced = False  # a service line's charge - adjustments != its payment

    def __init__(self, n: int):
        self.segment = n
        self.others: list[Name] = []
        self.adjs: list[Adjustment] = []
        self.remarks: list[str] = []
        self.amounts: list[Amount] = []
        self.refs: list[Ref] = []
        self.lines: list[ServiceLine] = []


class _Tx:
    __slots__ = ("control", "version", "is4010", "handling", "amount", "flag", "method", "fmt", "pay_date",
                 "trace", "originator", "payer", "payee", "production", "claims", "plb", "refs", "isa_control",
                 "gs_control", "segment", "bpr_seg", "bad", "warned", "ts3")

    def __init__(self, n: int, control: str, version: str, isa_control: str, gs_control: str):
        self.control = control
        self.version = version
        self.is4010 = _is_4010(version)
        self.handling = self.flag = self.method = self.fmt = self.trace = self.originator = ""
        self.amount: Decimal | None = None
        self.pay_date: date | None = None
        self.payer: _Party | None = None
        self.payee: _Party | None = None
        self.production: date | None = None
        self.claims: list[ClaimPayment] = []
        self.plb: list[ProviderAdjustment] = []
        self.refs: list[Ref] = []
        self.isa_control = isa_control
        self.gs_control = gs_control
        self.segment = n
        self.bpr_seg: int | None = None
        self.bad = False  # an amount that feeds the payment balance could not be read
        self.warned: set[str] = set()
        self.ts3: list[tuple[int, int]] = []  # (segment, TS304 claim count) of each provider summary
