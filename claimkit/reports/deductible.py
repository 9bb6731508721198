"""`report deductible CLIENT`: the plan year's deductible and out-of-pocket used, against the policy's amounts.

The numbers are the session estimates' own (claimkit.core.estimate.run over claimkit.sessions.sessions.estimate_client):
adjudicated sessions count what their remittance assigned (PR postings), the others their estimate, and a
deductible met before claimkit (policy `deductible_met`) is carried in. So an ERA that posts a deductible changes
this report and the next session's estimate alike.

How much the year has used is asked of the estimator itself rather than re-derived: a probe session after the
last one (with the earlier sessions frozen at their estimates) under a policy with an enormous deductible shows
how much of it is left, and so how much was used; the same with an enormous out-of-pocket maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from claimkit.core import estimate as est
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, to_cents
from claimkit.reports.balances import client_sessions
from claimkit.reports.common import iso, money, reads_one_moment
from claimkit.store.workspace import Workspace

BIG = Decimal("1000000.00")
PROBE = 2**62


@dataclass(frozen=True)
class SessionUse:
    id: int
    date: date
    cpt: str
    fee: int
    allowed: int | None
    patient: int
    deductible: int
    basis: str

    def as_json(self) -> dict:
        return {"session": self.id, "date": self.date.isoformat(), "cpt": self.cpt, "fee": money(self.fee),
                "allowed": money(self.allowed) if self.allowed is not None else None, "patient": money(self.patient),
                "deductible": money(self.deductible), "basis": self.basis}


@dataclass(frozen=True)
class Usage:
    amount: int | None  # the policy's deductible / out-of-pocket maximum (None: no maximum)
    used: int
    adjudicated: int
    estimated: int
    carried_in: int  # met before claimkit (policy deductible_met)

    @property
    def remaining(self) -> int | None:
        return None if self.amount is None else max(0, self.amount - self.used)

    def as_json(self) -> dict:
        return {"amount": money(self.amount) if self.amount is not None else None, "used": money(self.used),
                "adjudicated": money(self.adjudicated), "estimated": money(self.estimated),
                "carried_in": money(self.carried_in),
                "remaining": money(self.remaining) if self.remaining is not None else None}


@dataclass(frozen=True)
class DeductibleReport:
    client: str
    payer: str
    cost_sharing: str
    plan_year: tuple[date, date]
    as_of: date
    deductible: Usage
    out_of_pocket: Usage
    sessions: tuple[SessionUse, ...]
    next_cpt: str | None
    next_estimate: int | None
    next_basis: str | None

    def as_json(self) -> dict:
        return {"client": self.client, "payer": self.payer, "cost_sharing": self.cost_sharing, "as_of": iso(self.as_of),
                "plan_year": {"start": iso(self.plan_year[0]), "end": iso(self.plan_year[1])},
                "deductible": self.deductible.as_json(), "out_of_pocket": self.out_of_pocket.as_json(),
                "sessions": [s.as_json() for s in self.sessions],
                "next_session": None if self.next_cpt is None else {
                    "cpt": self.next_cpt, "patient_estimate": money(self.next_estimate), "basis": self.next_basis}}


def _probe(policy, frozen: list[est.Item], day: date, **changes) -> est.Estimate:
    probe = est.Item(PROBE, day, BIG * 2, BIG * 2)
    return est.run(policy.replace(**changes), [*frozen, probe])[PROBE]


@reads_one_moment
def deductible(ws: Workspace, client_id: str, as_of: date | None = None, *, today: date | None = None) -> DeductibleReport:
    day = as_of or today or date.today()
    client = ws.client(client_id)
    policy = client.policy(day)
    if policy is None:
        raise ClaimkitError(f"{client_id} has no primary policy in force on {day}; see 'claimkit client show {client_id}'")
    if policy.cost_sharing == "self_pay":
        raise ClaimkitError(f"{client_id}'s policy with {policy.payer} is self-pay (out of network): claimkit keeps no"
                            " deductible for it")
    rows, estimates = client_sessions(ws, client_id, day)
    mine = [r for r in rows if r.status != "void" and r.payer is not None and r.cost_sharing != "out_of_network"
            and client.policy(r.date) is policy]
    start, end = est.plan_year(day, policy.plan_year_start)
    frozen = [est.Item(r.id, r.date, r.fee, r.allowed, est.Adjudicated(estimates[r.id].deductible, estimates[r.id].patient))
              for r in mine]
    ded_used = BIG - _probe(policy, frozen, day, cost_sharing="coinsurance", coinsurance=Decimal(0),
                            copay_after_deductible=False, oop_max=None, deductible=BIG).deductible
    oop_used = BIG - _probe(policy, frozen, day, cost_sharing="coinsurance", coinsurance=Decimal(100),
                            copay_after_deductible=False, deductible=ZERO, oop_max=BIG).patient
    uses = []
    sums = {"ded_adj": 0, "ded_est": 0, "oop_adj": 0, "oop_est": 0}
    for r in mine:
        if not (start <= r.date <= end):
            continue
        e = estimates[r.id]
        adjudicated = e.basis == "adjudicated"
        sums["ded_adj" if adjudicated else "ded_est"] += to_cents(e.deductible)
        sums["oop_adj" if adjudicated else "oop_est"] += to_cents(e.patient)
        uses.append(SessionUse(r.id, r.date, r.cpt, to_cents(r.fee), None if r.allowed is None else to_cents(r.allowed),
                               to_cents(e.patient), to_cents(e.deductible), e.label()))
    ded_c, oop_c = to_cents(ded_used), to_cents(oop_used)
    ded = Usage(to_cents(policy.deductible), ded_c, sums["ded_adj"], sums["ded_est"], ded_c - sums["ded_adj"] - sums["ded_est"])
    oop = Usage(None if policy.oop_max is None else to_cents(policy.oop_max), oop_c, sums["oop_adj"], sums["oop_est"],
                oop_c - sums["oop_adj"] - sums["oop_est"])
    nxt = next((r for r in reversed(mine)), None)
    next_est = None
    if nxt is not None:
        next_est = est.one(policy, nxt.fee, nxt.allowed, ded_used, oop_used)
    return DeductibleReport(client_id, policy.payer, policy.cost_sharing, (start, end), day, ded, oop, tuple(uses),
                            nxt.cpt if nxt else None, to_cents(next_est.patient) if next_est else None,
                            next_est.label() if next_est else None)
