"""Watching the estimates: which one is in force on a day, what was billed in its period, and the work list.

Light on purpose (sqlite and json only): `check`, `todo` and the statement and superbill builders call it.
A superseded estimate covers its period until its replacement's first day; the replacement from then on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from claimkit.gfe.records import GoodFaithEstimate
    from claimkit.store.workspace import Workspace

RULE_START = date(2022, 1, 1)  # the No Surprises Act's estimates apply to care from this day
LOOKBACK_DAYS = 365
EXPIRY_WARN_DAYS = 30
DISPUTE_DAYS = 120  # a client may start a dispute within 120 days of the first bill
THRESHOLD_CENTS = 40000


@dataclass(frozen=True)
class Standing:
    """One stored estimate as the watch needs it."""

    id: str
    client: str
    issued: date
    start: date
    end: date
    until: date | None  # superseded: covers days before this one (its replacement's first day)
    superseded_by: str | None
    total_cents: int
    counts: dict[str, int]  # CPT -> sessions estimated
    fees: dict[str, int]  # CPT -> cents per session

    @property
    def sessions(self) -> int:
        return sum(self.counts.values())

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end and (self.until is None or day < self.until)


@dataclass(frozen=True)
class Progress:
    count: int
    billed: Decimal
    by_cpt: dict[str, int]


def standings(conn: "sqlite3.Connection", client: str | None = None) -> dict[str, list[Standing]]:
    """Every estimate per client, oldest first."""
    sql = "SELECT id, client, issued, start, end, superseded_by, total_cents, snapshot FROM gfes"
    rows = conn.execute(sql + (" WHERE client = ?" if client else "") + " ORDER BY issued, id", [client] if client else []).fetchall()
    starts = {r[0]: r[3] for r in rows}
    out: dict[str, list[Standing]] = {}
    for gid, cid, issued, start, end, by, total, snap in rows:
        items = json.loads(snap).get("items", [])
        counts = {i["cpt"]: int(i["sessions"]) for i in items}
        fees = {i["cpt"]: int((Decimal(i["fee"]) * 100).to_integral_value()) for i in items}
        until = date.fromisoformat(starts[by]) if by and by in starts else None
        out.setdefault(cid, []).append(Standing(gid, cid, date.fromisoformat(issued), date.fromisoformat(start),
                                                date.fromisoformat(end), until, by, total, counts, fees))
    return out


def in_force(found: list[Standing], day: date) -> Standing | None:
    """The estimate covering `day` (the latest given, if two do)."""
    best = None
    for s in found:
        if s.covers(day):
            best = s
    return best


def progress_of(conn: "sqlite3.Connection", gfe: "GoodFaithEstimate | Standing") -> Progress:
    """Self-pay sessions (not void) in the estimate's period: how many, per code, and their charges."""
    client = gfe.client if isinstance(gfe.client, str) else gfe.client.id
    by_cpt: dict[str, int] = {}
    cents = 0
    for cpt, n, fee in conn.execute(
            "SELECT cpt, COUNT(*), SUM(fee_cents) FROM sessions WHERE client = ? AND status != 'void' AND payer IS NULL"
            " AND date >= ? AND date <= ? GROUP BY cpt", (client, gfe.start.isoformat(), gfe.end.isoformat())):
        by_cpt[cpt] = n
        cents += fee or 0
    return Progress(sum(by_cpt.values()), (Decimal(cents) / 100).quantize(Decimal("0.01")), by_cpt)


def note_for(conn: "sqlite3.Connection", client: str, day: date) -> str:
    """'Good Faith Estimate GFE-0001 ...' for a superbill or statement when one is in force on `day`; else ''."""
    s = in_force(standings(conn, client).get(client, []), day)
    if s is None:
        return ""
    return (f"Good Faith Estimate {s.id} given {s.issued:%m/%d/%Y}: expected total {_usd(s.total_cents)}"
            f" for {s.start:%m/%d/%Y} to {s.end:%m/%d/%Y}.")


def _usd(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}${c // 100:,}.{c % 100:02d}"


def _missing(ws: "Workspace", found: dict[str, list[Standing]], today: date) -> list:
    from claimkit.reports.todo import TodoItem

    since = max(RULE_START, today - timedelta(days=LOOKBACK_DAYS))
    rows: dict[str, list[tuple[date, str]]] = {}
    for cid, day, cpt in ws.conn.execute(
            "SELECT client, date, cpt FROM sessions WHERE status != 'void' AND payer IS NULL AND date >= ? AND date <= ?"
            " ORDER BY client, date, id", (since.isoformat(), today.isoformat())):
        d = date.fromisoformat(day)
        if in_force(found.get(cid, []), d) is None:
            rows.setdefault(cid, []).append((d, cpt))
    out = []
    for cid, uncovered in rows.items():
        try:
            if ws.client(cid).status == "discharged":
                continue
        except Exception:  # an unreadable client file is check's to report
            continue
        first, last = uncovered[0][0], uncovered[-1][0]
        cpts = [c for _, c in uncovered]
        common = max(set(cpts), key=cpts.count)
        span = first.isoformat() if first == last else f"{first} to {last}"
        n = len(uncovered)
        late = (today - first).days
        when = f"it was due by {first} (before the first of them), {late} day{'s' if late != 1 else ''} late" if late > 0 \
            else f"it is due by {first} (before the session)"
        out.append(TodoItem("gfe_missing", cid, f"{n} self-pay session{'s' if n != 1 else ''} ({span}) with no Good Faith"
                            f" Estimate in force; {when}",
                            f"give an estimate for the care still to come: claimkit gfe create {cid} --cpt {common}"
                            f" --start {today}", client=cid, due=first))
    return out


def todo_items(ws: "Workspace", today: date) -> list:
    """The work list's estimate items: missing, ending within 30 days, scope exceeded, billed over the estimate."""
    from claimkit.reports.todo import TodoItem

    found = standings(ws.conn)
    out = _missing(ws, found, today)
    for cid, lst in sorted(found.items()):
        for s in lst:
            if s.superseded_by or s.end < today - timedelta(days=DISPUTE_DAYS) or s.start > today + timedelta(days=EXPIRY_WARN_DAYS):
                continue
            left = (s.end - today).days
            if 0 <= left <= EXPIRY_WARN_DAYS:
                out.append(TodoItem("gfe_expiring", cid, f"{s.id} ends {s.end} (in {left} day{'s' if left != 1 else ''})",
                                    f"if care goes on, give a new estimate: claimkit gfe create {cid} --cpt"
                                    f" {next(iter(s.counts))} --start {s.end + timedelta(days=1)}", client=cid, due=s.end))
            prog = progress_of(ws.conn, s)
            over_codes = [f"{c}: {prog.by_cpt.get(c, 0)} of {n}" for c, n in s.counts.items() if prog.by_cpt.get(c, 0) > n]
            extra = [f"{c}: {n} not estimated" for c, n in prog.by_cpt.items() if c not in s.counts]
            if prog.count > s.sessions or over_codes or extra:
                out.append(TodoItem("gfe_scope", cid, f"{s.id}: {prog.count} sessions in its period on {s.sessions}"
                                    f" estimated ({'; '.join(over_codes + extra) or 'in total'})",
                                    f"the scope changed: give a new estimate (claimkit gfe create {cid} ...); {s.id} is kept",
                                    client=cid, due=s.end))
            billed = int(prog.billed * 100)
            over = billed - s.total_cents
            if over >= THRESHOLD_CENTS:
                out.append(TodoItem("gfe_over", cid, f"{s.id}: billed {_usd(billed)} on an estimate of {_usd(s.total_cents)},"
                                    f" {_usd(over)} over: dispute threshold reached ({_usd(THRESHOLD_CENTS)} or more over)",
                                    "the client may start a federal dispute within 120 days of the bill; review the"
                                    " charges with them, and give a new estimate before more sessions", client=cid,
                                    amount=over))
            elif over > 0:
                out.append(TodoItem("gfe_over", cid, f"{s.id}: billed {_usd(billed)} on an estimate of {_usd(s.total_cents)},"
                                    f" {_usd(over)} over ({_usd(THRESHOLD_CENTS - over)} below the dispute threshold)",
                                    f"give a new estimate before more sessions: claimkit gfe create {cid} ...",
                                    client=cid, amount=over))
            elif s.fees and -over < max(s.fees.values()) and today <= s.end:
                out.append(TodoItem("gfe_over", cid, f"{s.id}: billed {_usd(billed)} of {_usd(s.total_cents)}; the next"
                                    f" session goes over the estimate", f"give a new estimate before the next session:"
                                    f" claimkit gfe create {cid} ...", client=cid, amount=over))
    return out
