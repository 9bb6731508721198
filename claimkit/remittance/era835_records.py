"""The 835's typed values: frozen records (payments, claims, service lines, adjustments ...) and its code tables.

What ``parse_835`` (remittance/era835.py) returns. Money is ``Decimal`` (exact, as written in the file); dates are
``datetime.date``. All records are frozen dataclasses holding tuples, so an ``Era`` can be shared and cached
safely. A problem in the file is an ``x12.segments.Finding``; the interchange an ``x12.envelope.Interchange``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from claimkit.core.codes import CAS_GROUPS
from claimkit.x12.envelope import Interchange
from claimkit.x12.segments import Finding, Separators

__all__ = [
    "Address", "Adjustment", "Amount", "ClaimPayment", "Contact", "Era", "Finding", "Interchange",
    "Name", "Payee", "Payer", "Payment", "ProviderAdjustment", "Ref", "ServiceLine",
    "CLAIM_STATUS", "PAYMENT_METHODS",
]

ZERO = Decimal(0)
ONE = Decimal(1)

# CLP02 claim status codes (paraphrased).
CLAIM_STATUS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to another payer",
    "20": "processed as secondary, forwarded to another payer",
    "21": "processed as tertiary, forwarded to another payer",
    "22": "reversal of an earlier payment",
    "23": "not our claim, forwarded to another payer",
    "25": "predetermination pricing only, no payment",
}
# CLP02 codes of 4010 files that 5010 dropped: no payment decision yet
OLD_CLAIM_STATUS = {"5": "pended", "10": "received, not in process", "13": "suspended", "15": "suspended: investigation",
                    "16": "suspended: returned with material", "17": "suspended: review pending", "27": "reviewed"}
PAYMENT_METHODS = {
    "ACH": "electronic funds transfer (ACH)",
    "CHK": "paper check",
    "NON": "no payment",
    "FWT": "federal reserve wire transfer",
    "BOP": "financial institution option",
}
CAS_GROUPS_5010 = frozenset(CAS_GROUPS)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS reason/amount/quantity triple. Positive amounts reduce the payment."""

    group: str  # CO, PR, OA, PI (CR in 4010)
    reason: str  # CARC, e.g. "45"
    amount: Decimal
    quantity: Decimal | None
    segment: int

    @property
    def is_patient_responsibility(self) -> bool:
        return self.group == "PR"


@dataclass(frozen=True, slots=True)
class Ref:
    qualifier: str
    value: str


@dataclass(frozen=True, slots=True)
class Amount:
    qualifier: str  # AMT01, e.g. AU (coverage amount), B6 (allowed)
    amount: Decimal


@dataclass(frozen=True)
class Name:
    """An NM1 segment: a person (kind "1") or an organisation (kind "2", name in ``last``)."""

    entity: str  # NM101: QC patient, IL insured, 74 corrected name, 82 rendering, ...
    kind: str  # NM102
    last: str  # NM103 (organisation name when kind is "2")
    first: str = ""
    middle: str = ""
    suffix: str = ""  # NM107
    id_qualifier: str = ""  # NM108: MI member id, MR medicaid, XX NPI, ...
    id: str = ""  # NM109
    segment: int = 0

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first, self.middle, self.last, self.suffix) if p)


@dataclass(frozen=True, slots=True)
class Address:
    lines: tuple[str, ...] = ()  # N301, N302
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class Contact:
    """PER: function code (BL technical, CX claims, IC web site), name, (qualifier, number) pairs."""

    function: str
    name: str
    numbers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Payer:
    name: str = ""
    id_qualifier: str = ""  # N103 (XV = CMS plan id)
    id: str = ""  # N104
    address: Address | None = None
    contacts: tuple[Contact, ...] = ()
    refs: tuple[Ref, ...] = ()  # 2U payer id, EO, HI, NF
    segment: int | None = None


@dataclass(frozen=True, slots=True)
class Payee:
    name: str = ""
    id_qualifier: str = ""  # N103: XX NPI, FI tax id, XV
    id: str = ""  # N104
    npi: str = ""  # N104 when N103 = XX
    tin: str = ""  # N104 when N103 = FI, else REF*TJ
    address: Address | None = None
    refs: tuple[Ref, ...] = ()  # TJ tax id, PQ payee id, 0B state licence, ...
    segment: int | None = None


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB reason/amount pair. Positive amounts reduce the payment (a recoupment);
    negative amounts add to it (e.g. L6 interest)."""

    provider_id: str  # PLB01
    fiscal_date: date | None  # PLB02
    reason: str  # PLB03-1: WO, CS, L6, FB, 72, J1, IR, CV, CT, ...
    reference: str  # PLB03-2
    amount: Decimal
    segment: int


@dataclass(frozen=True)
class ServiceLine:
    qualifier: str  # SVC01-1: HC (CPT/HCPCS), AD (dental), N4 (NDC), NU (revenue), ...
    code: str  # SVC01-2
    modifiers: tuple[str, ...]  # SVC01-3..6
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    revenue_code: str = ""  # SVC04
    units: Decimal = ONE  # SVC05 (1 when left out)
    description: str = ""  # SVC01-7
    original_qualifier: str = ""  # SVC06: the procedure as billed, when the payer changed it
    original_code: str = ""
    original_modifiers: tuple[str, ...] = ()
    original_units: Decimal | None = None  # SVC07
    service_date: date | None = None  # DTM*472, else DTM*150 (start of a range)
    service_end_date: date | None = None  # DTM*151
    control_number: str = ""  # REF*6R (the line item control number sent on the claim)
    allowed: Decimal | None = None  # AMT*B6
    amounts: tuple[Amount, ...] = ()  # the other AMT segments (B6 is in ``allowed``)
    refs: tuple[Ref, ...] = ()  # the other REF segments (6R is in ``control_number``)
    adjustments: tuple[Adjustment, ...] = ()
    remark_codes: tuple[str, ...] = ()  # LQ*HE (RARC)
    segment: int = 0

    @property
    def procedure_changed(self) -> bool:
        return bool(self.original_code)

    @property
    def adjustment_total(self) -> Decimal:
        return sum((a.amount for a in self.adjustments), ZERO)


@dataclass(frozen=True)
class ClaimPayment:
    account: str  # CLP01 (the patient control number sent on the claim)
    status: str  # CLP02
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal = ZERO  # CLP05 (0 when left out)
    filing_indicator: str = ""  # CLP06: 12 PPO, 13 POS, MC medicaid, MA/MB medicare, HM HMO, ...
    payer_claim_number: str = ""  # CLP07
    facility_type: str = ""  # CLP08 (place of service for professional claims)
    frequency: str = ""  # CLP09
    patient: Name | None = None  # NM1*QC
    insured: Name | None = None  # NM1*IL
    corrected_name: Name | None = None  # NM1*74
    rendering: Name | None = None  # NM1*82
    other_names: tuple[Name, ...] = ()  # NM1*TT crossover carrier, *PR corrected payer, *GB other subscriber
    service_start: date | None = None  # DTM*232
    service_end: date | None = None  # DTM*233
    received: date | None = None  # DTM*050
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    inpatient: tuple[str, ...] | None = None  # MIA01.. as written
    outpatient: tuple[str, ...] | None = None  # MOA01.. as written
    remark_codes: tuple[str, ...] = ()  # RARC codes from MIA/MOA
    amounts: tuple[Amount, ...] = ()  # AMT: AU coverage amount, D8, F5, I interest, ...
    refs: tuple[Ref, ...] = ()  # REF: 1L group, EA medical record, F8 original reference, ...
    service_lines: tuple[ServiceLine, ...] = ()
    segment: int = 0

    @property
    def status_text(self) -> str:
        return CLAIM_STATUS.get(self.status, f"status {self.status}")

    @property
    def is_reversal(self) -> bool:
        return self.status == "22"

    @property
    def is_denied(self) -> bool:
        return self.status == "4"

    @property
    def is_predetermination(self) -> bool:
        return self.status == "25"

    @property
    def payer_rank(self) -> int | None:
        """1, 2 or 3 for primary/secondary/tertiary adjudication, else None."""
        return {"1": 1, "19": 1, "2": 2, "20": 2, "3": 3, "21": 3}.get(self.status)

    def ref(self, qualifier: str) -> str:
        return next((r.value for r in self.refs if r.qualifier == qualifier), "")

    def amount(self, qualifier: str) -> Decimal | None:
        return next((a.amount for a in self.amounts if a.qualifier == qualifier), None)

    @property
    def group_number(self) -> str:
        return self.ref("1L")

    @property
    def medical_record(self) -> str:
        return self.ref("EA")

    @property
    def original_reference(self) -> str:
        return self.ref("F8")

    @property
    def coverage_amount(self) -> Decimal | None:
        return self.amount("AU")

    @property
    def all_adjustments(self) -> tuple[Adjustment, ...]:
        """Claim-level CAS followed by every line's CAS."""
        out = list(self.adjustments)
        for line in self.service_lines:
            out.extend(line.adjustments)
        return tuple(out)

    @property
    def patient_responsibility_from_cas(self) -> Decimal:
        return sum((a.amount for a in self.all_adjustments if a.group == "PR"), ZERO)


@dataclass(frozen=True, slots=True)
class Payment:
    """One 835 transaction (ST..SE): one payment (or non-payment) from one payer to one payee."""

    control_number: str  # ST02
    version: str  # ST03, else GS08: 005010X221A1 / 004010X091A1
    handling: str = ""  # BPR01: I payment+advice, H advice only, C, D, P, U, X
    amount: Decimal = ZERO  # BPR02
    credit_debit: str = ""  # BPR03: C credit, D debit
    method: str = ""  # BPR04: ACH, CHK, NON, FWT, BOP
    payment_format: str = ""  # BPR05: CCP, CTX
    payment_date: date | None = None  # BPR16
    trace_number: str = ""  # TRN02 (check or EFT trace number)
    originator: str = ""  # TRN03 (payer's id, 1 + TIN)
    payer: Payer = Payer()
    payee: Payee = Payee()
    production_date: date | None = None  # DTM*405
    claims: tuple[ClaimPayment, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    refs: tuple[Ref, ...] = ()  # header REF: EV receiver id, F2 version
    interchange_control: str = ""  # ISA13 of the interchange holding it
    group_control: str = ""  # GS06
    segment: int = 0  # ST
    end_segment: int | None = None  # SE (None when the file was cut off)

    @property
    def complete(self) -> bool:
        return self.end_segment is not None

    @property
    def is_4010(self) -> bool:
        return _is_4010(self.version)

    @property
    def method_text(self) -> str:
        return PAYMENT_METHODS.get(self.method, self.method)

    @property
    def claims_paid(self) -> Decimal:
        return sum((c.paid for c in self.claims), ZERO)

    @property
    def provider_adjustment_total(self) -> Decimal:
        return sum((p.amount for p in self.provider_adjustments), ZERO)


@dataclass(frozen=True, slots=True)
class Era:
    source: str
    transactions: tuple[Payment, ...]
    interchanges: tuple[Interchange, ...]
    findings: tuple[Finding, ...]
    separators: Separators | None = None

    @property
    def payments(self) -> tuple[Payment, ...]:
        return self.transactions

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity != "error")

    @property
    def ok(self) -> bool:
        """True when there is no error finding (warnings allowed): safe to post."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def claims(self) -> tuple[ClaimPayment, ...]:
        return tuple(c for t in self.transactions for c in t.claims)


def _is_4010(version: str) -> bool:
    return version.startswith("004010") or (version[:6] != "005010" and "4010" in version and "5010" not in version)
