"""Import-once machinery: a file is recorded by its SHA-256 in `imports`, in the transaction that posts it, so
the same bytes never post twice (ERA, EOB CSV, and the acknowledgement and eligibility imports that reuse
it).
"""

from __future__ import annotations

import sqlite3

from claimkit.core.errors import ClaimkitError

class AlreadyImported(ClaimkitError):
    """The same bytes were imported before: not an error (scripts rerun), the command says so and exits 0."""


def imported_before(conn: sqlite3.Connection, fingerprint: str) -> tuple[str, str] | None:
    """(when, under which name) a file with these bytes was imported before; None when never."""
    seen = conn.execute("SELECT imported, filename FROM imports WHERE fingerprint = ?", (fingerprint,)).fetchone()
    return (seen[0], seen[1]) if seen else None


def imported_when(imported: str, filename: str, name: str) -> str:
    """An import's timestamp as a person says it ('on 2026-12-02 at 23:31'), with the name it had then if not `name`."""
    return f"on {imported[:10]} at {imported[11:16]}" + ("" if filename == name else f" as {filename}")
