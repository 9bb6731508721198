"""One value as a person gives it, on the command line or typed at a prompt, checked by one function.

Each check takes the text and the name to blame (the option, e.g. '--npi') and returns the value to store, or
raises ClaimkitError with one line naming it and the fix. The commands run an option's value through the same
check a typed answer gets (cli/prompting.py asks again with that line), so the two can never disagree.
No I/O and nothing heavy imported: these run on the path of `session add`.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any, Callable, Sequence

from claimkit.core.errors import ClaimkitError
from claimkit.core.records import STATE_RE, ZIP_RE, check_id, normalize_cpt

Check = Callable[[str, str], Any]  # (text, flag) -> the value to store; raises ClaimkitError with the reason

USPS_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI "
    "SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI FM MH PW AA AE AP".split())
TAXONOMY_RE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")
_SSN_WRITTEN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_EIN_WRITTEN = re.compile(r"^\d{2}-\d{7}$")


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def text(value: str, flag: str) -> str:
    """Free text on one line (a name, a street): line breaks and control characters would corrupt a claim."""
    value = value.strip()
    if any(not ch.isprintable() for ch in value):
        raise ClaimkitError(f"{flag}: write it on one line, without control characters")
    return value


def required_text(value: str, flag: str) -> str:
    value = text(value, flag)
    if not value:
        raise ClaimkitError(f"{flag} cannot be blank")
    return value


def _identifier(check, value: str, flag: str, **kw: Any):
    """The rule of core/identifiers.py (the one the TOML files are read with), its ValueError as the option's line."""
    try:
        return check(value, **kw)
    except ValueError as exc:
        raise ClaimkitError(f"{flag} {exc}") from None


def npi(value: str, flag: str) -> str:
    from claimkit.core import identifiers

    return _identifier(identifiers.npi, value, flag)


def ssn_possible(digits: str) -> bool:
    """No SSN starts 000, 666 or 9, or has group 00 or serial 0000."""
    return not (digits[:3] in ("000", "666") or digits[0] == "9" or digits[3:5] == "00" or digits[5:] == "0000")


def tax_id(value: str, flag: str) -> str:
    """An EIN (12-3456789) or SSN (123-45-6789): stored as the 9 digits."""
    from claimkit.core import identifiers

    raw = value.strip()
    digits = _identifier(identifiers.tax_id, raw, flag)
    if _SSN_WRITTEN.match(raw) and not ssn_possible(digits):
        raise ClaimkitError(f"{flag} '{raw}' is written as an SSN but no SSN looks like that (000, 666 or 9 first,"
                            " 00 in the middle or 0000 last); check the number, or write an EIN as 12-3456789")
    return digits


def tax_id_type_for(written: str) -> str:
    """The type a tax ID's writing suggests: 123-45-6789 is an SSN; anything else defaults to an EIN."""
    return "ssn" if _SSN_WRITTEN.match(written.strip()) else "ein"


def tax_id_type(value: str, flag: str, *, written: str = "") -> str:
    """'ein' or 'ssn', and consistent with how the tax ID was written (`written`, when known)."""
    kind = value.strip().lower()
    if kind not in ("ein", "ssn"):
        raise ClaimkitError(f"{flag} '{_shown(value.strip())}': use ein (an Employer Identification Number) or ssn")
    written = written.strip()
    digits = re.sub(r"[-\s]", "", written)
    if kind == "ein" and _SSN_WRITTEN.match(written):
        raise ClaimkitError(f"{flag} ein: the tax ID {written} is written as an SSN; use ssn, or give the EIN as 12-3456789")
    if kind == "ssn" and _EIN_WRITTEN.match(written):
        raise ClaimkitError(f"{flag} ssn: the tax ID {written} is written as an EIN; use ein, or give the SSN as 123-45-6789")
    if kind == "ssn" and re.fullmatch(r"\d{9}", digits) and not ssn_possible(digits):
        raise ClaimkitError(f"{flag} ssn: no SSN looks like {digits} (000, 666 or 9 first, 00 in the middle or 0000"
                            " last); it is an EIN: use ein")
    return kind


def state(value: str, flag: str) -> str:
    """A USPS state or territory code, upper case; empty stays empty."""
    code = value.strip().upper()
    if code and not STATE_RE.match(code):
        raise ClaimkitError(f"{flag}: state '{_shown(code)}' must be a two-letter code like TX")
    if code and code not in USPS_STATES:
        raise ClaimkitError(f"{flag} '{code}' is not a US state or territory code (USPS, like TX or PR)")
    return code


def zip_code(value: str, flag: str) -> str:
    """5 digits or ZIP+4 (stored as 78701-1234)."""
    raw = value.strip()
    if raw and not ZIP_RE.match(raw):
        raise ClaimkitError(f"{flag} '{_shown(raw)}' must be 5 digits or ZIP+4 like 78701-1234")
    if len(raw) == 9:
        raw = f"{raw[:5]}-{raw[5:]}"
    return raw


def phone(value: str, flag: str) -> str:
    """A US phone number, stored as its 10 digits (a leading 1 dropped)."""
    raw = value.strip()
    if not raw:
        return ""
    digits = re.sub(r"[\s().+-]", "", raw)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not re.fullmatch(r"\d{10}", digits):
        raise ClaimkitError(f"{flag} '{_shown(raw)}' is not a 10-digit phone number; write it like 512-555-0100")
    return digits


def taxonomy(value: str, flag: str) -> str:
    code = value.strip().upper()
    if code and not TAXONOMY_RE.match(code):
        raise ClaimkitError(f"{flag} '{_shown(code)}' is not a taxonomy code (10 characters ending in X, like"
                            " 101YP2500X); look yours up in the NPPES registry")
    return code


def day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ClaimkitError(f"{flag} '{_shown(value)}' is not a real date; write it as YYYY-MM-DD (e.g. 2026-02-28)") from None


def past_day(value: str, flag: str, *, today: date | None = None) -> date:
    """A date that has happened: a birth, an onset, an accident."""
    found = day(value, flag)
    if found > (today or date.today()):
        raise ClaimkitError(f"{flag} {found} is in the future; give the date it happened")
    return found


def amount(value: str, flag: str) -> Decimal:
    from claimkit.core.money import parse_money

    try:
        return parse_money(value, field=flag)
    except ValueError as exc:
        raise ClaimkitError(str(exc)) from None


def cpt(value: str, flag: str) -> str:
    try:
        return normalize_cpt(value)
    except ValueError as exc:
        raise ClaimkitError(f"{flag}: {exc}") from None


def ident(what: str) -> Check:
    """A new id (a client's, a payer's): lowercase letters, digits, '-' and '_'."""
    def check(value: str, flag: str) -> str:
        try:
            return check_id(value.strip(), what)
        except ValueError as exc:
            raise ClaimkitError(f"{flag}: {exc}") from None
    return check


def one_of(choices: Sequence[str], *, what: str = "") -> Check:
    """One of a few words, in any case; the stored spelling is the listed one."""
    by_key = {c.lower(): c for c in choices}

    def check(value: str, flag: str) -> str:
        found = by_key.get(value.strip().lower())
        if found is None:
            raise ClaimkitError(f"{flag} '{_shown(value.strip())}': use {', '.join(choices[:-1])} or {choices[-1]}"
                                + (f" ({what})" if what else ""))
        return found
    return check


sex = one_of(["M", "F", "X"])


def yes_no(value: str, flag: str) -> bool:
    word = value.strip().lower()
    if word in ("y", "yes"):
        return True
    if word in ("n", "no"):
        return False
    raise ClaimkitError(f"{flag} '{_shown(value.strip())}': answer y or n")
