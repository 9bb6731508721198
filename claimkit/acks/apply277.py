"""Apply a 277CA (claim acknowledgment) or a 277 (claim status answer) to our claims.

Match: TRN*2 = CLM01 = our claim id; failing that, the member ID with the service dates and total charge. A line's
STC goes to the claim line its REF*FJ (our REF*6R line control number) or its procedure and charge names. A 277CA
sets `accepted` (A2) or `rejected` (A3, A4, A6, A7, A8) on a claim whose status allows it (history.ACK_MUTABLE); a 277
answer is history only. REF*1K, the payer's claim number, is stored on the claim. What matches nothing is kept."""

from __future__ import annotations

import json
import sqlite3

from claimkit.acks import codes
from claimkit.acks.applying import AckResult, ClaimOutcome, keep_unmatched, refuse, run, ymd_iso
from claimkit.acks.history import add_events, event_row, next_status, statuses
from claimkit.acks.status277 import ClaimStatus, LineStatus, Report277, Status, read_277
from claimkit.core.codes import SUPERSEDED, sql_list
from claimkit.x12.envelope import read_transactions

SOURCES = {"AY": "the clearinghouse", "PR": "the payer"}


def _find_claim(conn: sqlite3.Connection, c: ClaimStatus) -> tuple[str | None, str]:
    """(claim id, how it was found)."""
    ref = c.claim_ref.strip().upper()
    if ref and conn.execute("SELECT 1 FROM claims WHERE id = ?", (ref,)).fetchone():
        return ref, "claim id"
    charge = c.charge
    if not (c.member_id and c.service_start and charge is not None):
        return None, ""
    cents = int((charge * 100).to_integral_value())
    start = c.service_start.isoformat()
    end = (c.service_end or c.service_start).isoformat()
    for cid, snapshot in conn.execute(
            f"SELECT c.id, c.snapshot FROM claims c WHERE c.total_cents = ? AND c.status NOT IN ({sql_list(SUPERSEDED)})"
            " AND (SELECT MIN(date) FROM claim_lines l WHERE l.claim_id = c.id) = ?"
            " AND (SELECT MAX(date) FROM claim_lines l WHERE l.claim_id = c.id) = ? ORDER BY c.id DESC", (cents, start, end)):
        member = (json.loads(snapshot).get("billed") or {}).get("member_id", "")
        if member.replace(" ", "").upper() == c.member_id.replace(" ", "").upper():
            return cid, "member ID, service dates and total charge"
    return None, ""


def _line_no(conn: sqlite3.Connection, claim_id: str, ln: LineStatus) -> int | None:
    control = ln.control.strip().upper()
    if control.startswith(claim_id + "L") and control[len(claim_id) + 1:].isdigit():
        return int(control[len(claim_id) + 1:])
    cents = None if ln.charge is None else int((ln.charge * 100).to_integral_value())
    rows = conn.execute("SELECT line_no FROM claim_lines WHERE claim_id = ? AND cpt = ? AND (? IS NULL OR charge_cents = ?)"
                        " ORDER BY line_no", (claim_id, ln.procedure, cents, cents)).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def _words(statuses: tuple[Status, ...]) -> tuple[str, str]:
    """(plain words, boxes) of a claim's or line's statuses."""
    words = "; ".join(codes.status_words(s.category, s.code, s.entity) for s in statuses)
    box = next((codes.entity(s.entity)[1] for s in statuses if s.entity and codes.entity(s.entity)[1]), "")
    return words, box


def _event_kind(c: ClaimStatus, kind: str) -> str:
    if c.rejected:
        return "rejected"
    if kind == "277CA":
        return "accepted" if c.accepted else "received"
    first = c.statuses[0].category[:1] if c.statuses else ""
    return {"P": "pending", "F": "finalized", "R": "information requested", "E": "no answer", "A": "acknowledged",
            "D": "not found"}.get(first, "answered")


def _apply(conn: sqlite3.Connection, report: Report277, result: AckResult, import_id: int, name: str, now: str,
           isa_date: str) -> None:
    from claimkit.acks.apply999 import fix_for

    known = statuses(conn, (c.claim_ref.strip().upper() for c in report.claims))  # one read for the whole file
    events: list[tuple] = []
    status_updates: dict[str, str] = {}
    number_updates: list[tuple[str, str]] = []
    for c in report.claims:
        ref = c.claim_ref.strip().upper()
        if ref in known:
            cid, how = ref, "claim id"
        else:
            cid, how = _find_claim(conn, c)
            if cid is not None and cid not in known:
                known.update(statuses(conn, [cid]))
        words, box = _words(c.statuses)
        if cid is None:
            detail = (f"{report.kind} for claim '{c.claim_ref}' ({c.patient or 'no name'}, member {c.member_id or '-'},"
                      f" {c.service_start or 'no date'}, {c.charge if c.charge is not None else '-'}): {words}")
            keep_unmatched(conn, import_id, report.kind.lower(), c.claim_ref, detail,
                           {"claim_ref": c.claim_ref, "patient": c.patient, "member_id": c.member_id,
                            "service_start": c.service_start, "charge": c.charge, "payer_claim_number": c.payer_claim_number,
                            "statuses": [[s.category, s.code, s.entity] for s in c.statuses]}, now)
            result.unmatched.append(detail)
            continue
        if how != "claim id":
            result.notes.append(f"'{c.claim_ref}' matched claim {cid} by {how}")
        lines = []
        for ln in c.lines:
            n = _line_no(conn, cid, ln)
            lw, lbox = _words(ln.statuses)
            lines.append({"line": n, "procedure": ln.procedure, "words": lw, "box": lbox})
            box = box or lbox
        event = _event_kind(c, report.kind)
        who = SOURCES.get(c.source, c.source_name or c.source)
        detail = f"{report.kind} from {who}" + (f" ({c.source_name})" if c.source_name and who != c.source_name else "")
        detail += f": {words}" + "".join(f"; line {x['line'] or x['procedure']}: {x['words']}" for x in lines)
        status, client, payer, number = known[cid]
        if c.payer_claim_number:
            detail += f"; payer claim number {c.payer_claim_number}"
            if c.payer_claim_number != number and (c.source != "AY" or not number):  # the payer's own wins
                number_updates.append((c.payer_claim_number, cid))
                number = c.payer_claim_number
        day = next((s.date.isoformat() for s in c.statuses if s.date), "") or ymd_iso(isa_date) or now[:10]
        if report.kind == "277CA" and event in ("accepted", "rejected"):
            new = next_status(status, event)
            if new != status:
                status_updates[cid] = new
                status = new
        known[cid] = (status, client, payer, number)
        data = {"lines": lines, "codes": [[s.category, s.code, s.entity] for s in c.statuses]}
        if event == "rejected":
            data.update(box=box, fix=fix_for(box, client, payer, cid))
        events.append(event_row(cid, day, report.kind.lower(), status=event, source=c.source, detail=detail, file=name,
                                control=report.isa13, import_id=import_id, now=now, data=data))
        result.outcomes.append(ClaimOutcome(cid, status, event, detail))
    changed = set(status_updates) | {cid for _, cid in number_updates}  # one UPDATE per claim changed
    conn.executemany("UPDATE claims SET status = ?, payer_claim_number = ? WHERE id = ?",
                     [(known[cid][0], known[cid][3] or None, cid) for cid in changed])
    add_events(conn, events)


def _import(ws, name: str, data: bytes, dry_run: bool, kind: str) -> AckResult:
    from claimkit.store.ledger import now_iso

    env = read_transactions(data)
    if env.problems:
        raise refuse(name, env.problems)
    reports = [(read_277(t, kind), t.isa_date) for t in env.transactions if t.st01 == "277"]
    problems = [p for r, _ in reports for p in r.problems]
    if problems:
        raise refuse(name, problems)

    def apply(conn, result, import_id):
        now = now_iso()
        result.notes += list(env.notes)
        for report, isa_date in reports:
            _apply(conn, report, result, import_id, name, now, isa_date)

    return run(ws, name, data, kind, dry_run, apply)


def import_277ca(ws, name: str, data: bytes, *, dry_run: bool) -> AckResult:
    return _import(ws, name, data, dry_run, "277CA")


def import_277(ws, name: str, data: bytes, *, dry_run: bool) -> AckResult:
    return _import(ws, name, data, dry_run, "277")
