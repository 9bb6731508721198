"""After a claim: the claim to the secondary payer once the primary's remittance is posted, and corrections
(replacement, frequency 7, and void, frequency 8) of a claim already sent."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from datetime import date

from claimkit.claims.build import (Emit, _Group, _group, _next_claim_id, _patient_paid, _preview_ids, _snapshot, issue_claims,
                                   snap_policy)
from claimkit.claims.ledger import _sessions_of, active_claims, get_claim, list_claims
from claimkit.core.codes import (CARC_BY_PR_REASON, CAS_GROUP_4010, CAS_GROUPS, PR_CODE_OF_NOTE_SQL, REPLACED, SUPERSEDED,
                                 VOIDED)
from claimkit.core.entries import ClaimSnapshot, SnapAdjustment
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import from_cents
from claimkit.sessions.sessions import get_session
from claimkit.store.workspace import Workspace


# --- secondary claims ------------------------------------------------------------------------------------

_GROUP_REASON = re.compile(f"({'|'.join((*CAS_GROUPS, CAS_GROUP_4010))})" r"[-\s]?(\d{1,3}|[A-Z]\d{1,2})")


def _adjustment(kind: str, reason: str) -> tuple[str, str]:
    """A posting's kind and reason -> (CAS group, CARC): 'CO-45' -> (CO, 45); patient_resp 'copay' -> (PR, 3)."""
    m = _GROUP_REASON.fullmatch(reason.strip().upper())
    if m:
        return m.group(1), m.group(2)
    if kind == "patient_resp":
        return "PR", CARC_BY_PR_REASON.get(reason.strip().lower(), reason.strip().upper() or "3")
    if kind == "contractual":
        return "CO", reason.strip().upper() or "45"
    return "OA", reason.strip().upper() or "23"


def _remittance(ws: Workspace, claim_id: str):
    rows = ws.conn.execute(
        f"SELECT session_id, kind, CASE WHEN kind = 'patient_resp' AND note GLOB 'PR-?*' THEN {PR_CODE_OF_NOTE_SQL} ELSE reason END AS reason,"
        " amount_cents, date FROM postings WHERE claim_id = ? AND source IN ('era', 'eob')"
        " AND kind IN ('insurance_paid', 'contractual', 'patient_resp', 'other_adj') ORDER BY id", (claim_id,)).fetchall()
    paid: dict[int | None, int] = {}
    adjust: dict[int | None, dict[tuple[str, str], int]] = {}
    dates: dict[int | None, str] = {}
    for r in rows:
        sid = r["session_id"]
        if r["kind"] == "insurance_paid":
            paid[sid] = paid.get(sid, 0) + r["amount_cents"]
            dates[sid] = max(dates.get(sid, ""), r["date"])
        else:
            key = _adjustment(r["kind"], r["reason"])
            bucket = adjust.setdefault(sid, {})
            bucket[key] = bucket.get(key, 0) + r["amount_cents"]
            dates.setdefault(sid, r["date"])
    return rows, paid, adjust, dates


def _adjustments(bucket: dict[tuple[str, str], int]) -> list[SnapAdjustment]:
    return [SnapAdjustment(group=g, reason=reason, amount=from_cents(c)) for (g, reason), c in bucket.items() if c > 0]


def build_secondary(ws: Workspace, primary_id: str, *, conn: sqlite3.Connection | None = None,
                    created: date | None = None, frequency: str = "1", original_ref: str = "",
                    claim_id: str | None = None, allow_existing: bool = False) -> ClaimSnapshot:
    """The claim to the secondary payer after the primary's remittance is posted: 9/9a/9d/11d name the primary,
    29 carries what it paid, and each line keeps the primary's payment and adjustments (for the 837P)."""
    row, primary = get_claim(ws, primary_id)
    if row.rank != "primary":
        raise ClaimkitError(f"claim {row.id} is a {row.rank} claim; give the primary claim's id with --secondary")
    if row.status in SUPERSEDED or row.frequency == "8":
        raise ClaimkitError(f"claim {row.id} is {row.status if row.status in SUPERSEDED else 'a void'}; bill the secondary from the claim that stands")
    rows, paid, adjust, dates = _remittance(ws, row.id)
    if not rows:
        raise ClaimkitError(f"claim {row.id} has no remittance from {primary.billed.payer.name} posted yet: import the ERA"
                            " ('claimkit era import FILE') or post the EOB first, then bill the secondary")
    client = ws.client(row.client)
    first_day = min(line.date_from for line in primary.lines)
    second = client.policy(first_day, "secondary")
    if second is None:
        raise ClaimkitError(f"{client.id} has no secondary policy in force on {first_day}; add it with"
                            f" 'claimkit client policy add {client.id} --secondary ...'")
    if not allow_existing:
        existing = active_claims(ws, row.sessions, rank="secondary")
        if existing:
            raise ClaimkitError(f"claim {row.id} is already billed to the secondary as {existing[0]}; re-render it with --claim {existing[0]}")
    sessions = _sessions_of(ws, row.id)
    g = _Group(client, ws.payer(second.payer), second, primary.prior_auth, sessions, list(primary.dx))
    if claim_id is None:
        claim_id = _next_claim_id(conn) if conn is not None else _preview_ids(ws, 1)[0]
    conn = conn or ws.conn
    other = primary.billed.replace(payer_claim_number=row.payer_claim_number or "")
    snap = _snapshot(ws, conn, g, claim_id, created or date.today(), rank="secondary",
                     billed=snap_policy(ws, client, second), other=other, frequency=frequency, original_ref=original_ref)
    lines = []
    by_session = {line.session_id: line for line in primary.lines}
    for line in snap.lines:
        sid = line.session_id
        src = by_session.get(sid)
        paid_date = dates.get(sid)
        lines.append(line.replace(
            dx_pointers=src.dx_pointers if src else line.dx_pointers,
            prior_paid=from_cents(paid.get(sid, 0)),
            prior_adjustments=_adjustments(adjust.get(sid, {})),
            prior_paid_date=date.fromisoformat(paid_date) if paid_date else None,
        ))
    total_paid = from_cents(sum(paid.values()))
    box29 = total_paid
    if ws.payer(second.payer).box29_includes_patient_paid:
        box29 += _patient_paid(conn, [line.session_id for line in snap.lines if line.session_id is not None])
    return snap.replace(lines=lines, amount_paid=box29, prior_payer_paid=total_paid,
                        prior_adjustments=_adjustments(adjust.get(None, {})))


def primary_claims_of(ws: Workspace, session_ids: Sequence[int]) -> list[str]:
    """The primary claims that stand for these sessions (to bill their secondary)."""
    out = []
    for sid in session_ids:
        get_session(ws, sid, with_estimate=False)  # unknown id -> NotFound naming it
        found = active_claims(ws, [sid], rank="primary")
        if not found:
            raise ClaimkitError(f"session {sid} is not on a primary claim yet; bill the primary first")
        out.append(found[-1])
    return list(dict.fromkeys(out))


def eligible_for_secondary(ws: Workspace, client: str | None = None) -> list[str]:
    """Primary claims with a posted remittance, a secondary policy and no secondary claim yet."""
    out = []
    for row in list_claims(ws, client=client):
        if row.rank != "primary" or row.status in SUPERSEDED or row.frequency == "8":
            continue
        if not ws.conn.execute("SELECT 1 FROM postings WHERE claim_id = ? AND source IN ('era', 'eob') LIMIT 1", (row.id,)).fetchone():
            continue
        try:
            c = ws.client(row.client)
        except ClaimkitError:
            continue
        _, snap = get_claim(ws, row.id)
        if c.policy(min(line.date_from for line in snap.lines), "secondary") is None:
            continue
        if active_claims(ws, row.sessions, rank="secondary"):
            continue
        out.append(row.id)
    return out


def create_secondary(ws: Workspace, primary_ids: Sequence[str], emit: Emit | None, *,
                     created: date | None = None) -> list[ClaimSnapshot]:
    return issue_claims(ws, lambda conn: [build_secondary(ws, cid, conn=conn, created=created) for cid in primary_ids], emit)


# --- corrections (box 22) --------------------------------------------------------------------------------

def correct_claim(ws: Workspace, claim_id: str, mode: str, payer_claim_number: str | None = None, emit: Emit | None = None,
                  *, created: date | None = None) -> ClaimSnapshot:
    """A replacement (frequency 7: rebuilt from today's records) or void (8: the original as sent) of a claim,
    referencing the payer's claim number; the original becomes 'replaced' or 'voided'. A void returns the
    sessions to unbilled when no other claim stands for them."""
    if mode not in ("replace", "void"):
        raise ValueError(mode)
    row, original = get_claim(ws, claim_id)
    if row.status in SUPERSEDED or row.frequency == "8":
        raise ClaimkitError(f"claim {row.id} is {row.status if row.status in SUPERSEDED else 'a void'} already; correct the claim that replaced it")
    ref = (payer_claim_number or row.payer_claim_number or "").strip()
    if not ref:
        raise ClaimkitError(f"--payer-claim-number is required: the payer's claim number for {row.id} (ICN/DCN on the EOB or ERA)")
    from claimkit.core.identifiers import payer_claim_number

    try:
        payer_claim_number(ref)
    except ValueError as exc:
        raise ClaimkitError(f"--payer-claim-number {exc}") from None
    created = created or date.today()
    frequency = "7" if mode == "replace" else "8"

    def build(conn: sqlite3.Connection) -> list[ClaimSnapshot]:
        new_id = _next_claim_id(conn)
        if mode == "void":
            lines = [ln.replace(line_control=f"{new_id}L{ln.line_no}") for ln in original.lines]
            return [original.replace(claim_id=new_id, frequency=frequency, original_ref=ref, lines=lines, created=created,
                                     signed_date=created)]
        if row.rank == "secondary":
            primaries = active_claims(ws, row.sessions, rank="primary")
            if not primaries:
                raise ClaimkitError(f"claim {row.id}: its primary claim no longer stands; correct the primary first")
            return [build_secondary(ws, primaries[-1], conn=conn, created=created, frequency=frequency, original_ref=ref,
                                    claim_id=new_id, allow_existing=True)]
        groups = _group(ws, _sessions_of(ws, row.id))
        if len(groups) != 1:
            raise ClaimkitError(f"claim {row.id}: its sessions no longer fit one claim (policy or authorization changed);"
                                " void it and bill them again")
        return [_snapshot(ws, conn, groups[0], new_id, created, frequency=frequency, original_ref=ref)]

    def after(conn: sqlite3.Connection, snaps: list[ClaimSnapshot]) -> None:
        conn.execute("UPDATE claims SET status = ?, payer_claim_number = COALESCE(payer_claim_number, ?) WHERE id = ?",
                     (REPLACED if mode == "replace" else VOIDED, ref, row.id))
        if mode == "void":
            for sid in row.sessions:
                if not active_claims(ws, [sid]):
                    conn.execute("UPDATE sessions SET status = 'unbilled' WHERE id = ? AND status = 'billed'", (sid,))

    return issue_claims(ws, build, emit, original=row.id, after=after)[0]
