"""The content rules the CMS-1500 and the 837P share (NUCC 1500 instructions, the X12 basic character set):
plain capitals without punctuation, ids of letters and digits only, digits, ICD-10 codes without their dot.
Pure values: used by forms/cms1500_fields.py (the paper form) and claims/x12_837p.py (the 837P)."""

from __future__ import annotations

import re
import unicodedata

_DROP = re.compile(r"[.,'#\"]")
_OTHER = re.compile(r"[^A-Z0-9 \-/&]")
_SPACES = re.compile(r"\s+")


def ascii_upper(text: str) -> str:
    """'José' -> 'JOSE': the form is read by OCR, which knows plain capitals only."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return plain.upper()


def clean(text: str) -> str:
    """Capitals without punctuation: '123 N. Main St., #101' -> '123 N MAIN ST 101'."""
    value = _DROP.sub("", ascii_upper(text))
    value = _OTHER.sub(" ", value).replace("/", " ").replace("&", " AND ")
    return _SPACES.sub(" ", value).strip()


def ident(text: str) -> str:
    """Member IDs, group and claim numbers: capitals and digits only (no spaces or hyphens). What else an id may
    hold is refused where it is entered or read (core/identifiers.py), so this drops only layout."""
    return re.sub(r"[^A-Z0-9]", "", ascii_upper(text))


def digits(text: str) -> str:
    """ASCII digits only: '(512) 555-0100' -> '5125550100' (an Arabic-Indic '٣' is a digit to Python's \\d, not to X12)."""
    return re.sub(r"[^0-9]", "", text or "")


def dx_code(code: str) -> str:
    return code.replace(".", "").upper()
