"""A claim's submission history: every event in order (built, printed or sent, 999, 277CA from the clearinghouse
then the payer, 277 answers, 835 postings), and the statuses acknowledgements may set.

Events of our own are rows of `claim_events`; 'built' comes from the claim itself and 835 postings from
`remit_claims`, so a claim exported before the history existed still shows what is known of it."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from claimkit.core.codes import ACCEPTED, BILLED, CLP02_DENIED, REJECTED

# the statuses an acknowledgement may change: a claim with a remittance posted (paid, denied, ...) or corrected
# (replaced, voided) keeps its status; the event is still recorded
ACK_MUTABLE = frozenset({BILLED, ACCEPTED, REJECTED})


@dataclass(frozen=True, slots=True)
class Event:
    at: str  # ISO date or timestamp
    kind: str  # built, printed, sent, resent, 999, ta1, 277ca, 277, 835
    status: str  # accepted, rejected, pending, finalized, paid, ...
    source: str  # AY clearinghouse / PR payer for a 277CA
    detail: str  # plain words
    file: str
    control: str
    data: dict

    def as_json(self) -> dict:
        return {"at": self.at, "kind": self.kind, "status": self.status, "source": self.source, "detail": self.detail,
                "file": self.file, "control": self.control, **({"data": self.data} if self.data else {})}


def add_event(conn: sqlite3.Connection, claim_id: str, at: str, kind: str, *, status: str = "", source: str = "",
              detail: str = "", file: str = "", control: str = "", import_id: int | None = None,
              data: dict | None = None, now: str = "") -> None:
    from claimkit.store.ledger import now_iso

    conn.execute("INSERT INTO claim_events (claim_id, at, kind, status, source, detail, file, control, import_id, data,"
                 " created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                 (claim_id, at, kind, status, source, detail, file, control, import_id,
                  json.dumps(data or {}, sort_keys=True), now or now_iso()))


_INSERT = ("INSERT INTO claim_events (claim_id, at, kind, status, source, detail, file, control, import_id, data, created)"
           " VALUES (?,?,?,?,?,?,?,?,?,?,?)")


def event_row(claim_id: str, at: str, kind: str, *, status: str = "", source: str = "", detail: str = "",
              file: str = "", control: str = "", import_id: int | None = None, data: dict | None = None,
              now: str) -> tuple:
    """One claim_events row, for `add_events` (many at once)."""
    return (claim_id, at, kind, status, source, detail, file, control, import_id,
            json.dumps(data, sort_keys=True) if data else "{}", now)


def add_events(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(_INSERT, rows)


def statuses(conn: sqlite3.Connection, claim_ids) -> dict[str, tuple[str, str, str, str]]:
    """id -> (status, client, payer, payer claim number) of the claims that exist, read in batches."""
    ids = list(dict.fromkeys(claim_ids))
    out: dict[str, tuple[str, str, str, str]] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for r in conn.execute(f"SELECT id, status, client, payer, COALESCE(payer_claim_number, '') FROM claims WHERE id IN"
                              f" ({','.join('?' * len(chunk))})", chunk):
            out[r[0]] = (r[1], r[2], r[3], r[4])
    return out


def next_status(current: str, wanted: str) -> str:
    """The status an acknowledgement leaves: `wanted` when the current one allows it."""
    return wanted if current in ACK_MUTABLE else current


def set_status(conn: sqlite3.Connection, claim_id: str, status: str) -> str:
    """Set an acknowledgement's status when the claim's current one allows it; returns the status it has after."""
    row = conn.execute("SELECT status FROM claims WHERE id = ?", (claim_id,)).fetchone()
    if row is None:
        return ""
    if row[0] in ACK_MUTABLE and row[0] != status:
        conn.execute("UPDATE claims SET status = ? WHERE id = ?", (status, claim_id))
        return status
    return row[0]


def timeline(conn: sqlite3.Connection, claim_id: str) -> list[Event]:
    """Every event of one claim, oldest first (one read)."""
    claim = conn.execute("SELECT created, rendered_file, rendered_at, sent_via, control_number FROM claims WHERE id = ?",
                         (claim_id,)).fetchone()
    if claim is None:
        return []
    out = [(claim[0], Event(claim[0], "built", "", "", "built from its sessions", "", "", {}))]
    rows = conn.execute("SELECT at, kind, status, source, detail, file, control, data, created FROM claim_events"
                        " WHERE claim_id = ? ORDER BY id", (claim_id,)).fetchall()
    if not any(r[1] in ("sent", "printed") for r in rows) and claim[2]:  # sent or printed before the history existed
        how = "sent" if claim[3] == "837p" else "printed"
        out.append((claim[2], Event(claim[2], how, "", "", f"{how} ({claim[1]})" + (f", interchange {claim[4]}" if claim[4] else ""),
                                    claim[1] or "", claim[4] or "", {})))
    out += [(r[8], Event(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7] or "{}"))) for r in rows]
    for day, code, paid, number, source, created in conn.execute(
            "SELECT rc.date, rc.status_code, rc.paid_cents, rc.payer_claim_number, r.source, r.created FROM remit_claims rc"
            " JOIN remittances r ON r.id = rc.remittance_id WHERE rc.claim_id = ? ORDER BY rc.id", (claim_id,)):
        what = "835 remittance" if source == "era" else "paper EOB"
        out.append((created, Event(day or "", "835" if source == "era" else "eob", "denied" if code == CLP02_DENIED else "posted", "PR",
                                   f"{what}: paid {paid / 100:.2f} (claim status {code})"
                                   + (f", payer claim number {number}" if number else ""), "", number or "", {})))
    # in the order claimkit learned of them (an acknowledgement's own date may be earlier than the day it came)
    return [e for _, e in sorted(out, key=lambda pair: pair[0] or "")]
