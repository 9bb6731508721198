"""The practice's records as the program uses them: immutable, typed, and cheap to build.

They mirror the pydantic schemas in `claimkit.core.schema` field for field. The schemas validate what comes
in (a TOML file, a command-line value); the records are what the rest of claimkit reads. Keeping pydantic
off the hot path matters: importing it costs more than a whole `claimkit session add` may take, so validated
files are cached (store/files.py) and rebuilt as these dataclasses without it.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import field
import datetime as _dt
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from claimkit.core.lightclass import lightclass

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
STATE_RE = re.compile(r"^[A-Z]{2}$")
ZIP_RE = re.compile(r"^\d{5}(-?\d{4})?$")
CPT_RE = re.compile(r"^[A-Z0-9]{5}$")
MOD_RE = re.compile(r"^[A-Z0-9]{2}$")
MMDD_RE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
ZERO = Decimal("0.00")


def check_id(value: str, what: str = "id") -> str:
    if not ID_RE.match(value or ""):
        raise ValueError(
            f"{what} '{value}' must be 1-32 lowercase letters, digits, '-' or '_', starting with a letter or digit (e.g. jdoe)"
        )
    return value


@lru_cache(maxsize=1024)  # a batch of claims checks the same few NPIs a thousand times
def npi_valid(npi: str) -> bool:
    """10 digits whose last is the Luhn check digit of 80840 + the first nine (CMS NPI standard)."""
    if not re.fullmatch(r"\d{10}", npi or ""):
        return False
    digits = [int(c) for c in "80840" + npi[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


def normalize_dx(code: str) -> str:
    """'f41.1 ' -> 'F41.1' (the dotted form people read; the claim prints it without the dot)."""
    raw = code.strip().upper().replace(".", "")
    if not re.match(r"^[A-Z][0-9A-Z][0-9A-Z]{1,5}$", raw):
        raise ValueError(f"'{code}' is not an ICD-10-CM code (like F41.1)")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def normalize_cpt(code: str) -> str:
    value = code.strip().upper()
    if not CPT_RE.match(value):
        raise ValueError(f"'{code}' is not a 5-character CPT/HCPCS code like 90837")
    return value


def normalize_state(value: str) -> str:
    """'tx' -> 'TX'; empty stays empty (the field is optional where it is used)."""
    value = value.upper()
    if value and not STATE_RE.match(value):
        raise ValueError(f"state '{value}' must be a two-letter code like TX")
    return value


def normalize_modifier(mod: str) -> str:
    value = mod.strip().upper()
    if not MOD_RE.match(value):
        raise ValueError(f"'{mod}' is not a 2-character modifier like 95")
    return value


class Record:
    """Shared behaviour: build from validated plain data, turn back into plain data, copy with changes."""

    @classmethod
    def from_data(cls, data: dict[str, Any]):
        return _build(cls, data)

    def to_data(self) -> dict[str, Any]:
        """Plain data: dates ISO, amounts '0.00', nested records as dicts (the JSON form of the schema)."""
        return _plain(self)

    def replace(self, **changes: Any):
        return dataclasses.replace(self, **changes)


@lightclass(frozen=True)
class Address(Record):
    street: str = ""
    street2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""

    def one_line(self) -> str:
        street = ", ".join(p for p in (self.street, self.street2) if p)
        return f"{street}, {self.city}, {self.state} {self.zip}".strip(", ")


@lightclass(frozen=True)
class Billing(Record):
    """Box 25 and 33: who gets paid."""

    name: str = ""
    npi: str = ""
    tax_id: str = ""
    tax_id_type: str = "ein"
    taxonomy: str = ""
    phone: str = ""
    address: Address = field(default_factory=Address)
    pay_to: Address | None = None  # where payments go when not to `address` (a PO box): 837P 2010AB only


@lightclass(frozen=True)
class Referring(Record):
    """Box 17/17b: the provider who referred (DN), ordered (DK) or supervises (DQ) the services."""

    qualifier: str = "DN"
    first: str = ""
    last: str = ""
    middle: str = ""
    credentials: str = ""
    npi: str = ""


@lightclass(frozen=True)
class Accident(Record):
    """Box 10a-c: the condition is related to an accident or employment; its date is the 837P's DTP*439."""

    kind: str = "auto"  # auto | employment | other
    date: _dt.date | None = None
    state: str = ""  # auto accidents: where it happened (10b)


@lightclass(frozen=True)
class Provider(Record):
    """The therapist who sees clients: box 31 and, when the billing NPI is an organisation's, 24J."""

    first: str = ""
    last: str = ""
    middle: str = ""
    credentials: str = ""
    npi: str = ""
    taxonomy: str = ""
    license: str = ""
    license_state: str = ""

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first, self.middle, self.last) if p)
        return f"{name}, {self.credentials}" if self.credentials else name


@lightclass(frozen=True)
class Facility(Record):
    """Box 32: where in-person sessions happen (left blank for telehealth)."""

    name: str = ""
    npi: str = ""
    address: Address = field(default_factory=Address)


@lightclass(frozen=True)
class Defaults(Record):
    pos: str = "11"
    signature_on_file: bool = True
    accept_assignment: bool = True
    no_remittance_days: int = 30


@lightclass(frozen=True)
class FormOffsets(Record):
    offset_x: Decimal = Decimal(0)
    offset_y: Decimal = Decimal(0)


@lightclass(frozen=True)
class Practice(Record):
    name: str
    billing: Billing = field(default_factory=Billing)
    provider: Provider = field(default_factory=Provider)
    facility: Facility | None = None
    defaults: Defaults = field(default_factory=Defaults)
    fees: dict[str, Decimal] = field(default_factory=dict)
    cms1500: FormOffsets = field(default_factory=FormOffsets)
    extra_cpt: list[str] = field(default_factory=list)
    edi: dict[str, str] = field(default_factory=dict)

    @property
    def rendering_npi(self) -> str:
        return self.provider.npi or self.billing.npi


@lightclass(frozen=True)
class Payer(Record):
    id: str
    name: str
    payer_id: str = ""
    type: str = "commercial"
    address: Address = field(default_factory=Address)
    phone: str = ""
    timely_filing_days: int = 90
    telehealth_modifier: str = "95"
    telehealth_pos: str = "10"
    requires_taxonomy: bool = False
    requires_auth: bool = False
    box29_includes_patient_paid: bool = False
    appeal_days: int | None = None  # None: the default of the payer's type (appeals/deadlines.py)
    rates: dict[str, Decimal] = field(default_factory=dict)

    def rate(self, cpt: str, modifiers: tuple[str, ...] | list[str] = ()) -> Decimal | None:
        """Contracted (allowed) rate: CPT+modifier first, then the CPT alone; None = no contract (out of network)."""
        for mod in modifiers:
            if f"{cpt}:{mod}" in self.rates:
                return self.rates[f"{cpt}:{mod}"]
        return self.rates.get(cpt)


@lightclass(frozen=True)
class Person(Record):
    """The insured when it is not the client (box 4, 7, 11a)."""

    first: str = ""
    last: str = ""
    middle: str = ""
    dob: date | None = None
    sex: str | None = None
    address: Address = field(default_factory=Address)
    phone: str = ""
    employer: str = ""


@lightclass(frozen=True)
class Policy(Record):
    payer: str
    member_id: str = ""
    group: str = ""
    plan_name: str = ""
    rank: str = "primary"
    relationship: str = "self"
    insured: Person | None = None
    effective: date | None = None
    end: date | None = None
    cost_sharing: str = "copay"
    copay: Decimal | None = None
    coinsurance: Decimal | None = None
    copay_after_deductible: bool = False
    deductible: Decimal = ZERO
    deductible_met: Decimal = ZERO
    deductible_met_on: date | None = None  # the plan year that deductible_met belongs to
    oop_max: Decimal | None = None
    plan_year_start: str = "01-01"
    signature_on_file: bool = True
    referring: Referring | None = None  # box 17/17b when this plan wants a referral (or a supervisor is named)

    def in_force(self, day: date) -> bool:
        return (self.effective is None or self.effective <= day) and (self.end is None or day <= self.end)


@lightclass(frozen=True)
class Authorization(Record):
    number: str
    payer: str = ""
    visits: int | None = None
    start: date | None = None
    end: date | None = None
    cpts: list[str] = field(default_factory=list)


@lightclass(frozen=True)
class Client(Record):
    id: str
    first: str
    last: str
    dob: date
    sex: str
    middle: str = ""
    suffix: str = ""
    address: Address = field(default_factory=Address)
    phone: str = ""
    email: str = ""
    dx: list[str] = field(default_factory=list)
    status: str = "active"
    discharged: date | None = None
    policies: list[Policy] = field(default_factory=list)
    authorizations: list[Authorization] = field(default_factory=list)
    onset: date | None = None  # box 14: date of the current illness (431) or last menstrual period (484)
    onset_qualifier: str = ""  # empty: 431 when an onset is given
    accident: Accident | None = None  # box 10a-c and the 837P accident date

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first, self.middle, self.last) if p)

    def policy(self, day: date, rank: str = "primary") -> Policy | None:
        for pol in self.policies:
            if pol.rank == rank and pol.in_force(day):
                return pol
        return None


# --- plain data <-> records, without pydantic ------------------------------------------------------------

def _identity(value: Any) -> Any:
    return value


def _to_date(value: Any) -> date:
    return date.fromisoformat(value) if value.__class__ is str else value


def _to_decimal(value: Any) -> Decimal:
    if value.__class__ is str:
        return Decimal(value)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _converter(tp: Any):
    """A function turning plain data (never None: `_build` passes None through) into the value of type `tp`;
    built once per field, not per value. Nested records build straight through `_build`, lists of plain values
    are copied with `list` (the validated data they come from is cached and shared)."""
    import types

    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _converter(next(a for a in typing.get_args(tp) if a is not type(None)))
    if origin is list:
        item = _converter(typing.get_args(tp)[0])
        if item is _identity:
            return list
        return lambda v: [item(x) for x in v]
    if origin is dict:
        item = _converter(typing.get_args(tp)[1])
        if item is _identity:
            return dict
        return lambda v: {k: item(x) for k, x in v.items()}
    if tp is date:
        return _to_date
    if tp is Decimal:
        return _to_decimal
    if isinstance(tp, type) and issubclass(tp, Record):
        return lambda v: _build(tp, v) if v.__class__ is dict else v
    return _identity


def _converters(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls)}


_PLANS: dict[type, tuple[frozenset[str], int, tuple[tuple[str, Any], ...]]] = {}


def _build_plan(cls: type) -> tuple[frozenset[str], int, tuple[tuple[str, Any], ...]]:
    """(field names, how many, the fields whose values need converting): strings and numbers pass through."""
    conv = _converters(cls)
    plan = _PLANS[cls] = (frozenset(conv), len(conv), tuple((k, c) for k, c in conv.items() if c is not _identity))
    return plan


def _build(cls: type, data: dict[str, Any]):
    """A record from plain data. A hot path (a thousand claim snapshots or client files per export): one dict
    look-up for the plan, each value converted where it needs it, the instance filled without `__init__`."""
    names, count, convert = _PLANS.get(cls) or _build_plan(cls)
    values = dict(data) if names.issuperset(data) else {k: v for k, v in data.items() if k in names}
    for key, fn in convert:
        value = values.get(key)
        if value is not None:
            values[key] = fn(value)
    if len(values) == count:
        # every field given (validated data always is): fill the instance directly instead of running the
        # frozen __init__, which sets each field through object.__setattr__ (thousands of records per report)
        obj = object.__new__(cls)
        obj.__dict__.update(values)
        return obj
    return cls(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value
