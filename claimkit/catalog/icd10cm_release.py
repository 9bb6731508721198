"""Reading an ICD-10-CM release as CMS and the CDC publish it: the order file, the codes-only file, or the zip that
holds them (its member is found by name). Every line is checked against the fixed-width layout
(../shared/icd10cm-files.md); the first bad line is refused with its number and what is wrong.

Pure: bytes in, a `Release` (or a `ReleaseError`) out; writing a set into a home is `icd10cm_store`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import NamedTuple

from claimkit.core.errors import ClaimkitError

ORDER_NAME = re.compile(r"(?:^|/)icd10cm[_-]order[_-](\d{4})\.txt$", re.I)
CODES_NAME = re.compile(r"(?:^|/)icd10cm[_-]codes[_-](\d{4})\.txt$", re.I)
YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
CODE = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z]{1,5}$")  # a letter, then letters or digits (QA00101 since FY2026)
MAX_MEMBER = 64 * 1024 * 1024  # an order file is ~15 MB; a bigger member is not a release
ORDER_MIN = 78  # columns up to the first character of the long description


class ReleaseError(ClaimkitError):
    """A release file that cannot be loaded (exit 2): the message names the file and line."""


class Release(NamedTuple):
    """What a release file holds: its codes (code, billable, description) sorted by code, and where they came from."""

    kind: str  # "order" | "codes"
    file: str  # the name the user gave (and the member read, for a zip: "x.zip:Code Descriptions/icd10cm_order_2027.txt")
    year: int | None  # from the file name; None when it does not say
    sha256: str  # of the order/codes file's bytes (the zip member's, not the zip's)
    size: int
    rows: tuple[tuple[str, bool, str], ...]
    line_ends: str  # "LF" | "CR LF"

    @property
    def billable(self) -> int:
        return sum(1 for r in self.rows if r[1])


def _year(name: str) -> int | None:
    found = YEAR_IN_NAME.findall(name.rsplit("/", 1)[-1]) or YEAR_IN_NAME.findall(name)
    return int(found[-1]) if found else None


def pick_member(names: list[str], zip_name: str) -> tuple[str, str]:
    """The member of a release zip to read: the order file (preferred), else the codes file; (name, kind)."""
    for pattern, kind in ((ORDER_NAME, "order"), (CODES_NAME, "codes")):
        found = [n for n in names if pattern.search(n)]
        if len(found) > 1:
            raise ReleaseError(f"{zip_name} holds {len(found)} {kind} files ({', '.join(found)}); unzip it and give the one to load")
        if found:
            return found[0], kind
    raise ReleaseError(f"{zip_name} holds no ICD-10-CM order file (icd10cm_order_YYYY.txt) or codes file "
                       "(icd10cm_codes_YYYY.txt); give the 'Code Descriptions in Tabular Order' zip from cms.gov or cdc.gov")


def read_release(name: str, data: bytes) -> Release:
    """A release from a file's bytes: a zip (by its signature) or the order/codes text itself."""
    if data[:4] == b"PK\x03\x04":
        return _read_zip(name, data)
    kind = "codes" if CODES_NAME.search(name) else "order" if ORDER_NAME.search(name) else _sniff(name, data)
    return parse(name, data, kind, _year(name))


def _read_zip(name: str, data: bytes) -> Release:
    import io  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        member, kind = pick_member(zf.namelist(), name)
        if zf.getinfo(member).file_size > MAX_MEMBER:
            raise ReleaseError(f"{name}: {member} is {zf.getinfo(member).file_size:,} bytes, larger than any ICD-10-CM release; "
                               "check that this is the release zip")
        text = zf.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise ReleaseError(f"{name}: not a readable zip file ({exc}); download it again") from None
    return parse(f"{name}:{member}", text, kind, _year(member) or _year(name))


def _sniff(name: str, data: bytes) -> str:
    """A text file whose name does not say: the order layout has the order number in columns 1-5."""
    first = data[:80]
    return "order" if first[:5].isdigit() and first[5:6] == b" " else "codes"


ORDER_LINE = re.compile(r"^(\d{5}) ([A-Z][0-9A-Z][0-9A-Z ]{5}) ([01]) (?=[^\r\n]{0,59}\S)([^\r\n]{60}) (\S[^\r\n]*)\r?$", re.M)


def _ascii(name: str, data: bytes) -> str:
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ReleaseError(f"{name} line {line} column {col}: a non-ASCII character (byte 0x{data[exc.start]:02x}); "
                           "release files are plain ASCII: download the file again") from None


def parse(name: str, data: bytes, kind: str, year: int | None) -> Release:
    """Check every line and collect the codes; the first line that breaks the layout raises ReleaseError.
    Well-formed order lines go through one regular expression; a line it refuses is read again, column by column,
    to say what is wrong."""
    if not data.strip():
        raise ReleaseError(f"{name} is empty; give the ICD-10-CM order file (icd10cm_order_YYYY.txt) or its zip")
    crlf = b"\r\n" in data[:4096]
    text_all = _ascii(name, data)
    if kind == "order":
        fast = _order_fast(text_all)
        if fast is not None:
            return Release(kind=kind, file=name, year=year, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                           rows=fast, line_ends="CR LF" if crlf else "LF")
    lines = text_all.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    reader = _order_line if kind == "order" else _codes_line
    rows: dict[str, tuple[str, bool, str]] = {}
    seen_at: dict[str, int] = {}
    last_order = 0
    for n, text in enumerate(lines, start=1):
        if text.endswith("\r"):
            text = text[:-1]
        where = f"{name} line {n}"
        if not text.strip():
            raise ReleaseError(f"{where} is blank; a release has one code on every line")
        code, billable, desc, order = reader(where, text)
        if order is not None:
            if order <= last_order:
                raise ReleaseError(f"{name} line {n} columns 1-5: order number {order:05d} does not follow {last_order:05d}; "
                                   "the file is out of order or lines are missing")
            last_order = order
        if code in seen_at:
            raise ReleaseError(f"{name} line {n}: code {code} is given again (first on line {seen_at[code]})")
        seen_at[code] = n
        rows[code] = (code, billable, desc)
    if kind == "codes":
        _add_headers(rows)
    return Release(kind=kind, file=name, year=year, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                   rows=tuple(rows[k] for k in sorted(rows)), line_ends="CR LF" if crlf else "LF")


def _order_fast(text: str) -> tuple[tuple[str, bool, str], ...] | None:
    """Every line of a well-formed order file in one pass of the regular expression (~10x faster than line by line);
    None when any line, order number or code is off: the caller then reads line by line to name the first problem."""
    found = ORDER_LINE.findall(text)
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if len(found) != lines:
        return None
    orders = [int(f[0]) for f in found]
    codes = [f[1].rstrip() for f in found]
    if any(" " in c for c in codes) or len(set(codes)) != len(codes) or any(a >= b for a, b in zip(orders, orders[1:])):
        return None
    rows = sorted(zip(codes, (f[2] == "1" for f in found),
                      (" ".join(f[4].split()) if "  " in f[4] or f[4][-1] == " " else f[4] for f in found)))
    return tuple(rows)


def _order_line(where: str, text: str) -> tuple[str, bool, str, int]:
    if len(text) < ORDER_MIN:
        raise ReleaseError(f"{where} has {len(text)} characters; an order-file line has at least {ORDER_MIN} "
                           "(order number, code, billable flag, short and long descriptions)")
    order, code, flag = text[0:5], text[6:13].rstrip(), text[14]
    if not order.isdigit():
        raise ReleaseError(f"{where} columns 1-5: '{order}' is not an order number (5 digits)")
    for col in (6, 14, 16, 77):
        if text[col - 1] != " ":
            raise ReleaseError(f"{where} column {col}: '{text[col - 1]}' where the layout has a blank; "
                               "the columns are shifted (is this an ICD-10-CM order file?)")
    if not CODE.match(code) or " " in text[6:13].strip():
        raise ReleaseError(f"{where} columns 7-13: '{text[6:13].strip()}' is not an ICD-10-CM code (a letter, then 2-6 letters or digits)")
    if flag not in "01":
        raise ReleaseError(f"{where} column 15: '{flag}' is not a billable flag (1 = valid on a claim, 0 = header)")
    short, long_ = text[16:76].strip(), " ".join(text[77:].split())
    if not short or not long_:
        raise ReleaseError(f"{where}: code {code} has no {'short' if not short else 'long'} description")
    return code, flag == "1", long_, int(order)


def _codes_line(where: str, text: str) -> tuple[str, bool, str, None]:
    code, desc = text[:8].rstrip(), " ".join(text[8:].split())
    if len(text) < 9 or " " in code or text[7:8] not in (" ", ""):
        raise ReleaseError(f"{where}: a codes-file line is the code padded to 8 characters, then its description")
    if not CODE.match(code):
        raise ReleaseError(f"{where} columns 1-7: '{code}' is not an ICD-10-CM code (a letter, then 2-6 letters or digits)")
    if not desc:
        raise ReleaseError(f"{where}: code {code} has no description")
    return code, True, desc, None


def _add_headers(rows: dict[str, tuple[str, bool, str]]) -> None:
    """A codes-only file lists billable codes alone: their categories (F41 of F411) are added as headers without a
    description, so a category can still be told from an unknown code. Placeholder prefixes (T7411X) are not."""
    for code in list(rows):
        for n in range(3, len(code)):
            head = code[:n]
            if head not in rows and not head.endswith("X"):
                rows[head] = (head, False, "")


def default_start(year: int) -> date:
    """A fiscal year's set takes effect on October 1 of the year before."""
    return date(year - 1, 10, 1)
