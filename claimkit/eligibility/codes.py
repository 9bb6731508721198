"""The eligibility code labels (templates/eligibility/codes.toml), read once when first needed."""

from __future__ import annotations

from functools import cache

# service types a therapist may ask about (EQ01); the first is the default
THERAPY_SERVICE_TYPES = ("MH", "CF", "A8", "A6", "98", "30")
# the order in which a 271's service types are taken for mental-health cost sharing
MH_PREFERENCE = ("MH", "CF", "A6", "A8", "98", "30")


@cache
def _table() -> dict:
    import tomllib

    from claimkit.core.resources import template

    with open(template("eligibility", "codes.toml"), "rb") as fh:
        return tomllib.load(fh)


def service_type(code: str) -> str:
    return _table()["service_types"].get(code, f"service type {code}")


def known_service_type(code: str) -> bool:
    return code in _table()["service_types"]


def benefit(code: str) -> str:
    return _table()["benefits"].get(code, f"benefit {code}")


def period(code: str) -> str:
    return _table()["periods"].get(code, code)


def aaa(code: str) -> tuple[str, str]:
    """(what the payer said, what to do) for an AAA03 reject reason."""
    found = _table()["aaa"].get(code)
    if found:
        return found[0], found[1]
    return f"the payer refused the inquiry (reason code {code or 'not given'})", "call the payer, or check the inquiry's data"


def followup(code: str) -> str:
    return _table()["followup"].get(code, "")
