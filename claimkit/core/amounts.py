"""Amount and percent field types for the pydantic schemas of `core/schema.py` (which validate what comes in).
The claim snapshot (`core/entries.py`) no longer uses pydantic: its amounts are plain `Decimal`s."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

from claimkit.core.money import parse_money


def _money(value: object) -> Decimal:
    if isinstance(value, float):
        raise ValueError("write amounts as text in quotes, like \"120.00\", not as a number with a decimal point")
    if isinstance(value, bool):
        raise ValueError("expected an amount like \"120.00\"")
    return parse_money(value)  # type: ignore[arg-type]


def _percent(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a percent from 0 to 100")
    raw = str(value).strip().rstrip("%")
    try:
        pct = Decimal(raw)
    except Exception:
        raise ValueError(f"'{value}' is not a percent; write it like 20") from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise ValueError(f"'{value}' is outside 0-100; write the percent like 20")
    return pct


Money = Annotated[Decimal, BeforeValidator(_money), PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
Percent = Annotated[Decimal, BeforeValidator(_percent), PlainSerializer(lambda v: format(v.normalize(), "f"), return_type=str)]
