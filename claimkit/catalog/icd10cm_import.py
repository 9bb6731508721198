"""Loading a release into a folder of code sets (a home's codes/icd10cm): the set's index and table written first,
then the manifest (sets.json) that lists it, atomically: a set appears only when all of it is on disk. The same file
loaded again changes nothing. The caller holds the home's write lock and gives the folder.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from claimkit.catalog.icd10cm import MANIFEST, Icd10CodeSet, _info, read_manifest, set_key
from claimkit.catalog.icd10cm_release import Release, ReleaseError, default_start


class Known(NamedTuple):
    """A release file claimkit recognizes by its SHA-256 (templates/codes/icd10cm-releases.toml)."""

    sha256: str
    fiscal_year: int
    kind: str
    file: str
    rows: int
    billable: int
    bytes: int
    published: str


@cache
def known_releases() -> dict[str, Known]:
    from claimkit.catalog import _toml  # noqa: PLC0415

    return {r["sha256"]: Known(**r) for r in _toml("codes", "icd10cm-releases.toml")["release"]}


class Loaded(NamedTuple):
    status: str  # "loaded" | "replaced" | "already" | "dry-run"
    info: Icd10CodeSet
    release: Release
    known: Known | None
    previous: dict[str, Any] | None  # the manifest entry already there under the same name


def plan(release: Release, year: int | None, effective: date | None) -> tuple[int, date, Known | None]:
    """The set's fiscal year and start, checked against what the file is; (year, start, the official release or None)."""
    known = known_releases().get(release.sha256)
    fy = year or release.year or (known.fiscal_year if known else None)
    if fy is None:
        raise ReleaseError(f"{release.file}: the file name does not say which fiscal year it is; give --year, e.g. --year 2027")
    if not 2015 <= fy <= 2100:
        raise ReleaseError(f"--year {fy}: ICD-10-CM fiscal years start with 2016; give the year the set is for, e.g. 2027")
    if known is not None and known.fiscal_year != fy:
        raise ReleaseError(f"{release.file} is the official FY{known.fiscal_year} release, not FY{fy}; "
                           f"drop --year or give --year {known.fiscal_year}")
    start = effective or default_start(fy)
    if not default_start(fy) <= start <= date(fy, 9, 30):
        raise ReleaseError(f"--effective {start}: FY{fy} runs from {default_start(fy)} to {fy}-09-30; give a date inside it "
                           "(an April update: --effective {fy}-04-01)".replace("{fy}", str(fy)))
    return fy, start, known


def table_bytes(rows: tuple[tuple[str, bool, str], ...]) -> tuple[bytes, bytes]:
    """(index, gzip table) in the compact form the check reads: CODE\\tBILLABLE[\\tDESCRIPTION] lines by code."""
    index = "".join(f"{c}\t{int(b)}\n" for c, b, _ in rows).encode("ascii")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=6, mtime=0) as gz:
        gz.write("".join(f"{c}\t{int(b)}\t{d}\n" for c, b, d in rows).encode("utf-8"))
    return index, buf.getvalue()


def load_release(folder: Path, release: Release, *, year: int | None = None, effective: date | None = None,
                 dry_run: bool = False, now: datetime | None = None) -> Loaded:
    """Write `release` as a set into `folder` (0700, files 0600) unless the same file is already loaded there."""
    from claimkit.store.home import atomic_write, make_private_dir  # noqa: PLC0415

    fy, start, known = plan(release, year, effective)
    key = set_key(fy, start)
    entries = read_manifest(folder)
    previous = next((e for e in entries if e["key"] == key), None)
    billable = release.billable
    entry = {
        "key": key, "name": "ICD-10-CM", "fiscal_year": fy, "effective_from": start.isoformat(),
        "effective_to": date(fy, 9, 30).isoformat(),
        "update": f"FY{fy} code set" + ("" if start == default_start(fy) else f" as updated on {start}"),
        "source": known.published if known else f"{release.file} (not a release claimkit recognizes)",
        "file": release.file.rsplit("/", 1)[-1] if ":" not in release.file else release.file.split(":", 1)[0].rsplit("/", 1)[-1],
        "member": release.file.split(":", 1)[1] if ":" in release.file else "",
        "sha256": release.sha256, "official": known is not None, "kind": release.kind,
        "codes_only": release.kind == "codes", "count": len(release.rows), "billable": billable,
        "headers": len(release.rows) - billable,
        "imported": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "index": f"{key}-{release.sha256[:12]}.index.tsv", "table": f"{key}-{release.sha256[:12]}.tsv.gz",
    }
    if previous is not None and previous.get("sha256") == release.sha256:
        return Loaded("already", _info(previous, origin="loaded"), release, known, previous)
    info = _info(entry, origin="loaded")
    if dry_run:
        return Loaded("dry-run", info, release, known, previous)
    make_private_dir(folder.parent)  # home/codes: private like the home, whoever made it first
    make_private_dir(folder)
    index, table = table_bytes(release.rows)
    atomic_write(folder / entry["index"], index)
    atomic_write(folder / entry["table"], table)
    kept = [e for e in entries if e["key"] != key] + [entry]
    kept.sort(key=lambda e: (e["effective_from"], e["key"]))
    atomic_write(folder / MANIFEST, json.dumps({"sets": kept}, indent=1) + "\n")  # the commit point
    if previous is not None:
        for name in (previous.get("index"), previous.get("table")):
            if name and name not in (entry["index"], entry["table"]):
                (folder / name).unlink(missing_ok=True)
    return Loaded("replaced" if previous is not None else "loaded", info, release, known, previous)


def shipped_release_check(release: Release) -> Known | None:
    """The official release a file is, if claimkit knows its SHA-256 (for tools/gen_icd10.py)."""
    return known_releases().get(release.sha256)

