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


def detect(data: bytes) -> tuple[str, str]:
    """(kind, words) of a file: kind is a key of IMPORTERS ('835', '999', '277CA', '277', 'TA1', '271') or '' when
    nothing here can use it, words then say what it is."""
    from claimkit.acks.reading import read

    head = data[:4096].lstrip(b"\xef\xbb\xbf \r\n\t")
    if not head.startswith((b"ISA", b"GS", b"ST")):
        shown = head[:20].decode("latin-1", "replace")
        return "", "not an X12 file" + (f" (it starts with {shown!r})" if shown else " (it is empty)")
    if data[:4096].find(b"ST") < 0 and b"TA1" in data[:4096]:
        return "TA1", "a TA1 interchange acknowledgment"
    env = read(data[:65536] if len(data) > 1_000_000 else data)  # enough to see the first transaction
    kinds = {t.st01 for t in env.transactions}
    if not env.transactions:
        if any(s.id == "TA1" for s in env.loose):
            return "TA1", "a TA1 interchange acknowledgment"
        from claimkit.x12.segments import SegmentReader

        st = next((els for _, sid, els in SegmentReader(data[:65536]) if sid == "ST"), None)  # a transaction cut off
        if st is None:
            return "", "an X12 file with no transaction (no ST segment)" + (f": {env.problems[0]}" if env.problems else "")
        kinds = {st[1].strip() if len(st) > 1 else ""}
        version = st[3].strip() if len(st) > 3 else ""
    else:
        version = env.transactions[0].version
    if len(kinds) > 1:
        return "", f"an X12 file mixing transaction types ({', '.join(sorted(kinds))}); ask for one file per type"
    st01 = kinds.pop()
    if st01 == "835":
        return "835", "an 835 remittance (ERA)"
    old = version.startswith("004") or env.isa12.startswith("004")
    if st01 in ("999", "277", "271") and old:
        return "", f"a {st01} in the old 4010 format ({version or env.isa12}): ask for 5010 files"
    if st01 == "999":
        return "999", "a 999 acknowledgment"
    if st01 == "277":
        bht = next((s for t in env.transactions for s in t.segments if s.id == "BHT"), None)
        if "X214" in version or (not version and bht is not None and bht.el(6) == "TH"):
            return "277CA", "a 277CA claim acknowledgment"
        if "X212" in version or (bht is not None and bht.el(6) == "DG"):
            return "277", "a 277 claim status response"
        return "", f"a 277 of an unknown kind ({version or 'no version'}): claimkit reads 277CA (X214) and 277 (X212)"
    if st01 == "271":
        return "271", "a 271 eligibility response"
    return "", _NOT_OURS.get(st01, f"an X12 {st01 or 'file'} transaction, which claimkit does not read")


def _import_835(ws, name: str, data: bytes, *, dry_run: bool, path: Path | None = None):
    """Exactly what `era import` runs."""
    from claimkit.posting import import_era

    return _Era(import_era(ws, path, dry_run=dry_run))


@dataclass
class _Era:
    """The era importer's result with the door's one-line summary."""

    result: Any

    @property
    def summary(self) -> str:
        r = self.result
        if r.already:
            from claimkit.posting import imported_when

            when = imported_when(r.already, r.already_as, r.file) if r.already_as else r.already
            return f"835 already imported ({when}); nothing changed"
        verb = "would post" if r.dry_run else "posted"
        n = len(r.claims)
        return (f"835: {verb} {len(r.payments)} payment{'s' if len(r.payments) != 1 else ''}, {n} claim{'s' if n != 1 else ''}"
                + (f", {len(r.unmatched)} unmatched ('claimkit era unmatched')" if r.unmatched else ""))

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


def ordered(paths: list[Path]) -> list[Path]:
    """Files in the order their replies happen (a 999 before the 277CA about the same claims), then by name."""
    def rank(p: Path) -> int:
        try:
            with p.open("rb") as fh:
                kind, _ = detect(fh.read(65536))
        except OSError:
            kind = ""
        return ORDER.index(kind) if kind in ORDER else len(ORDER)

    return sorted(paths, key=rank)


def import_one(ws, path: Path, *, dry_run: bool, table: dict[str, Callable] | None = None):
    """One file through the importer of its kind; a refused file comes back as a FileResult (refused=True)."""
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return FileResult(name, "", f"{size:,} bytes is far larger than any returned file; skipped")
        data = path.read_bytes()
    except OSError as exc:
        return FileResult(name, "", f"cannot be read ({exc.strerror or exc.__class__.__name__}); skipped")
    kind, words = detect(data)
    table = table if table is not None else importers()
    importer = table.get(kind)
    if importer is None:
        why = words if kind == "" else f"{words}: claimkit cannot read it yet"
        return FileResult(name, kind, f"{why}; skipped, nothing applied")
    try:
        if kind == "835":
            return importer(ws, name, data, dry_run=dry_run, path=path)
        return importer(ws, name, data, dry_run=dry_run)
    except ClaimkitError as exc:
        msg = str(exc)
        return FileResult(name, kind, (msg[len(name) + 2:] if msg.startswith(name + ": ") and kind in ("835", "271") else
                                       f"{words}: {msg}") + "; skipped, nothing applied")


def is_refused(result) -> bool:
    return bool(getattr(result, "refused", False))
