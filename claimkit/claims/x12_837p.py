"""X12 837P (005010X222A1) writer: claim snapshots in, one interchange of text out. Pure: no I/O, no ledger.

It prints the same `ClaimSnapshot` the CMS-1500 renderer prints, through the same content rules
(`claimkit.core.nucc`: capitals, no punctuation, IDs without spaces or hyphens, dx without the dot),
so the paper form and the electronic claim carry the same values.

Layout (the TR3's example 1 is the model; `samples/837p_x12ig_commercial_health_insurance.edi`):

    ISA GS ST BHT
      1000A NM1*41 PER (submitter)   1000B NM1*40 (receiver)
      2000A HL*20 PRV*BI  2010AA NM1*85 N3 N4 REF*EI|SY PER  [2010AB NM1*87 N3 N4 pay-to]   per billing provider
        2000B HL*22 SBR  2010BA NM1*IL [N3 N4 DMG]  2010BB NM1*PR [N3 N4]                  one per claim
          2000C HL*23 PAT  2010CA NM1*QC N3 N4 DMG             when the patient is not the subscriber
            2300 CLM [DTP*431] [DTP*439] [DTP*484] [AMT*F5] [REF*G1] [REF*F8] HI
              [2310A NM1*DN (box 17 DN)]  2310B NM1*82 PRV*PE (rendering, when not the billing NPI)
              2310C NM1*77 N3 N4 (facility)  [2310D NM1*DQ (box 17 DQ)]
              2320 SBR [CAS] [AMT*D] [AMT*EAF] OI  2330A NM1*IL  2330B NM1*PR [REF*F8]    other payer (box 9/11d)
              2400 LX SV1 DTP*472 REF*6R  [2420A NM1*82] [2420E NM1*DK]  [2430 SVD CAS DTP*573]   each line
      SE GE IEA

Secondary claims carry the primary's adjudication: 2320 AMT*D (paid), claim-level CAS, AMT*EAF (what the
client still owes after it) and per line 2430 SVD/CAS/DTP*573, all from the posted remittance
(`claims.build_secondary`). Corrections: CLM05-3 = 7 or 8 and REF*F8 = the payer's claim number.

Text rules: capitals, no `*` `~` `:` `^` in data, dates CCYYMMDD, amounts without trailing zeros (180, 180.5),
trailing empty elements dropped, SE01 counts ST..SE, at most 5,000 claims per ST (the TR3's recommendation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from claimkit.core.entries import ClaimSnapshot, SnapAddress, SnapAdjustment, SnapPerson, SnapPolicy, SnapProvider
from claimkit.core.nucc import clean, digits, dx_code, ident

VERSION = "005010X222A1"
CLAIMS_PER_TRANSACTION = 5000
# box 1 / payer type -> SBR09 claim filing indicator (FECA Black Lung is an "other federal program")
FILING = {"medicare": "MB", "medicaid": "MC", "tricare": "CH", "champva": "VA", "feca": "OF", "group": "CI",
          "commercial": "CI", "other": "CI"}
# box 6 -> SBR02 / PAT01 individual relationship code
RELATION = {"self": "18", "spouse": "01", "child": "19", "other": "G8"}
RANK = {"primary": "P", "secondary": "S", "tertiary": "T"}
ISA_QUALIFIERS = ("01", "14", "20", "27", "28", "29", "30", "33", "ZZ")
_LETTERS = "ABCDEFGHIJKL"
_SEPARATORS = re.compile(r"[*:^~\s]")  # never inside data: element, component, repetition separators, terminator
_ZERO = Decimal(0)


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom (practice.toml [edi], checked by `claimkit.claims.export_837p.envelope`); the control number comes from
    the ledger. Empty ISA/GS ids default to the submitter and receiver ids."""

    submitter_name: str
    submitter_id: str
    contact_name: str
    receiver_name: str
    receiver_id: str
    contact_phone: str = ""
    contact_email: str = ""
    isa_sender_qualifier: str = "ZZ"
    isa_sender_id: str = ""
    isa_receiver_qualifier: str = "ZZ"
    isa_receiver_id: str = ""
    gs_sender_id: str = ""
    gs_receiver_id: str = ""
    usage: str = "P"  # ISA15: T test, P production
    ack_requested: bool = False  # ISA14: ask for a TA1 interchange acknowledgment
    control: int = 1  # ISA13 / GS06 / BHT03
    when: datetime | None = None


# --- text --------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)  # names, streets and cities repeat across a batch of claims
def text(value: str, limit: int = 60) -> str:
    """A name, street or city: capitals, no punctuation (so never a separator), at most `limit` characters."""
    return clean(value)[:limit].rstrip() if value else ""


@lru_cache(maxsize=8192)
def code(value: str, limit: int = 80) -> str:
    """An identifier (member ID, claim id, payer ID, NPI, taxonomy): capitals and digits only."""
    return ident(value)[:limit] if value else ""


def amount(value: Decimal) -> str:
    """X12 decimal: 180, 180.5, 0.75, -9 (no trailing zeros, no '+')."""
    value = Decimal(value).quantize(Decimal("0.01"))
    out = f"{value:f}"
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return "0" if out in ("", "-0") else out


def ymd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def seg(*elements: str) -> str:
    """One segment without its terminator; trailing empty elements are dropped as X12 requires."""
    return "*".join(elements).rstrip("*")


def _zip(value: str) -> str:
    d = digits(value)
    return d if len(d) in (5, 9) else d[:9]


def _phone(value: str) -> str:
    d = digits(value)
    return d[1:] if len(d) == 11 and d.startswith("1") else d


# --- pieces ------------------------------------------------------------------------------------------------

def _person(entity: str, p: SnapPerson, qualifier: str = "", ident_: str = "") -> str:
    middle = text(p.middle)[:1]
    return seg("NM1", entity, "1", text(p.last, 60), text(p.first, 35), middle, "", text(p.suffix, 10),
               qualifier if ident_ else "", ident_)


def _provider_name(entity: str, p: SnapProvider) -> str:
    """NM1 of a person named in box 17 (2310A DN, 2310D DQ, 2420E DK) with the NPI of 17b."""
    npi = code(p.npi)
    return seg("NM1", entity, "1", text(p.last or p.name, 60), text(p.first, 35), text(p.middle)[:1], "", "",
               "XX" if npi else "", npi)


def _address(a: SnapAddress, out: list[str]) -> None:
    out.append(seg("N3", text(a.street, 55), text(a.street2, 55)))
    out.append(seg("N4", text(a.city, 30), code(a.state, 2), _zip(a.zip)))


def _dmg(p: SnapPerson, out: list[str]) -> None:
    if p.dob:  # without a birth date there is no DMG to send (the checks flag the missing date first)
        out.append(f"DMG*D8*{ymd(p.dob)}*{p.sex if p.sex in ('M', 'F') else 'U'}")


def _payer_code(policy: SnapPolicy) -> str:
    found = code(policy.payer.payer_id)
    if not found:
        raise ValueError(f"payer '{policy.payer.id}' has no electronic payer ID (payers.toml payer_id)")
    return found


def _cas(adjustments: list[SnapAdjustment], out: list[str]) -> None:
    """CAS segments, one per group code, at most six reasons each (a seventh starts another CAS)."""
    by_group: dict[str, list[SnapAdjustment]] = {}
    for a in adjustments:
        if a.amount:
            by_group.setdefault(a.group.upper(), []).append(a)
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            parts = ["CAS", group]
            for a in items[i:i + 6]:
                parts += [code(a.reason, 5), amount(a.amount), ""]
            out.append(seg(*parts))


def _patient_liability(adjustments: list[SnapAdjustment]) -> Decimal:
    return sum((a.amount for a in adjustments if a.group.upper() == "PR"), _ZERO)


def _procedure(cpt: str, modifiers: list[str]) -> str:
    return ":".join(["HC", code(cpt, 48), *(code(m, 2) for m in modifiers[:4])])


def _billing(snap: ClaimSnapshot, hl: int, out: list[str]) -> None:
    b: SnapProvider = snap.billing
    out.append(f"HL*{hl}**20*1")
    if b.taxonomy:
        out.append(seg("PRV", "BI", "PXC", code(b.taxonomy, 50)))
    if snap.tax_id_type == "ssn" and b.last:  # a sole proprietor billing under their SSN is a person
        out.append(seg("NM1", "85", "1", text(b.last, 60), text(b.first, 35), "", "", "", "XX", code(b.npi)))
    else:
        out.append(seg("NM1", "85", "2", text(b.name, 60), "", "", "", "", "XX", code(b.npi)))
    _address(b.address, out)
    out.append(seg("REF", "SY" if snap.tax_id_type == "ssn" else "EI", digits(snap.tax_id)))
    phone = _phone(b.address.phone)
    if phone:
        out.append(seg("PER", "IC", text(b.name, 60), "TE", phone))
    if snap.pay_to is not None and _place(snap.pay_to) != _place(b.address):  # 2010AB: payments go elsewhere
        out.append("NM1*87*2")
        _address(snap.pay_to, out)


def _claim(snap: ClaimSnapshot, hl: int, parent: int, out: list[str]) -> int:
    """2000B (+ 2000C), 2300 and its lines; returns the next free HL number."""
    billed = snap.billed
    self_insured = billed.relationship == "self"
    sub_hl = hl
    out.append(f"HL*{sub_hl}*{parent}*22*{0 if self_insured else 1}")
    group = code(billed.group, 50)
    out.append(seg("SBR", RANK[snap.rank], "18" if self_insured else "", group, "" if group else text(billed.plan_name, 60),
                   "", "", "", "", FILING.get(billed.payer.type, "CI")))
    subscriber = snap.patient if self_insured else billed.insured
    out.append(_person("IL", subscriber, "MI", code(billed.member_id)))
    if self_insured or subscriber.address.street:
        _address(subscriber.address, out)
    _dmg(subscriber, out)
    payer = billed.payer
    out.append(seg("NM1", "PR", "2", text(payer.name, 60), "", "", "", "", "PI", _payer_code(billed)))
    if payer.address.street and payer.address.city:
        _address(payer.address, out)
    hl += 1
    if not self_insured:
        out.append(f"HL*{hl}*{sub_hl}*23*0")
        out.append(f"PAT*{RELATION[billed.relationship]}")
        out.append(_person("QC", snap.patient))
        _address(snap.patient.address, out)
        _dmg(snap.patient, out)
        hl += 1

    # 2300 claim
    lines = snap.lines
    pos = code(lines[0].pos, 2) if lines else "11"
    causes = [c for c, on in (("EM", snap.related_employment), ("AA", snap.related_auto), ("OA", snap.related_other)) if on]
    related = ""
    if causes:
        state = code(snap.related_auto_state, 2) if snap.related_auto else ""
        related = ":".join([*causes, *[""] * (3 - len(causes)), state]).rstrip(":")
    out.append(seg("CLM", code(snap.claim_id, 38), amount(snap.total_charge), "", "", f"{pos}:B:{snap.frequency}", "Y",
                   "A" if snap.accept_assignment else "C", "Y" if snap.insured_signature_on_file else "N",
                   "Y" if snap.patient_signature_on_file else "I", "", related))
    # 2300 dates, in the guide's order: 431 onset, 439 accident, 484 last menstrual period (box 14 is 431 or 484)
    onset = snap.onset if snap.onset is not None and snap.onset_qualifier in ("431", "484") else None
    if onset is not None and snap.onset_qualifier == "431":
        out.append(f"DTP*431*D8*{ymd(onset)}")
    if causes and snap.accident_date is not None:
        out.append(f"DTP*439*D8*{ymd(snap.accident_date)}")
    if onset is not None and snap.onset_qualifier == "484":
        out.append(f"DTP*484*D8*{ymd(onset)}")
    other_paid = snap.prior_payer_paid if snap.rank != "primary" and snap.prior_payer_paid is not None else _ZERO
    patient_paid = snap.amount_paid - other_paid  # box 29 minus what the other payer paid (that goes in 2320)
    if patient_paid > 0:
        out.append(seg("AMT", "F5", amount(patient_paid)))
    if snap.prior_auth:
        out.append(seg("REF", "G1", code(snap.prior_auth, 50)))
    if snap.frequency in ("7", "8") and snap.original_ref:
        out.append(seg("REF", "F8", code(snap.original_ref, 50)))
    if snap.dx:
        out.append("HI*" + "*".join(f"{'ABK' if i == 0 else 'ABF'}:{code(dx_code(d), 30)}" for i, d in enumerate(snap.dx[:12])))

    # 2310A referring provider (box 17 DN; DK ordering goes on each line as 2420E, DQ supervising is 2310D)
    ref, ref_qual = snap.referring, snap.referring_qualifier
    if ref is not None and ref_qual == "DN":
        out.append(_provider_name("DN", ref))

    # 2310B rendering provider: when a line names one (24J prints only when it differs from 33a)
    rendering_npi = next((ln.rendering_npi for ln in lines if ln.rendering_npi), "")
    if rendering_npi:
        r = snap.rendering
        if r.last:
            out.append(seg("NM1", "82", "1", text(r.last, 60), text(r.first, 35), "", "", "", "XX", code(rendering_npi)))
        else:
            out.append(seg("NM1", "82", "2", text(r.name, 60), "", "", "", "", "XX", code(rendering_npi)))
        taxonomy = next((ln.rendering_taxonomy for ln in lines if ln.rendering_taxonomy), "") or r.taxonomy
        if taxonomy:
            out.append(seg("PRV", "PE", "PXC", code(taxonomy, 50)))
    # 2310C service facility: box 32, when it is not the billing provider's own address
    f = snap.facility
    if f is not None and f.address.street and _place(f.address) != _place(snap.billing.address):
        npi = code(f.npi) if f.npi and f.npi != snap.billing.npi else ""
        out.append(seg("NM1", "77", "2", text(f.name or snap.billing.name, 60), "", "", "", "", "XX" if npi else "", npi))
        _address(f.address, out)
    if ref is not None and ref_qual == "DQ":  # 2310D supervising provider
        out.append(_provider_name("DQ", ref))

    # 2320/2330 the other payer (box 9, 9a, 9d, 11d); with its adjudication on a secondary claim
    other = snap.other
    other_code = ""
    adjudicated = snap.rank != "primary" and other is not None and snap.prior_payer_paid is not None
    if other is not None:
        other_code = _payer_code(other)
        ogroup = code(other.group, 50)
        out.append(seg("SBR", "P" if snap.rank != "primary" else "S", RELATION[other.relationship], ogroup,
                       "" if ogroup else text(other.plan_name or other.payer.name, 60), "", "", "", "",
                       FILING.get(other.payer.type, "CI")))
        if adjudicated:
            _cas(snap.prior_adjustments, out)
            out.append(seg("AMT", "D", amount(snap.prior_payer_paid)))
            owed = _patient_liability(snap.prior_adjustments) + sum(
                (_patient_liability(ln.prior_adjustments) for ln in lines), _ZERO)
            if owed > 0:
                out.append(seg("AMT", "EAF", amount(owed)))
        out.append(seg("OI", "", "", "Y" if snap.insured_signature_on_file else "N", "", "",
                       "Y" if snap.patient_signature_on_file else "I"))
        insured = snap.patient if other.relationship == "self" else other.insured
        out.append(_person("IL", insured, "MI", code(other.member_id)))
        if insured.address.street and insured.address.city:
            _address(insured.address, out)
        out.append(seg("NM1", "PR", "2", text(other.payer.name, 60), "", "", "", "", "PI", other_code))
        if adjudicated and other.payer_claim_number:
            out.append(seg("REF", "F8", code(other.payer_claim_number, 50)))

    # 2400 service lines
    for n, ln in enumerate(lines, start=1):
        out.append(f"LX*{n}")
        proc = _procedure(ln.cpt, ln.modifiers)
        pointers = ":".join(str(_LETTERS.index(ch) + 1) for ch in ln.dx_pointers.upper()[:4] if ch in _LETTERS)
        line_pos = code(ln.pos, 2)
        out.append(seg("SV1", proc, amount(ln.charge), "UN", str(ln.units), line_pos if line_pos != pos else "", "", pointers,
                       "", "Y" if ln.emg else "", "", "Y" if ln.epsdt else ""))
        if ln.date_to and ln.date_to != ln.date_from:
            out.append(f"DTP*472*RD8*{ymd(ln.date_from)}-{ymd(ln.date_to)}")
        else:
            out.append(f"DTP*472*D8*{ymd(ln.date_from)}")
        if ln.line_control:
            out.append(seg("REF", "6R", code(ln.line_control, 50)))
        if ln.rendering_npi and ln.rendering_npi != rendering_npi:  # 2420A: this line's clinician differs
            out.append(seg("NM1", "82", "1", text(snap.rendering.last, 60), text(snap.rendering.first, 35), "", "", "", "XX",
                           code(ln.rendering_npi)))
        if ref is not None and ref_qual == "DK":  # 2420E ordering provider (box 17 DK)
            out.append(_provider_name("DK", ref))
        if adjudicated and ln.prior_paid is not None:
            out.append(seg("SVD", other_code, amount(ln.prior_paid), proc, "", str(ln.units)))
            _cas(ln.prior_adjustments, out)
            paid_on = ln.prior_paid_date or max((x.prior_paid_date for x in lines if x.prior_paid_date), default=None)
            if paid_on:
                out.append(f"DTP*573*D8*{ymd(paid_on)}")
    return hl


def _place(a: SnapAddress) -> tuple[str, str, str]:
    return (text(a.street), text(a.city), digits(a.zip)[:5])


# --- the interchange ---------------------------------------------------------------------------------------

def _transaction(snaps: list[ClaimSnapshot], env: Envelope, number: int, when: datetime) -> list[str]:
    st = f"{number:04d}"
    out = [f"ST*837*{st}*{VERSION}",
           seg("BHT", "0019", "00", f"{env.control}{number:04d}", ymd(when), when.strftime("%H%M"), "CH"),
           seg("NM1", "41", "2", text(env.submitter_name, 60), "", "", "", "", "46", code(env.submitter_id)),
           seg("PER", "IC", text(env.contact_name, 60), *(("TE", _phone(env.contact_phone)) if env.contact_phone else ()),
               *(("EM", _SEPARATORS.sub("", env.contact_email)[:256]) if env.contact_email else ())),
           seg("NM1", "40", "2", text(env.receiver_name, 60), "", "", "", "", "46", code(env.receiver_id))]
    # claims grouped under their billing provider (a snapshot keeps the one it was built with)
    providers: dict[tuple, list[ClaimSnapshot]] = {}
    for snap in snaps:
        b = snap.billing
        key = (b.name, b.first, b.last, b.npi, b.taxonomy, _place(b.address), b.address.street2, b.address.phone,
               snap.tax_id, snap.tax_id_type, _place(snap.pay_to) if snap.pay_to is not None else None)
        providers.setdefault(key, []).append(snap)
    hl = 1
    for group in providers.values():
        parent = hl
        _billing(group[0], hl, out)
        hl += 1
        for snap in group:
            hl = _claim(snap, hl, parent, out)
    out.append(f"SE*{len(out) + 1}*{st}")
    return out


def write_837p(snapshots: list[ClaimSnapshot], env: Envelope) -> str:
    """One ISA/GS interchange holding every claim (one ST per 5,000 claims). Raises ValueError on claims it cannot
    write (no claims, no electronic payer ID); the service checks those first and says how to fix them."""
    if not snapshots:
        raise ValueError("no claims to write")
    when = env.when or datetime.now()
    chunks = [snapshots[i:i + CLAIMS_PER_TRANSACTION] for i in range(0, len(snapshots), CLAIMS_PER_TRANSACTION)]
    return interchange(env, "HC", VERSION, [_transaction(chunk, env, number, when)
                                            for number, chunk in enumerate(chunks, start=1)], when)


def interchange(env: Envelope, functional_id: str, version: str, transactions: list[list[str]], when: datetime) -> str:
    """The ISA/GS ... GE/IEA around transactions (each its ST..SE segments), one functional group: the envelope's
    sender and receiver ids, its control number in ISA13/IEA02 (nine digits) and GS06/GE02. Shared by the 837P and
    the 270 writers."""
    sender = code(env.isa_sender_id or env.submitter_id, 15)
    receiver = code(env.isa_receiver_id or env.receiver_id, 15)
    control = f"{env.control:09d}"
    isa = (f"ISA*00*{'':10}*00*{'':10}*{env.isa_sender_qualifier}*{sender:<15}*{env.isa_receiver_qualifier}*{receiver:<15}*"
           f"{when.strftime('%y%m%d')}*{when.strftime('%H%M')}*^*00501*{control}*{1 if env.ack_requested else 0}*"
           f"{env.usage}*:")
    gs = seg("GS", functional_id, code(env.gs_sender_id, 15) or sender, code(env.gs_receiver_id, 15) or receiver,
             ymd(when), when.strftime("%H%M"), str(env.control), "X", version)
    out = [isa, gs, *(s for tx in transactions for s in tx), f"GE*{len(transactions)}*{env.control}", f"IEA*1*{control}"]
    return "~\n".join(out) + "~\n"

