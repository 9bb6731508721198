"""The frozen claim snapshot: every value a CMS-1500 or an 837P prints, taken once when the claim is built.

Renderers (PDF, 837P) and the check rules read only this; editing a client later never changes a claim that
went out. Values are stored as people read them (dates ISO, amounts Decimal, dx dotted); the renderers apply
the form's print rules (caps, no punctuation, MM DD YY, dollars/cents columns, dx without the dot).

The snapshot is built by claimkit itself from records that were validated when their files were read, so it
needs no validation of its own: these are immutable `lightclass` records, like `core/records.py`, read back
from the ledger with `json.loads` (an 837P export reads a thousand of them; pydantic models cost more to import
than the whole export may take). The stored JSON is what the pydantic models wrote before (amounts "120.00",
dates ISO, every field present, in the same order), so ledgers written by earlier versions read back
unchanged. Fields keep that order, required or not: `lightclass` builds no positional `__init__`, so a field
without a default may follow one with a default (build the parts by keyword).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import field
from datetime import date
from decimal import Decimal
from typing import Any

from claimkit.core.lightclass import lightclass
from claimkit.core.records import Record

LINES_PER_PAGE = 6
ZERO = Decimal("0.00")


class SnapshotError(ValueError):
    """A stored snapshot that cannot be read back (a damaged ledger, or one edited by hand)."""


class Snap(Record):
    """`Record.from_data` (ISO dates and amount strings converted) and `replace`; amounts written as "0.00"."""

    def to_data(self) -> dict[str, Any]:
        """The JSON form: dates ISO, amounts "0.00", nested parts as dicts, fields in declaration order."""
        d = self.__dict__
        return {n: _plain(d[n]) for n in _names(type(self))}


_NAMES: dict[type, tuple[str, ...]] = {}


def _names(cls: type) -> tuple[str, ...]:
    """A snapshot part's field names in declaration order (the stored JSON's order), found once per class."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _plain(value: Any) -> Any:
    if value is None or value.__class__ in _AS_IS:
        return value
    if isinstance(value, Snap):
        return value.to_data()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


_AS_IS = frozenset({str, int, bool})


def _json_part(value: Any) -> Any:
    """For the JSON encoder: a snapshot part as its fields, an amount as "0.00", a date ISO."""
    if isinstance(value, Snap):
        d = value.__dict__
        return {n: d[n] for n in _names(type(value))}
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not part of a claim snapshot")


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_json_part).encode


@lightclass(frozen=True)
class SnapAddress(Snap):
    street: str = ""
    street2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""


@lightclass(frozen=True)
class SnapPerson(Snap):
    last: str = ""
    first: str = ""
    middle: str = ""
    suffix: str = ""
    dob: date | None = None
    sex: str | None = None  # M | F | X
    address: SnapAddress = field(default_factory=SnapAddress)


@lightclass(frozen=True)
class SnapPayer(Snap):
    id: str
    name: str
    payer_id: str = ""
    type: str = "commercial"  # box 1: medicare|medicaid|tricare|champva|group|feca|other|commercial
    address: SnapAddress = field(default_factory=SnapAddress)


@lightclass(frozen=True)
class SnapPolicy(Snap):
    """The insured and the plan for one payer: box 1a/4/7/11 for the billed payer, 9/9a/9d for the other one."""

    payer: SnapPayer
    member_id: str = ""
    group: str = ""
    plan_name: str = ""
    relationship: str = "self"  # self | spouse | child | other
    insured: SnapPerson = field(default_factory=SnapPerson)
    payer_claim_number: str = ""  # for the other payer on a secondary claim (2330B REF*F8)


@lightclass(frozen=True)
class SnapAdjustment(Snap):
    group: str  # CO | PR | OA | PI
    reason: str  # CARC
    amount: Decimal


@lightclass(frozen=True)
class SnapLine(Snap):
    line_no: int  # 1-based across the whole claim
    session_id: int | None = None
    date_from: date
    date_to: date
    pos: str
    emg: bool = False
    cpt: str
    modifiers: list[str] = field(default_factory=list)  # at most 4
    dx_pointers: str = "A"  # letters A-L, at most 4, e.g. "AB"
    charge: Decimal
    units: int = 1
    rendering_npi: str = ""  # 24J, only when it differs from 33a
    rendering_taxonomy: str = ""  # 24J shaded with 24I qualifier ZZ, only when the payer asks
    line_control: str = ""  # REF*6R; payers echo it in the 835
    epsdt: str = ""
    prior_paid: Decimal | None = None  # secondary: what the primary paid on this line (2430 SVD)
    prior_adjustments: list[SnapAdjustment] = field(default_factory=list)
    prior_paid_date: date | None = None


@lightclass(frozen=True)
class SnapProvider(Snap):
    name: str = ""  # organisation or "LAST FIRST" of a sole proprietor
    first: str = ""
    last: str = ""
    credentials: str = ""
    npi: str = ""
    taxonomy: str = ""
    address: SnapAddress = field(default_factory=SnapAddress)
    license: str = ""
    license_state: str = ""
    middle: str = ""  # added later: the referring provider's (17, 2310A NM105)


@lightclass(frozen=True)
class ClaimSnapshot(Snap):
    claim_id: str  # box 26, CLM01
    created: date
    rank: str = "primary"  # primary | secondary | tertiary
    frequency: str = "1"  # box 22 / CLM05-3: 1, 7 (replacement) or 8 (void)
    original_ref: str = ""  # box 22 right: the payer's claim number of the claim replaced or voided
    patient_client_id: str
    patient: SnapPerson
    billed: SnapPolicy  # the payer this claim goes to (carrier block, 1, 1a, 4, 7, 11, 11c)
    other: SnapPolicy | None = None  # box 9, 9a, 9d, 11d=yes
    patient_signature_on_file: bool = True  # 12
    insured_signature_on_file: bool = True  # 13
    related_employment: bool = False  # 10a
    related_auto: bool = False  # 10b
    related_auto_state: str = ""
    related_other: bool = False  # 10c
    prior_auth: str = ""  # 23
    icd_indicator: str = "0"  # 21
    dx: list[str]  # dotted ICD-10-CM, at most 12, A-L in order
    lines: list[SnapLine]
    tax_id: str = ""  # 25
    tax_id_type: str = "ein"  # ein | ssn
    accept_assignment: bool = True  # 27
    amount_paid: Decimal = ZERO  # 29 (other payers' payments; optionally the client's)
    rendering: SnapProvider  # 31 signature name/credentials, 24J source
    signed_date: date  # 31 date
    facility: SnapProvider | None = None  # 32 (in-person only)
    billing: SnapProvider  # 33, 33a, 33b
    billing_taxonomy_in_33b: bool = False
    prior_payer_paid: Decimal | None = None  # secondary: primary's total payment (2320 AMT*D)
    prior_adjustments: list[SnapAdjustment] = field(default_factory=list)  # secondary: claim-level CAS from the primary
    # added after the first release (snapshots stored before read back with the defaults):
    onset: date | None = None  # 14 (2300 DTP*431 or DTP*484)
    onset_qualifier: str = ""  # 14 QUAL: 431 onset of the current illness, 484 last menstrual period
    accident_date: date | None = None  # 2300 DTP*439 when 10a, 10b or 10c is yes (no box on paper)
    referring: SnapProvider | None = None  # 17 name, 17b NPI (2310A DN, 2420E DK, 2310D DQ)
    referring_qualifier: str = ""  # 17 QUAL: DN referring, DK ordering, DQ supervising
    pay_to: SnapAddress | None = None  # 2010AB when payments go elsewhere than 33's address (not printed)

    @classmethod
    def from_json(cls, text: str | bytes) -> "ClaimSnapshot":
        """A snapshot as stored in the ledger; `SnapshotError` (a ValueError) naming what is wrong if it is damaged."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise SnapshotError("not a JSON object")
            return cls.from_data(data)
        except SnapshotError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
            raise SnapshotError(str(exc) or exc.__class__.__name__) from None

    def to_json(self) -> str:
        """The stored form: compact JSON, as the ledger has always held it. The encoder walks the records itself
        (`_json_part`), without first copying the snapshot into plain dicts (an export stores a thousand)."""
        return _ENCODE(self)

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), ZERO)

    @property
    def pages(self) -> list[list[SnapLine]]:
        """Six lines a page; each page prints and totals its own lines (box 28), same claim id in 26."""
        return [self.lines[i : i + LINES_PER_PAGE] for i in range(0, len(self.lines), LINES_PER_PAGE)] or [[]]
