"""X12 835 (electronic remittance advice, ERA) reader: bytes in, typed frozen records out.

``parse_835(data)`` never raises for any input bytes: every problem becomes a ``Finding``
(severity "error" or "warning", a short code, a message naming the segment, the segment
number). Callers post nothing from an ``Era`` that has any error finding.

Reads 5010 (005010X221A1) and 4010 (004010X091A1) remittances. Money is ``Decimal``
(exact, as written in the file); dates are ``datetime.date``. All records are frozen
dataclasses holding tuples, so an ``Era`` can be shared and cached safely.

Balancing follows the X12 rules:
* per service line: SVC02 (charge) - sum(line CAS) = SVC03 (paid);
* per claim: CLP03 - sum(claim CAS) - sum(line CAS) = CLP04 (and the line charges
  should add up to CLP03: a warning only, payers may leave lines out);
* per transaction: sum(CLP04) - sum(PLB amounts) = BPR02 (negated for a debit),
  and BPR02 = 0 when the method is NON.
Reversals (CLP02 = 22) carry negative amounts; the same arithmetic applies.
"""

from __future__ import annotations

import dataclasses
import gc
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Callable, TypeVar

from claimkit.x12.segments import SegmentReader, Separators
from claimkit.x12.segments import element as _el

__all__ = [
    "Address", "Adjustment", "Amount", "ClaimPayment", "Contact", "Era", "Finding", "Interchange",
    "Name", "Payee", "Payer", "Payment", "ProviderAdjustment", "Ref", "ServiceLine",
    "CLAIM_STATUS", "PAYMENT_METHODS", "parse_835", "parse_835_file",
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
CAS_GROUPS_5010 = frozenset({"CO", "OA", "PI", "PR"})
TRANSACTION_TYPES = {
    "837": "claim", "835": "remittance", "270": "eligibility inquiry", "271": "eligibility response",
    "276": "claim status inquiry", "277": "claim status response", "278": "authorization",
    "834": "enrollment", "820": "premium payment", "999": "acknowledgment", "997": "acknowledgment",
    "277CA": "claim acknowledgment",
}


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in the file. ``segment`` is the 1-based segment number, or None for the file."""

    severity: str  # "error" | "warning"
    code: str
    message: str
    segment: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


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
class Interchange:
    control_number: str  # ISA13
    sender_qualifier: str = ""
    sender_id: str = ""  # ISA06
    receiver_qualifier: str = ""
    receiver_id: str = ""  # ISA08
    date: str = ""  # ISA09 YYMMDD as written
    time: str = ""
    version: str = ""  # ISA12: 00401 / 00501
    usage: str = ""  # ISA15: P production, T test
    segment: int | None = None  # None when the file has no ISA


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


# --------------------------------------------------------------------------- helpers

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z", re.ASCII)
_COUNT = re.compile(r"\d{1,18}\Z", re.ASCII)
_DATE8 = re.compile(r"\d{8}\Z", re.ASCII)
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}\Z", re.ASCII)
_ALT_COMPONENT = frozenset(">:^|!\\")
_CENT = Decimal("0.01")
_MAX_AMOUNT_CHARS = 20  # X12 R type: at most 18 digits, plus sign and decimal point
_FINDINGS_PER_CODE = 50

# 1 + the most elements each segment may have (the length of its split list); longer → warning
_MAX_ELEMENTS = {
    sid: k + 1
    for sid, k in {
        "ISA": 16, "GS": 8, "ST": 3, "SE": 2, "GE": 2, "IEA": 2, "BPR": 21, "TRN": 4, "CUR": 21,
        "REF": 4, "DTM": 6, "N1": 6, "N2": 2, "N3": 2, "N4": 7, "PER": 9, "RDM": 7, "LX": 1, "TS3": 24,
        "TS2": 19, "CLP": 14, "CAS": 19, "NM1": 12, "MIA": 24, "MOA": 9, "AMT": 3, "QTY": 4, "SVC": 7,
        "LQ": 2, "PLB": 14, "TA1": 5,
    }.items()
}
_ENVELOPE_IDS = frozenset({"ISA", "GS", "ST", "SE", "GE", "IEA"})
# 835 body segments: seen outside a transaction they are an error (data would be lost)
_BODY_IDS = frozenset({
    "BPR", "TRN", "CUR", "N1", "N3", "N4", "PER", "RDM", "LX", "TS3", "TS2", "CLP", "CAS", "NM1", "MIA", "MOA",
    "AMT", "QTY", "SVC", "LQ", "PLB",
})


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


def _is_4010(version: str) -> bool:
    return version.startswith("004010") or (version[:6] != "005010" and "4010" in version and "5010" not in version)


def _fmt(d: Decimal) -> str:
    try:
        return f"{d:.2f}" if d.as_tuple().exponent >= -2 else str(d)  # type: ignore[operator]
    except (ValueError, TypeError, ArithmeticError):
        return str(d)


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


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, source: str, on_payment: Callable[[Payment], None] | None = None):
        self.source = source
        self.on_payment = on_payment
        self.errors = 0  # error findings so far: a payment is handed to on_payment only while this is 0
        self.findings: list[Finding] = []
        self.counts: Counter[str] = Counter()
        self.suppressed: dict[str, tuple[str, int]] = {}
        self.transactions: list[Payment] = []
        self.interchanges: list[Interchange] = []
        self.comp = ":"
        self.reader: SegmentReader | None = None
        # envelope
        self.isa: tuple[int, str] | None = None  # (segment, ISA13)
        self.isa_groups = 0
        self.gs: tuple[int, str, str] | None = None  # (segment, GS06, GS08)
        self.gs_sets = 0
        self.had_isa = False
        self.n835 = 0
        self.non835: set[str] = set()
        self.skip_from: int | None = None  # inside a non-835 transaction
        self.stray_run = False
        # transaction state
        self.tx: _Tx | None = None
        self.party: _Party | None = None
        self.claim: _Claim | None = None
        self.line: _Line | None = None  # the line being read: spare_line, or None
        self.spare_line = _Line()
        self.mcache: dict[str, Decimal] = {}
        self.dcache: dict[str, date] = {}
        self.units_ok: dict[str, Decimal] = {}  # SVC05 strings read as a unit count from 0 to MAX_UNITS
        self.handlers = {
            "ISA": self.h_isa, "GS": self.h_gs, "ST": self.h_st, "SE": self.h_se, "GE": self.h_ge,
            "IEA": self.h_iea, "BPR": self.h_bpr, "TRN": self.h_trn, "REF": self.h_ref, "DTM": self.h_dtm,
            "N1": self.h_n1, "N3": self.h_n3, "N4": self.h_n4, "PER": self.h_per, "LX": self.h_lx,
            "CLP": self.h_clp, "CAS": self.h_cas, "NM1": self.h_nm1, "MIA": self.h_mia, "MOA": self.h_moa,
            "AMT": self.h_amt, "SVC": self.h_svc, "LQ": self.h_lq, "PLB": self.h_plb,
            "CUR": self.h_ignore, "RDM": self.h_ignore, "TS3": self.h_ts3, "TS2": self.h_ignore,
            "QTY": self.h_ignore, "N2": self.h_ignore, "TA1": self.h_ignore,
        }
        self.all_handlers = dict(self.handlers)

    def set_skip(self, n: int | None) -> None:
        """Enter (n = its ST segment) or leave a non-835 transaction, whose body is skipped."""
        if (n is None) == (self.skip_from is None):
            self.skip_from = n
            return
        self.skip_from = n
        handlers = self.handlers
        if n is None:
            handlers.update(self.all_handlers)
        else:
            for sid in handlers:
                if sid not in _ENVELOPE_IDS:
                    handlers[sid] = self.h_skip

    def h_skip(self, n: int, els: list[str]) -> None:
        return None

    # ---- findings

    def add(self, severity: str, code: str, message: str, segment: int | None) -> None:
        if severity == "error":
            self.errors += 1
        c = self.counts[code] = self.counts[code] + 1
        if c <= _FINDINGS_PER_CODE:
            self.findings.append(Finding(severity, code, message, segment))
        else:
            prev = self.suppressed.get(code)
            sev = "error" if severity == "error" or (prev and prev[0] == "error") else "warning"
            self.suppressed[code] = (sev, (prev[1] if prev else 0) + 1)

    def room(self, code: str, severity: str) -> bool:
        """False when findings of this code are no longer listed: count one without building its message."""
        if self.counts[code] < _FINDINGS_PER_CODE:
            return True
        self.add(severity, code, "", None)
        return False

    def err(self, code: str, message: str, segment: int | None) -> None:
        self.add("error", code, message, segment)

    def warn(self, code: str, message: str, segment: int | None) -> None:
        self.add("warning", code, message, segment)

    def warn_once(self, key: str, code: str, message: str, segment: int | None) -> None:
        tx = self.tx
        if tx is not None:
            if key in tx.warned:
                return
            tx.warned.add(key)
        self.warn(code, message, segment)

    # ---- values

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
                self.err("sub-cent-amount", f"segment {n} ({sid}{i:02d}): amount {_clip(s)!r} has fractions of a cent;"
                         " amounts in an 835 have at most two decimals", n)
                return None
            self.mcache[s] = d
            return d
        self.err("bad-amount", f"segment {n} ({sid}{i:02d}): amount {_clip(s)!r} is not a number", n)
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
        self.warn("bad-number", f"segment {n} ({sid}{i:02d}): quantity {_clip(s)!r} is not a number; ignored", n)
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
        self.warn("bad-date", f"segment {n} ({sid}{i:02d}): {_clip(s)!r} is not a date (CCYYMMDD); ignored", n)
        return None

    def count(self, els: list[str], i: int, n: int, sid: str) -> int | None:
        s = _el(els, i).strip()
        if _COUNT.match(s):
            return int(s)
        if not s:
            self.warn("envelope-count", f"segment {n} ({sid}{i:02d}): the count is missing", n)
        else:
            self.err("bad-count", f"segment {n} ({sid}{i:02d}): count {_clip(s)!r} is not a whole number of 0 or more", n)
        return None

    def composite(self, value: str, n: int, sid: str, i: int) -> list[str]:
        comp = self.comp
        if comp in value:
            return value.split(comp)
        alt = value[2:3]
        if alt and alt in _ALT_COMPONENT and value[:2].isalnum():
            self.warn_once(
                "composite", "composite-separator",
                f"segment {n} ({sid}{i:02d}): composite {_clip(value)!r} is written with {alt!r} although the "
                f"component separator (ISA16) is {comp!r}; read {alt!r} as the component separator", n)
            return value.split(alt)
        return [value]

    # ---- driving

    def run(self, data: bytes | bytearray | memoryview | str) -> Era:
        reader = SegmentReader(data)
        self.reader = reader
        first_notes = len(reader.notices)
        for note in reader.notices:
            self.add(*note)
        if reader.ok and reader.separators is not None:
            self.comp = reader.separators.component
            self.had_isa = reader.has_isa
            handlers = self.handlers
            get = handlers.get
            limits = _MAX_ELEMENTS
            # The segments of a service line (CAS, DTM, REF, AMT) are most of a large file: their common case is
            # read here, without a call; anything else (no line open, a missing or unread value, a claim-level
            # segment, a skipped transaction, whose handlers are h_skip) goes to the handler, which reads it the
            # same way and names what is wrong.
            h_cas, h_dtm, h_ref, h_amt = handlers["CAS"], handlers["DTM"], handlers["REF"], handlers["AMT"]
            mget = self.mcache.get
            dget = self.dcache.get
            groups = CAS_GROUPS_5010
            adj_slots = _AdjustmentSlots
            new = _new
            adj_cls = Adjustment
            for n, batch in reader.batches(shared=True):  # no handler changes an element list
                for els in batch:
                    n += 1
                    sid = els[0]
                    h = get(sid)
                    if h is None:
                        if self.skip_from is None:
                            self.h_unknown(n, sid, els)
                        continue
                    L = len(els)
                    if L > limits[sid] and self.skip_from is None:
                        self.warn("extra-elements",
                                  f"segment {n} ({sid}): {L - 1} elements, at most {limits[sid] - 1} allowed; "
                                  "the extra ones were ignored", n)
                    if h is h_cas:
                        line = self.line
                        if line is not None and L == 4:
                            grp = els[1]
                            if grp in groups:
                                reason = els[2]
                                amt = mget(els[3])
                                if amt is not None and reason and reason[0] != " " and reason[-1] != " ":
                                    a = new(adj_slots)  # _adjustment(), without its two calls
                                    a.group = grp
                                    a.reason = reason
                                    a.amount = amt
                                    a.quantity = None
                                    a.segment = n
                                    a.__class__ = adj_cls
                                    line.adjs.append(a)
                                    continue
                    elif h is h_dtm:
                        line = self.line
                        if line is not None and L > 2 and self.tx is not None:
                            d = dget(els[2])
                            if d is not None:
                                q = els[1]
                                if q == "472":
                                    line.rec["service_date"] = d
                                elif q == "150":
                                    line.start = d
                                elif q == "151":
                                    line.rec["service_end_date"] = d
                                continue
                    elif h is h_ref:
                        line = self.line
                        if line is not None and L > 2 and self.tx is not None:
                            q = els[1]
                            v = els[2].strip()
                            rec = line.rec
                            if q == "6R" and not rec["control_number"]:
                                rec["control_number"] = v
                            else:
                                line.refs.append(_ref(q, v))
                            continue
                    elif h is h_amt:
                        line = self.line
                        if line is not None and L > 2:
                            amt = mget(els[2])
                            if amt is not None:
                                q = els[1]
                                rec = line.rec
                                if q == "B6" and rec["allowed"] is None:
                                    rec["allowed"] = amt
                                else:
                                    line.amounts.append(_amount(q, amt))
                                continue
                    h(n, els)
            self.finish()
        for note in reader.notices[first_notes:]:  # notices the reader added while streaming
            self.add(*note)
        findings = sorted(self.findings, key=lambda f: -1 if f.segment is None else f.segment)
        for code, (sev, k) in self.suppressed.items():
            findings.append(Finding(sev, "too-many-findings", f"{k} more '{code}' findings were not listed", None))
        return Era(self.source, tuple(self.transactions), tuple(self.interchanges), tuple(findings),
                   reader.separators)

    def finish(self) -> None:
        if self.tx is not None:
            tx = self.tx
            self.err("truncated",
                     f"file ends inside transaction started at segment {tx.segment}: it was cut off; download it again",
                     tx.segment)
            self.close_tx(None)
        elif self.skip_from is not None:
            self.err("truncated",
                     f"file ends inside transaction started at segment {self.skip_from}: it was cut off; download it again",
                     self.skip_from)
        elif self.isa is not None:
            self.err("truncated",
                     f"file ends inside interchange started at segment {self.isa[0]} (no IEA): it was cut off; "
                     "download it again", self.isa[0])
        if not self.n835 and not self.non835 and not any(f.code == "truncated" for f in self.findings):
            self.err("no-transactions", "the file holds no 835 transaction (no ST*835)", None)

    # ---- envelope

    def h_isa(self, n: int, els: list[str]) -> None:
        if self.tx is not None or self.skip_from is not None:
            start = self.tx.segment if self.tx is not None else self.skip_from
            self.err("missing-se", f"segment {n} (ISA): the transaction started at segment {start} has no SE; "
                                   "the file is damaged", n)
            if self.tx is not None:
                self.close_tx(None)
            self.set_skip(None)
        if self.isa is not None:
            self.warn("envelope", f"segment {n} (ISA): the interchange started at segment {self.isa[0]} has no IEA", n)
            self.gs = None
        if len(els) != 17:
            self.err("bad-isa", f"segment {n} (ISA): {len(els) - 1} elements instead of 16: the ISA is damaged", n)
        reader = self.reader
        if reader is not None and reader.separators is not None:
            self.comp = reader.separators.component
        control = _el(els, 13).strip()
        self.isa = (n, control)
        self.isa_groups = 0
        self.had_isa = True
        self.interchanges.append(Interchange(
            control, _el(els, 5).strip(), _el(els, 6).strip(), _el(els, 7).strip(), _el(els, 8).strip(),
            _el(els, 9).strip(), _el(els, 10).strip(), _el(els, 12).strip(), _el(els, 15).strip(), n))
        if _el(els, 15).strip() == "T":
            self.warn("test-interchange", f"segment {n} (ISA15): the interchange is marked T (test data), not P "
                                          "(production)", n)

    def h_gs(self, n: int, els: list[str]) -> None:
        if self.tx is not None:
            self.err("missing-se", f"segment {n} (GS): the transaction started at segment {self.tx.segment} has no SE; "
                                   "the file is damaged", n)
            self.close_tx(None)
        self.set_skip(None)
        if self.gs is not None:
            self.warn("envelope", f"segment {n} (GS): the group started at segment {self.gs[0]} has no GE", n)
        self.gs = (n, _el(els, 6).strip(), _el(els, 8).strip())
        self.gs_sets = 0
        self.isa_groups += 1

    def h_ge(self, n: int, els: list[str]) -> None:
        self.close_open_tx(n, "GE")
        if self.gs is None:
            self.warn("envelope", f"segment {n} (GE): a GE without a GS", n)
            return
        k = self.count(els, 1, n, "GE")
        if k is not None and k != self.gs_sets:
            if _impossible(k, self.gs_sets):
                self.err("envelope-count", f"segment {n} (GE01): says {k} transactions, the group has {self.gs_sets}:"
                                           " the file is damaged; ask the sender for a new copy", n)
            else:
                self.warn("envelope-count", f"segment {n} (GE01): says {k} transactions, the group has {self.gs_sets}", n)
        ctl = _el(els, 2).strip()
        if ctl != self.gs[1]:
            self.warn("envelope-control", f"segment {n} (GE02): control number {ctl!r} does not match GS06 "
                                          f"{self.gs[1]!r} (segment {self.gs[0]})", n)
        self.gs = None

    def h_iea(self, n: int, els: list[str]) -> None:
        self.close_open_tx(n, "IEA")
        if self.gs is not None:
            self.warn("envelope", f"segment {n} (IEA): the group started at segment {self.gs[0]} has no GE", n)
            self.gs = None
        if self.isa is None:
            self.warn("envelope", f"segment {n} (IEA): an IEA without an ISA", n)
            return
        k = self.count(els, 1, n, "IEA")
        if k is not None and k != self.isa_groups:
            self.warn("envelope-count", f"segment {n} (IEA01): says {k} groups, the interchange has {self.isa_groups}", n)
        ctl = _el(els, 2).strip()
        if ctl != self.isa[1]:
            self.warn("envelope-control", f"segment {n} (IEA02): control number {ctl!r} does not match ISA13 "
                                          f"{self.isa[1]!r} (segment {self.isa[0]})", n)
        self.isa = None

    def close_open_tx(self, n: int, sid: str) -> None:
        if self.tx is not None or self.skip_from is not None:
            start = self.tx.segment if self.tx is not None else self.skip_from
            self.err("missing-se", f"segment {n} ({sid}): the transaction started at segment {start} has no SE; "
                                   "the file is damaged", n)
            if self.tx is not None:
                self.close_tx(None)
            self.set_skip(None)

    def h_st(self, n: int, els: list[str]) -> None:
        self.close_open_tx(n, "ST")
        self.stray_run = False
        if self.gs is not None:
            self.gs_sets += 1
        elif self.had_isa:
            self.warn("envelope", f"segment {n} (ST): a transaction outside a GS/GE group", n)
        kind = _el(els, 1).strip()
        if kind != "835":
            self.set_skip(n)
            if kind not in self.non835:
                self.non835.add(kind)
                what = TRANSACTION_TYPES.get(kind)
                if not kind:
                    msg = "the transaction type (ST01) is missing; expected 835"
                elif what:
                    msg = f"this is an X12 {kind} ({what}), not an 835 remittance"
                else:
                    msg = f"this is an X12 transaction of type {_clip(kind)!r}, not an 835 remittance"
                self.err("not-835", f"{msg} (segment {n}, ST01)", n)
            return
        self.n835 += 1
        control = _el(els, 2).strip()
        version = _el(els, 3).strip()
        where, at = "ST03", n
        if not version and self.gs is not None:
            version, where, at = self.gs[2], "GS08", self.gs[0]
        if not version:
            self.warn("version", f"segment {n} (ST03): no version given (ST03/GS08); read as 005010X221A1", n)
        elif not (version.startswith("005010X221") or version.startswith("004010X091")):
            family = "004010X091A1" if _is_4010(version) else "005010X221A1"
            self.warn("version", f"segment {at} ({where}): version {_clip(version)!r} is not an 835 version "
                                 f"(005010X221A1 or 004010X091A1); read as {family}", at)
        isa_ctl = self.isa[1] if self.isa is not None else ""
        gs_ctl = self.gs[1] if self.gs is not None else ""
        self.tx = _Tx(n, control, version, isa_ctl, gs_ctl)
        self.party = self.claim = self.line = None

    def h_se(self, n: int, els: list[str]) -> None:
        if self.skip_from is not None:
            self.set_skip(None)
            return
        tx = self.tx
        if tx is None:
            self.err("out-of-order", f"segment {n} (SE): an SE without an ST before it (segments out of order)", n)
            return
        k = self.count(els, 1, n, "SE")
        actual = n - tx.segment + 1
        if k is not None and k != actual:
            if _impossible(k, actual):
                self.err("envelope-count", f"segment {n} (SE01): says {k} segments, the transaction has {actual}: the"
                                           " file is damaged; ask the sender for a new copy", n)
            else:
                self.warn("envelope-count", f"segment {n} (SE01): says {k} segments, the transaction has {actual}", n)
        ctl = _el(els, 2).strip()
        if ctl != tx.control:
            self.warn("envelope-control", f"segment {n} (SE02): control number {ctl!r} does not match ST02 "
                                          f"{tx.control!r} (segment {tx.segment})", n)
        self.close_tx(n)

    # ---- transaction assembly and balancing

    def close_tx(self, end: int | None) -> None:
        tx = self.tx
        if tx is None:
            return
        self.close_claim()
        self.tx = None
        self.party = None
        if tx.bpr_seg is None:
            self.err("missing-segment", f"segment {tx.segment} (ST): the transaction has no BPR (payment) segment",
                     tx.segment)
        elif not tx.trace:
            self.warn("missing-segment", f"segment {tx.segment} (ST): the transaction has no TRN (trace number)",
                      tx.segment)
        payer = tx.payer
        payee = tx.payee
        if payee is not None:
            tin = payee.id if payee.qual == "FI" else ""
            if not tin:
                tin = next((r.value for r in payee.refs if r.qualifier == "TJ"), "")
            payee_rec = Payee(payee.name, payee.qual, payee.id, payee.id if payee.qual == "XX" else "", tin,
                              payee.address(), tuple(payee.refs), payee.segment)
        else:
            payee_rec = Payee()
        payer_rec = (Payer(payer.name, payer.qual, payer.id, payer.address(), tuple(payer.contacts),
                           tuple(payer.refs), payer.segment) if payer is not None else Payer())
        for seg_ts3, declared in tx.ts3:
            if declared > len(tx.claims):
                self.err("envelope-count", f"segment {seg_ts3} (TS304): the provider summary counts {declared} claims,"
                                           f" the transaction holds {len(tx.claims)}: the file is damaged; ask the"
                                           " sender for a new copy", seg_ts3)
        amount = tx.amount if tx.amount is not None else ZERO
        pay = Payment(
            control_number=tx.control, version=tx.version, handling=tx.handling, amount=amount,
            credit_debit=tx.flag, method=tx.method, payment_format=tx.fmt, payment_date=tx.pay_date,
            trace_number=tx.trace, originator=tx.originator, payer=payer_rec, payee=payee_rec,
            production_date=tx.production, claims=tuple(tx.claims), provider_adjustments=tuple(tx.plb),
            refs=tuple(tx.refs), interchange_control=tx.isa_control, group_control=tx.gs_control,
            segment=tx.segment, end_segment=end)
        if self.on_payment is None:
            self.transactions.append(pay)
        seg = tx.bpr_seg
        if tx.method == "NON" and tx.amount is not None and tx.amount != 0:
            self.err("non-payment-amount",
                     f"segment {seg} (BPR02): payment method NON (no payment) but the amount is {_fmt(tx.amount)}", seg)
        if tx.amount is not None and not tx.bad and end is not None:
            claims_paid = sum((c.paid for c in tx.claims), ZERO)
            plb = sum((p.amount for p in tx.plb), ZERO)
            total = claims_paid - plb
            expected = -tx.amount if tx.flag == "D" else tx.amount
            if total != expected:
                self.err("payment-unbalanced",
                         f"segment {seg} (BPR02): the payment {_fmt(tx.amount)}{' (debit)' if tx.flag == 'D' else ''} "
                         f"does not match its claims: claims paid {_fmt(claims_paid)} - provider adjustments "
                         f"{_fmt(plb)} = {_fmt(total)}", seg)
        if self.on_payment is not None and not self.errors:
            self.on_payment(pay)

    def close_claim(self) -> None:
        self.close_line()
        c = self.claim
        if c is None:
            return
        self.claim = None
        tx = self.tx
        rec = _make(ClaimPayment, {
            "account": c.account, "status": c.status, "charge": c.charge, "paid": c.paid,
            "patient_responsibility": c.pr, "filing_indicator": c.filing, "payer_claim_number": c.payer_claim,
            "facility_type": c.facility, "frequency": c.freq, "patient": c.patient, "insured": c.insured,
            "corrected_name": c.corrected, "rendering": c.rendering, "other_names": tuple(c.others),
            "service_start": c.start, "service_end": c.end, "received": c.received,
            "adjustments": tuple(c.adjs), "inpatient": c.mia, "outpatient": c.moa,
            "remark_codes": tuple(c.remarks), "amounts": tuple(c.amounts), "refs": tuple(c.refs),
            "service_lines": tuple(c.lines), "segment": c.segment})
        if tx is not None:
            tx.claims.append(rec)
        if c.bad:
            if tx is not None:
                tx.bad = True
            return
        if c.lines_bad:
            return
        n = c.segment
        adj = c.line_adj
        for a in c.adjs:
            adj += a.amount
        balanced = c.charge - adj == c.paid and not c.line_unbalanced
        if c.charge - adj != c.paid and self.room("claim-unbalanced", "error"):
            self.err("claim-unbalanced",
                     f"segment {n} (CLP): claim {_clip(c.account)} does not balance: charge {_fmt(c.charge)} - "
                     f"adjustments {_fmt(adj)} = {_fmt(c.charge - adj)}, but the payer paid {_fmt(c.paid)} (CLP04)", n)
        claim_adj = adj - c.line_adj
        if balanced and c.lines and c.line_paid - claim_adj != c.paid and self.room("claim-lines-paid", "error"):
            # a claim and its lines that each balance, yet the lines' payments (SVC03) less the claim-level
            # adjustments are not the claim's (CLP04): a service line was lost (a damaged SVC), and posting would
            # leave part of the payment unposted
            self.err("claim-lines-paid",
                     f"segment {n} (CLP04): claim {_clip(c.account)} paid {_fmt(c.paid)} but its {len(c.lines)} service "
                     f"lines paid {_fmt(c.line_paid)}, less claim-level adjustments {_fmt(claim_adj)} = "
                     f"{_fmt(c.line_paid - claim_adj)} (a line lost or damaged?); ask the sender for a new copy", n)
        if c.lines and c.line_charge != c.charge:
            self.warn("claim-line-charges",
                      f"segment {n} (CLP03): claim {_clip(c.account)} charge {_fmt(c.charge)} but its "
                      f"{len(c.lines)} service lines add up to {_fmt(c.line_charge)} (lines left out?)", n)
        pr = c.line_pr
        for a in c.adjs:
            if a.group == "PR":
                pr += a.amount
        if pr != c.pr:
            self.warn("patient-responsibility",
                      f"segment {n} (CLP05): claim {_clip(c.account)} patient responsibility {_fmt(c.pr)} but its "
                      f"PR adjustments add up to {_fmt(pr)}", n)

    def close_line(self) -> None:
        ln = self.line
        if ln is None:
            return
        self.line = None
        claim = self.claim
        if ln.orphan or claim is None:
            return
        rec = ln.rec
        adjs = ln.adjs
        if adjs:
            rec["adjustments"] = tuple(adjs)
        if ln.amounts:
            rec["amounts"] = tuple(ln.amounts)
        if ln.refs:
            rec["refs"] = tuple(ln.refs)
        if ln.remarks:
            rec["remark_codes"] = tuple(ln.remarks)
        if rec["service_date"] is None:
            rec["service_date"] = ln.start  # DTM*150 when there is no (readable) DTM*472
        obj = _new(ServiceLine)
        _setattr(obj, "__dict__", rec)
        claim.lines.append(obj)
        if ln.bad:
            claim.lines_bad = True
            return
        charge = rec["charge"]
        paid = rec["paid"]
        claim.line_charge += charge
        claim.line_paid += paid
        adj = ZERO
        for a in adjs:
            adj += a.amount
            if a.group == "PR":
                claim.line_pr += a.amount
        claim.line_adj += adj
        if charge - adj != paid:
            claim.line_unbalanced = True
            if self.room("line-unbalanced", "error"):
                n = rec["segment"]
                self.err("line-unbalanced",
                         f"segment {n} (SVC): service line {_clip(rec['code'])} of claim {_clip(claim.account)} does "
                         f"not balance: charge {_fmt(charge)} - adjustments {_fmt(adj)} = {_fmt(charge - adj)}, "
                         f"but paid is {_fmt(paid)} (SVC03)", n)

    def need_tx(self, n: int, sid: str) -> _Tx | None:
        tx = self.tx
        if tx is None:
            self.stray(n, sid)
        return tx

    def stray(self, n: int, sid: str) -> None:
        if sid in _BODY_IDS:
            self.err("out-of-order", f"segment {n} ({sid}): outside a transaction (no ST before it); it was ignored", n)
        elif not self.stray_run:
            self.stray_run = True
            self.warn("stray-data", f"segment {n} ({_clip(sid)}): data outside a transaction was ignored", n)

    def h_ignore(self, n: int, els: list[str]) -> None:
        if self.tx is None:
            self.stray(n, els[0])

    def h_unknown(self, n: int, sid: str, els: list[str]) -> None:
        if self.tx is None:
            if self.skip_from is None:
                self.stray(n, sid)
            return
        if _SEGMENT_ID.match(sid):
            self.warn("unknown-segment", f"segment {n} ({sid}): not an 835 segment; ignored", n)
        else:
            self.err("bad-segment", f"segment {n}: {_clip(sid)!r} is not a segment id: the transaction is damaged", n)

    def h_bpr(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "BPR")
        if tx is None:
            return
        if tx.bpr_seg is not None:
            self.err("out-of-order", f"segment {n} (BPR): a second BPR in the transaction (the first is segment "
                                     f"{tx.bpr_seg}); it was ignored", n)
            return
        if tx.claims or self.claim is not None or tx.payer is not None or tx.payee is not None:
            self.err("out-of-order", f"segment {n} (BPR): the payment segment comes after the payer, payee or claims", n)
        tx.bpr_seg = n
        tx.handling = _el(els, 1).strip()
        amt = self.money(els, 2, n, "BPR")
        if amt is None:
            tx.bad = True
        else:
            if amt < 0:
                self.err("bad-amount", f"segment {n} (BPR02): the payment amount {_fmt(amt)} is negative "
                                       "(a debit is written with BPR03 = D)", n)
            tx.amount = amt
        tx.flag = _el(els, 3).strip()
        tx.method = _el(els, 4).strip()
        tx.fmt = _el(els, 5).strip()
        if tx.flag not in ("C", "D"):
            self.warn("bad-code", f"segment {n} (BPR03): credit/debit flag {_clip(tx.flag)!r} is not C or D; read as C", n)
        if tx.method not in PAYMENT_METHODS:
            self.warn("bad-code", f"segment {n} (BPR04): payment method {_clip(tx.method)!r} is not one of "
                                  f"{', '.join(PAYMENT_METHODS)}", n)
        tx.pay_date = self.day(els, 16, n, "BPR")

    def h_trn(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "TRN")
        if tx is None:
            return
        if tx.trace:
            self.warn("out-of-order", f"segment {n} (TRN): a second TRN; ignored", n)
            return
        tx.trace = _el(els, 2).strip()
        tx.originator = _el(els, 3).strip()
        if not tx.trace:
            self.warn("missing-element", f"segment {n} (TRN02): the trace (check/EFT) number is missing", n)

    def h_n1(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "N1")
        if tx is None:
            return
        if tx.claims or self.claim is not None:
            self.warn("out-of-order", f"segment {n} (N1): a payer/payee name after the claims", n)
        self.close_claim()
        code = _el(els, 1).strip()
        party = _Party(code, els, n)
        if code == "PR":
            if tx.payer is not None:
                self.warn("out-of-order", f"segment {n} (N1): a second payer (N1*PR); ignored", n)
                self.party = None
                return
            tx.payer = party
        elif code == "PE":
            if tx.payee is not None:
                self.warn("out-of-order", f"segment {n} (N1): a second payee (N1*PE); ignored", n)
                self.party = None
                return
            tx.payee = party
        else:
            self.warn("unknown-segment", f"segment {n} (N101): entity {_clip(code)!r} is not PR or PE; ignored", n)
            self.party = None
            return
        self.party = party

    def h_n3(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "N3") is None:
            return
        p = self.party
        if p is None or self.claim is not None:
            self.warn("out-of-order", f"segment {n} (N3): an address line outside a payer/payee; ignored", n)
            return
        p.has_addr = True
        p.lines.extend(v.strip() for v in els[1:3] if v.strip())

    def h_n4(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "N4") is None:
            return
        p = self.party
        if p is None or self.claim is not None:
            self.warn("out-of-order", f"segment {n} (N4): a city/state outside a payer/payee; ignored", n)
            return
        p.has_addr = True
        p.city, p.state, p.zip, p.country = (_el(els, 1).strip(), _el(els, 2).strip(), _el(els, 3).strip(),
                                             _el(els, 4).strip())

    def h_per(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "PER") is None:
            return
        p = self.party
        if p is None or self.claim is not None:
            return  # claim contact (2100 PER): not kept
        nums = tuple((_el(els, i).strip(), _el(els, i + 1).strip()) for i in (3, 5, 7) if _el(els, i + 1).strip())
        p.contacts.append(Contact(_el(els, 1).strip(), _el(els, 2).strip(), nums))

    def h_ts3(self, n: int, els: list[str]) -> None:
        """Provider summary: only its claim count (TS304) is checked, against the claims that follow in the file."""
        tx = self.tx
        if tx is None:
            return
        v = _el(els, 4).strip()
        if v:
            if not v.isdigit():
                self.err("bad-count", f"segment {n} (TS304): claim count {_clip(v)!r} is not a whole number", n)
            else:
                tx.ts3.append((n, int(v)))

    def h_lx(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "LX") is None:
            return
        v = _el(els, 1).strip()
        if not (v.isdigit() and 0 < int(v) <= 999_999):
            self.err("bad-count", f"segment {n} (LX01): {_clip(v)!r} is not a line group number (a whole number from 1)", n)
        self.close_claim()
        self.party = None

    def h_ref(self, n: int, els: list[str]) -> None:
        tx = self.tx
        if tx is None:
            return self.stray(n, "REF")
        if len(els) > 2:
            q = els[1]
            v = els[2].strip()
        else:
            q = els[1] if len(els) > 1 else ""
            v = ""
        line = self.line
        if line is not None:
            rec = line.rec
            if q == "6R" and not rec["control_number"]:
                rec["control_number"] = v
            else:
                line.refs.append(_ref(q, v))
            return
        ref = _ref(q, v)
        if self.claim is not None:
            self.claim.refs.append(ref)
        elif self.party is not None:
            self.party.refs.append(ref)
        else:
            tx.refs.append(ref)

    def h_dtm(self, n: int, els: list[str]) -> None:
        tx = self.tx
        if tx is None:
            return self.stray(n, "DTM")
        if len(els) < 3:
            self.warn("missing-element", f"segment {n} (DTM02): the date is missing", n)
            return
        d = self.dcache.get(els[2]) or self.day(els, 2, n, "DTM")
        q = els[1]
        line = self.line
        if line is not None:
            if q == "472":
                line.rec["service_date"] = d
            elif q == "150":
                line.start = d
            elif q == "151":
                line.rec["service_end_date"] = d
            return
        claim = self.claim
        if claim is not None:
            if q == "232":
                claim.start = d
            elif q == "233":
                claim.end = d
            elif q == "050":
                claim.received = d
            return
        if q == "405":
            tx.production = d

    def h_clp(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "CLP")
        if tx is None:
            return
        self.close_claim()
        self.party = None
        if tx.bpr_seg is None:
            if "clp-no-bpr" not in tx.warned:
                tx.warned.add("clp-no-bpr")
                self.err("out-of-order", f"segment {n} (CLP): a claim before the payment (BPR) segment", n)
        elif (tx.payer is None or tx.payee is None) and "clp-no-n1" not in tx.warned:
            tx.warned.add("clp-no-n1")
            missing = " and ".join(w for w, p in (("payer (N1*PR)", tx.payer), ("payee (N1*PE)", tx.payee)) if p is None)
            self.err("out-of-order", f"segment {n} (CLP): a claim before the {missing}", n)
        if tx.plb and "clp-after-plb" not in tx.warned:
            tx.warned.add("clp-after-plb")
            self.warn("out-of-order", f"segment {n} (CLP): a claim after the provider adjustments (PLB)", n)
        c = _Claim(n)
        self.claim = c
        c.account = _el(els, 1).strip()
        c.status = _el(els, 2).strip()
        if not c.account:
            self.err("missing-element", f"segment {n} (CLP01): the claim's patient control number is missing", n)
        if not c.status:
            self.err("missing-element", f"segment {n} (CLP02): the claim status is missing", n)
        elif c.status in OLD_CLAIM_STATUS:  # 4010-era statuses (pended, suspended, ...): read, with a note
            self.warn("bad-code", f"segment {n} (CLP02): claim status {c.status} ({OLD_CLAIM_STATUS[c.status]}) is not"
                                  " a 5010 code; its amounts were read as sent", n)
        elif c.status not in CLAIM_STATUS:
            self.err("bad-code", f"segment {n} (CLP02): claim status {_clip(c.status)!r} is not a claim status code"
                                 " (1-4, 19-23, 25): claimkit cannot tell whether it was paid or denied", n)
        charge = self.money(els, 3, n, "CLP")
        paid = self.money(els, 4, n, "CLP")
        pr = self.money(els, 5, n, "CLP", required=False)
        if charge is None or paid is None or (pr is None and _el(els, 5).strip()):
            c.bad = True
        c.charge = charge if charge is not None else ZERO
        c.paid = paid if paid is not None else ZERO
        c.pr = pr if pr is not None else ZERO
        L = len(els)
        if L > 6:
            c.filing = els[6].strip()
            if L > 7:
                c.payer_claim = els[7].strip()
                if L > 8:
                    c.facility = els[8].strip()
                    if L > 9:
                        c.freq = els[9].strip()

    def h_cas(self, n: int, els: list[str]) -> None:
        target: _Line | _Claim | None = self.line
        if target is None:
            target = self.claim
            if target is None:
                if self.tx is None:
                    return self.stray(n, "CAS")
                self.err("out-of-order", f"segment {n} (CAS): an adjustment before any claim (CLP); it was ignored", n)
                return
        L = len(els)
        grp = els[1] if L > 1 else ""
        mc = self.mcache
        if L == 4 and grp in CAS_GROUPS_5010:  # the common case: one reason, one amount, no quantity
            reason = els[2]
            amt = mc.get(els[3])
            if amt is not None and reason and reason[0] != " " and reason[-1] != " ":
                target.adjs.append(_adjustment(grp, reason, amt, None, n))
                return
        if grp not in CAS_GROUPS_5010:
            self.check_group(grp, n)
        adjs = target.adjs
        k = 2
        while k < L:
            reason = els[k]
            amt_s = els[k + 1] if k + 1 < L else ""
            if reason or amt_s:
                amt = mc.get(amt_s)
                if amt is None or not reason or reason[0] == " " or reason[-1] == " ":
                    reason = reason.strip()
                    if not reason:
                        if not amt_s.strip():
                            k += 3
                            continue
                        self.err("cas-incomplete",
                                 f"segment {n} (CAS{k:02d}): an adjustment amount without a reason code", n)
                    if amt is None:
                        amt = self.money(els, k + 1, n, "CAS")
                        if amt is None:
                            target.bad = True
                            k += 3
                            continue
                qty = None
                if k + 2 < L and els[k + 2]:
                    qty = mc.get(els[k + 2]) or self.number(els, k + 2, n, "CAS")
                adjs.append(_adjustment(grp, reason, amt, qty, n))
            k += 3

    def check_group(self, grp: str, n: int) -> None:
        if grp.strip() in CAS_GROUPS_5010:
            return
        if grp == "CR":
            tx = self.tx
            if tx is not None and not tx.is4010:
                self.warn_once("cr", "cas-group-cr",
                               f"segment {n} (CAS01): group CR (corrections and reversals) exists only in 4010; "
                               "this is a 5010 file. Kept as written", n)
        else:
            self.err("bad-cas-group",
                     f"segment {n} (CAS01): {_clip(grp)!r} is not an adjustment group (CO, PR, OA, PI)", n)

    def h_nm1(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "NM1") is None:
            return
        c = self.claim
        if c is None:
            self.err("out-of-order", f"segment {n} (NM1): a name before any claim (CLP); ignored", n)
            return
        if self.line is not None:
            self.warn("out-of-order", f"segment {n} (NM1): a claim name after the service lines", n)
        v = [e.strip() for e in els[1:10]]
        if len(v) < 9:
            v += [""] * (9 - len(v))
        e = v[0]
        name = _make(Name, {"entity": e, "kind": v[1], "last": v[2], "first": v[3], "middle": v[4],
                            "suffix": v[6], "id_qualifier": v[7], "id": v[8], "segment": n})
        if e == "QC" and c.patient is None:
            c.patient = name
        elif e == "IL" and c.insured is None:
            c.insured = name
        elif e == "74" and c.corrected is None:
            c.corrected = name
        elif e == "82" and c.rendering is None:
            c.rendering = name
        else:
            c.others.append(name)

    def h_mia(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "MIA") is None:
            return
        c = self.claim
        if c is None:
            self.warn("out-of-order", f"segment {n} (MIA): outside a claim; ignored", n)
            return
        c.mia = tuple(e.strip() for e in els[1:])
        for i in (5, 20, 21, 22, 23, 24):
            code = _el(els, i).strip()
            if code:
                c.remarks.append(code)

    def h_moa(self, n: int, els: list[str]) -> None:
        if self.need_tx(n, "MOA") is None:
            return
        c = self.claim
        if c is None:
            self.warn("out-of-order", f"segment {n} (MOA): outside a claim; ignored", n)
            return
        c.moa = tuple(e.strip() for e in els[1:])
        for i in (3, 4, 5, 6, 7):
            code = _el(els, i).strip()
            if code:
                c.remarks.append(code)

    def h_amt(self, n: int, els: list[str]) -> None:
        line = self.line
        target: _Line | _Claim | None = line if line is not None else self.claim
        if target is None:
            if self.tx is None:
                return self.stray(n, "AMT")
            self.warn("out-of-order", f"segment {n} (AMT): outside a claim; ignored", n)
            return
        q = els[1] if len(els) > 1 else ""
        amt = self.mcache.get(els[2]) if len(els) > 2 else None
        if amt is None:
            amt = self.money(els, 2, n, "AMT")
            if amt is None:
                return  # informational: an unreadable AMT is an error finding but breaks no balance
        if q == "B6" and line is not None and line.rec["allowed"] is None:
            line.rec["allowed"] = amt
        else:
            target.amounts.append(_amount(q, amt))

    def h_svc(self, n: int, els: list[str]) -> None:
        if self.line is not None:
            self.close_line()
        line = self.spare_line.open(n)
        self.line = line
        claim = self.claim
        if claim is None:
            line.orphan = True
            if self.tx is None:
                return self.stray(n, "SVC")
            self.err("out-of-order", f"segment {n} (SVC): a service line before any claim (CLP); it was ignored", n)
            return
        rec = line.rec
        L = len(els)
        s1 = els[1] if L > 1 else ""
        comp = self.comp
        proc = s1.split(comp) if comp in s1 else self.composite(s1, n, "SVC", 1)
        if len(proc) >= 2:
            rec["qualifier"] = proc[0]
            rec["code"] = proc[1]
            if len(proc) > 2:
                rec["modifiers"] = tuple(m.strip() for m in proc[2:6] if m.strip())
                if len(proc) > 6:
                    rec["description"] = proc[6].strip()
        else:
            rec["code"] = proc[0].strip()
            self.warn("missing-element", f"segment {n} (SVC01): procedure {_clip(proc[0])!r} has no qualifier "
                                         "(HC, AD, ...)", n)
        mc = self.mcache
        if L > 3 and els[2] and els[3]:
            v = mc.get(els[2])
            if v is None:
                v = self.money(els, 2, n, "SVC")
                if v is None:
                    line.bad = True
            if v is not None:
                rec["charge"] = v
            v = mc.get(els[3])
            if v is None:
                v = self.money(els, 3, n, "SVC")
                if v is None:
                    line.bad = True
            if v is not None:
                rec["paid"] = v
        else:
            for i in (2, 3):
                if i < L and els[i].strip():
                    v = self.money(els, i, n, "SVC")
                    if v is None:
                        line.bad = True
                    elif i == 2:
                        rec["charge"] = v
                    else:
                        rec["paid"] = v
                else:
                    self.warn("missing-amount", f"segment {n} (SVC{i:02d}): required amount is missing; read as 0", n)
        if L > 4:
            if els[4]:
                rec["revenue_code"] = els[4].strip()
            if L > 5 and els[5]:
                u = self.units_ok.get(els[5])
                if u is None:
                    u = mc.get(els[5]) or self.number(els, 5, n, "SVC")
                    if u is not None:
                        if abs(u) > MAX_UNITS or (u < 0 and claim.status != "22"):
                            self.err("bad-count", f"segment {n} (SVC05): {_fmt(u)} units is not a unit count (0 to"
                                                  f" {MAX_UNITS:,}; negative only on a reversal)", n)
                        elif u >= 0:
                            self.units_ok[els[5]] = u
                if u is not None:
                    rec["units"] = u
            if L > 6 and els[6].strip():
                orig = self.composite(els[6], n, "SVC", 6)
                if len(orig) >= 2:
                    rec["original_qualifier"] = orig[0].strip()
                    rec["original_code"] = orig[1].strip()
                    rec["original_modifiers"] = tuple(m.strip() for m in orig[2:6] if m.strip())
                else:
                    rec["original_code"] = orig[0].strip()
            if L > 7 and els[7].strip():
                rec["original_units"] = self.number(els, 7, n, "SVC")

    def h_lq(self, n: int, els: list[str]) -> None:
        line = self.line
        if line is None:
            if self.tx is None:
                return self.stray(n, "LQ")
            self.warn("out-of-order", f"segment {n} (LQ): a remark code outside a service line; ignored", n)
            return
        if len(els) > 2 and els[1] == "HE":
            code = els[2].strip()
            if code:
                line.remarks.append(code)

    def h_plb(self, n: int, els: list[str]) -> None:
        tx = self.need_tx(n, "PLB")
        if tx is None:
            return
        self.close_claim()
        self.party = None
        provider = _el(els, 1).strip()
        fiscal = self.day(els, 2, n, "PLB")
        L = len(els)
        k = 3
        while k < L:
            raw = els[k]
            amt_s = els[k + 1] if k + 1 < L else ""
            if raw.strip() or amt_s.strip():
                parts = self.composite(raw, n, "PLB", k)
                reason = parts[0].strip()
                ref = parts[1].strip() if len(parts) > 1 else ""
                if not reason:
                    self.err("missing-element", f"segment {n} (PLB{k:02d}): an adjustment amount without a reason code", n)
                amt = self.money(els, k + 1, n, "PLB")
                if amt is None:
                    tx.bad = True
                else:
                    tx.plb.append(ProviderAdjustment(provider, fiscal, reason, ref, amt, n))
            k += 2


MAX_UNITS = 9_999  # SVC05: more units than this on one line is a damaged file, not a service


def _impossible(declared: int, actual: int) -> bool:
    """An envelope count no miscount explains (a billion segments in a 33-segment transaction)."""
    return declared > 2 * actual + 10


def _clip(s: str, limit: int = 40) -> str:
    s = s if isinstance(s, str) else str(s)
    return s if len(s) <= limit else s[:limit] + "..."


# --------------------------------------------------------------------------- API


def parse_835(data: bytes | bytearray | memoryview | str, source: str = "<file>",
              on_payment: Callable[[Payment], None] | None = None) -> Era:
    """Read an 835 remittance. Never raises for any bytes: problems are ``Era.findings``.

    With ``on_payment``, each transaction (ST..SE) is handed to it as soon as it is read and checked, while the
    file has no error finding so far (after the first error none is); the returned ``Era`` then holds no
    transactions, so memory stays flat on a large file. The caller must still look at ``Era.findings`` at the end
    (an error may come later in the file: the caller undoes what it did) and the callback runs with the cyclic
    garbage collector paused."""
    # The records hold no reference cycles, so the cyclic garbage collector has nothing to find
    # while we build them; pausing it takes a third off the time of a large file.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with localcontext() as ctx:
            # amounts have at most 20 characters, so sums of them stay exact at this precision
            ctx.prec = 100
            return _Parser(source, on_payment).run(data)
    finally:
        if gc_was_enabled:
            gc.enable()


def parse_835_file(path: str | Path) -> Era:
    p = Path(path)
    return parse_835(p.read_bytes(), source=str(p))
