"""`x12 setup`: the [edi] settings of practice.toml asked, checked one by one as typed, and written atomically
(the practice file is rewritten whole through store.files, never edited by hand)."""

from __future__ import annotations

import re

from claimkit.core.errors import ClaimkitError

ASKED = ("submitter_name", "submitter_id", "receiver_name", "receiver_id", "contact_name", "contact_phone",
         "contact_email", "usage", "isa_sender_qualifier", "isa_receiver_qualifier")
_DEFAULTS = {"usage": "T", "isa_sender_qualifier": "ZZ", "isa_receiver_qualifier": "ZZ", "ack_requested": "0",
             "wait_999_days": "2", "wait_277ca_days": "7"}
_OPTIONAL_ASKED = frozenset({"contact_email"})


def _what(key: str) -> str:
    from claimkit.claims.export_837p import EDI_KEYS, EDI_OPTIONAL

    return EDI_KEYS.get(key) or EDI_OPTIONAL.get(key, "")


def prompt(key: str) -> str:
    return f"{key.replace('_', ' ')} ({_what(key)})"


def required(key: str) -> bool:
    """Asked settings that cannot be left blank."""
    return key in ASKED and key not in _OPTIONAL_ASKED


def default(key: str) -> str:
    return _DEFAULTS.get(key, "")


def check_one(key: str, value: str, *, flag: str) -> str:
    """One setting checked as typed: the value to store, or one line naming the setting and the fix."""
    from claimkit.claims.x12_837p import ISA_QUALIFIERS

    value = value.strip()
    if not value:
        if key in _OPTIONAL_ASKED or key not in ASKED:
            return ""
        raise ClaimkitError(f"{flag}: give {_what(key)}")
    if key.endswith("_id"):
        from claimkit.core.identifiers import edi_id

        try:
            edi_id(value, key)
        except ValueError as exc:
            raise ClaimkitError(f"{flag} {exc}") from None
    elif key.endswith("_name"):
        if len(value) > 60:
            raise ClaimkitError(f"{flag}: at most 60 characters ({len(value)} given)")
    elif key == "contact_phone":
        digits = re.sub(r"\D", "", value)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) != 10:
            raise ClaimkitError(f"{flag} '{value}' is not a 10-digit phone number; write it like 5125550100")
        return digits
    elif key == "contact_email":
        if not re.fullmatch(r"[^@\s*:^~]+@[^@\s*:^~]+\.[A-Za-z]{2,}", value):
            raise ClaimkitError(f"{flag} '{value}' is not an email address (like billing@example.com)")
    elif key == "usage":
        value = value.upper()
        if value not in ("T", "P"):
            raise ClaimkitError(f"{flag} '{value}': use T (test files while the clearinghouse tests your setup) or P"
                                " (production)")
    elif key.endswith("_qualifier"):
        value = value.upper()
        if value not in ISA_QUALIFIERS:
            raise ClaimkitError(f"{flag} '{value}' is not an ISA qualifier: use one of {', '.join(ISA_QUALIFIERS)}"
                                " (usually ZZ)")
    elif key == "ack_requested":
        if value not in ("0", "1"):
            raise ClaimkitError(f"{flag} '{value}': use 1 to ask for a TA1 acknowledgment, 0 not to")
    elif key.startswith("wait_"):
        if not value.isdigit() or not 1 <= int(value) <= 365:
            raise ClaimkitError(f"{flag} '{value}': give a number of days from 1 to 365")
    return value


def save(ws, values: dict[str, str]) -> str:
    """Check the settings as a whole (what an export needs) and write practice.toml atomically."""
    from claimkit.claims.export_837p import EDI_KEYS, edi_settings
    from claimkit.store.files import practice_path, save_practice

    edi = {k: v for k, v in values.items() if v}
    for key in EDI_KEYS:
        if not edi.get(key):
            raise ClaimkitError(f"--{key.replace('_', '-')} is not set: {EDI_KEYS[key]}; give it as an option or run"
                                " 'claimkit x12 setup' on a terminal")
    edi_settings(edi)  # the combined rules (ISA id lengths); raises naming the key
    save_practice(ws.home, ws.practice.replace(edi=edi))
    ws.forget()
    return str(practice_path(ws.home))


def shown(edi: dict[str, str]) -> list[tuple[str, str, str]]:
    from claimkit.claims.export_837p import EDI_KEYS, EDI_OPTIONAL

    return [(k, edi.get(k, "") or (f"(default {_DEFAULTS[k]})" if k in _DEFAULTS else "(not set)"), what)
            for k, what in {**EDI_KEYS, **EDI_OPTIONAL}.items()]
