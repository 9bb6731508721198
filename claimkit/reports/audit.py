"""`claimkit report audit`: per payer, the signals payers' pre-payment reviews and clawbacks cite for therapy
practices, from one read of the ledger (sessions billed to insurance, not void):

- the share of 90837 (53+ minutes) against 90834 (38-52 minutes);
- client-weeks with more sessions than `sessions_per_week`;
- timed psychotherapy sessions without documented start and end times (`session add --start --end`);
- telehealth sessions whose place of service and modifiers do not state the modality (POS 02/10 without
  95/GT/93/FQ when the payer wants a modifier; both a video and an audio-only modifier).
Levels in templates/reports/audit.toml (review triggers, not payer rules).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from claimkit.reports.kpis import Ratio, read_moment
from claimkit.core.resources import template



@cache
def levels() -> dict:
    return tomllib.loads(template("reports", "audit.toml").read_text("utf-8"))


@dataclass(frozen=True)
class PayerAudit:
    payer: str
    name: str
    sessions: int
    long_sessions: Ratio  # 90837 of 90834 + 90837
    busy_weeks: tuple[tuple[str, str, int], ...]  # (client, week starting Monday, sessions)
    untimed: Ratio  # timed sessions without start/end, of timed sessions
    untimed_ids: tuple[int, ...]
    telehealth_unstated: tuple[tuple[int, str], ...]  # (session, why)
    telehealth: int

    def flags(self) -> list[str]:
        lv = levels()
        out = []
        if self.long_sessions.den and self.long_sessions.num * 100 > lv["long_session_share"] * self.long_sessions.den:
            out.append("long_sessions")
        if self.busy_weeks:
            out.append("sessions_per_week")
        if self.untimed.den and self.untimed.num * 100 > lv["untimed_share"] * self.untimed.den:
            out.append("untimed")
        if self.telehealth_unstated:
            out.append("telehealth_modality")
        return out

    def as_json(self) -> dict:
        return {"payer": self.payer, "name": self.name, "sessions": self.sessions,
                "long_sessions": self.long_sessions.as_json(),
                "busy_weeks": [{"client": c, "week": w, "sessions": n} for c, w, n in self.busy_weeks],
                "untimed": {**self.untimed.as_json(), "sessions": list(self.untimed_ids)},
                "telehealth": self.telehealth,
                "telehealth_modality_not_stated": [{"session": s, "why": why} for s, why in self.telehealth_unstated],
                "flags": self.flags()}


@dataclass(frozen=True)
class Audit:
    start: date
    end: date
    payers: list[PayerAudit] = field(default_factory=list)

    def as_json(self) -> dict:
        lv = levels()
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "levels": {k: lv[k] for k in ("long_session_share", "sessions_per_week", "untimed_share")},
                "payers": [p.as_json() for p in self.payers]}


def _modality(pos: str, modifiers: set[str], payer) -> str | None:
    lv = levels()
    stated = modifiers & set(lv["modality_modifiers"])
    if pos in lv["telehealth_pos"]:
        if not stated and (payer is None or payer.telehealth_modifier != "none"):
            return f"POS {pos} without a modality modifier ({'/'.join(lv['modality_modifiers'])})"
    if stated & {"95", "GT"} and stated & {"93", "FQ"}:
        return f"both video and audio-only modifiers ({', '.join(sorted(stated))})"
    return None


def audit(ws, *, start: date | None = None, end: date | None = None) -> Audit:
    from claimkit import catalog

    end = end or date.today()
    start = start or date(end.year - 1, end.month, 1)
    lv = levels()
    with read_moment(ws.conn) as conn:
        rows = conn.execute(
            "SELECT id, client, date, cpt, modifiers, pos, payer, start_time, end_time FROM sessions"
            " WHERE status != 'void' AND payer IS NOT NULL AND date >= ? AND date <= ? ORDER BY payer, date, id",
            (start.isoformat(), end.isoformat())).fetchall()
    by_payer: dict[str, list] = {}
    for r in rows:
        by_payer.setdefault(r[6], []).append(r)
    out = []
    kinds: dict[str, bool] = {}
    for pid, sessions in sorted(by_payer.items()):
        payer = ws.payers.get(pid)
        long_n = sum(1 for s in sessions if s[3] == lv["long_code"])
        short_n = sum(1 for s in sessions if s[3] == lv["short_code"])
        weeks: dict[tuple[str, str], int] = {}
        timed, untimed = 0, []
        unstated, telehealth = [], 0
        for sid, client, day, cpt, mods, pos, _, t0, t1 in sessions:
            d = date.fromisoformat(day)
            monday = date.fromordinal(d.toordinal() - d.weekday()).isoformat()
            weeks[(client, monday)] = weeks.get((client, monday), 0) + 1
            if cpt not in kinds:
                info = catalog.cpt(cpt)
                kinds[cpt] = info is not None and (info.min_minutes is not None or info.max_minutes is not None) \
                    and info.unit_minutes is None
            if kinds[cpt]:
                timed += 1
                if not (t0 and t1):
                    untimed.append(sid)
            modifiers = {m for m in (mods or "").split(",") if m}
            if pos in lv["telehealth_pos"] or modifiers & set(lv["modality_modifiers"]):
                telehealth += 1
            why = _modality(pos, modifiers, payer)
            if why:
                unstated.append((sid, why))
        busy = tuple((c, w, n) for (c, w), n in sorted(weeks.items(), key=lambda kv: (kv[0][1], kv[0][0]))
                     if n > lv["sessions_per_week"])
        out.append(PayerAudit(pid, payer.name if payer else pid, len(sessions), Ratio(long_n, long_n + short_n), busy,
                              Ratio(len(untimed), timed), tuple(sorted(untimed)), tuple(unstated), telehealth))
    return Audit(start, end, out)
