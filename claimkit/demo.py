"""Build the demo practice: copy examples/demo-practice into a fresh home and replay its sessions.

The files are written as of ANCHOR; every date (sessions, policy and authorization dates) moves forward by
whole weeks so that the demo is always current: timely filing and authorization checks find the same
planted defects whenever it runs.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from claimkit.core.errors import ClaimkitError
from claimkit.core.records import Client
from claimkit.resources import examples_dir
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


# --- the demo's remittances -----------------------------------------------------------------------------

def remittances(ws: Workspace, paid_on: date) -> list[str]:
    """Two ERA files answering the demo's claims the way payers do.

    The first pays one claim in full (copays), applies a deductible and coinsurance to another, denies a third
    (no authorization: CO-197) and pays a fourth; the second reverses that payment and pays it again corrected,
    with a provider-level interest adjustment. Amounts follow the payers' fee schedules and the clients' plans.
    """
    import json

    from claimkit.core import estimate as est
    from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

    practice = ws.practice
    rows = ws.conn.execute("SELECT id, client, payer, snapshot FROM claims WHERE rank = 'primary' ORDER BY id").fetchall()
    by_payer: dict[str, list[ClaimOutcome]] = {}
    plan: dict[str, str] = {}
    for i, row in enumerate(rows):
        snap = json.loads(row["snapshot"])
        payer = ws.payer(row["payer"])
        client = ws.client(row["client"])
        policy = client.policy(date.fromisoformat(snap["lines"][0]["date_from"]))
        mode = ("deny" if row["client"] == "jordan" else "reverse" if row["client"] == "sam" else "pay")
        plan[row["id"]] = mode
        lines, ded_used, oop_used = [], Decimal("0.00"), Decimal("0.00")
        for ln in snap["lines"]:
            charge = Decimal(str(ln["charge"]))
            allowed = payer.rate(ln["cpt"], ln.get("modifiers", [])) or charge
            if mode == "deny":
                lines.append(LineOutcome(ln["cpt"], tuple(ln.get("modifiers", [])), charge, Decimal("0.00"),
                                         date.fromisoformat(ln["date_from"]), ln.get("line_control", ""), None,
                                         (("CO", "197", charge),), ("N54",)))
                continue
            e = est.one(policy, charge, allowed, ded_used, oop_used)
            ded_used += e.deductible
            oop_used += e.patient
            adj = [("CO", "45", charge - allowed)] if charge > allowed else []
            if e.deductible:
                adj.append(("PR", "1", e.deductible))
            rest = e.patient - e.deductible
            if rest:
                adj.append(("PR", "3" if policy and policy.cost_sharing == "copay" else "2", rest))
            lines.append(LineOutcome(ln["cpt"], tuple(ln.get("modifiers", [])), charge, allowed - e.patient,
                                     date.fromisoformat(ln["date_from"]), ln.get("line_control", ""), allowed, tuple(adj)))
        insured = snap["billed"]
        by_payer.setdefault(row["payer"], []).append(ClaimOutcome(
            row["id"], "4" if mode == "deny" else "1", f"PCN{i + 1:05d}", snap["patient"]["last"], snap["patient"]["first"],
            insured.get("member_id", ""), tuple(lines)))
    files = []
    n = 0
    for payer_id, outcomes in sorted(by_payer.items()):
        payer = ws.payer(payer_id)
        n += 1
        files.append(write_835(Remit(payer.name, payer.payer_id or payer_id.upper(), practice.billing.name or practice.name,
                                     practice.billing.npi, f"DEMO-EFT-{n:04d}", paid_on, tuple(outcomes), control=n)))
    # the second file: the payer takes back sam's payment and pays it again, less one line's copay error
    corrections = []
    for outcomes in by_payer.values():
        for c in outcomes:
            if plan.get(c.account) == "reverse":
                neg = tuple(LineOutcome(ln.cpt, ln.modifiers, -ln.charge, -ln.paid, ln.service_date, ln.control, ln.allowed,
                                        tuple((g, r, -a) for g, r, a in ln.adjustments)) for ln in c.lines)
                corrections.append(ClaimOutcome(c.account, "22", c.payer_claim_number, c.patient_last, c.patient_first,
                                                c.member_id, neg))
                fixed = tuple(LineOutcome(ln.cpt, ln.modifiers, ln.charge, ln.paid + (Decimal("5.00") if k == 0 else 0),
                                          ln.service_date, ln.control, ln.allowed,
                                          tuple((g, r, a - (Decimal("5.00") if (k == 0 and g == "PR") else 0)) for g, r, a in ln.adjustments))
                              for k, ln in enumerate(c.lines))
                corrections.append(ClaimOutcome(c.account, "1", c.payer_claim_number + "R", c.patient_last, c.patient_first,
                                                c.member_id, fixed))
    if corrections:
        payer = ws.payer("acme")
        files.append(write_835(Remit(payer.name, payer.payer_id, practice.billing.name or practice.name, practice.billing.npi,
                                     "DEMO-EFT-CORR", paid_on, tuple(corrections), (("L6", "INTEREST", Decimal("-1.25")),),
                                     control=n + 1)))
    return files
