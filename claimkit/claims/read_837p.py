"""A small 837P reader: the values of each claim back out of a file, for tests and `x12 validate`.

Reads what claimkit writes and what the TR3's examples hold (005010X222A1; an older or newer GS08 is read the
same way): the envelope, submitter and receiver, billing provider, subscriber, patient, payer, the claim (CLM,
REF, HI, AMT, DTP onset/accident/LMP), pay-to address, referring, ordering and supervising providers, rendering
and facility providers, other payers (2320/2330 with their adjudication) and service
lines (SV1, DTP*472, REF*6R, 2430 SVD/CAS/DTP*573). Loops are told apart by their leading segment and entity
code, not by a full map: it is a reader for values, not a validator (that is `validate_837p.py` and pyx12).
Pure: text or bytes in, dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from claimkit.x12.elements import assign as _assign
from claimkit.x12.elements import date8 as _date
from claimkit.x12.elements import decimal_or_none as _num
from claimkit.x12.elements import element as _el
from claimkit.x12.segments import SegmentReader

# NM1 entities and REF qualifiers -> the field they fill (2310x/2420x/2330x parties, 2300 references)
_CLAIM_PARTIES = {"82": "rendering", "77": "facility", "DN": "referring", "P3": "referring", "DQ": "supervising"}
_LINE_PARTIES = {"82": "rendering", "DK": "ordering"}
_OTHER_PAYER_PARTIES = {"IL": "subscriber", "PR": "payer"}
_CLAIM_REFS = {"F8": "original_ref", "G1": "prior_auth", "9F": "referral", "EA": "medical_record"}


@dataclass
class Party:
    """An NM1 with its N3/N4 (and DMG for a person)."""

    entity: str = ""
    person: bool = False
    last: str = ""  # or the organisation's name
    first: str = ""
    middle: str = ""
    suffix: str = ""
    id_qualifier: str = ""
    id: str = ""
    street: str = ""
    street2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    dob: date | None = None
    sex: str = ""
    taxonomy: str = ""  # PRV03
    refs: dict[str, str] = field(default_factory=dict)  # REF01 -> REF02 (EI, SY, F8, G2 ...)


@dataclass
class Adjustment:
    group: str
    reason: str
    amount: Decimal


@dataclass
class LinePayment:
    """2430: what another payer did with one line."""

    payer_id: str
    paid: Decimal | None
    procedure: str
    modifiers: list[str]
    units: str
    adjustments: list[Adjustment] = field(default_factory=list)
    paid_date: date | None = None


@dataclass
class Line:
    number: int
    qualifier: str = ""
    cpt: str = ""
    modifiers: list[str] = field(default_factory=list)
    charge: Decimal | None = None
    unit_basis: str = ""
    units: str = ""
    pos: str = ""  # SV105, empty = the claim's
    pointers: list[int] = field(default_factory=list)
    emg: bool = False
    date_from: date | None = None
    date_to: date | None = None
    line_control: str = ""  # REF*6R
    rendering: Party | None = None  # 2420A
    ordering: Party | None = None  # 2420E (box 17 qualifier DK)
    payments: list[LinePayment] = field(default_factory=list)
    segment: int = 0


@dataclass
class OtherPayer:
    """2320 + 2330A/B: another payer of this claim and, when it adjudicated the claim, what it did."""

    responsibility: str = ""  # SBR01: P, S, T ...
    relationship: str = ""  # SBR02
    group: str = ""
    plan_name: str = ""
    filing: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    paid: Decimal | None = None  # AMT*D
    remaining_patient_liability: Decimal | None = None  # AMT*EAF
    benefits_assignment: str = ""  # OI03
    release_of_info: str = ""  # OI06
    subscriber: Party | None = None
    payer: Party | None = None


@dataclass
class Claim:
    claim_id: str
    total: Decimal | None
    pos: str = ""
    facility_qualifier: str = ""
    frequency: str = ""
    provider_signature: str = ""  # CLM06
    assignment: str = ""  # CLM07
    benefits_assignment: str = ""  # CLM08
    release_of_info: str = ""  # CLM09
    related_causes: list[str] = field(default_factory=list)  # CLM11-1..3
    accident_state: str = ""  # CLM11-4
    original_ref: str = ""  # REF*F8
    prior_auth: str = ""  # REF*G1
    referral: str = ""  # REF*9F
    medical_record: str = ""  # REF*EA
    patient_paid: Decimal | None = None  # AMT*F5
    dx: list[str] = field(default_factory=list)  # codes as written (no dot), principal first
    dx_qualifiers: list[str] = field(default_factory=list)
    billing: Party | None = None
    submitter: Party | None = None
    receiver: Party | None = None
    rank: str = ""  # SBR01 of 2000B
    subscriber_relationship: str = ""  # SBR02 (18 = self)
    group: str = ""  # SBR03
    plan_name: str = ""  # SBR04
    filing: str = ""  # SBR09
    subscriber: Party | None = None
    payer: Party | None = None
    patient_relationship: str = ""  # PAT01 when the patient is not the subscriber
    patient: Party | None = None  # the 2010CA patient, or None when the subscriber is the patient
    rendering: Party | None = None  # 2310B
    facility: Party | None = None  # 2310C
    referring: Party | None = None  # 2310A
    supervising: Party | None = None  # 2310D (box 17 qualifier DQ)
    pay_to: Party | None = None  # 2010AB
    dates: dict[str, date] = field(default_factory=dict)  # 2300 DTP qualifier -> date: 431 onset, 439 accident, 484 LMP
    others: list[OtherPayer] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    segment: int = 0

    @property
    def relationship(self) -> str:
        """The patient's relationship to the subscriber: PAT01, else SBR02 (18 = self)."""
        return self.patient_relationship or self.subscriber_relationship

    @property
    def line_total(self) -> Decimal:
        return sum((ln.charge or Decimal(0) for ln in self.lines), Decimal(0))


@dataclass
class Interchange:
    sender_qualifier: str = ""
    sender_id: str = ""
    receiver_qualifier: str = ""
    receiver_id: str = ""
    date: str = ""
    time: str = ""
    control: str = ""
    usage: str = ""
    ack_requested: str = ""
    gs_sender: str = ""
    gs_receiver: str = ""
    gs_control: str = ""
    version: str = ""
    transactions: int = 0


@dataclass
class File837:
    interchanges: list[Interchange] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    notices: list = field(default_factory=list)  # the tokenizer's (severity, code, message, segment)

    def claim(self, claim_id: str) -> Claim:
        for c in self.claims:
            if c.claim_id == claim_id:
                return c
        raise KeyError(claim_id)


def _party(els: list[str]) -> Party:
    return Party(entity=_el(els, 1), person=_el(els, 2) == "1", last=_el(els, 3), first=_el(els, 4), middle=_el(els, 5),
                 suffix=_el(els, 7), id_qualifier=_el(els, 8), id=_el(els, 9))


def _cas(els: list[str]) -> list[Adjustment]:
    out = []
    for i in range(2, len(els), 3):
        reason, amount = _el(els, i), _num(_el(els, i + 1))
        if reason and amount is not None:
            out.append(Adjustment(els[1], reason, amount))
    return out


def read_837p(data: bytes | str) -> File837:
    """Every claim in the file, in order, with the loops around it resolved (billing provider, subscriber, payer,
    patient). Segments it does not know are skipped."""
    reader = SegmentReader(data)
    result = File837(notices=list(reader.notices))
    if not reader.ok:
        return result
    comp = reader.separators.component if reader.separators else ":"
    inter: Interchange | None = None
    submitter = receiver = billing = pay_to = None
    sub: dict = {}  # the current 2000B: rank, relationship, group, plan_name, filing, subscriber, payer
    pat: dict = {}  # the current 2000C: relationship, patient
    claim: Claim | None = None
    line: Line | None = None
    other: OtherPayer | None = None
    payment: LinePayment | None = None
    current: Party | None = None  # the NM1 that N3/N4/DMG/REF/PRV belong to
    level = ""  # 20 / 22 / 23 of the current HL, "" before any
    taxonomy = ""  # 2000A PRV*BI, which comes before the billing provider's NM1

    for n, sid, els in reader:
        if reader.separators is not None:
            comp = reader.separators.component
        if sid == "ISA":
            inter = Interchange(_el(els, 5), _el(els, 6).strip(), _el(els, 7), _el(els, 8).strip(), _el(els, 9), _el(els, 10),
                                _el(els, 13), _el(els, 15), _el(els, 14))
            result.interchanges.append(inter)
        elif sid == "GS" and inter is not None:
            inter.gs_sender, inter.gs_receiver, inter.gs_control, inter.version = _el(els, 2), _el(els, 3), _el(els, 6), _el(els, 8)
        elif sid == "ST":
            if inter is not None:
                inter.transactions += 1
            submitter = receiver = billing = pay_to = None
            claim = line = other = payment = current = None
            sub, pat, level = {}, {}, ""
        elif sid == "HL":
            level = _el(els, 3)
            claim = line = other = payment = current = None
            if level == "20":
                billing, pay_to, sub, pat, taxonomy = None, None, {}, {}, ""
            elif level == "22":
                sub, pat = {}, {}
            elif level == "23":
                pat = {}
        elif sid == "SBR":
            if claim is None:
                sub.update(rank=_el(els, 1), relationship=_el(els, 2), group=_el(els, 3), plan_name=_el(els, 4),
                           filing=_el(els, 9))
            else:
                line = payment = None
                other = OtherPayer(_el(els, 1), _el(els, 2), _el(els, 3), _el(els, 4), filing=_el(els, 9))
                claim.others.append(other)
                current = None
        elif sid == "PAT":
            pat["relationship"] = _el(els, 1)
        elif sid == "NM1":
            party = _party(els)
            current = party
            code = party.entity
            if code == "41":
                submitter = party
            elif code == "40":
                receiver = party
            elif code == "85":
                billing = party
                party.taxonomy = taxonomy
            elif claim is None:
                if code == "87":
                    pay_to = party
                elif code == "IL":
                    sub["subscriber"] = party
                elif code == "PR":
                    sub["payer"] = party
                elif code == "QC":
                    pat["patient"] = party
            elif line is not None:
                _assign(line, code, party, _LINE_PARTIES)
            elif other is not None:
                _assign(other, code, party, _OTHER_PAYER_PARTIES)
            else:
                _assign(claim, code, party, _CLAIM_PARTIES)
        elif sid == "PRV":
            if level == "20" and claim is None and current is None:
                taxonomy = _el(els, 3)
            elif current is not None:
                current.taxonomy = _el(els, 3)
        elif sid == "N3" and current is not None:
            current.street, current.street2 = _el(els, 1), _el(els, 2)
        elif sid == "N4" and current is not None:
            current.city, current.state, current.zip = _el(els, 1), _el(els, 2), _el(els, 3)
        elif sid == "DMG" and current is not None:
            current.dob, current.sex = _date(_el(els, 2)), _el(els, 3)
        elif sid == "CLM":
            parts = _el(els, 5).split(comp)
            causes = _el(els, 11).split(comp)
            claim = Claim(_el(els, 1), _num(_el(els, 2)), pos=_el(parts, 0), facility_qualifier=_el(parts, 1),
                          frequency=_el(parts, 2), provider_signature=_el(els, 6), assignment=_el(els, 7),
                          benefits_assignment=_el(els, 8), release_of_info=_el(els, 9),
                          related_causes=[c for c in causes[:3] if c], accident_state=_el(causes, 3),
                          billing=billing, pay_to=pay_to, submitter=submitter, receiver=receiver, rank=sub.get("rank", ""),
                          subscriber_relationship=sub.get("relationship", ""), group=sub.get("group", ""),
                          plan_name=sub.get("plan_name", ""), filing=sub.get("filing", ""), subscriber=sub.get("subscriber"),
                          payer=sub.get("payer"), patient_relationship=pat.get("relationship", ""), patient=pat.get("patient"),
                          segment=n)
            result.claims.append(claim)
            line = other = payment = current = None
        elif sid == "REF":
            qual, value = _el(els, 1), _el(els, 2)
            if line is not None and payment is None and current is None:
                if qual == "6R":
                    line.line_control = value
            elif current is not None:
                current.refs[qual] = value
            elif claim is not None and other is None and line is None:
                _assign(claim, qual, value, _CLAIM_REFS)
        elif sid == "HI" and claim is not None:
            for composite in els[1:]:
                parts = composite.split(comp)
                if _el(parts, 0) in ("ABK", "ABF", "BK", "BF") and _el(parts, 1):
                    claim.dx_qualifiers.append(parts[0])
                    claim.dx.append(parts[1])
        elif sid == "AMT":
            qual, value = _el(els, 1), _num(_el(els, 2))
            if other is not None and line is None:
                if qual == "D":
                    other.paid = value
                elif qual == "EAF":
                    other.remaining_patient_liability = value
            elif claim is not None and line is None and qual == "F5":
                claim.patient_paid = value
        elif sid == "CAS":
            if payment is not None:
                payment.adjustments += _cas(els)
            elif other is not None and line is None:
                other.adjustments += _cas(els)
        elif sid == "OI" and other is not None:
            other.benefits_assignment, other.release_of_info = _el(els, 3), _el(els, 6)
        elif sid == "LX" and claim is not None:
            number = int(_el(els, 1)) if _el(els, 1).isdigit() else len(claim.lines) + 1
            line = Line(number, segment=n)
            claim.lines.append(line)
            other = payment = current = None
        elif sid == "SV1" and line is not None:
            proc = _el(els, 1).split(comp)
            line.qualifier, line.cpt, line.modifiers = _el(proc, 0), _el(proc, 1), [m for m in proc[2:6] if m]
            line.charge, line.unit_basis, line.units, line.pos = _num(_el(els, 2)), _el(els, 3), _el(els, 4), _el(els, 5)
            line.pointers = [int(p) for p in _el(els, 7).split(comp) if p.isdigit()]
            line.emg = _el(els, 9) == "Y"
        elif sid == "DTP" and claim is not None and line is None and other is None:
            claim.dates[_el(els, 1)] = _date(_el(els, 3))
        elif sid == "DTP" and line is not None:
            qual, fmt, value = _el(els, 1), _el(els, 2), _el(els, 3)
            if payment is not None and qual == "573":
                payment.paid_date = _date(value)
            elif qual == "472":
                if fmt == "RD8" and "-" in value:
                    start, end = value.split("-", 1)
                    line.date_from, line.date_to = _date(start), _date(end)
                else:
                    line.date_from = line.date_to = _date(value)
        elif sid == "SVD" and line is not None:
            proc = _el(els, 3).split(comp)
            payment = LinePayment(_el(els, 1), _num(_el(els, 2)), _el(proc, 1), [m for m in proc[2:6] if m], _el(els, 5))
            line.payments.append(payment)
            current = None
        elif sid in ("SE", "GE", "IEA"):
            claim = line = other = payment = current = None
    return result
