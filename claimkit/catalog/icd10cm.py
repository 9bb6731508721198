"""ICD-10-CM code sets by fiscal year: the shipped set(s) and those loaded into a practice home, and which one is
in force on a date of service.

A set is two files in one compact form (written by tools/gen_icd10.py for the shipped set and by
`claimkit codes icd-import` for a loaded one):

* an index, "CODE\\tBILLABLE\\n" lines sorted by code (~1 MB, read in ~1 ms): checking a code uses only this;
* a table, gzip of "CODE\\tBILLABLE\\tDESCRIPTION\\n" lines sorted by code (decompressed once, ~20 ms, only for
  descriptions, word search and comparing sets); both are searched in place by binary search over byte offsets.

The catalog never opens the home by itself: `CodeSets(folder)` is given the folder of loaded sets (the home's
codes/icd10cm) by its caller. Nothing is read until a code is looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from claimkit.core.resources import template

MANIFEST = "sets.json"  # in the folder of loaded sets: the list of sets, written last (the commit point of an import)


class Icd10(NamedTuple):
    code: str  # no dot, uppercase: "F411"
    dotted: str  # "F41.1"
    billable: bool  # False: a category/subcategory header; a more specific code is needed on a claim
    codeset: Any = None  # the CodeSet that answered (None: the shipped FY2026 set)

    @property
    def description(self) -> str:
        """Read from the full table only when shown (checking a code needs just the small index)."""
        return (self.codeset or shipped_set()).description(self.code)


class Icd10CodeSet(NamedTuple):
    """What a set is: its fiscal year, effective dates, where it came from and its counts."""

    name: str
    fiscal_year: int
    effective_from: date
    effective_to: date
    update: str
    source: str
    count: int
    billable: int
    key: str = ""  # "FY2026"; an update starting on another day than October 1: "FY2026-2026-04-01"
    origin: str = "shipped"  # shipped | loaded
    file: str = ""  # the file the user loaded (name only)
    sha256: str = ""  # of the order/codes file read
    official: bool = False  # its SHA-256 is one of templates/codes/icd10cm-releases.toml
    imported: str = ""  # when it was loaded (ISO timestamp)
    codes_only: bool = False  # read from a codes-only file: category headers derived from the codes

    def covers(self, when: date) -> bool:
        """True when a date of service falls inside the code set's effective dates."""
        return self.effective_from <= when <= self.effective_to

    @property
    def label(self) -> str:
        """'ICD-10-CM FY2027 (2026-10-01 to 2027-09-30)'."""
        return f"{self.name} {self.key or f'FY{self.fiscal_year}'} ({self.effective_from} to {self.effective_to})"


def set_key(fiscal_year: int, effective_from: date) -> str:
    """The name of a set: FY2027, or FY2026-2026-04-01 for an update taking effect on another day than October 1."""
    return f"FY{fiscal_year}" if effective_from == date(fiscal_year - 1, 10, 1) else f"FY{fiscal_year}-{effective_from}"


# --------------------------------------------------------------------------------------------------- one set


def _lower_bound(blob: bytes, key: bytes) -> int:
    """Offset of the first line whose code is >= key (len(blob) when none)."""
    lo, hi = 0, len(blob)  # both are line starts (or the end)
    while lo < hi:
        mid = (lo + hi) // 2
        nl = blob.rfind(b"\n", lo, mid)
        start = lo if nl < 0 else nl + 1
        tab = blob.find(b"\t", start)
        if blob[start:tab] < key:
            nxt = blob.find(b"\n", tab)
            lo = len(blob) if nxt < 0 else nxt + 1
        else:
            hi = start
    return lo


def _dotted(code: str) -> str:
    return code[:3] + "." + code[3:] if len(code) > 3 else code


def normalize_icd10(code: str) -> str:
    """Canonical ICD-10-CM form: uppercase, no dot, no spaces (" f41.1 " -> "F411")."""
    return re.sub(r"[\s.]", "", str(code)).upper()


_CODE_LIKE = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z]{0,5}$")


class CodeSet:
    """One fiscal year's codes: `get` answers from the index, the table is read for descriptions and search."""

    __slots__ = ("info", "_index_loader", "_blob_loader", "_index", "_blob", "_lower", "_found", "_written")

    def __init__(self, info: Icd10CodeSet, index: Callable[[], bytes], blob: Callable[[], bytes]):
        self.info = info
        self._index_loader, self._blob_loader = index, blob
        self._index: bytes | None = None
        self._blob: bytes | None = None
        self._lower: str | None = None
        self._found: dict[str, Icd10 | None] = {}
        self._written: dict[str, Icd10 | None] = {}  # as written ("F41.1") -> found: a check asks per session

    def __repr__(self) -> str:
        return f"CodeSet({self.info.key})"

    def index(self) -> bytes:
        if self._index is None:
            self._index = self._index_loader()
        return self._index

    def blob(self) -> bytes:
        if self._blob is None:
            self._blob = self._blob_loader()
        return self._blob

    def get(self, code: str) -> Icd10 | None:
        """A code in canonical form ("F411") or None when this set does not have it (memoised: a check asks often)."""
        try:
            return self._found[code]
        except KeyError:
            pass
        found = None
        if code and len(code) <= 7 and code.isascii() and code.isalnum():
            index = self.index()
            key = code.encode("ascii")
            at = _lower_bound(index, key)
            if at < len(index) and index[at:at + len(key) + 1] == key + b"\t":
                found = Icd10(code, _dotted(code), index[at + len(key) + 1:at + len(key) + 2] == b"1", self)
        self._found[code] = found
        return found

    def lookup(self, code: str) -> Icd10 | None:
        """Like `get`, from any written form ("f41.1")."""
        try:
            return self._written[code]
        except KeyError:
            found = self._written[code] = self.get(normalize_icd10(code))
            return found

    def description(self, code: str) -> str:
        blob = self.blob()
        key = code.encode("ascii")
        at = _lower_bound(blob, key)
        if at >= len(blob) or blob[at:at + len(key) + 1] != key + b"\t":
            return ""
        end = blob.find(b"\n", at)
        return blob[at:end if end >= 0 else len(blob)].decode("utf-8").split("\t", 2)[2]

    def rows(self) -> Iterator[tuple[str, bool, str]]:
        """(code, billable, description) in code order."""
        for line in self.blob().decode("utf-8").splitlines():
            code, flag, desc = line.split("\t", 2)
            yield code, flag == "1", desc

    def starting_with(self, prefix: str, limit: int = 1000) -> list[Icd10]:
        """Codes starting with a canonical prefix ("F64"), in code order, from the index."""
        index = self.index()
        key = prefix.encode("ascii")
        at = _lower_bound(index, key)
        out = []
        while at < len(index) and index.startswith(key, at) and len(out) < limit:
            end = index.find(b"\n", at)
            end = len(index) if end < 0 else end
            code, _, flag = index[at:end].decode("ascii").partition("\t")
            out.append(Icd10(code, _dotted(code), flag == "1", self))
            at = end + 1
        return out

    def billable_in_category(self, code: str, limit: int = 3) -> list[str]:
        """Billable codes of the same 3-character category, dotted ("F64.0", "F64.1", ...)."""
        return [c.dotted for c in self.starting_with(normalize_icd10(code)[:3]) if c.billable][:limit]

    def _lowered(self) -> str:
        if self._lower is None:
            # hyphens become spaces (same length) so "post traumatic" finds "Post-traumatic"
            self._lower = self.blob().decode("utf-8").lower().replace("-", " ")
        return self._lower

    def search(self, text: str, limit: int = 20) -> list[Icd10]:
        """Codes starting with ``text`` when it looks like a code ("F41", "f43.1"), in code order; otherwise codes
        whose description contains every word of ``text`` (case-insensitive), ranked: exact phrase, billable,
        chapter F (mental and behavioral), description starting with the phrase, shorter description, code."""
        if limit <= 0:
            return []
        q = normalize_icd10(text)
        if _CODE_LIKE.match(q):
            out = self.starting_with(q, limit)
            if out:
                return out
            # no code starts with it: fall through to a word search ("a1c")
        words = [w for w in re.split(r"[^\w']+", str(text).lower()) if w]
        if not words:
            return []
        phrase = " ".join(words)
        pivot = max(words, key=len)  # longest word: fewest hits to check
        low = self._lowered()
        hits: dict[int, tuple[bool, bool, bool, bool, int, str]] = {}
        pos_ = low.find(pivot)
        while pos_ >= 0:
            start = low.rfind("\n", 0, pos_) + 1
            end = low.find("\n", pos_)
            if end < 0:
                end = len(low)
            if start not in hits:
                code_l, flag, desc_l = low[start:end].split("\t", 2)
                if all(w in desc_l for w in words):
                    hits[start] = (phrase not in desc_l, flag != "1", code_l[:1] != "f",
                                   not desc_l.startswith(phrase), len(desc_l), code_l)
            pos_ = low.find(pivot, end)
        ranked = sorted(hits.values())[:limit]
        return [rec for h in ranked if (rec := self.get(h[-1].upper())) is not None]


# --------------------------------------------------------------------------------------------------- shipped


@cache
def _icd_index() -> bytes:
    return template("codes", "icd10cm-index.tsv").read_bytes()


@cache
def _icd_blob() -> bytes:
    import gzip  # noqa: PLC0415

    return gzip.decompress(template("codes", "icd10cm.tsv.gz").read_bytes())


def _info(d: dict[str, Any], **extra: Any) -> Icd10CodeSet:
    start = date.fromisoformat(str(d["effective_from"]))
    fy = int(d["fiscal_year"])
    return Icd10CodeSet(
        name=d.get("name", "ICD-10-CM"), fiscal_year=fy, effective_from=start,
        effective_to=date.fromisoformat(str(d["effective_to"])), update=d.get("update", ""), source=d.get("source", ""),
        count=int(d["count"]), billable=int(d.get("billable", 0)), key=d.get("key") or set_key(fy, start),
        file=d.get("file", ""), sha256=d.get("sha256", ""), official=bool(d.get("official", False)),
        imported=d.get("imported", ""), codes_only=bool(d.get("codes_only", False)), **extra)


@cache
def shipped_set() -> CodeSet:
    """The ICD-10-CM release shipped in templates/codes (icd10cm.toml, icd10cm-index.tsv, icd10cm.tsv.gz). Its TOML
    is read through the catalog's JSON cache, which `session add` and `check` use for the CPT table anyway."""
    from claimkit.catalog import _toml  # noqa: PLC0415

    return CodeSet(_info(_toml("codes", "icd10cm.toml")), _icd_index, _icd_blob)


def _small_toml(path: Path) -> dict[str, Any]:
    import tomllib  # noqa: PLC0415

    return tomllib.loads(path.read_text("utf-8"))


_SHIPPED_YEAR = re.compile(r"icd10cm-20[0-9][0-9]\.toml")


@cache
def shipped_sets() -> tuple[CodeSet, ...]:
    """Every shipped set: icd10cm.toml, and icd10cm-YYYY.toml for a later year tools/gen_icd10.py added."""
    import os  # noqa: PLC0415

    folder = template("codes")
    later = sorted(n for n in os.listdir(folder) if _SHIPPED_YEAR.fullmatch(n))
    return (shipped_set(), *(set_from_files(folder / n) for n in later))


def set_from_files(meta: Path) -> CodeSet:
    """A set written by tools/gen_icd10.py --release: icd10cm-YYYY.toml beside icd10cm-YYYY-index.tsv and .tsv.gz."""
    d = _small_toml(meta)
    return CodeSet(_info(d), _reader(meta.with_name(f"{meta.stem}-index.tsv")), _reader(meta.with_name(f"{meta.stem}.tsv.gz"), gz=True))


def _reader(path: Path, gz: bool = False) -> Callable[[], bytes]:
    def read() -> bytes:
        import gzip  # noqa: PLC0415

        try:
            data = path.read_bytes()
            return gzip.decompress(data) if gz else data
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            from claimkit.core.errors import ClaimkitError  # noqa: PLC0415

            raise ClaimkitError(f"ICD-10-CM code set file {path} is missing or damaged ({exc.__class__.__name__}); "
                                "load the release again with 'claimkit codes icd-import FILE'") from None

    return read


# --------------------------------------------------------------------------------------------------- all sets


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    """The loaded sets' entries in a home's codes/icd10cm/sets.json ([] when none were loaded)."""
    import json  # noqa: PLC0415  (only a home with loaded sets pays for it)

    try:
        data = json.loads((folder / MANIFEST).read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        from claimkit.core.errors import ClaimkitError  # noqa: PLC0415

        raise ClaimkitError(f"{folder / MANIFEST} is damaged ({exc}); load the release again with 'claimkit codes icd-import FILE'") from exc
    return list(data.get("sets", ()))


class CodeSets:
    """The sets a practice can use (shipped, then loaded into its home; a loaded set replaces a shipped one of the
    same name) and which one is in force on a date: the covering set that took effect last."""

    def __init__(self, folder: Path | None = None, extra: tuple[CodeSet, ...] = ()):
        self.folder = folder
        self._extra = extra
        self._sets: tuple[CodeSet, ...] | None = None
        self._by_date: dict[date, CodeSet | None] = {}
        self._for_date: dict[date, CodeSet] = {}

    @property
    def sets(self) -> tuple[CodeSet, ...]:
        if self._sets is None:
            found = {s.info.key: s for s in shipped_sets()}
            entries = read_manifest(self.folder) if self.folder is not None else []
            for e in entries:
                try:
                    found[e["key"]] = CodeSet(_info(e, origin="loaded"), _reader(self.folder / e["index"]),
                                              _reader(self.folder / e["table"], gz=True))
                except (KeyError, TypeError, ValueError) as exc:
                    from claimkit.core.errors import ClaimkitError  # noqa: PLC0415

                    raise ClaimkitError(f"{self.folder / MANIFEST} is damaged (an entry lacks {exc}); load the release "
                                        "again with 'claimkit codes icd-import FILE'") from None
            for s in self._extra:
                found[s.info.key] = s
            self._sets = tuple(sorted(found.values(), key=lambda s: (s.info.effective_from, s.info.key)))
        return self._sets

    def in_force(self, when: date) -> CodeSet | None:
        """The set in force on a date of service, or None when no set covers it."""
        try:
            return self._by_date[when]
        except KeyError:
            pass
        found = None
        for s in self.sets:
            if s.info.effective_from <= when <= s.info.effective_to:
                found = s  # sorted by start: the last covering one took effect last
        self._by_date[when] = found
        return found

    def nearest(self, when: date) -> CodeSet:
        """The set a date no set covers is checked against: the latest that took effect before it, else the first."""
        before = [s for s in self.sets if s.info.effective_from <= when]
        return before[-1] if before else self.sets[0]

    def for_date(self, when: date) -> CodeSet:
        """The set a date of service is checked against: the one in force, else the nearest (memoised per date)."""
        try:
            return self._for_date[when]
        except KeyError:
            found = self._for_date[when] = self.in_force(when) or self.nearest(when)
            return found

    def having(self, code: str) -> list[CodeSet]:
        """The sets that know a code (canonical form), oldest first: where a code invalid on a date is valid."""
        return [s for s in self.sets if s.get(code) is not None]

    def lookup(self, code: str, when: date) -> Icd10 | None:
        """A code (any written form) in the set in force on `when` (or the nearest set when none covers it)."""
        return self.for_date(when).get(normalize_icd10(code))

    def by_name(self, name: str | int) -> CodeSet | None:
        """A set by year (2027, "2027", "FY2027") or full key; a year with an April update gives its October set."""
        text = str(name).strip().upper()
        key = text if text.startswith("FY") else f"FY{text}"
        for s in self.sets:
            if s.info.key == key:
                return s
        return None

    def missing_year(self, when: date) -> int:
        """The fiscal year of a date (the set that would cover it): October 1 starts the next year."""
        return when.year + 1 if when.month >= 10 else when.year


@lru_cache(maxsize=8)
def _home_sets(folder: str, stamp: tuple[int, int]) -> CodeSets:
    return CodeSets(Path(folder))


def home_folder(home: Path) -> Path:
    """Where a practice home keeps its loaded ICD-10-CM sets."""
    return home / "codes" / "icd10cm"


def home_sets(folder: Path) -> CodeSets:
    """The sets for a home's folder of loaded sets, shared within a process until an import changes its manifest."""
    try:
        st = (folder / MANIFEST).stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (0, 0)
    return _home_sets(str(folder), stamp)


# --------------------------------------------------------------------------------------------------- shipped-set API
# (what `catalog.icd10(...)` has always answered: the shipped FY2026 set, for callers without a date of service)


@lru_cache(maxsize=4096)
def _icd10(code: str) -> Icd10 | None:
    return shipped_set().get(code)


def icd10(code: str) -> Icd10 | None:
    """An ICD-10-CM code ("F41.1", "f411", " F41.1 ") in the shipped set, or None when unknown.

    A known code with ``billable=False`` is a category header: valid ICD-10-CM but too general for a claim.
    """
    return _icd10(normalize_icd10(code))


def icd10_search(text: str, limit: int = 20) -> list[Icd10]:
    """`CodeSet.search` in the shipped set."""
    return shipped_set().search(text, limit)


def icd10_codeset() -> Icd10CodeSet:
    """Which ICD-10-CM release is shipped and the dates it is valid for."""
    return shipped_set().info
