"""What the latest 271 means for a client's policy: the estimate's starting point, and the policy file's values
beside the 271's (`client benefits`, `--apply`).

Light (sqlite3 and the snapshot records): `session add` and `session list` read the estimate bases through it.
"""

from __future__ import annotations

import json
import sqlite3
from claimkit.core.lightclass import lightclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from claimkit.core.estimate import Basis
from claimkit.core.money import from_cents

if TYPE_CHECKING:  # pragma: no cover
    from claimkit.eligibility.store import Stored

ZERO = Decimal("0.00")


def estimate_bases(conn: sqlite3.Connection, client: str | None = None) -> dict[tuple[str, str], Basis]:
    """(client, payer) -> the estimate basis of its latest 271: in-network deductible and out-of-pocket, total and
    remaining on the 271's date, and what remittances posted since for sessions dated before it. Reads the stored
    JSON directly (no snapshot records): `session add` pays for this."""
    sql = "SELECT client, payer, as_of, data FROM benefits" + (" WHERE client = ?" if client is not None else "")
    try:
        rows = conn.execute(sql + " ORDER BY as_of, id", [client] if client is not None else []).fetchall()
    except sqlite3.OperationalError:  # a ledger from before eligibility
        return {}
    newest = {(r[0], r[1]): r for r in rows}
    out: dict[tuple[str, str], Basis] = {}
    for (cid, payer), (_, _, as_of, data) in newest.items():
        f = json.loads(data).get("in_network") or {}
        if f.get("deductible_left") is None and f.get("oop_left") is None:
            continue
        day = date.fromisoformat(as_of)
        ded, oop = _applied_before(conn, cid, payer, day)
        num = {k: (Decimal(f[k]) if f.get(k) is not None else None) for k in ("deductible", "deductible_left", "oop_max", "oop_left")}
        out[(cid, payer)] = Basis(day, num["deductible"], num["deductible_left"], num["oop_max"], num["oop_left"], ded, oop)
    return out


def _applied_before(conn: sqlite3.Connection, client: str, payer: str, as_of: date) -> tuple[Decimal, Decimal]:
    """The deductible and the client's share posted by remittances after the 271's date for sessions before it
    (the payer had not counted them when it answered)."""
    row = conn.execute(
        "SELECT COALESCE(SUM(CASE WHEN p.reason = 'deductible' THEN p.amount_cents ELSE 0 END), 0),"
        " COALESCE(SUM(p.amount_cents), 0) FROM postings p JOIN sessions s ON s.id = p.session_id"
        " WHERE p.kind = 'patient_resp' AND p.source IN ('era', 'eob') AND p.client = ? AND p.payer = ?"
        " AND p.date > ? AND s.date < ?", (client, payer, as_of.isoformat(), as_of.isoformat())).fetchone()
    return from_cents(row[0]), from_cents(row[1])


@lightclass(frozen=True)
class Change:
    field: str  # the policy field in the client file
    label: str
    in_file: str
    in_271: str
    value: object  # what --apply writes
    same: bool = False  # the file already says it


def compare(policy, stored: "Stored") -> list[Change]:
    """The policy's cost sharing beside the 271's (in network), one row per value the 271 gives."""
    from claimkit.core.nucc import ident as key  # group numbers and plan names as the claim writes them

    f = stored.snapshot.in_network
    rows: list[Change] = []

    def money(field: str, label: str, now, new) -> None:
        if new is not None:
            rows.append(Change(field, label, _show(now), _show(new), new, now is not None and Decimal(now) == new))

    money("copay", "copay", policy.copay, f.copay)
    money("coinsurance", "coinsurance %", policy.coinsurance, f.coinsurance)
    money("deductible", "deductible (plan year)", policy.deductible, f.deductible)
    money("oop_max", "out-of-pocket max", policy.oop_max, f.oop_max)
    snap = stored.snapshot
    if snap.plan_begin is not None:
        mmdd = snap.plan_begin.strftime("%m-%d")
        rows.append(Change("plan_year_start", "plan year starts", policy.plan_year_start, mmdd, mmdd,
                           policy.plan_year_start == mmdd))
    if snap.group_number:
        rows.append(Change("group", "group number", policy.group or "-", snap.group_number, snap.group_number,
                           key(policy.group) == key(snap.group_number)))
    if snap.plan_name:
        rows.append(Change("plan_name", "plan name", policy.plan_name or "-", snap.plan_name, snap.plan_name,
                           key(policy.plan_name) == key(snap.plan_name) or bool(policy.plan_name)))
    return rows


def _show(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    return str(v)


def applied_policy(policy, changes: list[Change]) -> dict:
    """The policy's plain data with the 271's values written in. Cost sharing follows: a copay in the 271 makes a
    copay plan, a coinsurance without a copay a coinsurance plan."""
    data = policy.to_data()
    for c in changes:
        data[c.field] = format(c.value, "f") if isinstance(c.value, Decimal) else c.value
    fields = {c.field for c in changes}
    if "copay" in fields and data.get("cost_sharing") == "coinsurance" and "coinsurance" not in fields:
        data["cost_sharing"] = "copay"
    elif "coinsurance" in fields and "copay" not in fields and data.get("cost_sharing") == "copay":
        data["cost_sharing"] = "coinsurance"
    return data
