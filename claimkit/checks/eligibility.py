"""Rules from the latest 271 on file for the session's policy (claimkit.eligibility): coverage inactive on the date
of service (1a, 11), authorization required and none on file (23), out of network for a policy billed in network,
a behavioural-health carve-out (the payer to bill or verify with), and an answer older than the plan year's start."""

from __future__ import annotations

from claimkit.checks import Context, Hit, rule
from claimkit.core.estimate import plan_year_start


def _latest(ctx: Context):
    s = ctx.session
    if ctx.benefits is None or ctx.client is None or s is None or not s.payer:
        return None
    return ctx.benefits.get(ctx.client.id, s.payer)


def _ask(ctx: Context) -> str:
    c = ctx.client.id
    return f"ask again: claimkit eligibility request {c} -o eligibility-{c}.270"


@rule("eligibility-inactive", "error", ("1a", "11"), "session")
def eligibility_inactive(ctx: Context):
    """The latest 271 says the coverage is not active on the date of service."""
    stored = _latest(ctx)
    if stored is None:
        return None
    snap, day = stored.snapshot, ctx.session.date
    if snap.active_on(day) is not False:
        return None
    span = ""
    if snap.status != "inactive":
        span = f" (covered {snap.coverage_from or '...'} to {snap.coverage_to or '...'})"
    return [Hit(f"the 271 of {stored.as_of} from {snap.payer_name or stored.payer} says the coverage is inactive on"
                f" {day}{span}: the claim will be denied",
                f"ask the client for their current insurance card and update the policy (claimkit client edit"
                f" {ctx.client.id}), or bill the client; then {_ask(ctx)}")]


@rule("eligibility-authorization", "warning", ("23",), "session")
def eligibility_authorization(ctx: Context):
    """The latest 271 says the plan requires authorization, and none on file covers the session."""
    stored = _latest(ctx)
    if stored is None or not stored.snapshot.in_network.auth_required:
        return None
    day = ctx.session.date
    for a in ctx.client.authorizations:
        if (not a.payer or a.payer == ctx.session.payer) and (a.start is None or a.start <= day) and (a.end is None or day <= a.end):
            return None
    return [Hit(f"the 271 of {stored.as_of} says {stored.snapshot.payer_name or stored.payer} requires prior"
                f" authorization for mental-health services, and no authorization on file covers {day}",
                f"get an authorization number from the payer and add it under [[authorizations]] in"
                f" clients/{ctx.client.id}.toml")]


@rule("eligibility-out-of-network", "warning", ("1a",), "session")
def eligibility_out_of_network(ctx: Context):
    """The latest 271 gives only out-of-network benefits for mental health, but the session is billed in network."""
    stored = _latest(ctx)
    s = ctx.session
    if stored is None or stored.snapshot.network_answer != "out" or s.cost_sharing not in ("copay", "coinsurance"):
        return None
    return [Hit(f"the 271 of {stored.as_of} answers only with out-of-network benefits for mental health, but"
                f" {s.payer} is billed in network (contracted rate) for this session",
                "confirm with the payer that you are in network for this plan; if not, bill it as out of network"
                " (a superbill) and tell the client their cost")]


@rule("eligibility-carve-out", "warning", ("carrier", "1"), "session")
def eligibility_carve_out(ctx: Context):
    """The latest 271 names another company for mental-health benefits (a carve-out) or another payer."""
    stored = _latest(ctx)
    if stored is None or not stored.snapshot.contacts:
        return None
    out = []
    for c in stored.snapshot.contacts:
        phone = f" ({c.phone})" if c.phone else ""
        if c.kind == "carve-out":
            out.append(Hit(f"the 271 of {stored.as_of} says mental-health benefits are handled by {c.name}{phone},"
                           f" not {stored.snapshot.payer_name or stored.payer}",
                           f"verify the benefits with {c.name}{phone} and bill them if they say so (add them as a payer"
                           " and as the client's policy)"))
        else:
            out.append(Hit(f"the 271 of {stored.as_of} names another payer for this client: {c.name}{phone}",
                           "ask the client about the other insurance and which plan is primary; add it as a policy"))
    return out


@rule("eligibility-stale", "warning", ("1a",), "session")
def eligibility_stale(ctx: Context):
    """The first session of a new plan year, and the latest 271 is from before the plan year started."""
    stored = _latest(ctx)
    pol = ctx.policy
    if stored is None or pol is None:
        return None
    day = ctx.session.date
    start = plan_year_start(day, pol.plan_year_start)
    if stored.as_of >= start:
        return None
    for r in ctx.history:
        if r.id != ctx.session.id and start <= r.date and (r.date, r.id) < (day, ctx.session.id) and r.payer == ctx.session.payer:
            return None  # not the first session of this plan year
    return [Hit(f"first session of the plan year that started {start}, and the latest 271 is from {stored.as_of}:"
                " deductible, copay and coverage may have changed", _ask(ctx))]
