"""The claims in the ledger: recording built claims (claims, claim lines, sessions marked billed) and reading them back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from claimkit.core.codes import BILLED, SUPERSEDED, sql_list
from claimkit.core.entries import ClaimSnapshot
from claimkit.core.errors import ClaimkitError, NotFound
from claimkit.core.money import from_cents, to_cents
from claimkit.sessions.sessions import SessionRow, get_session
from claimkit.store.ledger import now_iso
from claimkit.store.workspace import Workspace

REMIT_SOURCES = ("era", "eob")


# --- recording -------------------------------------------------------------------------------------------

def record_claims(ws: Workspace, snapshots: Sequence[ClaimSnapshot], rendered_file: str | None, *,
                  conn: sqlite3.Connection | None = None, original: str | None = None, status: str = BILLED) -> None:
    """Insert claims and claim lines and mark their sessions billed, in one transaction (the caller's, if given).
    `original` is the claim a replacement or void corrects."""
    if conn is None:
        with ws.transaction() as tx:
            record_claims(ws, snapshots, rendered_file, conn=tx, original=original, status=status)
        return
    now = now_iso()
    for snap in snapshots:
        conn.execute(
            "INSERT INTO claims (id, client, payer, rank, status, frequency, original_claim, total_cents, pages, snapshot,"
            " created, rendered_file, rendered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (snap.claim_id, snap.patient_client_id, snap.billed.payer.id, snap.rank, status, snap.frequency, original,
             to_cents(snap.total_charge), len(snap.pages), snap.to_json(), now, rendered_file,
             now if rendered_file else None))
        for line in snap.lines:
            conn.execute(
                "INSERT INTO claim_lines (claim_id, line_no, session_id, date, cpt, modifiers, units, charge_cents)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (snap.claim_id, line.line_no, line.session_id, line.date_from.isoformat(), line.cpt,
                 ",".join(line.modifiers), line.units, to_cents(line.charge)))
        if snap.rank == "primary" and snap.frequency == "1":
            ids = [line.session_id for line in snap.lines if line.session_id is not None]
            marks = ",".join("?" * len(ids))
            changed = conn.execute(f"UPDATE sessions SET status = 'billed' WHERE status = 'unbilled' AND id IN ({marks})",
                                   ids).rowcount
            if changed != len(set(ids)):
                raise ClaimkitError(f"claim {snap.claim_id}: some of its sessions were billed or voided meanwhile; run the command again")


# --- reading ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimRow:
    id: str
    client: str
    payer: str
    rank: str
    status: str
    frequency: str
    original_claim: str | None
    payer_claim_number: str | None
    total_charge: Decimal
    pages: int
    sessions: tuple[int, ...]
    created: str
    rendered_file: str | None
    rendered_at: str | None

    def as_json(self) -> dict:
        return {"id": self.id, "client": self.client, "payer": self.payer, "rank": self.rank, "status": self.status,
                "frequency": self.frequency, "original_claim": self.original_claim,
                "payer_claim_number": self.payer_claim_number, "total_charge": f"{self.total_charge:.2f}",
                "pages": self.pages, "sessions": list(self.sessions), "created": self.created,
                "rendered_file": self.rendered_file, "rendered_at": self.rendered_at}


def _claim_row(r: sqlite3.Row, sessions: dict[str, list[int]]) -> ClaimRow:
    return ClaimRow(r["id"], r["client"], r["payer"], r["rank"], r["status"], r["frequency"], r["original_claim"],
                    r["payer_claim_number"], from_cents(r["total_cents"]), r["pages"], tuple(sessions.get(r["id"], ())),
                    r["created"], r["rendered_file"], r["rendered_at"])


def list_claims(ws: Workspace, *, client: str | None = None, status: str | None = None) -> list[ClaimRow]:
    if client is not None:
        ws.client(client)  # unknown id -> NotFound naming it
    where, args = [], []
    if client is not None:
        where.append("client = ?")
        args.append(client)
    if status is not None:
        where.append("lower(status) = lower(?)")
        args.append(status)
    sql = "SELECT id, client, payer, rank, status, frequency, original_claim, payer_claim_number, total_cents, pages," \
          " created, rendered_file, rendered_at FROM claims"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = ws.conn.execute(sql + " ORDER BY created, id", args).fetchall()
    # one client's claims lead their lines (CROSS JOIN keeps the order), instead of every line of the practice
    lines = ("SELECT cl.claim_id, cl.session_id FROM claims c CROSS JOIN claim_lines cl ON cl.claim_id = c.id"
             " WHERE c.client = ? AND cl.session_id IS NOT NULL ORDER BY cl.claim_id, cl.line_no" if client is not None else
             "SELECT claim_id, session_id FROM claim_lines WHERE session_id IS NOT NULL ORDER BY claim_id, line_no")
    sessions: dict[str, list[int]] = {}
    for cid, sid in ws.conn.execute(lines, [client] if client is not None else []):
        sessions.setdefault(cid, []).append(sid)
    return [_claim_row(r, sessions) for r in rows]


def get_claim(ws: Workspace, claim_id: str) -> tuple[ClaimRow, ClaimSnapshot]:
    cid = claim_id.strip().upper()
    r = ws.conn.execute("SELECT * FROM claims WHERE id = ?", (cid,)).fetchone()
    if r is None:
        raise NotFound(f"no claim '{claim_id}': see 'claimkit claim list'")
    sessions = [s for (s,) in ws.conn.execute(
        "SELECT session_id FROM claim_lines WHERE claim_id = ? AND session_id IS NOT NULL ORDER BY line_no", (cid,))]
    try:
        snap = ClaimSnapshot.from_json(r["snapshot"])
    except ValueError as exc:
        raise ClaimkitError(f"claim {cid}: its stored snapshot is unreadable ({exc.__class__.__name__}); restore the ledger from a backup") from None
    return _claim_row(r, {cid: sessions}), snap


def mark_rendered(ws: Workspace, claim_ids: Sequence[str], rendered_file: str) -> None:
    with ws.transaction() as conn:
        now = now_iso()
        for cid in claim_ids:
            conn.execute("UPDATE claims SET rendered_file = ?, rendered_at = ? WHERE id = ?", (rendered_file, now, cid))


def _sessions_of(ws: Workspace, claim_id: str) -> list[SessionRow]:
    ids = [s for (s,) in ws.conn.execute(
        "SELECT session_id FROM claim_lines WHERE claim_id = ? AND session_id IS NOT NULL ORDER BY line_no", (claim_id,))]
    return [get_session(ws, sid, with_estimate=False) for sid in ids]


def active_claims(ws: Workspace, session_ids: Iterable[int], rank: str | None = None) -> list[str]:
    ids = list(session_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    sql = (f"SELECT DISTINCT c.id FROM claim_lines cl JOIN claims c ON c.id = cl.claim_id WHERE cl.session_id IN ({marks})"
           f" AND c.frequency != '8' AND c.status NOT IN ({sql_list(SUPERSEDED)})")
    args: list = [*ids]
    if rank:
        sql += " AND c.rank = ?"
        args.append(rank)
    return [r[0] for r in ws.conn.execute(sql + " ORDER BY c.created, c.id", args)]
