"""What an import did, or would do, row by row: the shared result of every `claimkit import ...`.

An import plans every row first (create, update, unchanged, refused) and writes only when the plan holds: a file
with a refused row imports nothing unless the user asks to skip the bad rows.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field


ACTIONS = ("create", "update", "differs", "unchanged", "duplicate", "refused")


@dataclass(frozen=True)
class Outcome:
    line: int  # the row's line in the file (0 for what is not a row: a payer created, an 837 claim)
    key: str  # what the row is about: a client id, "jdoe 2026-03-02 90837", ...
    action: str  # one of ACTIONS
    detail: str = ""  # the changes, or why the row was refused

    def as_json(self) -> dict:
        return {"line": self.line, "key": self.key, "action": self.action, "detail": self.detail}


@dataclass
class ImportReport:
    kind: str
    file: str
    dry_run: bool
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    already: str = ""  # "on 2026-12-06 at 14:02": the same bytes were imported before; nothing was done
    refused_file: str = ""
    applied: bool = False
    stopped: str = ""  # why nothing was imported (a refused row without --skip-bad)

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def refused(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action == "refused"]

    def summary(self) -> str:
        if self.already:
            return f"{self.file}: already imported {self.already}; nothing changed"
        rows = [o for o in self.outcomes if o.line]
        added = len(self.outcomes) - len(rows)
        parts = [f"{n} {label}" for a, label in (("create", "new"), ("update", "updated"),
                 ("differs", "differ (not updated)"), ("unchanged", "unchanged"), ("duplicate", "already on file"),
                 ("refused", "refused")) if (n := sum(1 for o in rows if o.action == a))]
        if added:
            parts.append(f"{added} added along the way ({', '.join(o.key for o in self.outcomes if not o.line)})")
        verb = "would import" if self.dry_run or not self.applied else "imported"
        return f"{self.file}: {verb} {self.kind}: " + (", ".join(parts) or "nothing")

    def as_json(self) -> dict:
        return {"kind": self.kind, "file": self.file, "dry_run": self.dry_run, "applied": self.applied,
                "already_imported": self.already or None, "refused_file": self.refused_file or None,
                "stopped": self.stopped or None, "counts": {a: self.count(a) for a in ACTIONS}, "rows": [o.as_json() for o in self.outcomes],
                "notes": self.notes}


def imported_before(conn: sqlite3.Connection, fingerprint: str, name: str) -> str:
    """'on DATE at HH:MM [as NAME]' when these bytes were imported before, else ''."""
    from claimkit.remittance.imports import imported_before as _imported_before, imported_when

    seen = _imported_before(conn, fingerprint)
    return imported_when(*seen, name) if seen else ""


def record_import(conn: sqlite3.Connection, fingerprint: str, kind: str, name: str, summary: str) -> int:
    from claimkit.store.ledger import now_iso

    return conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported, summary) VALUES (?,?,?,?,?)",
                        (fingerprint, kind, name, now_iso(), summary)).lastrowid


def stopped(report: ImportReport, skip_bad: bool) -> bool:
    """A file with refused rows imports nothing, unless --skip-bad: then the rest goes in. True: stop here, and
    `report.stopped` says why in one line."""
    bad = report.refused
    if bad and not skip_bad:
        more = f" (and {len(bad) - 1} more row{'s' if len(bad) > 2 else ''})" if len(bad) > 1 else ""
        report.stopped = (f"{bad[0].detail}{more}; nothing was imported: fix the file, or give --skip-bad to import"
                          " the other rows and get the refused ones in a .refused.csv beside it")
    return bool(report.stopped)


def slug(*parts: str) -> str:
    """An id from names: 'Jane', 'Doe' -> 'jdoe'; 'Acme Health Plan' -> 'acme-health-plan'."""
    if len(parts) == 2:
        first, last = parts
        text = (first[:1] + re.sub(r"[^a-z0-9]", "", last.lower())).lower()
    else:
        text = re.sub(r"[^a-z0-9]+", "-", " ".join(parts).lower()).strip("-")
    text = re.sub(r"[^a-z0-9_-]", "", text)[:28] or "x"
    return text if text[0].isalnum() else f"x{text}"[:28]


def unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def apply_once(ws, report: ImportReport, table, path, skip_bad: bool, kind: str, write) -> ImportReport:
    """The end every row import shares: stop on a refused row (with --skip-bad write the refused rows beside the
    file instead), then in one transaction make sure the file was not imported meanwhile, record its fingerprint
    and `write(conn, import_id)` what it brings."""
    from claimkit.switching.table import write_refused

    if stopped(report, skip_bad) or report.dry_run:
        return report
    if report.refused:
        report.refused_file = str(write_refused(path, table, {o.line: o.detail for o in report.refused}))
    with ws.transaction() as conn:
        again = imported_before(conn, table.fingerprint, table.name)
        if again:
            report.already = again
            return report
        write(conn, record_import(conn, table.fingerprint, kind, table.name, report.summary()))
    report.applied = True
    return report
