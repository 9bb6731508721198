"""A spreadsheet export read through a profile: which column holds which field, how its values translate.

Every other tool names its columns its own way; a profile (templates/switching/*.toml, or the user's --map file in
the same form) says which headings hold which field. Reading never guesses a column: a heading the profile does
not know is reported, not used. Cells stay text here; the importers turn them into values and say, per row,
what is wrong with which column.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import stat
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from claimkit.core.errors import ClaimkitError
from claimkit.core.money import parse_money
from claimkit.core.resources import template

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
KINDS = ("clients", "sessions", "balances")
PROFILES = ("generic", "simplepractice")


def _heading(text: str) -> str:
    return re.sub(r"[\s_]+", " ", (text or "").strip().lower())


@dataclass(frozen=True)
class Profile:
    """Which headings hold which field, the value translations per field, the date formats."""

    name: str
    what: str
    columns: dict[str, tuple[str, ...]]
    values: dict[str, dict[str, str]]
    date_formats: tuple[str, ...]
    name_order: str = "first last"
    ignore: tuple[str, ...] = ()


def _profile_data(raw: bytes, label: str) -> dict:
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ClaimkitError(f"{label}: not a readable mapping file ({exc}); see docs/import.md for its form") from None
    unknown = sorted(set(data) - {"what", "date_formats", "name_order", "columns", "values"})
    if unknown:
        raise ClaimkitError(f"{label}: unknown key '{unknown[0]}'; a mapping file has [columns], [values.FIELD],"
                            " date_formats and name_order (docs/import.md)")
    return data


def load_profile(kind: str, name: str = "generic", map_file: Path | None = None, fields: tuple[str, ...] = ()) -> Profile:
    """The shipped profile for `kind` (clients, sessions, balances), with a user's mapping file laid over it."""
    if name not in PROFILES:
        raise ClaimkitError(f"--profile '{name}': use one of {', '.join(PROFILES)}, or --map MAP.toml for another tool")
    data = _profile_data(template("switching", f"{kind}-{name}.toml").read_bytes(), f"profile {name}")
    if map_file is not None:
        label = map_file.name
        try:
            extra = _profile_data(map_file.read_bytes(), label)
        except FileNotFoundError:
            raise ClaimkitError(f"--map {map_file}: no such file") from None
        except IsADirectoryError:
            raise ClaimkitError(f"--map {map_file} is a folder; give the .toml mapping file") from None
        for key, heading in extra.get("columns", {}).items():
            if fields and key not in fields and key != "ignore":
                raise ClaimkitError(f"{label}: [columns] {key}: not a field claimkit imports for {kind};"
                                    f" fields: {', '.join(fields)}")
            if not (isinstance(heading, str) or (isinstance(heading, list) and all(isinstance(h, str) for h in heading))):
                raise ClaimkitError(f"{label}: [columns] {key}: give the column heading as text, like {key} = \"Heading\"")
        columns = {k: v for k, v in data.get("columns", {}).items()}
        mapped = {_heading(h) for v in extra.get("columns", {}).values() for h in ([v] if isinstance(v, str) else v)}
        for key, heading in columns.items():  # a heading the map assigns is taken away from the profile's fields
            columns[key] = [h for h in heading if _heading(h) not in mapped]
        for key, heading in extra.get("columns", {}).items():
            columns[key] = [heading] if isinstance(heading, str) else list(heading)
        data["columns"] = columns
        for key, table in extra.get("values", {}).items():
            if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
                raise ClaimkitError(f"{label}: [values.{key}]: give translations as text, like \"Female\" = \"F\"")
            data.setdefault("values", {}).setdefault(key, {}).update(table)
        for key in ("date_formats", "name_order", "what"):
            if key in extra:
                data[key] = extra[key]
        name = f"{name} + {label}"
    columns = data.get("columns", {})
    ignore = tuple(_heading(h) for h in columns.pop("ignore", []))
    formats = data.get("date_formats", ["%Y-%m-%d"])
    for fmt in formats:
        if not isinstance(fmt, str) or "%" not in fmt:
            raise ClaimkitError(f"date_formats: '{fmt}' is not a date format; write it like \"%m/%d/%Y\"")
    order = data.get("name_order", "first last")
    if order not in ("first last", "last, first"):
        raise ClaimkitError(f"name_order '{order}': use \"first last\" or \"last, first\"")
    return Profile(name=name, what=data.get("what", name),
                   columns={k: tuple(_heading(h) for h in ([v] if isinstance(v, str) else v)) for k, v in columns.items()},
                   values={k: {_heading(a): b for a, b in t.items()} for k, t in data.get("values", {}).items()},
                   date_formats=tuple(formats), name_order=order, ignore=ignore)


@dataclass(frozen=True)
class Row:
    """One data row: the file's line number, and per field the cell text (translated where the profile says)."""

    file: str
    line: int
    cells: dict[str, str]
    headings: dict[str, str]  # field -> the heading it came from, for messages
    raw: dict[str, str] = field(default_factory=dict)  # heading -> cell, as the file has it (for the refused-rows file)

    def get(self, name: str) -> str:
        return self.cells.get(name, "")

    def where(self, name: str | None = None) -> str:
        column = f", column {self.headings.get(name, name)!r}" if name else ""
        return f"{self.file} line {self.line}{column}"


class RowError(ValueError):
    """A cell that cannot be used: its row, its column and the fix."""

    def __init__(self, row: Row, name: str | None, message: str):
        super().__init__(f"{row.where(name)}: {message}")
        self.line = row.line


@dataclass(frozen=True)
class Table:
    name: str
    fingerprint: str
    rows: tuple[Row, ...]
    headings: tuple[str, ...]  # as written in the file
    unused: tuple[str, ...]  # headings no field of the profile takes


def read_file(path: Path, what: str) -> bytes:
    """The bytes of a regular file, refused before reading when it is not one or is too large to be an export."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ClaimkitError(f"{path}: no such file") from None
    if stat.S_ISDIR(st.st_mode):
        raise ClaimkitError(f"{path} is a folder; give the {what} file")
    if not stat.S_ISREG(st.st_mode):
        raise ClaimkitError(f"{path} is not a regular file; save the export as a file and import that")
    if st.st_size > MAX_BYTES:
        raise ClaimkitError(f"{path.name}: {st.st_size:,} bytes is more than an export of a practice holds"
                            f" ({MAX_BYTES // (1024 * 1024)} MB at most); split the file")
    with path.open("rb") as fh:
        return fh.read(MAX_BYTES + 1)


def read_table(path: Path, profile: Profile) -> Table:
    raw = read_file(path, "CSV")
    name = path.name
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")  # Excel's "CSV" on Windows
        except UnicodeDecodeError:
            raise ClaimkitError(f"{name}: not text; save the sheet as CSV UTF-8") from None
    if "\x00" in text:
        raise ClaimkitError(f"{name}: holds NUL bytes, so it is not a CSV export; save the sheet as CSV UTF-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ClaimkitError(f"{name} line 1: {exc}; save the sheet as CSV UTF-8") from None
    if not header or not any(h.strip() for h in header):
        raise ClaimkitError(f"{name}: the file is empty; its first row must name the columns (docs/import.md)")
    keys = [_heading(h) for h in header]
    by_heading: dict[str, str] = {}
    for fname, headings in profile.columns.items():
        for h in headings:
            by_heading.setdefault(h, fname)
    taken = [by_heading.get(k) for k in keys]
    if len(keys) == 1 and not taken[0]:
        sep = next((c for c in (";", "\t") if c in header[0]), None)
        if sep:
            raise ClaimkitError(f"{name}: the columns are separated by {'semicolons' if sep == ';' else 'tabs'}, not"
                                " commas; save the sheet as CSV UTF-8 (comma-separated)")
    twice = next((header[i] for i, f in enumerate(taken) if f and f in taken[:i]), None)
    if twice is not None:
        raise ClaimkitError(f"{name}: two columns hold {by_heading[_heading(twice)]} (one is {twice!r}); keep one"
                            " or map them apart with --map")
    unused = tuple(h for h, k, f in zip(header, keys, taken) if k and not f and k not in profile.ignore)
    if not any(taken):
        raise ClaimkitError(f"{name}: no column this profile ({profile.what}) knows; the headings are"
                            f" {', '.join(repr(h) for h in header[:6])}; choose --profile, or map them with --map")
    rows = []
    headings = {f: h for h, f in zip(header, taken) if f}
    try:
        for n, cells in enumerate(reader, start=2):
            if n > MAX_ROWS:
                raise ClaimkitError(f"{name}: more than {MAX_ROWS:,} rows; split the file")
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                raise ClaimkitError(f"{name} line {n}: {len(cells)} cells under {len(header)} columns; remove the"
                                    " extra cells (an amount written with a comma, like 1,200.00, needs quotes)")
            values = {}
            for f, cell in zip(taken, cells):
                if f:
                    value = cell.strip()
                    table = profile.values.get(f)
                    if table is not None and _heading(value) in table:
                        value = table[_heading(value)]
                    values[f] = value
            rows.append(Row(name, n, values, headings, dict(zip(header, cells))))
    except csv.Error as exc:
        raise ClaimkitError(f"{name} line {reader.line_num}: {exc}; check the quotes in that row") from None
    if not rows:
        raise ClaimkitError(f"{name}: no rows under the header")
    return Table(name, hashlib.sha256(raw).hexdigest(), tuple(rows), tuple(header), unused)


# --- cells into values ----------------------------------------------------------------------------------

def cell_date(row: Row, name: str, profile: Profile, required: bool = False) -> date | None:
    text = row.get(name)
    if not text:
        if required:
            raise RowError(row, name, "is empty; give a date like 2026-03-14")
        return None
    for fmt in profile.date_formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    shown = " or ".join(f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD").replace("%y", "YY")
                        for f in profile.date_formats)
    raise RowError(row, name, f"{text[:20]!r} is not a real date; write it as {shown}")


def cell_money(row: Row, name: str, required: bool = False, allow_negative: bool = False) -> Decimal | None:
    text = row.get(name)
    if not text:
        if required:
            raise RowError(row, name, "is empty; give an amount like 25.00")
        return None
    try:
        return parse_money(text, field="amount", allow_negative=allow_negative)
    except ValueError as exc:
        raise RowError(row, name, str(exc).removeprefix("amount: ")) from None


def cell_int(row: Row, name: str, low: int, high: int) -> int | None:
    text = row.get(name)
    if not text:
        return None
    if not re.fullmatch(r"\d+", text) or not low <= int(text) <= high:
        raise RowError(row, name, f"{text[:20]!r} must be a whole number from {low} to {high}")
    return int(text)


def split_name(row: Row, profile: Profile) -> tuple[str, str]:
    """First and last name: their own columns, or one 'name' column in the profile's order."""
    first, last = row.get("first_name"), row.get("last_name")
    if first or last:
        return first, last
    full = " ".join(row.get("name").split())
    if not full:
        return "", ""
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip(), last.strip()
    if profile.name_order == "last, first":
        last, _, first = full.partition(" ")
        return first, last
    first, _, last = full.rpartition(" ")
    return (first, last) if first else ("", full)


def write_refused(path: Path, table: Table, refused: dict[int, str]) -> Path:
    """The refused rows as they were, with a `problem` column, beside the file: fix them there and import again."""
    from claimkit.store.home import atomic_write

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*table.headings, "problem"])
    for row in table.rows:
        if row.line in refused:
            writer.writerow([*(row.raw.get(h, "") for h in table.headings), refused[row.line]])
    target = path.with_name(f"{path.stem}.refused.csv")
    atomic_write(target, out.getvalue().encode("utf-8"))
    return target
