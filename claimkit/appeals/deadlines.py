"""A denial's appeal deadline: the remittance (denial) date plus the payer's appeal window.

The window is the payer's own `appeal_days` when set, else the default of its insurance type
(templates/appeals/windows.toml: Medicare 120 days, others 180).
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import cache

from claimkit.core.records import Payer
from claimkit.resources import template


@cache
def _windows() -> tuple[int, dict[str, int]]:
    data = tomllib.loads(template("appeals", "windows.toml").read_text("utf-8"))
    return int(data["default"]), {k: int(v) for k, v in data.get("type", {}).items()}


def default_window(payer_type: str) -> int:
    default, by_type = _windows()
    return by_type.get(payer_type, default)


def appeal_window(payer: Payer | None) -> int:
    """Days a denial by this payer may be appealed; an unknown payer gets the general default."""
    if payer is None:
        return _windows()[0]
    return payer.appeal_days if payer.appeal_days is not None else default_window(payer.type)


def window_source(payer: Payer) -> str:
    return "set for this payer" if payer.appeal_days is not None else f"default for {payer.type}"


def appeal_deadline(remitted: date, payer: Payer | None) -> date:
    return remitted + timedelta(days=appeal_window(payer))
