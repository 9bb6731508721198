"""What the client is expected to pay for a session, before the payer says so.

Runs over one client's sessions in date order within a plan year, carrying the deductible and the
out-of-pocket used so far. A session the payer has adjudicated contributes what the remittance assigned
(so an ERA that posts a deductible changes the next estimate); the others contribute their estimate.

With a `Basis` (the latest 271 for the policy), sessions on or after the 271's date in its plan year start from what
the payer said was left: used = total - remaining on the 271's date, plus what the ledger applied since to earlier
sessions; each later session then adds what its remittance or its own estimate took. Such an estimate says where its
figures come from (`source`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from claimkit.core.lightclass import lightclass
from claimkit.core.money import ZERO, percent_of
from claimkit.core.records import Policy


@dataclass(frozen=True)
class Estimate:
    patient: Decimal
    deductible: Decimal  # the part of `patient` that goes toward the deductible
    basis: str  # copay | coinsurance | deductible | oop-max | self-pay | out-of-network | adjudicated | void
    source: str = ""  # where the deductible and out-of-pocket figures come from, when not the policy file

    def label(self) -> str:
        return {"oop-max": "out-of-pocket max reached"}.get(self.basis, self.basis)


@dataclass(frozen=True)
class Adjudicated:
    """What a remittance assigned to the client for one session (sums of PR postings by reason)."""

    deductible: Decimal = ZERO
    total: Decimal = ZERO


@lightclass(frozen=True)
class Basis:
    """What the latest 271 said about the plan year (None: it did not say), and what the ledger applied since."""

    as_of: date
    deductible: Decimal | None = None  # the individual plan-year deductible
    deductible_left: Decimal | None = None
    oop_max: Decimal | None = None
    oop_left: Decimal | None = None
    applied_before: Decimal = ZERO  # deductible posted after as_of for sessions dated before it
    oop_applied_before: Decimal = ZERO  # client's share posted after as_of for sessions dated before it

    def usable(self) -> bool:
        return self.deductible_left is not None or self.oop_left is not None


def _dollars(value: Decimal) -> str:
    return f"${value:,.2f}"


def plan_year_start(day: date, mmdd: str) -> date:
    month, dom = int(mmdd[:2]), int(mmdd[3:])

    def start_in(year: int) -> date:
        try:
            return date(year, month, dom)
        except ValueError:  # 02-29 in a common year
            return date(year, month, dom - 1)

    start = start_in(day.year)
    return start if day >= start else start_in(day.year - 1)


def plan_year(day: date, mmdd: str) -> tuple[date, date]:
    start = plan_year_start(day, mmdd)
    nxt = plan_year_start(start.replace(year=start.year + 1) if not (start.month == 2 and start.day == 29) else date(start.year + 1, 3, 1), mmdd)
    return start, nxt - timedelta(days=1)


def one(policy: Policy | None, fee: Decimal, allowed: Decimal | None, ded_used: Decimal, oop_used: Decimal) -> Estimate:
    """The estimate for one session given what the plan year has used before it."""
    if policy is None or policy.cost_sharing == "self_pay":
        return Estimate(fee, ZERO, "self-pay")
    if allowed is None:
        return Estimate(fee, ZERO, "out-of-network")
    ded_left = max(ZERO, policy.deductible - ded_used)
    if policy.cost_sharing == "copay":
        copay = policy.copay or ZERO
        if policy.copay_after_deductible:
            ded = min(ded_left, allowed)
            pay, basis = ded + min(copay, allowed - ded), ("deductible" if ded else "copay")
        else:
            ded, pay, basis = ZERO, min(copay, allowed), "copay"
    else:
        pct = policy.coinsurance or Decimal(0)
        ded = min(ded_left, allowed)
        pay = ded + percent_of(allowed - ded, pct)
        basis = "deductible" if ded else "coinsurance"
    if policy.oop_max is not None:
        room = max(ZERO, policy.oop_max - oop_used)
        if pay > room:
            pay, ded, basis = room, min(ded, room), "oop-max"
    return Estimate(pay, ded, basis)


@dataclass(frozen=True)
class Item:
    """One session as the estimate sees it."""

    key: int
    day: date
    fee: Decimal
    allowed: Decimal | None
    adjudicated: Adjudicated | None = None


def _from_basis(policy: Policy, basis: Basis) -> tuple[Policy, Decimal | None, Decimal | None]:
    """The policy with the 271's totals, and the deductible and out-of-pocket used on the 271's date (None: not said)."""
    ded_used = oop_used = None
    changes: dict = {}
    if basis.deductible_left is not None:
        total = basis.deductible if basis.deductible is not None else max(policy.deductible, basis.deductible_left)
        changes["deductible"] = total
        ded_used = max(ZERO, total - basis.deductible_left) + basis.applied_before
    if basis.oop_left is not None:
        total = basis.oop_max if basis.oop_max is not None else (
            policy.oop_max if policy.oop_max is not None else basis.oop_left)
        changes["oop_max"] = total
        oop_used = max(ZERO, total - basis.oop_left) + basis.oop_applied_before
    return (policy.replace(**changes) if changes else policy), ded_used, oop_used


def _source(policy: Policy, basis: Basis, ded_used: Decimal, oop_used: Decimal) -> str:
    parts = []
    if basis.deductible_left is not None:
        applied = ded_used - max(ZERO, policy.deductible - basis.deductible_left)
        parts.append(f"deductible {_dollars(max(ZERO, policy.deductible - ded_used))} left per 271 of {basis.as_of},"
                     f" {_dollars(applied)} applied since")
    if basis.oop_left is not None and policy.oop_max is not None:
        parts.append(f"out-of-pocket {_dollars(max(ZERO, policy.oop_max - oop_used))} left per 271 of {basis.as_of}")
    return "; ".join(parts)


def run(policy: Policy | None, items: list[Item], basis: Basis | None = None) -> dict[int, Estimate]:
    """Estimates for sessions under one policy, recomputed in date order whatever order they were entered."""
    out: dict[int, Estimate] = {}
    year_key: tuple[date, date] | None = None
    ded_used = oop_used = ZERO
    if basis is not None and (policy is None or not basis.usable()):
        basis = None
    crossed = False
    current = policy
    for item in sorted(items, key=lambda i: (i.day, i.key)):
        if policy is not None:
            yk = plan_year(item.day, policy.plan_year_start)
            if yk != year_key:
                first_seen = year_key is None
                year_key = yk
                ded_used = oop_used = ZERO
                current = policy  # a later plan year than the 271's: it no longer speaks for it
                met_on = policy.deductible_met_on or policy.effective
                if policy.deductible_met and ((met_on is None and first_seen) or (met_on is not None and yk[0] <= met_on <= yk[1])):
                    ded_used = policy.deductible_met
                    oop_used = policy.deductible_met
            if basis is not None and not crossed and item.day >= basis.as_of and yk[0] <= basis.as_of <= yk[1]:
                crossed = True
                current, at_ded, at_oop = _from_basis(policy, basis)
                ded_used = at_ded if at_ded is not None else ded_used
                oop_used = at_oop if at_oop is not None else oop_used
        if item.adjudicated is not None:
            est = Estimate(item.adjudicated.total, item.adjudicated.deductible, "adjudicated")
        else:
            est = one(current, item.fee, item.allowed, ded_used, oop_used)
            if crossed and current is not policy and est.basis not in ("self-pay", "out-of-network"):
                est = Estimate(est.patient, est.deductible, est.basis, _source(current, basis, ded_used, oop_used))
        ded_used += est.deductible
        oop_used += est.patient
        out[item.key] = est
    return out
