"""What the acknowledgement importers share: one transaction per file that records its fingerprint with what it
changes (or, for a dry run, is rolled back), 'already imported' said with the date, and the result they return."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Callable

from claimkit.core.errors import ClaimkitError


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    claim: str
    status: str  # the claim's status after this file
    event: str  # accepted / rejected / pending / ...
    detail: str


@dataclass
class AckResult:
    file: str
    kind: str  # 999, TA1, 277CA, 277
    fingerprint: str
    dry_run: bool = False
    already: str = ""  # 'on 2026-12-01 at 10:02' when imported before
    outcomes: list[ClaimOutcome] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)  # per group / interchange: '837 group 12: rejected'

    @property
    def summary(self) -> str:
        if self.already:
            return f"{self.kind} already imported ({self.already}); nothing changed"
        counts: dict[str, int] = {}
        for o in self.outcomes:
            counts[o.event] = counts.get(o.event, 0) + 1
        parts = [f"{n} {what}" for what, n in counts.items()]
        if self.unmatched:
            parts.append(f"{len(self.unmatched)} matched nothing ('claimkit x12 unmatched')")
        head = "; ".join(self.verdicts) if self.verdicts else self.kind
        verb = " (dry run: nothing written)" if self.dry_run else ""
        return f"{head}: " + (", ".join(parts) if parts else "no claims") + verb

    def to_json(self) -> dict:
        return {"file": self.file, "kind": self.kind, "fingerprint": self.fingerprint, "dry_run": self.dry_run,
                "already_imported": self.already or None, "summary": self.summary, "verdicts": self.verdicts,
                "claims": [{"claim": o.claim, "status": o.status, "event": o.event, "detail": o.detail}
                           for o in self.outcomes],
                "unmatched": self.unmatched, "notes": self.notes}


def run(ws, name: str, data: bytes, kind: str, dry_run: bool,
        apply: Callable[[sqlite3.Connection, AckResult, int], None]) -> AckResult:
    """Apply a file in one transaction with its fingerprint; nothing when it was imported before."""
    from claimkit.acks.inbox import fingerprint
    from claimkit.store.ledger import now_iso

    fp = fingerprint(data)
    result = AckResult(name, kind, fp, dry_run=dry_run)
    if _seen(ws.conn, fp, result):
        return result
    with ws.transaction() as conn:
        if _seen(conn, fp, result):  # imported by another claimkit while this one waited for the ledger
            return result
        cur = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported) VALUES (?,?,?,?)",
                           (fp, kind.lower(), name, now_iso()))
        import_id = cur.lastrowid
        apply(conn, result, import_id)
        conn.execute("UPDATE imports SET summary = ? WHERE id = ?", (result.summary, import_id))
        if dry_run:
            conn.execute("ROLLBACK")
            conn.execute("BEGIN")  # the transaction() context commits an empty transaction
    return result


def _seen(conn: sqlite3.Connection, fp: str, result: AckResult) -> bool:
    row = conn.execute("SELECT imported, filename FROM imports WHERE fingerprint = ?", (fp,)).fetchone()
    if row is None:
        return False
    when = f"on {row[0][:10]} at {row[0][11:16]}" + ("" if row[1] == result.file else f" as {row[1]}")
    result.already = when
    return True


def refuse(name: str, problems: list[str] | tuple[str, ...]) -> ClaimkitError:
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    return ClaimkitError(f"{problems[0]}{more}")  # the door names the file


def keep_unmatched(conn: sqlite3.Connection, import_id: int, kind: str, reference: str, detail: str, data: dict,
                   now: str) -> None:
    conn.execute("INSERT INTO x12_unmatched (import_id, kind, reference, detail, data, created) VALUES (?,?,?,?,?,?)",
                 (import_id, kind, reference, detail, json.dumps(data, sort_keys=True, default=str), now))


def ymd_iso(value: str) -> str:
    """YYMMDD (ISA09, TA102) or CCYYMMDD as an ISO date; '' when it is neither."""
    if len(value) == 6 and value.isdigit():
        return f"20{value[:2]}-{value[2:4]}-{value[4:]}"
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return ""
