"""`claimkit import 837`: the claims another tool sent, rebuilt as payers, clients, sessions and sent claims.

Every tool that billed electronically left 837P files behind, so this path needs no vendor's format. Each claim
of the file becomes a claim here (status sent, dated the file's date, its sessions billed, their charges
posted), keeping the old claim number (CLM01) as the claim's external id: the payer echoes that number in the
835, so the clearinghouse's past 835s, imported afterwards with `era import`, post onto these claims. People and
payers already here are reused (a client by member ID, or name and date of birth; a payer by payer ID or name).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, dollars
from claimkit.core.records import Client, Payer, normalize_dx
from claimkit.switching.outcome import ImportReport, Outcome, imported_before, record_import, slug, unique
from claimkit.switching.table import read_file
from claimkit.store.workspace import Workspace

RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child"}
SEX = {"F": "F", "M": "M"}


@dataclass
class _Plan:
    payers: dict[str, Payer] = field(default_factory=dict)  # new ones
    clients: dict[str, Client] = field(default_factory=dict)  # new ones
    claims: list[tuple[Any, str, str]] = field(default_factory=list)  # (reader claim, client id, payer id)


def _file_date(f) -> date:
    text = f.interchanges[0].date if f.interchanges else ""
    if re.fullmatch(r"\d{6}", text):
        return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))
    days = [ln.date_from for c in f.claims for ln in c.lines if ln.date_from]
    return max(days) if days else date.today()


def _payer(ws: Workspace, plan: _Plan, claim) -> str:
    party = claim.payer
    name = (party.last if party else "").strip() or "Unknown payer"
    pid = (party.id if party else "").strip()
    for p in (*ws.payers.values(), *plan.payers.values()):
        if (pid and p.payer_id == pid) or p.name.lower() == name.lower():
            return p.id
    new_id = unique(slug(name), set(ws.payers) | set(plan.payers))
    plan.payers[new_id] = Payer(id=new_id, name=name.title() if name.isupper() else name, payer_id=pid)
    return new_id


def _client(ws: Workspace, plan: _Plan, claim, payer: str, where: str) -> tuple[str, bool]:
    """(client id, made now): the patient of the claim, found among the clients or made from the claim."""
    person = claim.patient or claim.subscriber
    if person is None or not person.last:
        raise ClaimkitError(f"{where}: no patient or subscriber name (NM1*IL/QC); not a claim this import can use")
    member = (claim.subscriber.id if claim.subscriber else "").strip()
    candidates = [*ws.clients(), *plan.clients.values()]
    for c in candidates:
        if member and any(p.member_id.upper() == member.upper() and p.payer == payer for p in c.policies) \
                and c.last.lower() == person.last.lower():
            return c.id, False
    for c in candidates:
        if (c.first.lower(), c.last.lower(), c.dob) == (person.first.lower(), person.last.lower(), person.dob):
            return c.id, False
    if person.dob is None:
        raise ClaimkitError(f"{where}: the patient has no date of birth (DMG); add the client first with 'claimkit client add'")
    cid = unique(slug(person.first, person.last), set(ws.client_ids()) | set(plan.clients))
    relationship = RELATIONSHIP.get(claim.relationship, "other")
    policy: dict[str, Any] = {"payer": payer, "member_id": member, "group": claim.group, "plan_name": claim.plan_name,
                              "rank": "secondary" if claim.rank == "S" else "primary", "relationship": relationship,
                              "cost_sharing": "coinsurance", "coinsurance": "0"}
    if relationship != "self" and claim.subscriber is not None:
        s = claim.subscriber
        policy["insured"] = {"first": s.first, "last": s.last, "dob": s.dob.isoformat() if s.dob else None,
                             "sex": SEX.get(s.sex), "address": {"street": s.street, "city": s.city, "state": s.state,
                                                                "zip": s.zip}}
    data = {"id": cid, "first": person.first.title() if person.first.isupper() else person.first,
            "last": person.last.title() if person.last.isupper() else person.last, "dob": person.dob.isoformat(),
            "sex": SEX.get(person.sex, "X"), "address": {"street": person.street, "street2": person.street2,
                                                          "city": person.city, "state": person.state, "zip": person.zip},
            "dx": [d for d in _icd10(claim) if d][:12], "policies": [policy]}
    from pydantic import ValidationError

    from claimkit.core import schema

    try:
        plan.clients[cid] = schema.Client.model_validate(data).to_record()
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ClaimkitError(f"{where}: the patient's {'.'.join(str(p) for p in err['loc'])}: {err['msg']}") from None
    return cid, True


def _icd10(claim) -> list[str]:
    """The claim's ICD-10-CM codes in order (ABK/ABF); ICD-9 codes (BK/BF, before October 2015) are not kept."""
    out = []
    for code, qual in zip(claim.dx, claim.dx_qualifiers or ["ABK"] * len(claim.dx)):
        try:
            out.append(normalize_dx(code) if qual in ("ABK", "ABF") else "")
        except ValueError:
            out.append("")
    return out


def _read(path: Path):
    from claimkit.claims.read_837p import read_837p

    raw = read_file(path, "837P")
    f = read_837p(raw)
    bad = next((n for n in f.notices if n[0] == "error"), None)
    if bad is not None:
        raise ClaimkitError(f"{path.name}: {bad[2]}; not a readable 837P file")
    if not f.claims:
        raise ClaimkitError(f"{path.name}: no claims (CLM) in it; give the 837P files the old tool sent")
    return raw, f


def import_837(ws: Workspace, path: Path, *, dry_run: bool = False) -> ImportReport:
    from claimkit.claims.build import build_claims
    from claimkit.claims.ledger import record_claims
    from claimkit.sessions.sessions import NewSession, get_session, insert_session, prepare_session
    from claimkit.store import files

    raw, f = _read(path)
    report = ImportReport("claims from 837P", path.name, dry_run)
    fingerprint = hashlib.sha256(raw).hexdigest()
    seen = imported_before(ws.conn, fingerprint, path.name)
    if seen:
        report.already = seen
        return report
    on_file = {x for (x,) in ws.conn.execute("SELECT external_id FROM claims WHERE external_id IS NOT NULL")}
    plan = _Plan()
    for claim in f.claims:
        where = f"{path.name} segment {claim.segment} (CLM {claim.claim_id})"
        external = claim.claim_id.strip().upper()
        if not external:
            raise ClaimkitError(f"{where}: CLM01 is empty; not a claim this import can use")
        if external in on_file:
            report.outcomes.append(Outcome(claim.segment, external, "duplicate", "a claim with this old number is on file"))
            continue
        if claim.frequency in ("7", "8"):
            report.notes.append(f"{where}: a {'replacement' if claim.frequency == '7' else 'void'} of an earlier claim;"
                                " not imported (import the original claim's file)")
            continue
        payer = _payer(ws, plan, claim)
        cid, made = _client(ws, plan, claim, payer, where)
        plan.claims.append((claim, cid, payer))
        on_file.add(external)
        report.outcomes.append(Outcome(claim.segment, external, "create", f"{cid}, {payer}, {len(claim.lines)} line(s),"
                                       f" {dollars(claim.total or ZERO)}" + (" (new client)" if made else "")))
    for p in plan.payers.values():
        report.outcomes.insert(0, Outcome(0, f"payer {p.id}", "create", f"{p.name}, payer ID {p.payer_id or '-'}"))
    if plan.clients:
        report.notes.append(f"{len(plan.clients)} new client(s): their policies' cost sharing is not in an 837;"
                            " set it with 'claimkit client edit ID'")
    if dry_run or not plan.claims:
        if not dry_run:
            with ws.transaction() as conn:
                record_import(conn, fingerprint, "837-history", path.name, report.summary())
            report.applied = True
        return report
    day = _file_date(f)
    control = f.interchanges[0].control if f.interchanges else ""
    with ws.transaction() as conn:
        if imported_before(conn, fingerprint, path.name):
            raise ClaimkitError(f"{path.name} was imported meanwhile by another claimkit command; nothing was done")
        import_id = record_import(conn, fingerprint, "837-history", path.name, report.summary())
        if plan.payers:
            files.save_payers(ws.home, {**files.load_payers(ws.home), **plan.payers})
        for client in plan.clients.values():
            files.save_client(ws.home, client)
        ws.forget()
        for claim, cid, payer in plan.claims:
            sessions = []
            for ln in claim.lines:
                codes = _icd10(claim)
                dx = [codes[p - 1] for p in ln.pointers if 0 < p <= len(codes) and codes[p - 1]]
                new = NewSession(client=cid, day=ln.date_from or day, cpt=ln.cpt, units=max(1, int(float(ln.units or 1))),
                                 modifiers=list(ln.modifiers), pos=ln.pos or claim.pos or None, dx=dx,
                                 fee=ln.charge or ZERO, note=f"from {path.name}")
                try:
                    prepared = prepare_session(ws, new)
                except ClaimkitError as exc:
                    raise ClaimkitError(f"{path.name} segment {ln.segment} (claim {claim.claim_id} line {ln.number}): {exc}") from None
                if prepared.payer != payer:
                    prepared = dataclasses.replace(prepared, payer=payer)
                sessions.append(get_session(ws, insert_session(conn, prepared, source=f"history:{import_id}"),
                                            with_estimate=False))
            snapshots = build_claims(ws, sessions, conn=conn, created=day)
            if len(snapshots) != 1:
                raise ClaimkitError(f"{path.name} claim {claim.claim_id}: its lines do not make one claim here"
                                    " (several policies or authorizations); import it by hand")
            record_claims(ws, snapshots, None, conn=conn, status="sent")
            conn.execute("UPDATE claims SET external_id = ?, sent_via = 'history', control_number = ?, created = ?"
                         " WHERE id = ?", (claim.claim_id.strip().upper(), control, day.isoformat(),
                                           snapshots[0].claim_id))
    report.applied = True
    return report
