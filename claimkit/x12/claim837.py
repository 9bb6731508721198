"""X12 837P (005010X222A1) writer: claim snapshots in, one interchange of text out. Pure: no I/O.

It prints the same ClaimSnapshot the CMS-1500 renderer prints, so the paper form and the electronic claim always
carry the same values. Loops: 1000A submitter, 1000B receiver, 2000A/2010AA billing provider (NPI, EIN/SSN, address
with ZIP+4, taxonomy PRV), 2000B/2010BA subscriber and 2010BB payer, 2000C/2010CA patient when not the subscriber,
2300 claim (CLM, REF*F8 for corrections, REF*G1 prior authorization, HI diagnoses), 2310B rendering provider when it
differs, 2320/2330 other payer on secondary claims, 2400 lines (LX, SV1, DTP*472, REF*6R) with 2430 SVD/CAS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from claimkit.core.entries import ClaimSnapshot, SnapPerson, SnapPolicy

# box 1 / payer type -> SBR09 claim filing indicator
FILING = {"medicare": "MB", "medicaid": "MC", "tricare": "CH", "champva": "VA", "feca": "FI", "group": "CI",
          "commercial": "CI", "other": "ZZ"}
RELATION = {"self": "18", "spouse": "01", "child": "19", "other": "G8"}


@dataclass(frozen=True)
class Envelope:
    """Who sends to whom (practice.toml [edi]); control numbers come from the ledger."""

    submitter_name: str
    submitter_id: str
    contact_name: str
    contact_phone: str
    receiver_name: str
    receiver_id: str
    sender_qualifier: str = "ZZ"
    sender_id: str = ""
    receiver_qualifier: str = "ZZ"
    receiver_isa_id: str = ""
    usage: str = "T"  # T test, P production
    control: int = 1
    when: datetime | None = None


def clean(text: str, limit: int = 60) -> str:
    """Uppercase, no separators or punctuation X12 cannot carry."""
    out = re.sub(r"[^A-Z0-9 &'\-,./#]", " ", (text or "").upper())
    return " ".join(out.replace("*", " ").split())[:limit].strip()


def amt(value: Decimal) -> str:
    text = f"{value:.2f}"
    return text[:-3] if text.endswith(".00") else text.rstrip("0")


def zip9(z: str) -> str:
    digits = re.sub(r"\D", "", z or "")
    return digits if len(digits) in (5, 9) else digits[:9]


def _name(p: SnapPerson) -> list[str]:
    return [clean(p.last, 60), clean(p.first, 35), clean(p.middle, 25)]


def _nm1(code: str, person: SnapPerson, qual: str = "", ident: str = "") -> str:
    parts = ["NM1", code, "1", *_name(person), "", clean(person.suffix, 10), qual, ident]
    return "*".join(parts).rstrip("*")


def _addr(a) -> list[str]:
    out = [f"N3*{clean(a.street, 55)}" + (f"*{clean(a.street2, 55)}" if a.street2 else "")]
    out.append(f"N4*{clean(a.city, 30)}*{a.state}*{zip9(a.zip)}")
    return out


def _dmg(p: SnapPerson) -> str:
    sex = p.sex if p.sex in ("M", "F") else "U"
    return f"DMG*D8*{p.dob.strftime('%Y%m%d')}*{sex}" if p.dob else f"DMG***{sex}"


def _claim(snap: ClaimSnapshot, hl: int) -> tuple[list[str], int]:
    segs: list[str] = []
    billed: SnapPolicy = snap.billed
    patient_is_subscriber = billed.relationship == "self"
    sub_hl = hl
    segs.append(f"HL*{sub_hl}*1*22*{0 if patient_is_subscriber else 1}")
    rank = {"primary": "P", "secondary": "S", "tertiary": "T"}[snap.rank]
    segs.append("*".join(["SBR", rank, "18" if patient_is_subscriber else "", clean(billed.group, 50),
                          "" if billed.group else clean(billed.plan_name, 60), "", "", "", "",
                          FILING.get(billed.payer.type, "CI")]))
    subscriber = snap.patient if patient_is_subscriber else billed.insured
    segs.append(_nm1("IL", subscriber, "MI", clean(billed.member_id, 80).replace(" ", "")))
    if patient_is_subscriber or subscriber.address.street:
        segs += _addr(subscriber.address)
    if subscriber.dob:
        segs.append(_dmg(subscriber))
    payer = billed.payer
    segs.append(f"NM1*PR*2*{clean(payer.name, 60)}*****PI*{clean(payer.payer_id or payer.id, 80).replace(' ', '')}")
    hl += 1
    if not patient_is_subscriber:
        segs.append(f"HL*{hl}*{sub_hl}*23*0")
        segs.append(f"PAT*{RELATION.get(billed.relationship, 'G8')}")
        segs.append(_nm1("QC", snap.patient))
        segs += _addr(snap.patient.address)
        segs.append(_dmg(snap.patient))
        hl += 1
    pos = snap.lines[0].pos if snap.lines else "11"
    segs.append("*".join(["CLM", snap.claim_id, amt(snap.total_charge), "", "", f"{pos}:B:{snap.frequency}",
                          "Y", "A" if snap.accept_assignment else "C", "Y", "Y" if snap.patient_signature_on_file else "N"]))
    if snap.frequency in ("7", "8") and snap.original_ref:
        segs.append(f"REF*F8*{clean(snap.original_ref, 50).replace(' ', '')}")
    if snap.prior_auth:
        segs.append(f"REF*G1*{clean(snap.prior_auth, 50).replace(' ', '')}")
    codes = [d.replace(".", "") for d in snap.dx]
    segs.append("HI*" + "*".join((f"ABK:{c}" if i == 0 else f"ABF:{c}") for i, c in enumerate(codes[:12])))
    rendering = next((ln.rendering_npi for ln in snap.lines if ln.rendering_npi), "")
    if rendering:
        r = snap.rendering
        segs.append(f"NM1*82*1*{clean(r.last, 60)}*{clean(r.first, 35)}****XX*{rendering}")
        if r.taxonomy:
            segs.append(f"PRV*PE*PXC*{r.taxonomy}")
    if snap.facility is not None and snap.facility.address.street:
        f = snap.facility
        segs.append(f"NM1*77*2*{clean(f.name or snap.billing.name, 60)}" + (f"*****XX*{f.npi}" if f.npi else ""))
        segs += _addr(f.address)
    if snap.rank != "primary" and snap.other is not None:
        other = snap.other
        segs.append("*".join(["SBR", "P", RELATION.get(other.relationship, "18"), clean(other.group, 50), "", "", "", "", "",
                              FILING.get(other.payer.type, "CI")]))
        for adj_group in sorted({a.group for a in snap.prior_adjustments}):
            segs.append(_cas(adj_group, [(a.reason, a.amount) for a in snap.prior_adjustments if a.group == adj_group]))
        if snap.prior_payer_paid is not None:
            segs.append(f"AMT*D*{amt(snap.prior_payer_paid)}")
        segs.append("OI***Y***Y")
        insured = snap.patient if other.relationship == "self" else other.insured
        segs.append(_nm1("IL", insured, "MI", clean(other.member_id, 80).replace(" ", "")))
        segs.append(f"NM1*PR*2*{clean(other.payer.name, 60)}*****PI*{clean(other.payer.payer_id or other.payer.id, 80).replace(' ', '')}")
    letters = "ABCDEFGHIJKL"
    for n, ln in enumerate(snap.lines, start=1):
        segs.append(f"LX*{n}")
        proc = ":".join(["HC", ln.cpt, *ln.modifiers[:4]])
        pointers = ":".join(str(letters.index(ch) + 1) for ch in ln.dx_pointers[:4])
        segs.append(f"SV1*{proc}*{amt(ln.charge)}*UN*{ln.units}*{ln.pos if ln.pos != pos else ''}**{pointers}")
        segs.append(f"DTP*472*D8*{ln.date_from.strftime('%Y%m%d')}")
        if ln.line_control:
            segs.append(f"REF*6R*{ln.line_control}")
        if snap.rank != "primary" and snap.other is not None and ln.prior_paid is not None:
            other_id = clean(snap.other.payer.payer_id or snap.other.payer.id, 80).replace(" ", "")
            segs.append(f"SVD*{other_id}*{amt(ln.prior_paid)}*{proc}**{ln.units}")
            for g in sorted({a.group for a in ln.prior_adjustments}):
                segs.append(_cas(g, [(a.reason, a.amount) for a in ln.prior_adjustments if a.group == g]))
            if ln.prior_paid_date:
                segs.append(f"DTP*573*D8*{ln.prior_paid_date.strftime('%Y%m%d')}")
    return segs, hl


def _cas(group: str, items: list[tuple[str, Decimal]]) -> str:
    parts = ["CAS", group]
    for reason, amount in items[:6]:
        parts += [reason, amt(amount), ""]
    return "*".join(parts).rstrip("*")


def write_837p(snapshots: list[ClaimSnapshot], env: Envelope) -> str:
    """One ISA/GS/ST interchange holding every claim; claims are grouped under one billing provider."""
    if not snapshots:
        raise ValueError("no claims to write")
    when = env.when or datetime.now()
    first = snapshots[0]
    b = first.billing
    st = f"{env.control:04d}"
    segs = [f"ST*837*{st}*005010X222A1",
            f"BHT*0019*00*{env.control}*{when.strftime('%Y%m%d')}*{when.strftime('%H%M')}*CH",
            f"NM1*41*2*{clean(env.submitter_name, 60)}*****46*{clean(env.submitter_id, 80).replace(' ', '')}",
            f"PER*IC*{clean(env.contact_name, 60)}*TE*{re.sub(r'[^0-9]', '', env.contact_phone)}",
            f"NM1*40*2*{clean(env.receiver_name, 60)}*****46*{clean(env.receiver_id, 80).replace(' ', '')}",
            "HL*1**20*1"]
    if b.taxonomy:
        segs.append(f"PRV*BI*PXC*{b.taxonomy}")
    if first.tax_id_type == "ssn" and b.last:
        segs.append(f"NM1*85*1*{clean(b.last, 60)}*{clean(b.first, 35)}****XX*{b.npi}")
    else:
        segs.append(f"NM1*85*2*{clean(b.name, 60)}*****XX*{b.npi}")
    segs += _addr(b.address)
    segs.append(f"REF*{'SY' if first.tax_id_type == 'ssn' else 'EI'}*{re.sub(r'[^0-9]', '', first.tax_id)}")
    if b.address.phone:
        segs.append(f"PER*IC*{clean(b.name, 60)}*TE*{re.sub(r'[^0-9]', '', b.address.phone)}")
    hl = 2
    for snap in snapshots:
        claim_segs, hl = _claim(snap, hl)
        segs += claim_segs
    segs.append(f"SE*{len(segs) + 1}*{st}")
    sender = (env.sender_id or env.submitter_id)[:15]
    receiver = (env.receiver_isa_id or env.receiver_id)[:15]
    isa = (f"ISA*00*{'':10}*00*{'':10}*{env.sender_qualifier}*{sender:<15}*{env.receiver_qualifier}*{receiver:<15}*"
           f"{when.strftime('%y%m%d')}*{when.strftime('%H%M')}*^*00501*{env.control:09d}*0*{env.usage}*:")
    gs = f"GS*HC*{sender.strip()}*{receiver.strip()}*{when.strftime('%Y%m%d')}*{when.strftime('%H%M')}*{env.control}*X*005010X222A1"
    out = [isa, gs, *segs, f"GE*1*{env.control}", f"IEA*1*{env.control:09d}"]
    return "~\n".join(out) + "~\n"
