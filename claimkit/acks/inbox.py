"""`claimkit x12 import`: one door for every file that comes back. Each file's kind is read from its ST01 and
GS08/ST03 (never its name) and the file goes to the importer registered for that kind in `IMPORTERS`: the 835 to
exactly what `era import` runs, the acknowledgements to acks/apply_*.py, a 271 to the eligibility reader when it is
installed. An importer is `import_file(ws, name, data, *, dry_run)` returning an object with a one-line `.summary`
and `.to_json()`; it applies the whole file in one transaction that also records its fingerprint, or nothing.
A file nobody can use is named with what it is and skipped; the command then exits 2."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from claimkit.core.errors import ClaimkitError

MAX_BYTES = 200_000_000

# what a file is when no importer takes it, in words a therapist can act on
_NOT_OURS = {
    "837": "an 837 claim file (a file you send, not one that comes back)",
    "997": "a 997 acknowledgment (the 4010 form of the 999): ask the clearinghouse for 999 files in 5010",
    "270": "a 270 eligibility inquiry (a file you send, not one that comes back)",
    "276": "a 276 claim status inquiry (a file you send, not one that comes back)",
    "278": "a 278 authorization file, which claimkit does not read",
    "834": "an 834 enrollment file, which claimkit does not read",
    "820": "an 820 premium payment file, which claimkit does not read",
}


@dataclass
class FileResult:
    """What `x12 import` says about one file when the importer itself did not run (refused or not X12)."""

    file: str
    kind: str
    summary: str
    refused: bool = True
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"file": self.file, "kind": self.kind, "summary": self.summary, "refused": self.refused, **self.data}


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_PEEK = 65536  # the kind of a file is in its first segments


def detect(data: bytes) -> tuple[str, str]:
    """(kind, words) of a file: kind is a key of IMPORTERS ('835', '999', '277CA', '277', 'TA1', '271') or '' when
    nothing here can use it, words then say what it is. Reads the envelope of the first 64 KB only."""
    from claimkit.x12.segments import SegmentReader

    head = data[:4096].lstrip(b"\xef\xbb\xbf \r\n\t")
    if not head.startswith((b"ISA", b"GS", b"ST")):
        shown = head[:20].decode("latin-1", "replace")
        return "", "not an X12 file" + (f" (it starts with {shown!r})" if shown else " (it is empty)")
    reader = SegmentReader(data[:_PEEK])
    isa12 = gs08 = ""
    sts: list[list[str]] = []
    bht06 = ""
    ta1 = False
    for _, sid, els in reader:
        if sid == "ISA":
            isa12 = isa12 or (els[12].strip() if len(els) > 12 else "")
        elif sid == "GS":
            gs08 = gs08 or (els[8].strip() if len(els) > 8 else "")
        elif sid == "ST":
            sts.append(els)
        elif sid == "BHT" and not bht06:
            bht06 = els[6].strip() if len(els) > 6 else ""
        elif sid == "TA1":
            ta1 = True
    if not reader.ok:
        problem = next((n.message for n in reader.notices if n.severity == "error"), "")
        return "", "an X12 file that cannot be read" + (f": {problem}" if problem else "")
    if not sts:
        if ta1:
            return "TA1", "a TA1 interchange acknowledgment"
        return "", "an X12 file with no transaction (no ST segment)"
    kinds = {els[1].strip() if len(els) > 1 else "" for els in sts}
    version = (sts[0][3].strip() if len(sts[0]) > 3 else "") or gs08
    if len(kinds) > 1:
        return "", f"an X12 file mixing transaction types ({', '.join(sorted(kinds))}); ask for one file per type"
    st01 = kinds.pop()
    if st01 == "835":
        return "835", "an 835 remittance (ERA)"
    old = version.startswith("004") or isa12.startswith("004")
    if st01 in ("999", "277", "271") and old:
        return "", f"a {st01} in the old 4010 format ({version or isa12}): ask for 5010 files"
    if st01 == "999":
        return "999", "a 999 acknowledgment"
    if st01 == "277":
        if "X214" in version or (not version and bht06 == "TH"):
            return "277CA", "a 277CA claim acknowledgment"
        if "X212" in version or bht06 == "DG":
            return "277", "a 277 claim status response"
        return "", f"a 277 of an unknown kind ({version or 'no version'}): claimkit reads 277CA (X214) and 277 (X212)"
    if st01 == "271":
        return "271", "a 271 eligibility response"
    return "", _NOT_OURS.get(st01, f"an X12 {st01 or 'file'} transaction, which claimkit does not read")


def _import_835(ws, name: str, data: bytes | None, *, dry_run: bool, path: Path | None = None, every_claim: bool = False):
    """Exactly what `era import` runs (it reads the file itself: `data` may be None); the result keeps the first
    claims (every claim for --json)."""
    from claimkit.remittance.era_import import KEEP_CLAIMS, import_era

    return _Era(import_era(ws, path, dry_run=dry_run, keep=None if every_claim else KEEP_CLAIMS))


@dataclass
class _Era:
    """The era importer's result with the door's one-line summary."""

    result: Any
    kind: str = "835"

    @property
    def already(self) -> str:
        return self.result.already or ""

    @property
    def summary(self) -> str:
        r = self.result
        if r.already:
            from claimkit.remittance.imports import imported_when

            when = imported_when(r.already, r.already_as, r.file) if r.already_as else r.already
            return f"835 already imported ({when}); nothing changed"
        verb = "would post" if r.dry_run else "posted"
        n = r.posted_count
        return (f"835: {verb} {len(r.payments)} payment{'s' if len(r.payments) != 1 else ''}, {n} claim{'s' if n != 1 else ''}"
                + (f", {r.unmatched_count} unmatched ('claimkit era unmatched')" if r.unmatched_count else ""))

    def to_json(self) -> dict:
        return {"kind": "835", "summary": self.summary, **self.result.as_json()}


def _eligibility() -> Callable | None:
    try:
        from claimkit.eligibility import import_file  # type: ignore[attr-defined]
    except ImportError:
        return None
    return import_file


def importers() -> dict[str, Callable]:
    """Kind -> import_file(ws, name, data, *, dry_run). The 271 plugs in when claimkit.eligibility provides one."""
    from claimkit.acks.apply277 import import_277, import_277ca
    from claimkit.acks.apply999 import import_999, import_ta1

    table: dict[str, Callable] = {"835": _import_835, "999": import_999, "TA1": import_ta1, "277CA": import_277ca,
                                  "277": import_277}
    elig = _eligibility()
    if elig is not None:
        table["271"] = elig
    return table


def files_of(paths: list[Path]) -> list[Path]:
    """Files named and the files in folders named (not recursive, hidden ones left out), each once, sorted in a folder."""
    out: list[Path] = []
    for p in paths:
        p = p.expanduser()
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and not f.name.startswith("."))
        elif p.is_file():
            out.append(p)
        else:
            raise ClaimkitError(f"{p}: no such file or folder")
    return list(dict.fromkeys(out))


ORDER = ("TA1", "999", "277CA", "277", "835", "271")  # the order replies come in: envelope, file, claims, money


def ordered(paths: list[Path]) -> list[tuple[Path, tuple[str, str] | None]]:
    """Files with their kind, in the order replies happen (a 999 before the 277CA about the same claims), then as
    given; the kind is None when the file cannot be opened (import_one says why)."""
    found = []
    for p in paths:
        try:
            with p.open("rb") as fh:
                found.append((p, detect(fh.read(_PEEK))))
        except OSError:
            found.append((p, None))
    return sorted(found, key=lambda pk: ORDER.index(pk[1][0]) if pk[1] and pk[1][0] in ORDER else len(ORDER))


def import_one(ws, path: Path, *, dry_run: bool, table: dict[str, Callable] | None = None,
               detected: tuple[str, str] | None = None, every_claim: bool = False):
    """One file through the importer of its kind; a refused file comes back as a FileResult (refused=True).
    An 835 is read by the ERA importer itself (a large one is not held twice); `every_claim`: its result keeps
    every claim (--json)."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return FileResult(name, "", f"{size:,} bytes is far larger than any returned file; skipped")
        if detected is None:
            with path.open("rb") as fh:
                detected = detect(fh.read(_PEEK))
        data = path.read_bytes() if detected[0] != "835" else None
    except OSError as exc:
        return FileResult(name, "", f"cannot be read ({exc.strerror or exc.__class__.__name__}); skipped")
    kind, words = detected
    table = table if table is not None else importers()
    importer = table.get(kind)
    if importer is None:
        why = words if kind == "" else f"{words}: claimkit cannot read it yet"
        return FileResult(name, kind, f"{why}; skipped, nothing applied")
    try:
        if kind == "835":
            return importer(ws, name, data, dry_run=dry_run, path=path, every_claim=every_claim)
        return importer(ws, name, data, dry_run=dry_run)
    except ClaimkitError as exc:
        msg = str(exc)
        return FileResult(name, kind, (msg[len(name) + 2:] if msg.startswith(name + ": ") and kind in ("835", "271") else
                                       f"{words}: {msg}") + "; skipped, nothing applied")


def is_refused(result) -> bool:
    return bool(getattr(result, "refused", False))
