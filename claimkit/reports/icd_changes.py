"""`claimkit codes icd-changes`: what changed between two ICD-10-CM sets, and first what touches this practice:
clients whose diagnoses are no longer valid (or no longer billable) in the newer set, with their sessions on or
after the day it took effect. The sessions are read in one query (one moment of the ledger)."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from claimkit.catalog.icd10cm import CodeSet, CodeSets, home_folder, home_sets
from claimkit.catalog.icd10cm_changes import Change, Changes, compare
from claimkit.core.errors import ClaimkitError
from claimkit.core.records import normalize_dx
from claimkit.store.workspace import Workspace


class Affected(NamedTuple):
    client: str
    code: str  # dotted
    change: Change
    on_file: bool  # in the client's dx list
    sessions: tuple[tuple[int, date], ...]  # (id, date) of non-void sessions on or after the change using the code
    suggest: tuple[str, ...]  # billable codes of the same category in the newer set

    def as_json(self) -> dict:
        return {"client": self.client, "code": self.code, "change": self.change.kind, "in_client_dx": self.on_file,
                "sessions": [{"id": sid, "date": d.isoformat()} for sid, d in self.sessions], "suggest": list(self.suggest)}


class IcdChanges(NamedTuple):
    changes: Changes
    affected: tuple[Affected, ...]

    def as_json(self) -> dict:
        old, new = self.changes.old.info, self.changes.new.info
        return {"from": old.key, "to": new.key, "effective": new.effective_from.isoformat(),
                "affected": [a.as_json() for a in self.affected],
                **{kind: [{"code": c.code, "old": c.old, "new": c.new} for c in self.changes.of(kind)]
                   for kind in ("added", "deleted", "retitled", "not_billable")}}


def pick_sets(sets: CodeSets, from_: str | None, to: str | None) -> tuple[CodeSet, CodeSet]:
    """The two sets to compare: --to (default the newest) and --from (default the one before it)."""
    known = ", ".join(s.info.key for s in sets.sets)

    def named(value: str, flag: str) -> CodeSet:
        found = sets.by_name(value)
        if found is None:
            raise ClaimkitError(f"{flag} {value}: no such ICD-10-CM set (loaded: {known}); "
                                "load it with 'claimkit codes icd-import FILE', see 'claimkit codes icd-sets'")
        return found

    new = named(to, "--to") if to else sets.sets[-1]
    if from_:
        old = named(from_, "--from")
    else:
        earlier = [s for s in sets.sets if s.info.effective_from < new.info.effective_from]
        if not earlier:
            raise ClaimkitError(f"only one ICD-10-CM set is loaded before {new.info.key} ({known}); load the next year's "
                                "release with 'claimkit codes icd-import FILE' to compare")
        old = earlier[-1]
    if old.info.effective_from >= new.info.effective_from:
        raise ClaimkitError(f"--from {old.info.key} does not come before --to {new.info.key}; give the older set first")
    return old, new


def icd_changes(ws: Workspace, from_: str | None = None, to: str | None = None) -> IcdChanges:
    old, new = pick_sets(home_sets(home_folder(ws.home)), from_, to)
    changes = compare(old, new)
    invalid = changes.invalid()
    start = new.info.effective_from
    used: dict[tuple[str, str], list[tuple[int, date]]] = {}
    for sid, client, day, dx in ws.conn.execute(
            "SELECT id, client, date, dx FROM sessions WHERE status != 'void' AND date >= ? AND dx != '' ORDER BY date, id",
            (start.isoformat(),)):
        for code in dx.split(","):
            dotted = _dotted(code)
            if dotted in invalid:
                used.setdefault((client, dotted), []).append((sid, date.fromisoformat(day)))
    on_file = set()
    for client in ws.clients():
        for code in client.dx:
            if _dotted(code) in invalid:
                on_file.add((client.id, _dotted(code)))
    affected = [Affected(cid, code, invalid[code], (cid, code) in on_file, tuple(used.get((cid, code), ())),
                         tuple(new.billable_in_category(code)))
                for cid, code in sorted(on_file | set(used))]
    return IcdChanges(changes, tuple(affected))


def _dotted(code: str) -> str:
    try:
        return normalize_dx(code)
    except ValueError:
        return code.strip().upper()
