"""A denial's appeal deadline: the remittance (denial) date plus the payer's appeal window.

The window is the payer's own `appeal_days` when set, else the default of its insurance type
(templates/appeals/windows.toml: Medicare 120 days, others 180).
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import cache

from claimkit.core.records import Payer
from claimkit.core.resources import template


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


WARN_DAYS = 14


def remitted_on(conn, claim_ids: list[str], day: date) -> dict[str, date]:
    """The date of each claim's latest remittance on or before `day`: its remittance record (ERA or paper EOB)
    or, for postings entered without one, the latest remittance posting."""
    if not claim_ids:
        return {}
    marks = ",".join("?" * len(claim_ids))
    sql = (f"SELECT claim_id, MAX(d) FROM (SELECT claim_id, date AS d FROM remit_claims WHERE claim_id IN ({marks})"
           f" AND date <= ? UNION ALL SELECT claim_id, date FROM postings WHERE claim_id IN ({marks})"
           " AND source IN ('era', 'eob') AND date <= ?) GROUP BY claim_id")
    rows = conn.execute(sql, (*claim_ids, day.isoformat(), *claim_ids, day.isoformat())).fetchall()
    return {cid: date.fromisoformat(d) for cid, d in rows if d}


def urgency(deadline: date, today: date) -> str:
    """'overdue', 'soon' (under WARN_DAYS days left) or 'later': how the work list groups denials."""
    left = (deadline - today).days
    return "overdue" if left < 0 else "soon" if left < WARN_DAYS else "later"


def phrase(deadline: date, today: date, window: int) -> str:
    left = (deadline - today).days
    if left < 0:
        return f"the {window}-day appeal window ended {deadline} ({-left} days ago)"
    if left == 0:
        return f"appeal today: the {window}-day window ends {deadline}"
    return f"appeal by {deadline} ({left} day{'s' if left != 1 else ''} left of {window})"
