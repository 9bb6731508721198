"""Money as Decimal in Python and integer cents in SQLite; never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def parse_money(text: str | int | Decimal, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    """Parse '180', '180.00', '$1,180.5' into Decimal('1180.50'); refuse more than 2 decimals, NaN, negatives."""
    if isinstance(text, float):  # a float never carries money exactly
        raise ValueError(f"{field}: give the amount as text like 120.00, not a float")
    raw = str(text).strip().replace("$", "")
    # a comma between thousands (1,180.50) is dropped; a decimal comma (25,00) must not become 2500.00
    if "," in raw and re.fullmatch(r"[+-]?[\d,]+(\.\d*)?", raw) and not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", raw):
        shown = raw if len(raw) <= 20 else raw[:17] + "..."
        raise ValueError(f"{field}: '{shown}' is not an amount; write cents after a point, like 25.00 (a comma only"
                         " between thousands, like 1,200.00)")
    raw = raw.replace(",", "")
    shown = raw if len(raw) <= 20 else raw[:17] + "..."
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", raw) or len(raw) > 20:
        raise ValueError(f"{field}: '{shown}' is not an amount; write it like 120.00")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only plain decimals
        raise ValueError(f"{field}: '{shown}' is not an amount; write it like 120.00") from None
    if abs(value) >= Decimal("10000000"):
        raise ValueError(f"{field}: '{shown}' is too large for a claim amount")
    if value != value.quantize(CENT):
        raise ValueError(f"{field}: '{text}' has more than two decimals; write it like 120.00")
    if value < 0 and not allow_negative:
        raise ValueError(f"{field}: '{text}' is negative; amounts must be 0 or more")
    return value.quantize(CENT) + 0  # + 0 turns -0.00 into 0.00


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def from_cents(cents: int | None) -> Decimal:
    if cents is None:
        return ZERO
    return (Decimal(int(cents)) / 100).quantize(CENT)


def fmt(amount: Decimal | int | None, *, cents: bool = False) -> str:
    """'123.45' (no $), as JSON and the ledger show amounts."""
    if amount is None:
        return ""
    value = from_cents(amount) if cents else Decimal(amount).quantize(CENT)
    return f"{value:.2f}"


def dollars(amount: Decimal | None) -> str:
    """'$1,234.50' for people."""
    if amount is None:
        return "-"
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    return (amount * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
