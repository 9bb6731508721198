"""Rejected means work: a claim a 999 or 277CA rejected was never adjudicated, so it goes out again as an original
(frequency 1) with the same claim id and a new snapshot built from today's client and practice data."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Sequence

from claimkit.core.codes import BILLED, REJECTED
from claimkit.core.entries import ClaimSnapshot
from claimkit.core.errors import ClaimkitError
from claimkit.store.ledger import rows_for_ids


def rejected_ids(conn: sqlite3.Connection, claim_ids: Sequence[str]) -> set[str]:
    return {r[0] for r in rows_for_ids(conn, f"SELECT id FROM claims WHERE status = '{REJECTED}' AND id IN ({{ids}})",
                                       claim_ids)}


def rebuild(ws, conn: sqlite3.Connection, snap: ClaimSnapshot, today: date | None = None) -> ClaimSnapshot:
    """A new snapshot of a rejected claim, same id, frequency 1, from the data as it is now; stored in place of the
    old one (claim, lines) in the caller's transaction."""
    from claimkit.claims import build, followup, ledger
    from claimkit.core.money import to_cents

    created = today or date.today()
    if snap.rank != "primary":
        primaries = ledger.active_claims(ws, [ln.session_id for ln in snap.lines if ln.session_id is not None],
                                           rank="primary")
        if not primaries:
            raise ClaimkitError(f"claim {snap.claim_id}: its primary claim no longer stands; correct the primary first")
        new = followup.build_secondary(ws, primaries[-1], conn=conn, created=created, claim_id=snap.claim_id,
                                       allow_existing=True)
    else:
        groups = build._group(ws, ledger._sessions_of(ws, snap.claim_id))
        if len(groups) != 1:
            raise ClaimkitError(f"claim {snap.claim_id}: its sessions no longer fit one claim (policy or authorization"
                                " changed); void it ('claimkit claim correct --void') and bill the sessions again")
        new = build._snapshot(ws, conn, groups[0], snap.claim_id, created)
    conn.execute("UPDATE claims SET snapshot = ?, total_cents = ?, pages = ?, frequency = '1', status = '" + BILLED + "',"
                 " payer = ? WHERE id = ?",
                 (new.to_json(), to_cents(new.total_charge), len(new.pages), new.billed.payer.id, new.claim_id))
    conn.execute("DELETE FROM claim_lines WHERE claim_id = ?", (new.claim_id,))
    for line in new.lines:
        conn.execute("INSERT INTO claim_lines (claim_id, line_no, session_id, date, cpt, modifiers, units, charge_cents)"
                     " VALUES (?,?,?,?,?,?,?,?)",
                     (new.claim_id, line.line_no, line.session_id, line.date_from.isoformat(), line.cpt,
                      ",".join(line.modifiers), line.units, to_cents(line.charge)))
    return new
