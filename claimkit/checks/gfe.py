"""Good Faith Estimates: a client paying for themselves is given one before the care (No Surprises Act)."""

from __future__ import annotations

from claimkit.checks import Context, Hit, rule
from claimkit.gfe.watch import LOOKBACK_DAYS, RULE_START, in_force


@rule("gfe-missing", "warning", ("24F",), "session")
def gfe_missing(ctx: Context):
    """A self-pay session (not billed to insurance) has a Good Faith Estimate in force on its date."""
    s = ctx.session
    if s.payer or s.date < RULE_START or (ctx.today - s.date).days > LOOKBACK_DAYS:
        return None
    if in_force(ctx.gfes.get(s.client, ()), s.date) is not None:
        return None
    return [Hit(f"{s.cpt} on {s.date.isoformat()} is self-pay and no Good Faith Estimate is in force on that date",
                f"give {s.client} an estimate of the care to come: 'claimkit gfe create {s.client} --cpt {s.cpt}"
                " --start DATE' (the No Surprises Act asks for one for every uninsured or self-pay client)")]
