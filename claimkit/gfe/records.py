"""A Good Faith Estimate as given: immutable records, stored as JSON in the ledger and never changed after.

Everything the printed estimate shows is copied in when it is made (the client's name and address, the
practice's NPI and TIN, the fees), so a later change to a client file or a fee cannot change an estimate
already given. Only its standing (superseded by a newer one) lives outside the record, in the ledger row.
"""

from __future__ import annotations

import json
from dataclasses import field
from datetime import date
from decimal import Decimal

from claimkit.core.lightclass import lightclass
from claimkit.core.records import Address, Record

FREQUENCIES = ("weekly", "biweekly", "monthly")
MAX_MONTHS = 12
DISPUTE_THRESHOLD = Decimal("400.00")  # 45 CFR 149.620: billed at least this much over the estimate's total


@lightclass(frozen=True)
class GfeItem(Record):
    """One expected service: its code, diagnoses, how many sessions and the charge of each."""

    cpt: str
    description: str
    dx: list[str] = field(default_factory=list)
    units: int = 1  # per session
    sessions: int = 1
    fee: Decimal = Decimal("0.00")  # expected charge of one session

    @property
    def total(self) -> Decimal:
        return self.fee * self.sessions


@lightclass(frozen=True)
class GfeProvider(Record):
    """Who gives the care and where (element 5): the TIN printed is the practice's business TIN."""

    name: str
    credentials: str = ""
    practice: str = ""
    npi: str = ""
    billing_npi: str = ""
    tin: str = ""
    tin_type: str = "ein"
    license: str = ""
    phone: str = ""
    location: Address = field(default_factory=Address)
    telehealth: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


@lightclass(frozen=True)
class GfeClient(Record):
    id: str
    name: str
    dob: date
    address: Address = field(default_factory=Address)
    phone: str = ""
    email: str = ""
    coverage: str = "uninsured"  # uninsured | self-pay (insured, not using the plan for these services)


@lightclass(frozen=True)
class GoodFaithEstimate(Record):
    id: str
    issued: date
    scheduled: date  # when the care was scheduled (the due date counts from it)
    due: date
    due_rule: str  # why that due date, in words
    start: date  # first expected session
    end: date
    months: int
    frequency: str
    service: str  # plain-language description of the primary service
    client: GfeClient
    provider: GfeProvider
    items: list[GfeItem] = field(default_factory=list)
    separate: list[str] = field(default_factory=list)  # services expected to be scheduled separately (element 6)
    supersedes: str = ""
    late: bool = False  # given after its due date

    @property
    def total(self) -> Decimal:
        return sum((i.total for i in self.items), Decimal("0.00"))

    @property
    def sessions(self) -> int:
        return sum(i.sessions for i in self.items)

    def to_json(self) -> str:
        return json.dumps(self.to_data(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "GoodFaithEstimate":
        return cls.from_data(json.loads(text))
