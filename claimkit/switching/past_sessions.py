"""`claimkit import sessions`: past sessions, each either billed by the old tool or still to bill here.

A session the old tool billed is kept as history (status billed, never put on a claim here, no money posted: its
money stayed in that tool, and what is still owed comes over with `import balances`); it still counts for
authorization visits and for the deductible the estimates run over. A session not billed yet becomes an
ordinary unbilled session, as `session add` records it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from claimkit.core.errors import ClaimkitError
from claimkit.sessions.sessions import NewSession, Prepared, insert_session, prepare_session
from claimkit.switching.outcome import ImportReport, Outcome, apply_once, imported_before
from claimkit.switching.table import Profile, Row, RowError, Table, cell_date, cell_int, cell_money, split_name
from claimkit.store.workspace import Workspace

FIELDS = ("client_id", "name", "date", "cpt", "minutes", "units", "modifiers", "pos", "dx", "fee", "billed",
          "billed_date", "billed_to", "note")


def find_client(ws: Workspace, row: Row, profile: Profile, by_name: dict[str, list[str]]) -> str:
    """The client a row names: by id, or by first and last name when the export has names only."""
    given = row.get("client_id")
    if given:
        cid = given.strip().lower()
        if cid not in by_name.get("\0ids", []):
            raise RowError(row, "client_id", f"no client {given[:32]!r}; import the clients first (claimkit import clients)")
        return cid
    first, last = split_name(row, profile)
    matches = by_name.get(f"{first} {last}".lower(), [])
    if not matches:
        raise RowError(row, "name", f"no client named {f'{first} {last}'.strip()!r}; import the clients first"
                                    " (claimkit import clients), or give a client_id column")
    if len(matches) > 1:
        raise RowError(row, "name", f"{len(matches)} clients are named {first} {last} ({', '.join(matches)});"
                                    " give a client_id column")
    return matches[0]


def client_index(ws: Workspace) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {"\0ids": ws.client_ids()}
    for c in ws.clients():
        index.setdefault(f"{c.first} {c.last}".lower(), []).append(c.id)
    return index


def _billed(row: Row, profile: Profile, ws: Workspace) -> str | None:
    """Where and when the old tool billed the session, as JSON; None when it is still to bill."""
    flag = row.get("billed").lower()
    day = cell_date(row, "billed_date", profile)
    if flag not in ("", "yes", "no"):
        raise RowError(row, "billed", f"{row.get('billed')[:20]!r} must be yes or no (or map the export's words with --map)")
    if flag == "no" or (not flag and day is None and not row.get("billed_to")):
        return None
    to = row.get("billed_to")
    payer = next((p.id for p in ws.payers.values() if to.lower() in (p.id, p.name.lower(), p.payer_id.lower())), None)
    return json.dumps({"date": day.isoformat() if day else None, "to": payer or to, "file": row.file}, sort_keys=True)


def _new_session(row: Row, profile: Profile, client: str) -> NewSession:
    day = cell_date(row, "date", profile, required=True)
    cpt = row.get("cpt")
    if not cpt:
        raise RowError(row, "cpt", "is empty; give the CPT code, like 90837")
    minutes = cell_int(row, "minutes", 1, 1440)
    units = cell_int(row, "units", 1, 99) or 1
    fee = cell_money(row, "fee")
    split = [m.strip() for m in re.split(r"[;,\s]+", row.get("modifiers")) if m.strip()]
    return NewSession(client=client, day=day, cpt=cpt, minutes=minutes, units=units, modifiers=split,
                      pos=row.get("pos") or None, dx=[d for d in re.split(r"[;,]", row.get("dx")) if d.strip()],
                      fee=fee, note=row.get("note"))


def _prepared(ws: Workspace, row: Row, new: NewSession) -> Prepared:
    try:
        return prepare_session(ws, new)
    except ClaimkitError as exc:  # the session's own checks name an option: say the row and column instead
        text = str(exc)
        column = next((c for c in ("cpt", "minutes", "units", "pos", "dx", "modifiers", "fee") if f"--{c}" in text
                       or (c == "fee" and "no fee" in text) or (c == "modifiers" and "--modifier" in text)), None)
        text = re.sub(r"^--[a-z/-]+(:| '[^']*':)\s*", "", text)
        if "no fee for" in text:
            text += " (or give a fee column)"
        raise RowError(row, column, text) from None


def import_sessions(ws: Workspace, path: Path, profile: Profile, *, dry_run: bool = False,
                    skip_bad: bool = False) -> ImportReport:
    from claimkit.switching.table import read_table

    table: Table = read_table(path, profile)
    report = ImportReport("sessions", table.name, dry_run)
    if table.unused:
        report.notes.append(f"columns not imported: {', '.join(table.unused)} (map them with --map if they matter)")
    seen = imported_before(ws.conn, table.fingerprint, table.name)
    if seen:
        report.already = seen
        return report
    index = client_index(ws)
    on_file = {(c, d, cpt) for c, d, cpt in ws.conn.execute("SELECT client, date, cpt FROM sessions WHERE status != 'void'")}
    planned: list[tuple[Prepared, str | None]] = []
    in_file: dict[tuple, int] = {}
    for row in table.rows:
        try:
            client = find_client(ws, row, profile, index)
            new = _new_session(row, profile, client)
            key = (client, new.day.isoformat(), new.cpt.strip().upper())
            if key in in_file:
                raise RowError(row, "date", f"{client}'s {key[2]} on {key[1]} is also on line {in_file[key]}; keep one row per session")
            in_file[key] = row.line
            label = f"{client} {key[1]} {key[2]}"
            if key in on_file:
                report.outcomes.append(Outcome(row.line, label, "duplicate", "a session of that day and code is on file"))
                continue
            billed = _billed(row, profile, ws)
            prepared = _prepared(ws, row, new)
            planned.append((prepared, billed))
            detail = "billed elsewhere" + (f" on {json.loads(billed)['date']}" if json.loads(billed)["date"] else "") if billed else "unbilled"
            report.outcomes.append(Outcome(row.line, label, "create", detail))
        except RowError as exc:
            report.outcomes.append(Outcome(row.line, row.get("client_id") or " ".join(split_name(row, profile)),
                                           "refused", str(exc)))
    def write(conn, import_id: int) -> None:
        for prepared, billed in planned:
            insert_session(conn, prepared, billed_elsewhere=billed)

    return apply_once(ws, report, table, path, skip_bad, "sessions-csv", write)
