"""Claim status requests: a 005010X212 276 for claims already sent (named, or silent for N days), with the payer's
claim number when a 277CA or 835 gave one. One ISA/GS/ST; per claim: payer (HL 20) > us (HL 21) > billing provider
(HL 19) > subscriber (HL 22) [> dependent (HL 23)] with TRN*1 (our trace: the claim id), REF*1K, REF*EJ (CLM01),
AMT*T3 (the total charge) and DTP*472 (the service dates)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Sequence

from claimkit.core.codes import ACCEPTED, BILLED, sql_list
from claimkit.core.errors import ClaimkitError

VERSION = "005010X212"


@dataclass(frozen=True)
class Written:
    control: str
    claims: list[str]


def silent_claims(conn, days: int, today: date | None = None) -> list[str]:
    """Claims sent `days` ago or more that no remittance answered yet (and not rejected: those need a resend)."""
    cutoff = ((today or date.today()) - timedelta(days=days)).isoformat()
    return [r[0] for r in conn.execute(
        f"SELECT id FROM claims c WHERE status IN ({sql_list((BILLED, ACCEPTED))}) AND sent_via = '837p'"
        " AND substr(rendered_at, 1, 10) <= ? AND NOT EXISTS (SELECT 1 FROM remit_claims rc WHERE rc.claim_id = c.id)"
        " ORDER BY id", (cutoff,))]


def write_276(snaps: list, payer_numbers: dict[str, str], env, when: datetime) -> str:
    from claimkit.claims.x12_837p import amount, code, seg, text, ymd

    sender = code(env.isa_sender_id or env.submitter_id, 15)
    receiver = code(env.isa_receiver_id or env.receiver_id, 15)
    control = f"{env.control:09d}"
    out = [f"ST*276*0001*{VERSION}", seg("BHT", "0010", "13", f"{env.control}", ymd(when), when.strftime("%H%M"))]
    hl = 0
    for snap in snaps:
        payer = snap.billed.payer
        hl += 1
        top = hl
        out += [f"HL*{top}**20*1", seg("NM1", "PR", "2", text(payer.name, 60), "", "", "", "", "PI", code(payer.payer_id, 80))]
        hl += 1
        us = hl
        out += [f"HL*{us}*{top}*21*1", seg("NM1", "41", "2", text(env.submitter_name, 60), "", "", "", "", "46",
                                          code(env.submitter_id))]
        hl += 1
        prov = hl
        b = snap.billing
        name = seg("NM1", "1P", "1", text(b.last, 60), text(b.first, 35), "", "", "", "XX", code(b.npi)) if (
            snap.tax_id_type == "ssn" and b.last) else seg("NM1", "1P", "2", text(b.name, 60), "", "", "", "", "XX",
                                                           code(b.npi))
        out += [f"HL*{prov}*{us}*19*1", name]
        hl += 1
        sub = hl
        billed = snap.billed
        self_insured = billed.relationship == "self"
        insured = snap.patient if self_insured else billed.insured
        out.append(f"HL*{sub}*{prov}*22*{0 if self_insured else 1}")
        if self_insured and snap.patient.dob:
            out.append(seg("DMG", "D8", ymd(snap.patient.dob), (snap.patient.sex or "U").replace("X", "U")))
        out.append(seg("NM1", "IL", "1", text(insured.last, 60), text(insured.first, 35), text(insured.middle, 25)[:1], "",
                       "", "MI", code(billed.member_id)))
        claim_lines: list[str] = []
        claim_lines.append(seg("TRN", "1", code(snap.claim_id, 50)))
        number = payer_numbers.get(snap.claim_id, "")
        if number:
            claim_lines.append(seg("REF", "1K", code(number, 50)))
        claim_lines.append(seg("REF", "EJ", code(snap.claim_id, 50)))
        claim_lines.append(seg("AMT", "T3", amount(snap.total_charge)))
        first = min(ln.date_from for ln in snap.lines)
        last = max(ln.date_to or ln.date_from for ln in snap.lines)
        claim_lines.append(f"DTP*472*RD8*{ymd(first)}-{ymd(last)}")
        if self_insured:
            out += claim_lines
        else:
            hl += 1
            p = snap.patient
            out.append(f"HL*{hl}*{sub}*23")
            if p.dob:
                out.append(seg("DMG", "D8", ymd(p.dob), (p.sex or "U").replace("X", "U")))
            out.append(seg("NM1", "QC", "1", text(p.last, 60), text(p.first, 35), text(p.middle, 25)[:1]))
            out += claim_lines
    out.append(f"SE*{len(out) + 1}*0001")
    isa = (f"ISA*00*{'':10}*00*{'':10}*{env.isa_sender_qualifier}*{sender:<15}*{env.isa_receiver_qualifier}*{receiver:<15}*"
           f"{when.strftime('%y%m%d')}*{when.strftime('%H%M')}*^*00501*{control}*0*{env.usage}*:")
    gs = seg("GS", "HR", code(env.gs_sender_id, 15) or sender, code(env.gs_receiver_id, 15) or receiver, ymd(when),
             when.strftime("%H%M"), str(env.control), "X", VERSION)
    return "~\n".join([isa, gs, *out, f"GE*1*{env.control}", f"IEA*1*{control}"]) + "~\n"


def write_requests(ws, out: Path, *, claim_ids: Sequence[str] = (), silent_days: int | None = None,
                   test: bool = False, when: datetime | None = None) -> Written:
    """Write the 276 and record a 'status asked' event per claim, in one transaction with the control number."""
    from claimkit.acks.history import add_event
    from claimkit.claims.export_837p import edi_settings, envelope, load_claims, with_payer_ids
    from claimkit.store.home import write_output
    from claimkit.store.ledger import next_counter, now_iso

    edi_settings(ws.practice.edi)
    ids = list(claim_ids) if claim_ids else silent_claims(ws.conn, silent_days or 30)
    if not ids:
        return Written("", [])
    snaps = with_payer_ids(ws, load_claims(ws, ids))
    numbers = {r[0]: r[1] for r in ws.conn.execute(
        f"SELECT id, payer_claim_number FROM claims WHERE id IN ({','.join('?' * len(snaps))})",
        [s.claim_id for s in snaps]) if r[1]}
    when = when or datetime.now()
    written = False
    try:
        with ws.transaction() as conn:
            control = next_counter(conn, "isa")
            text = write_276(snaps, numbers, envelope(ws, control, test, when), when)
            now = now_iso()
            for s in snaps:
                add_event(conn, s.claim_id, now, "276", status="asked", file=str(out), control=f"{control:09d}", now=now,
                          detail=f"status asked in {out.name} (276, interchange {control:09d})"
                                 + (f" with payer claim number {numbers[s.claim_id]}" if s.claim_id in numbers else ""))
            write_output(out, text.encode("ascii", "replace"))
            written = True
    except BaseException:
        if written:
            out.unlink(missing_ok=True)
        raise
    if not snaps:
        raise ClaimkitError("no claims to ask about")
    return Written(f"{control:09d}", [s.claim_id for s in snaps])
