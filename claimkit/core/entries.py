"""The frozen claim snapshot: every value a CMS-1500 or an 837P prints, taken once when the claim is built.

Renderers (PDF, 837P) read only this; editing a client later never changes a claim that went out.
Values are stored as people read them (dates ISO, amounts Decimal, dx dotted); the renderers apply the
form's print rules (caps, no punctuation, MM DD YY, dollars/cents columns, dx without the dot).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from claimkit.core.amounts import Money

LINES_PER_PAGE = 6


class Snap(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SnapAddress(Snap):
    street: str = ""
    street2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""


class SnapPerson(Snap):
    last: str = ""
    first: str = ""
    middle: str = ""
    suffix: str = ""
    dob: date | None = None
    sex: Literal["M", "F", "X"] | None = None
    address: SnapAddress = SnapAddress()


class SnapPayer(Snap):
    id: str
    name: str
    payer_id: str = ""
    type: str = "commercial"  # box 1: medicare|medicaid|tricare|champva|group|feca|other|commercial
    address: SnapAddress = SnapAddress()


class SnapPolicy(Snap):
    """The insured and the plan for one payer: box 1a/4/7/11 for the billed payer, 9/9a/9d for the other one."""

    payer: SnapPayer
    member_id: str = ""
    group: str = ""
    plan_name: str = ""
    relationship: Literal["self", "spouse", "child", "other"] = "self"
    insured: SnapPerson = SnapPerson()
    payer_claim_number: str = ""  # for the other payer on a secondary claim (2330B REF*F8)


class SnapAdjustment(Snap):
    group: str  # CO | PR | OA | PI
    reason: str  # CARC
    amount: Money


class SnapLine(Snap):
    line_no: int  # 1-based across the whole claim
    session_id: int | None = None
    date_from: date
    date_to: date
    pos: str
    emg: bool = False
    cpt: str
    modifiers: list[str] = []  # at most 4
    dx_pointers: str = "A"  # letters A-L, at most 4, e.g. "AB"
    charge: Money
    units: int = 1
    rendering_npi: str = ""  # 24J, only when it differs from 33a
    rendering_taxonomy: str = ""  # 24J shaded with 24I qualifier ZZ, only when the payer asks
    line_control: str = ""  # REF*6R; payers echo it in the 835
    epsdt: str = ""
    prior_paid: Money | None = None  # secondary: what the primary paid on this line (2430 SVD)
    prior_adjustments: list[SnapAdjustment] = []
    prior_paid_date: date | None = None


class SnapProvider(Snap):
    name: str = ""  # organisation or "LAST FIRST" of a sole proprietor
    first: str = ""
    last: str = ""
    credentials: str = ""
    npi: str = ""
    taxonomy: str = ""
    address: SnapAddress = SnapAddress()
    license: str = ""
    license_state: str = ""


class ClaimSnapshot(Snap):
    claim_id: str  # box 26, CLM01
    created: date
    rank: Literal["primary", "secondary", "tertiary"] = "primary"
    frequency: Literal["1", "7", "8"] = "1"  # box 22 / CLM05-3
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
    tax_id_type: Literal["ein", "ssn"] = "ein"
    accept_assignment: bool = True  # 27
    amount_paid: Money = Decimal("0.00")  # 29 (other payers' payments; optionally the client's)
    rendering: SnapProvider  # 31 signature name/credentials, 24J source
    signed_date: date  # 31 date
    facility: SnapProvider | None = None  # 32 (in-person only)
    billing: SnapProvider  # 33, 33a, 33b
    billing_taxonomy_in_33b: bool = False
    prior_payer_paid: Money | None = None  # secondary: primary's total payment (2320 AMT*D)
    prior_adjustments: list[SnapAdjustment] = []  # secondary: claim-level CAS from the primary

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    @property
    def pages(self) -> list[list[SnapLine]]:
        """Six lines a page; each page prints and totals its own lines (box 28), same claim id in 26."""
        return [self.lines[i : i + LINES_PER_PAGE] for i in range(0, len(self.lines), LINES_PER_PAGE)] or [[]]
