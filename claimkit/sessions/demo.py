"""Build the demo practice: copy examples/demo-practice into a fresh home and replay its sessions (add_session).

The files are written as of ANCHOR; every date (sessions, policy and authorization dates) moves forward by
whole weeks so that the demo is always current: timely filing and authorization checks find the same
planted defects whenever it runs. The payers' side of the demo is in remittance/demo.py, the clearinghouse's in
acks/demo.py and the eligibility answer in eligibility/demo.py; the walk-through itself is cli/demo.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from claimkit.core.errors import ClaimkitError
from claimkit.core.records import Client
from claimkit.core.resources import examples_dir
from claimkit.sessions.sessions import Added, NewSession, add_session
from claimkit.store import files, home as homes, ledger
from claimkit.store.workspace import Workspace

ANCHOR = date(2026, 11, 20)


@dataclass(frozen=True)
class Defect:
    """A session planted with a mistake; `fix` is how the demo repairs it ('void', or session add options)."""

    session_id: int
    client: str
    day: date
    what: str
    fix: str


@dataclass(frozen=True)
class Demo:
    home: Path
    shift: timedelta
    added: list[Added]
    defects: list[Defect]


def demo_source() -> Path:
    return examples_dir() / "demo-practice"


def shift_for(today: date) -> timedelta:
    weeks = max(0, (today - ANCHOR).days // 7)
    return timedelta(weeks=weeks)


def _shift_client(client: Client, delta: timedelta) -> Client:
    def mv(d: date | None) -> date | None:
        return d + delta if d else None

    policies = [p.replace(effective=mv(p.effective), end=mv(p.end), deductible_met_on=mv(p.deductible_met_on))
                for p in client.policies]
    auths = [a.replace(start=mv(a.start), end=mv(a.end)) for a in client.authorizations]
    return client.replace(policies=policies, authorizations=auths)


def prepare_dir(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ClaimkitError(f"{target} is not empty; give --dir a new or empty folder")
    homes.make_private_dir(target)


def build(target: Path, today: date | None = None) -> Demo:
    """Create the demo home in `target` (new or empty) and record every session of sessions.csv."""
    today = today or date.today()
    prepare_dir(target)
    src = demo_source()
    delta = shift_for(today)
    home = target
    homes.make_private_dir(home / "clients")
    for name in ("practice.toml", "payers.toml"):
        homes.atomic_write(home / name, (src / name).read_bytes())
    for path in sorted((src / "clients").glob("*.toml")):
        client = files.parse_client(path.read_bytes(), f"clients/{path.name}", path.stem)
        files.save_client(home, _shift_client(client, delta))
    ledger.connect(home, create=True).close()
    ws = Workspace(home)
    added, defects = [], []
    with open(src / "sessions.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            new = NewSession(
                client=row["client"], day=date.fromisoformat(row["date"]) + delta, cpt=row["cpt"],
                minutes=int(row["minutes"]) if row["minutes"] else None, pos=row["pos"] or None,
                modifiers=[m for m in row["modifiers"].split(";") if m], dx=[d for d in row["dx"].split(";") if d],
                paid=Decimal(row["paid"]) if row["paid"] else None, method=row["method"] or "card", note=row["note"],
                start=row.get("start") or None, end=row.get("end") or None)
            result = add_session(ws, new)
            added.append(result)
            if row["note"].startswith("DEFECT:"):
                defects.append(Defect(result.session.id, row["client"], new.day, row["note"][7:].strip(), row.get("fix") or ""))
    ws.close()
    return Demo(home, delta, added, defects)
