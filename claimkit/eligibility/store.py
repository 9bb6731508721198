"""The ledger's eligibility rows: inquiries written, benefits snapshots (dated, never overwritten), unmatched answers.

Light on purpose (sqlite3 and json only): the estimate of `session add` and the checks read the latest snapshot.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from claimkit.core.lightclass import lightclass
from claimkit.eligibility.benefits import Snapshot


@lightclass(frozen=True)
class Stored:
    id: int
    client: str
    payer: str
    member_id: str
    rank: str
    as_of: date
    source_file: str
    matched_by: str
    created: str
    snapshot: Snapshot


def _stored(row) -> Stored:
    sid, client, payer, member, rank, as_of, source, matched, created, data = row
    return Stored(sid, client, payer, member, rank, date.fromisoformat(as_of), source, matched, created,
                  Snapshot.from_json(data))


_COLUMNS = "id, client, payer, member_id, rank, as_of, source_file, matched_by, created, data"


def history(conn: sqlite3.Connection, client: str) -> list[Stored]:
    """Every snapshot of a client, newest first."""
    return [_stored(r) for r in conn.execute(
        f"SELECT {_COLUMNS} FROM benefits WHERE client = ? ORDER BY as_of DESC, id DESC", (client,))]


def latest(conn: sqlite3.Connection, clients: list[str] | None = None) -> dict[tuple[str, str], Stored]:
    """(client, payer) -> the newest snapshot (by the 271's date, then by when it was imported)."""
    args: list = []
    where = ""
    if clients is not None:
        if not clients:
            return {}
        if len(clients) <= 500:
            where = f" WHERE client IN ({','.join('?' * len(clients))})"
            args = list(clients)
    out: dict[tuple[str, str], Stored] = {}
    try:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM benefits{where} ORDER BY as_of, id", args).fetchall()
    except sqlite3.OperationalError:  # a ledger from before eligibility (read-only copies in reports)
        return {}
    wanted = set(clients) if clients is not None else None
    for r in rows:
        if wanted is None or r[1] in wanted:
            out[(r[1], r[2])] = r
    return {k: _stored(v) for k, v in out.items()}


def latest_received(conn: sqlite3.Connection) -> dict[str, str]:
    """client -> the newest date of a 271 on file (any payer)."""
    try:
        return dict(conn.execute("SELECT client, MAX(as_of) FROM benefits GROUP BY client"))
    except sqlite3.OperationalError:
        return {}


def unmatched(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT id, source_file, payer_name, member_id, patient, dob, trace, reason, created"
                        " FROM eligibility_unmatched ORDER BY id").fetchall()


def inquiries(conn: sqlite3.Connection, client: str | None = None) -> list[sqlite3.Row]:
    sql = ("SELECT trace, client, payer, member_id, rank, service_type, service_date, file, control_number, created"
           " FROM eligibility_inquiries")
    args = []
    if client:
        sql += " WHERE client = ?"
        args.append(client)
    return conn.execute(sql + " ORDER BY id", args).fetchall()
