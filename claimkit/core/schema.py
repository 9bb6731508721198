"""Validation schemas for the records people write in TOML or type on the command line.

Each model mirrors a dataclass of `claimkit.core.records` field for field; validated data becomes a record
(`to_record`). Models are frozen and forbid unknown keys so a typo in a hand-edited file is caught, not ignored.
Format rules that can never be right (a date that does not exist, a negative fee) fail here; billing
rules that depend on context (NPI check digit, payer wants a taxonomy) are `claimkit check`'s job.
"""

from __future__ import annotations

import datetime as _dt
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


from claimkit.core.amounts import Money, Percent  # noqa: E402,F401
from claimkit.core import identifiers
from claimkit.core.records import CPT_RE, MMDD_RE, MOD_RE, ZIP_RE, check_id, normalize_dx, normalize_state

PayerType = Literal["commercial", "medicare", "medicaid", "tricare", "champva", "group", "feca", "other"]
Sex = Literal["M", "F", "X"]
Relationship = Literal["self", "spouse", "child", "other"]
CostSharing = Literal["copay", "coinsurance", "self_pay"]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    def to_record(self):
        """The validated value as the pydantic-free record of the same name."""
        from claimkit.core import records

        return getattr(records, type(self).__name__).from_data(self.model_dump(mode="json"))


class Address(Record):
    street: str = ""
    street2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""

    @field_validator("state")
    @classmethod
    def _state(cls, v: str) -> str:
        return normalize_state(v)

    @field_validator("zip")
    @classmethod
    def _zip(cls, v: str) -> str:
        if v and not ZIP_RE.match(v):
            raise ValueError(f"ZIP '{v}' must be 5 digits or ZIP+4 like 78701-1234")
        if len(v) == 9 and "-" not in v:
            v = f"{v[:5]}-{v[5:]}"
        return v

class Billing(Record):
    """Box 25 and 33: who gets paid."""

    name: str = ""
    npi: str = ""
    tax_id: str = ""
    tax_id_type: Literal["ein", "ssn"] = "ein"
    taxonomy: str = ""
    phone: str = ""
    address: Address = Address()
    pay_to: Address | None = None  # where payments go when not to `address` (a PO box): 837P 2010AB only

    @field_validator("npi")
    @classmethod
    def _npi(cls, v: str) -> str:
        return identifiers.npi(v, complete=False)  # length and check digit: check's npi rules

    @field_validator("tax_id")
    @classmethod
    def _tax_id(cls, v: str) -> str:
        return identifiers.tax_id(v, complete=False)  # 9 digits: check's tax-id-format


class Referring(Record):
    """Box 17/17b: the provider who referred (DN), ordered (DK) or supervises (DQ) the services."""

    qualifier: Literal["DN", "DK", "DQ"] = "DN"
    first: str = ""
    last: str
    middle: str = ""
    credentials: str = ""
    npi: str = ""

    @field_validator("npi")
    @classmethod
    def _npi(cls, v: str) -> str:
        return identifiers.npi(v, complete=False, length=True)


class Accident(Record):
    """Box 10a-c: the condition is related to an accident or employment; its date is the 837P's DTP*439."""

    kind: Literal["auto", "employment", "other"]
    date: _dt.date | None = None
    state: str = ""  # auto accidents: where it happened (10b)

    @field_validator("state")
    @classmethod
    def _state(cls, v: str) -> str:
        return normalize_state(v)


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

    @field_validator("npi")
    @classmethod
    def _npi(cls, v: str) -> str:
        return identifiers.npi(v, complete=False)

class Facility(Record):
    """Box 32: where in-person sessions happen (left blank for telehealth)."""

    name: str = ""
    npi: str = ""
    address: Address = Address()

    @field_validator("npi")
    @classmethod
    def _npi(cls, v: str) -> str:
        return identifiers.npi(v, complete=False)


class Defaults(Record):
    pos: str = "11"
    signature_on_file: bool = True
    accept_assignment: bool = True
    no_remittance_days: int = Field(30, ge=1, le=3650)


class FormOffsets(Record):
    offset_x: Decimal = Decimal(0)
    offset_y: Decimal = Decimal(0)

    @field_validator("offset_x", "offset_y", mode="before")
    @classmethod
    def _pts(cls, v: object) -> Decimal:
        d = Decimal(str(v))
        if not d.is_finite() or abs(d) > 72:
            raise ValueError("offsets are points and must be within -72..72")
        return d


class Practice(Record):
    name: str
    billing: Billing = Billing()
    provider: Provider = Provider()
    facility: Facility | None = None
    defaults: Defaults = Defaults()
    fees: dict[str, Money] = {}
    cms1500: FormOffsets = FormOffsets()
    extra_cpt: list[str] = []
    edi: dict[str, str] = {}

    @field_validator("fees")
    @classmethod
    def _fees(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        for code in v:
            if not CPT_RE.match(code):
                raise ValueError(f"fee key '{code}' is not a 5-character CPT/HCPCS code")
        return v

    @field_validator("edi")
    @classmethod
    def _edi(cls, v: dict[str, str]) -> dict[str, str]:
        return identifiers.edi_ids(v)

class Payer(Record):
    id: str
    name: str
    payer_id: str = ""
    type: PayerType = "commercial"
    address: Address = Address()
    phone: str = ""
    timely_filing_days: int = Field(90, ge=1, le=3650)
    telehealth_modifier: Literal["95", "GT", "93", "none"] = "95"
    telehealth_pos: Literal["02", "10"] = "10"
    requires_taxonomy: bool = False
    requires_auth: bool = False
    box29_includes_patient_paid: bool = False
    appeal_days: int | None = Field(None, ge=1, le=3650)
    rates: dict[str, Money] = {}

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return check_id(v, "payer id")

    @field_validator("payer_id")
    @classmethod
    def _payer_id(cls, v: str) -> str:
        return identifiers.payer_id(v)

    @field_validator("rates")
    @classmethod
    def _rates(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        for key in v:
            code, _, mod = key.partition(":")
            if not CPT_RE.match(code) or (mod and not MOD_RE.match(mod)):
                raise ValueError(f"rate key '{key}' must be a CPT code, optionally with a modifier like 90837:95")
        return v

class Person(Record):
    """The insured when it is not the client (box 4, 7, 11a)."""

    first: str = ""
    last: str = ""
    middle: str = ""
    dob: date | None = None
    sex: Sex | None = None
    address: Address = Address()
    phone: str = ""
    employer: str = ""


class Policy(Record):
    payer: str
    member_id: str = ""
    group: str = ""
    plan_name: str = ""
    rank: Literal["primary", "secondary", "tertiary"] = "primary"
    relationship: Relationship = "self"
    insured: Person | None = None
    effective: date | None = None
    end: date | None = None
    cost_sharing: CostSharing = "copay"
    copay: Money | None = None
    coinsurance: Percent | None = None
    copay_after_deductible: bool = False
    deductible: Money = Decimal("0.00")
    deductible_met: Money = Decimal("0.00")
    deductible_met_on: date | None = None  # the plan year that deductible_met belongs to
    oop_max: Money | None = None
    plan_year_start: str = "01-01"
    signature_on_file: bool = True
    referring: Referring | None = None  # box 17/17b when this plan wants a referral (or a supervisor is named)

    @field_validator("member_id")
    @classmethod
    def _member_id(cls, v: str) -> str:
        return identifiers.member_id(v)

    @field_validator("group")
    @classmethod
    def _group(cls, v: str) -> str:
        return identifiers.card_id(v, "group number")

    @field_validator("plan_year_start")
    @classmethod
    def _pys(cls, v: str) -> str:
        if not MMDD_RE.match(v):
            raise ValueError(f"plan_year_start '{v}' must be MM-DD like 01-01")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "Policy":
        if self.copay is not None and self.coinsurance is not None:
            raise ValueError("a policy has either a copay or a coinsurance, not both")
        if self.end and self.effective and self.end < self.effective:
            raise ValueError(f"end {self.end} is before effective {self.effective}")
        return self

class Authorization(Record):
    number: str
    payer: str = ""
    visits: int | None = Field(None, ge=0, le=10000)
    start: date | None = None
    end: date | None = None
    cpts: list[str] = []

    @field_validator("number")
    @classmethod
    def _number(cls, v: str) -> str:
        return identifiers.card_id(v, "authorization number")


class Client(Record):
    id: str
    first: str
    last: str
    middle: str = ""
    suffix: str = ""
    dob: date
    sex: Sex
    address: Address = Address()
    phone: str = ""
    email: str = ""
    dx: list[str] = []
    status: Literal["active", "discharged"] = "active"
    discharged: date | None = None
    policies: list[Policy] = []
    authorizations: list[Authorization] = []
    onset: date | None = None  # box 14: date of the current illness (431) or last menstrual period (484)
    onset_qualifier: Literal["", "431", "484"] = ""  # empty: 431 when an onset is given (not written to the file)
    accident: Accident | None = None  # box 10a-c and the 837P accident date

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return check_id(v, "client id")

    @field_validator("dx")
    @classmethod
    def _dx(cls, v: list[str]) -> list[str]:
        return [normalize_dx(code) for code in v]
