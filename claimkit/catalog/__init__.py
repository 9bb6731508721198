"""The shipped code catalogs: CPT/HCPCS labels and rules, place of service, modifiers, taxonomy, CARC/RARC and
group codes, the CMS-1500 box catalog; the ICD-10-CM code sets by fiscal year are in ``catalog.icd10cm``.

Pure and lazy: every file is read from ``claimkit.core.resources.template(...)`` on first use and cached; importing this
module reads nothing and never touches the practice home. Lookups return immutable named tuples (or None when the
code is unknown: named tuples, not dataclasses, because defining a dataclass costs ~1 ms at import and this module
is on every check's path); the ``*_codes()`` functions return fresh dicts the caller may change.
"""

from __future__ import annotations

import os
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from claimkit.core.resources import template

__all__ = [
    "Box", "Carc", "CodeSet", "CodeSets", "CptCode", "GroupCode", "Icd10", "Icd10CodeSet", "Modifier", "Pos", "Qualifier", "Rarc", "Taxonomy",
    "box", "boxes", "carc", "carc_codes", "code_in", "cpt", "cpt_codes", "group_code", "group_codes", "icd10",
    "icd10_codeset", "icd10_search", "modifier", "modifiers", "normalize_icd10", "pos", "pos_codes", "rarc",
    "rarc_codes", "taxonomies", "taxonomy",
]


# --------------------------------------------------------------------------------------------------- records


class CptCode(NamedTuple):
    code: str
    label: str
    kind: str
    addon: bool = False
    min_minutes: int | None = None
    max_minutes: int | None = None
    unit_minutes: int | None = None
    requires_primary: tuple[str, ...] = ()
    not_with: tuple[str, ...] = ()
    prescriber_only: bool = False
    max_units_per_day: int | None = None
    telehealth: bool = False
    interactive_complexity_ok: bool = False
    deleted: date | None = None
    notes: str = ""

    def is_valid_on(self, when: date) -> bool:
        """False when the code had been deleted by ``when``."""
        return self.deleted is None or when < self.deleted

    def fits_minutes(self, minutes: int) -> bool | None:
        """Whether ``minutes`` is inside min/max_minutes; None when the code has no time rule."""
        if self.min_minutes is None and self.max_minutes is None:
            return None
        if self.min_minutes is not None and minutes < self.min_minutes:
            return False
        return not (self.max_minutes is not None and minutes > self.max_minutes)


class Pos(NamedTuple):
    code: str
    label: str
    telehealth: bool = False
    facility: bool = False
    common: bool = False
    notes: str = ""


class Modifier(NamedTuple):
    code: str
    label: str
    kind: str
    telehealth: bool = False
    notes: str = ""


class Taxonomy(NamedTuple):
    code: str
    label: str
    group: str
    npi_type: int
    prescriber: bool = False
    credentials: str = ""


class GroupCode(NamedTuple):
    code: str
    name: str
    meaning: str
    who_owes: str
    patient_billable: bool
    valid_5010: bool


class Carc(NamedTuple):
    code: str
    category: str
    explain: str
    action: str
    groups: tuple[str, ...] = ()
    patient_billable: str | None = None  # "yes" | "no" | "if_pr" | None (not a balance question)
    group: GroupCode | None = None  # set when the lookup named a group ("CO-45")


class Rarc(NamedTuple):
    code: str
    category: str
    explain: str
    action: str


class Qualifier(NamedTuple):
    code: str
    label: str


class Box(NamedTuple):
    id: str
    title: str
    enter: str
    format: str
    size: int
    requirement: str  # required | conditional | optional | not_used | reserved
    x12: str = ""
    print_key: tuple[str, ...] = ()
    example: str = ""
    mistakes: tuple[str, ...] = ()
    qualifiers: tuple[Qualifier, ...] = ()
    set_with: str = ""  # where in claimkit the value comes from: command options, TOML keys ("" = not said)


# --------------------------------------------------------------------------------------------------- loading


@cache
def _toml(*parts: str) -> dict[str, Any]:
    """A shipped TOML table. Parsing TOML costs ~15 ms a command; the parsed data is kept as JSON in the user's
    cache folder (public code tables only, keyed by the file's size and time) and read back in ~1 ms."""
    import json  # noqa: PLC0415

    path = template(*parts)
    st = path.stat()
    cached = _cache_dir() / f"{'-'.join(parts)}.{st.st_size}.{st.st_mtime_ns}.json" if _cache_dir() else None
    if cached is not None:
        try:
            return json.loads(cached.read_bytes())
        except (OSError, ValueError):
            pass
    data = _parse_toml(path)
    if cached is not None:
        try:
            tmp = cached.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, cached)
        except OSError:  # a read-only cache only costs speed
            pass
    return data


@cache
def _cache_dir() -> Path | None:
    try:
        import platformdirs  # noqa: PLC0415

        folder = Path(platformdirs.user_cache_dir("claimkit", appauthor=False)) / "catalog"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        return None


def _parse_toml(path: Path) -> dict[str, Any]:
    import tomllib  # noqa: PLC0415  (lazy: keeps `import claimkit.catalog` cheap)

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RuntimeError(f"claimkit data file {path} is damaged ({exc}); reinstall claimkit") from exc


def _opt_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _key(code: object) -> str:
    return str(code).strip().upper()


@cache
def _cpt() -> dict[str, CptCode]:
    out = {}
    for row in _toml("codes", "cpt.toml")["code"]:
        row = dict(row)
        row["requires_primary"] = tuple(row.get("requires_primary", ()))
        row["not_with"] = tuple(row.get("not_with", ()))
        row["deleted"] = _opt_date(row.get("deleted"))
        out[row["code"]] = CptCode(**row)
    return out


@cache
def _pos() -> dict[str, Pos]:
    return {r["code"]: Pos(**r) for r in _toml("codes", "pos.toml")["pos"]}


@cache
def _modifiers() -> dict[str, Modifier]:
    return {r["code"]: Modifier(**r) for r in _toml("codes", "modifiers.toml")["modifier"]}


@cache
def _taxonomy() -> dict[str, Taxonomy]:
    return {r["code"]: Taxonomy(**r) for r in _toml("codes", "taxonomy.toml")["taxonomy"]}


@cache
def _groups() -> dict[str, GroupCode]:
    return {k: GroupCode(code=k, **v) for k, v in _toml("codes", "carc.toml")["group"].items()}


@cache
def _carc() -> dict[str, Carc]:
    out = {}
    for r in _toml("codes", "carc.toml")["carc"]:
        out[r["code"]] = Carc(
            code=r["code"], category=r["category"], explain=r["explain"], action=r["action"],
            groups=tuple(r.get("groups", ())), patient_billable=r.get("patient_billable"),
        )
    return out


@cache
def _rarc() -> dict[str, Rarc]:
    return {r["code"]: Rarc(**r) for r in _toml("codes", "rarc.toml")["rarc"]}


@cache
def _boxes() -> tuple[Box, ...]:
    out = []
    for r in _toml("cms1500", "boxes.toml")["box"]:
        pk = r.get("print_key", ())
        out.append(Box(
            id=r["id"], title=r["title"], enter=r["enter"], format=r["format"], size=r["size"],
            requirement=r["requirement"], x12=r.get("x12", ""),
            print_key=(pk,) if isinstance(pk, str) else tuple(pk),
            example=r.get("example", ""), mistakes=tuple(r.get("mistakes", ())),
            qualifiers=tuple(Qualifier(q["code"], q["label"]) for q in r.get("qualifiers", ())),
            set_with=r.get("set_with", ""),
        ))
    return tuple(out)


@cache
def _box_index() -> dict[str, Box]:
    return {b.id.lower(): b for b in _boxes()}


# --------------------------------------------------------------------------------------------------- CPT and friends


def code_in(code: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether ``code`` is one of ``patterns``: exact codes or inclusive ranges such as "99202-99205"."""
    c = _key(code)
    for p in patterns:
        lo, sep, hi = p.partition("-")
        if not sep:
            if c == p:
                return True
        elif len(c) == len(lo) == len(hi) and lo <= c <= hi:
            return True
    return False


def cpt(code: str) -> CptCode | None:
    """A CPT/HCPCS code from the catalog ("90837"), or None when claimkit does not know it."""
    return _cpt().get(_key(code))


def cpt_codes() -> dict[str, CptCode]:
    """All catalog procedure codes (including deleted ones, see ``CptCode.deleted``)."""
    return dict(_cpt())


def pos(code: str | int) -> Pos | None:
    """A place-of-service code; "2", 2 and "02" all mean 02."""
    c = _key(code)
    if c.isdigit() and len(c) == 1:
        c = "0" + c
    return _pos().get(c)


def pos_codes() -> dict[str, Pos]:
    return dict(_pos())


def modifier(m: str) -> Modifier | None:
    return _modifiers().get(_key(m))


def modifiers() -> dict[str, Modifier]:
    return dict(_modifiers())


def taxonomy(code: str) -> Taxonomy | None:
    return _taxonomy().get(_key(code))


def taxonomies() -> dict[str, Taxonomy]:
    return dict(_taxonomy())


# --------------------------------------------------------------------------------------------------- CARC / RARC

_CARC_RE = re.compile(r"^(?:(CO|PR|OA|PI|CR)[\s\-:/]*)?([A-Z]?\d{1,3})$")


def group_code(g: str) -> GroupCode | None:
    """CAS group code meaning: CO, PR, OA, PI (and legacy CR)."""
    return _groups().get(_key(g))


def group_codes() -> dict[str, GroupCode]:
    return dict(_groups())


def carc(code: str) -> Carc | None:
    """A claim adjustment reason code: "45", "CO-45", "CO45", "co 45", "A1", "OA-23".

    When a group is given, the result carries it in ``.group`` (its meaning decides who owes the amount).
    """
    m = _CARC_RE.match(_key(code))
    if not m:
        return None
    group, reason = m.group(1), m.group(2)
    if reason.isdigit():
        reason = str(int(reason))  # "045" -> "45"
    found = _carc().get(reason)
    if found is None or group is None:
        return found
    return found._replace(group=_groups().get(group))


def carc_codes() -> dict[str, Carc]:
    return dict(_carc())


def rarc(code: str) -> Rarc | None:
    """A remittance advice remark code ("N290", "M15", "MA130")."""
    return _rarc().get(_key(code))


def rarc_codes() -> dict[str, Rarc]:
    return dict(_rarc())


# --------------------------------------------------------------------------------------------------- CMS-1500 boxes


def boxes() -> list[Box]:
    """Every CMS-1500 box in form order."""
    return list(_boxes())


def box(box_id: str) -> Box | None:
    """One box by id, case-insensitive: "24J", "24j", "box 24j", "33A", "carrier"."""
    k = re.sub(r"\s+", "", str(box_id).strip().lower())
    if k.startswith("box"):
        k = k[3:]
    return _box_index().get(k)


# --------------------------------------------------------------------------------------------------- ICD-10-CM
# The code sets by fiscal year live in claimkit/catalog/icd10cm.py; the shipped set's look-ups stay importable here.

from claimkit.catalog.icd10cm import (  # noqa: E402
    CodeSet, CodeSets, Icd10, Icd10CodeSet, _icd_blob, _icd_index, icd10, icd10_codeset, icd10_search, normalize_icd10,
)
