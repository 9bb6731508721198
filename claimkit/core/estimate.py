"""What the client is expected to pay for a session, before the payer says so.

Runs over one client's sessions in date order within a plan year, carrying the deductible and the
out-of-pocket used so far. A session the payer has adjudicated contributes what the remittance assigned
(so an ERA that posts a deductible changes the next estimate); the others contribute their estimate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from claimkit.core.money import ZERO, percent_of
from claimkit.core.records import Policy


@dataclass(frozen=True)
class Estimate:
    patient: Decimal
    deductible: Decimal  # the part of `patient` that goes toward the deductible
    basis: str  # copay | coinsurance | deductible | oop-max | self-pay | out-of-network | adjudicated | void

    def label(self) -> str:
        return {"oop-max": "out-of-pocket max reached"}.get(self.basis, self.basis)


@dataclass(frozen=True)
class Adjudicated:
    """What a remittance assigned to the client for one session (sums of PR postings by reason)."""

    deductible: Decimal = ZERO
    total: Decimal = ZERO


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


def run(policy: Policy | None, items: list[Item]) -> dict[int, Estimate]:
    """Estimates for sessions under one policy, recomputed in date order whatever order they were entered."""
    out: dict[int, Estimate] = {}
    year_key: tuple[date, date] | None = None
    ded_used = oop_used = ZERO
    for item in sorted(items, key=lambda i: (i.day, i.key)):
        if policy is not None:
            yk = plan_year(item.day, policy.plan_year_start)
            if yk != year_key:
                first_seen = year_key is None
                year_key = yk
                ded_used = oop_used = ZERO
                met_on = policy.deductible_met_on or policy.effective
                if policy.deductible_met and ((met_on is None and first_seen) or (met_on is not None and yk[0] <= met_on <= yk[1])):
                    ded_used = policy.deductible_met
                    oop_used = policy.deductible_met
        if item.adjudicated is not None:
            est = Estimate(item.adjudicated.total, item.adjudicated.deductible, "adjudicated")
        else:
            est = one(policy, item.fee, item.allowed, ded_used, oop_used)
        ded_used += est.deductible
        oop_used += est.patient
        out[item.key] = est
    return out
