"""What an identifier that goes into an X12 file (837P, 270, 276) may hold: one validator per kind.

Called where a value is entered (CLI options, prompts, `x12 setup`) and where it is read (core/schema.py, so a
hand-edited TOML file is refused naming the file, key and fix). A value that passes reaches the 837P and the CMS-1500
unchanged but for capitals and the spaces and hyphens core/nucc.py leaves out of ids: nothing is dropped silently
(payer_id = "111~11*9" was sent as 111119). Shape rules a file may break while it is being set up (an NPI's length
and check digit, a tax ID's length) are refused on entry (`complete=True`) and are check's errors on load, where
only characters the claim cannot carry refuse the file. Each validator returns the value to store or raises
ValueError with the reason and the fix; the caller names the option or the file and key.
"""

from __future__ import annotations

import re

from claimkit.core.records import npi_valid

_LETTERS_DIGITS = re.compile(r"[A-Za-z0-9]")
_CARD = re.compile(r"[A-Za-z0-9 \-]")  # as printed on a card: spaces and hyphens are layout, left out when sent
_EDI = re.compile(r"[A-Za-z0-9 ]")
_DIGIT = re.compile(r"[0-9]")
_TAX_ID = re.compile(r"[0-9 \-]")
ID_LIMIT = 80  # NM109, REF02: the longest identifier X12 carries
ISA_LIMIT = 15  # ISA06/ISA08, GS02/GS03
EDI_ID_KEYS = ("submitter_id", "receiver_id", "isa_sender_id", "isa_receiver_id", "gs_sender_id", "gs_receiver_id")


def shown(value: str, limit: int = 40) -> str:
    """'AB*1' as quoted in a message: control characters escaped, long values cut."""
    return repr(value[:limit] + "...") if len(value) > limit else repr(value)


def _odd(value: str, allowed: re.Pattern) -> str:
    """The characters of `value` that `allowed` refuses, each once: "'*' and '~'"."""
    bad = [repr(ch) for ch in dict.fromkeys(ch for ch in value if not allowed.fullmatch(ch))]
    return bad[0] if len(bad) == 1 else ", ".join(bad[:-1]) + " and " + bad[-1]


def _only(value: str, allowed: re.Pattern) -> bool:
    return all(allowed.fullmatch(ch) for ch in value)


def payer_id(value: str) -> str:
    """The payer's electronic ID (2010BB NM109, 270/276 2100A): letters and digits, as the clearinghouse lists it."""
    v = (value or "").strip()
    if not v:
        return ""
    if not _only(v, _LETTERS_DIGITS):
        raise ValueError(f"payer ID {shown(v)} holds {_odd(v, _LETTERS_DIGITS)}: an electronic payer ID is letters and"
                         " digits only; copy it from your clearinghouse's payer list (e.g. 87726)")
    if not 2 <= len(v) <= ID_LIMIT:
        raise ValueError(f"payer ID {shown(v)} has {len(v)} character{'' if len(v) == 1 else 's'}; an electronic payer"
                         f" ID has 2 to {ID_LIMIT}")
    return v


def card_id(value: str, what: str = "member ID") -> str:
    """A member ID, group number or authorization number as printed (1a, 11, 23; NM109, SBR03, REF*G1)."""
    v = (value or "").strip()
    if not v:
        return ""
    if not _only(v, _CARD):
        raise ValueError(f"{what} {shown(v)} holds {_odd(v, _CARD)}: give it as printed on the card, letters and digits"
                         " (spaces and hyphens are left out when it is sent)")
    compact = v.replace(" ", "").replace("-", "")
    if not compact:
        raise ValueError(f"{what} {shown(v)} has no letter or digit; give it as printed on the card")
    if len(compact) > ID_LIMIT:
        raise ValueError(f"{what} {shown(v)} is {len(compact)} characters, more than the {ID_LIMIT} a claim can carry")
    return v


def member_id(value: str) -> str:
    return card_id(value, "member ID")


def npi(value: str, *, complete: bool = True, length: bool = False) -> str:
    """An NPI: 10 digits whose last is the check digit. On load (`complete=False`) only other characters refuse it
    (`length`: and another length, for NPIs no check rule looks at)."""
    v = (value or "").strip()
    if not v:
        return ""
    if complete and not (_only(v, _DIGIT) and npi_valid(v)):
        raise ValueError(f"{shown(v)} is not a valid NPI (10 digits with a correct check digit); copy it from the NPPES"
                         " registry")
    if not _only(v, _DIGIT):
        raise ValueError(f"NPI {shown(v)} holds {_odd(v, _DIGIT)}: an NPI is 10 digits; copy it from the NPPES registry")
    if length and len(v) != 10:
        raise ValueError(f"NPI {shown(v)} must be 10 digits")
    return v


def tax_id(value: str, *, complete: bool = True) -> str:
    """An EIN (12-3456789) or SSN: 9 digits; hyphens and spaces are layout. Entered values are stored as digits."""
    v = (value or "").strip()
    if not v:
        return ""
    digits = v.replace("-", "").replace(" ", "")
    if complete:
        if not (_only(v, _TAX_ID) and len(digits) == 9):
            raise ValueError(f"{shown(v)} must be 9 digits (EIN 12-3456789 or SSN 123-45-6789)")
        return digits
    if not _only(v, _TAX_ID):
        raise ValueError(f"tax ID {shown(v)} holds {_odd(v, _TAX_ID)}: an EIN (12-3456789) or SSN is 9 digits")
    return v


def edi_id(value: str, key: str = "submitter_id") -> str:
    """A submitter, receiver, ISA or GS id from the clearinghouse's companion guide: letters, digits and spaces."""
    v = (value or "").strip()
    if not v:
        return ""
    if not _only(v, _EDI):
        raise ValueError(f"{shown(v)} may hold only letters, digits and spaces; copy it from the clearinghouse's"
                         " companion guide")
    if key.startswith(("isa_", "gs_")) and len(v.replace(" ", "")) > ISA_LIMIT:
        raise ValueError(f"{shown(v)} is longer than the {ISA_LIMIT} characters {key[:3].rstrip('_').upper()} allows")
    if len(v) > ID_LIMIT:
        raise ValueError(f"{shown(v, 20)} is longer than the {ID_LIMIT} characters an ID may have")
    return v


class KeyedError(ValueError):
    """A problem with one key of a table the schema holds as a dict ([edi]): `keys` extends the error's location,
    so the file's message names edi.submitter_id and its line."""

    def __init__(self, message: str, *keys: str):
        super().__init__(message)
        self.keys = keys


def edi_ids(edi: dict) -> dict:
    """The [edi] section's ids checked (practice.toml)."""
    for key in EDI_ID_KEYS:
        value = edi.get(key)
        if isinstance(value, str) and value.strip():
            try:
                edi_id(value, key)
            except ValueError as exc:
                raise KeyedError(str(exc), key) from None
    return edi


def payer_claim_number(value: str) -> str:
    """The payer's claim number (ICN/DCN) a replacement or void refers to (box 22, REF*F8; 276 REF*1K)."""
    v = (value or "").strip()
    if not v:
        return ""
    if not _only(v, _CARD) or len(v) > 30 or not v.replace(" ", "").replace("-", ""):
        raise ValueError(f"{shown(v)}: use the payer's claim number as printed (letters and digits)")
    return v
