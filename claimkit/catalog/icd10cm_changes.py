"""What changed between two ICD-10-CM sets: codes added, deleted, retitled and no longer billable (a code that
became a header: a more specific code is needed). Comparing the two tables gives what the addenda files say."""

from __future__ import annotations

from typing import NamedTuple

from claimkit.catalog.icd10cm import CodeSet, _dotted


class Change(NamedTuple):
    code: str  # dotted
    kind: str  # added | deleted | retitled | not_billable
    old: str  # description in the older set ("" when added)
    new: str  # description in the newer set ("" when deleted)


class Changes(NamedTuple):
    old: CodeSet
    new: CodeSet
    changes: tuple[Change, ...]

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def invalid(self) -> dict[str, Change]:
        """Dotted code -> its change, for the codes that cannot be billed in the newer set (deleted or now a header)."""
        return {c.code: c for c in self.changes if c.kind in ("deleted", "not_billable")}


def compare(old: CodeSet, new: CodeSet) -> Changes:
    """Walk both tables (sorted by code) once."""
    a, b = dict(((c, (bl, d)) for c, bl, d in old.rows())), dict(((c, (bl, d)) for c, bl, d in new.rows()))
    out = []
    for code in sorted(a.keys() | b.keys()):
        was, now = a.get(code), b.get(code)
        dotted = _dotted(code)
        if was is None:
            out.append(Change(dotted, "added", "", now[1]))
        elif now is None:
            out.append(Change(dotted, "deleted", was[1], ""))
        elif was[0] and not now[0]:
            out.append(Change(dotted, "not_billable", was[1], now[1]))
        elif was[1] != now[1] and was[1] and now[1]:
            out.append(Change(dotted, "retitled", was[1], now[1]))
    return Changes(old, new, tuple(out))
