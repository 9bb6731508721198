"""A synthetic ICD-10-CM release in the exact layout CMS and the CDC publish (../shared/icd10cm-files.md): the order
file (fixed width), the codes-only file, and the zips under the names CMS and the CDC give them.

The codes are the shipped FY2026 chapter F30-F69 (301 rows, real titles); "FY2027" adds F64.A, deletes F41.8 and
retitles F41.9, as the real FY2027 did for other codes.
"""

from __future__ import annotations

import gzip
import io
import zipfile

from claimkit.core.resources import template

ADDED = ("F64A", True, "Gender identity disorder, in remission")
DELETED = "F418"
RETITLED = ("F419", "Anxiety disorder, unspecified type")


def fy2026_rows() -> list[tuple[str, bool, str]]:
    text = gzip.decompress(template("codes", "icd10cm.tsv.gz").read_bytes()).decode("utf-8")
    rows = []
    for line in text.splitlines():
        code, flag, desc = line.split("\t", 2)
        if "F30" <= code < "F70":
            rows.append((code, flag == "1", desc))
    return rows


def fy2027_rows() -> list[tuple[str, bool, str]]:
    rows = [r for r in fy2026_rows() if r[0] != DELETED]
    rows = [(c, b, RETITLED[1] if c == RETITLED[0] else d) for c, b, d in rows]
    rows.append(ADDED)
    return sorted(rows)


def order_file(rows: list[tuple[str, bool, str]], crlf: bool = False) -> bytes:
    """Columns 1-5 order number, 7-13 code, 15 billable flag, 17-76 short description, 78- long description."""
    end = "\r\n" if crlf else "\n"
    lines = [f"{n:05d} {code:<7} {int(billable)} {desc[:60]:<60} {desc}" for n, (code, billable, desc) in enumerate(rows, start=1)]
    return (end.join(lines) + end).encode("ascii")


def codes_file(rows: list[tuple[str, bool, str]], crlf: bool = False) -> bytes:
    end = "\r\n" if crlf else "\n"
    return "".join(f"{code:<8}{desc}{end}" for code, billable, desc in rows if billable).encode("ascii")


def cms_zip(rows, year: int = 2027, crlf: bool = True) -> bytes:
    """CMS: {year}-code-descriptions-tabular-order.zip, members under 'Code Descriptions/'."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"Code Descriptions/icd10cm_order_{year}.txt", order_file(rows, crlf))
        zf.writestr(f"Code Descriptions/icd10cm_codes_{year}.txt", codes_file(rows, crlf))
        zf.writestr(f"Code Descriptions/icd10cm_order_addenda_{year}.txt", b"Add:   F64A    Gender identity disorder, in remission\r\n")
        zf.writestr("Code Descriptions/README.txt", b"synthetic test release\r\n")
    return buf.getvalue()


def cdc_zip(rows, year: int = 2027, order: bool = True) -> bytes:
    """CDC NCHS: icd10cm-code-descriptions-{year}.zip, members under 'icd10cm-code-descriptions-{year}/'."""
    buf = io.BytesIO()
    top = f"icd10cm-code-descriptions-{year}"
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if order:
            zf.writestr(f"{top}/icd10cm-order-{year}.txt", order_file(rows))
        zf.writestr(f"{top}/icd10cm-codes-{year}.txt", codes_file(rows))
        zf.writestr(f"{top}/icd10cm-order-addenda-{year}.txt", b"Add:   F64A\n")
    return buf.getvalue()
