"""Rules on one service line: place of service and telehealth (24B, 24D), charges (24F), dates (24A), coverage."""

from __future__ import annotations

from claimkit import catalog
from claimkit.checks import Context, Hit, rule

AUDIO_ONLY = ("93", "FQ")


def _telehealth_mods(mods) -> list[str]:
    out = []
    for m in mods:
        found = catalog.modifier(m)
        if found is not None and found.telehealth:
            out.append(m)
    return out


def _when(ctx: Context) -> str:
    s = ctx.session
    return f"{s.cpt} on {s.date.isoformat()}"


@rule("pos-invalid", "error", ("24B",), "session", when=lambda f: f.place is None)
def pos_invalid(ctx: Context):
    """The place of service is a CMS POS code (11 office, 02/10 telehealth, 12 home, ...)."""
    if ctx.place is None:
        return [Hit(f"place of service '{ctx.session.pos}' is not a CMS POS code",
                  "use 11 (office), 10 (telehealth, client at home) or 02 (telehealth, elsewhere); see 'claimkit cms1500 explain 24B'")]


@rule("telehealth-modifier-missing", "error", ("24D", "24B"), "session", when=lambda f: f.place is not None and f.place.telehealth)
def telehealth_modifier_missing(ctx: Context):
    """Telehealth (POS 02/10) lines carry the payer's telehealth modifier (95, GT or 93) when the payer wants one."""
    s, payer = ctx.session, ctx.payer
    if payer is None or payer.telehealth_modifier == "none" or not (ctx.place and ctx.place.telehealth):
        return
    if not _telehealth_mods(s.modifiers):
        return [Hit(f"{_when(ctx)} is telehealth (POS {s.pos}) without modifier {payer.telehealth_modifier}, which {payer.name} wants",
                  f"add modifier {payer.telehealth_modifier} (record it with --modifier {payer.telehealth_modifier}), "
                  "or set the payer's telehealth_modifier")]


@rule("telehealth-modifier-payer", "warning", ("24D",), "session", when=lambda f: f.place is not None and f.place.telehealth and f.modifiers)
def telehealth_modifier_payer(ctx: Context):
    """A telehealth line uses the modifier this payer asks for (and none when it asks for none)."""
    s, payer = ctx.session, ctx.payer
    if payer is None or not (ctx.place and ctx.place.telehealth):
        return
    wrong = [m for m in _telehealth_mods(s.modifiers) if m not in AUDIO_ONLY and m != payer.telehealth_modifier]
    if wrong:
        want = "no telehealth modifier" if payer.telehealth_modifier == "none" else f"modifier {payer.telehealth_modifier}"
        return [Hit(f"{_when(ctx)} has modifier {wrong[0]} but {payer.name} wants {want} on telehealth",
                  "change the modifier, or the payer's telehealth_modifier in payers.toml if the payer changed its rule")]


@rule("telehealth-modifier-in-person", "error", ("24D", "24B"), "session", when=lambda f: f.modifiers)
def telehealth_modifier_in_person(ctx: Context):
    """An in-person place of service must not carry a telehealth modifier (95, GT, 93)."""
    s = ctx.session
    mods = _telehealth_mods(s.modifiers)
    if mods and ctx.place is not None and not ctx.place.telehealth:
        label = ctx.place.label
        return [Hit(f"{_when(ctx)} is in person (POS {s.pos}, {label}) but carries telehealth modifier {mods[0]}",
                  "if it was telehealth use POS 10 (client at home) or 02; otherwise remove the modifier")]


@rule("telehealth-pos", "warning", ("24B",), "session", when=lambda f: f.pos in ("02", "10"))
def telehealth_pos(ctx: Context):
    """The telehealth POS matches the payer's rule (10 = client at home, 02 = elsewhere)."""
    s, payer = ctx.session, ctx.payer
    if payer is not None and s.pos in ("02", "10") and s.pos != payer.telehealth_pos:
        return [Hit(f"{_when(ctx)} uses POS {s.pos}; {payer.name} expects POS {payer.telehealth_pos} for telehealth",
                  "use POS 10 when the client was at home and 02 when elsewhere; update the payer's telehealth_pos if its rule differs")]


@rule("modifier-unknown", "warning", ("24D",), "session", when=lambda f: f.modifiers)
def modifier_unknown(ctx: Context):
    """Modifiers are ones payers recognise for behavioural health."""
    for m in ctx.session.modifiers:
        if catalog.modifier(m) is None:
            yield Hit(f"modifier {m} on {_when(ctx)} is not one claimkit knows", "check it against the payer's modifier list")


@rule("modifier-count", "error", ("24D",), "session", when=lambda f: f.modifiers)
def modifier_count(ctx: Context):
    """A service line holds at most 4 modifiers."""
    mods = ctx.session.modifiers
    if len(mods) > 4:
        return [Hit(f"{_when(ctx)} has {len(mods)} modifiers ({', '.join(mods)}); a line holds 4", "keep the 4 the payer needs")]


@rule("charge-zero", "error", ("24F",), "session")
def charge_zero(ctx: Context):
    """A billed line has a charge above 0.00."""
    s = ctx.session
    if s.payer and s.fee <= 0:
        return [Hit(f"{_when(ctx)} has a charge of {s.fee:.2f}; payers reject zero charges",
                  f"set your fee ('claimkit fee set {s.cpt} AMOUNT') and record the session with it")]


@rule("charge-below-rate", "warning", ("24F",), "session")
def charge_below_rate(ctx: Context):
    """Your charge is at least the contracted rate; payers pay the lower of the two (money left on the table)."""
    s, payer = ctx.session, ctx.payer
    if payer is None or s.fee <= 0:
        return
    rate = payer.rate(s.cpt, s.modifiers)
    if rate is not None and s.fee < rate * s.units:
        return [Hit(f"{_when(ctx)} charges {s.fee:.2f}, below {payer.name}'s rate {rate * s.units:.2f}; the payer pays the lower amount",
                  f"raise your fee to at least {rate:.2f} ('claimkit fee set {s.cpt} {rate:.2f}')")]


@rule("service-future", "error", ("24A",), "session")
def service_future(ctx: Context):
    """The date of service is not in the future."""
    s = ctx.session
    if s.date > ctx.today:
        return [Hit(f"{_when(ctx)} is in the future", "check the date; bill it after the session took place")]


@rule("dob-after-service", "error", ("3", "24A"), "session")
def dob_after_service(ctx: Context):
    """The client was born before the date of service."""
    s, c = ctx.session, ctx.client
    if c is not None and c.dob > s.date:
        return [Hit(f"client's date of birth {c.dob.isoformat()} is after the date of service {s.date.isoformat()}",
                  f"fix the DOB ('claimkit client edit {c.id}') or the session's date")]


@rule("session-payer-unknown", "error", ("carrier",), "session")
def session_payer_unknown(ctx: Context):
    """The payer a session is billed to exists in payers.toml."""
    s = ctx.session
    if s.payer and s.payer not in ctx.payers:
        return [Hit(f"{_when(ctx)} is billed to payer '{s.payer}', which is not in payers.toml",
                  f"add it back with 'claimkit payer add {s.payer} --name NAME'")]


@rule("policy-not-in-force", "error", ("1a", "24A"), "session")
def policy_not_in_force(ctx: Context):
    """The policy billed was in force on the date of service."""
    s, c = ctx.session, ctx.client
    if c is None or not s.payer or s.payer not in ctx.payers or ctx.policy is not None:
        return
    pols = [p for p in c.policies if p.payer == s.payer]
    if pols:
        p = pols[0]
        span = f"{p.effective.isoformat() if p.effective else 'open'} to {p.end.isoformat() if p.end else 'open'}"
        return [Hit(f"{_when(ctx)} is billed to {s.payer} but that policy runs {span}",
                  f"fix the policy dates ('claimkit client edit {c.id}'), or void the session and record it again")]
    else:
        return [Hit(f"{_when(ctx)} is billed to {s.payer} but {c.id} has no policy with {s.payer} any more",
                  f"add the policy back ('claimkit client policy add {c.id} ...'), or void and re-record the session")]


@rule("discharged-session", "warning", ("24A",), "session")
def discharged_session(ctx: Context):
    """Sessions after a client's discharge date are usually entry mistakes."""
    s, c = ctx.session, ctx.client
    if c is not None and c.discharged is not None and s.date > c.discharged:
        return [Hit(f"{_when(ctx)} is after {c.id}'s discharge on {c.discharged.isoformat()}",
                  "check the client and the date; void the session if it was entered by mistake")]


@rule("deductible-needs-rate", "warning", ("24F",), "session")
def deductible_needs_rate(ctx: Context):
    """Tracking a deductible needs the payer's contracted rate for the code (the client owes the allowed amount)."""
    s, payer, pol = ctx.session, ctx.payer, ctx.policy
    if payer is None or pol is None or pol.deductible <= 0 or pol.deductible_met >= pol.deductible:
        return
    if payer.rate(s.cpt, s.modifiers) is None:
        return [Hit(f"{_when(ctx)}: the {payer.name} policy has a {pol.deductible:.2f} deductible but no contracted rate for {s.cpt}, "
                  "so the client's share cannot be estimated",
                  f"add the rate ('claimkit payer rate set {payer.id} {s.cpt} AMOUNT')")]
