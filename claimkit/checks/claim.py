"""Claim-level rules on sessions: timely filing (24A), prior authorization (23), duplicate sessions."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter

from claimkit import catalog
from claimkit.checks import Context, Hit, rule

SOON_DAYS = 14


def _when(ctx: Context) -> str:
    s = ctx.session
    return f"{s.cpt} on {s.date.isoformat()}"


# --- timely filing --------------------------------------------------------------------------------------------

@rule("timely-filing", "error", ("24A",), "session")
def timely_filing(ctx: Context):
    """A claim must reach the payer within its filing limit (days from the date of service)."""
    deadline = ctx.filing_deadline
    if deadline is not None and ctx.today > deadline:
        payer = ctx.payer
        return [Hit(f"{_when(ctx)} is past {payer.name}'s {payer.timely_filing_days}-day filing limit (deadline {deadline.isoformat()})",
                  "send it now only with proof of earlier timely filing; otherwise write it off (in-network you may not bill the client)")]


@rule("timely-filing-soon", "warning", ("24A",), "session")
def timely_filing_soon(ctx: Context):
    """Warn two weeks before the payer's filing limit runs out."""
    deadline = ctx.filing_deadline
    if deadline is not None and 0 <= (deadline - ctx.today).days <= SOON_DAYS:
        days = (deadline - ctx.today).days
        return [Hit(f"{_when(ctx)} must reach {ctx.payer.name} by {deadline.isoformat()} ({days} days left)",
                  "build and send the claim this week ('claimkit cms1500 render --unbilled')")]


# --- prior authorization --------------------------------------------------------------------------------------

def _payer_auths(ctx: Context):
    s = ctx.session
    return [a for a in ctx.client.authorizations if not a.payer or a.payer == s.payer]


def _needs_auth(ctx: Context) -> bool:
    s = ctx.session
    if ctx.client is None or not s.payer or ctx.payer is None:
        return False
    info = ctx.cpt
    return not (info is not None and info.addon)


def _matches(auth, cpt: str) -> bool:
    return not auth.cpts or cpt in auth.cpts


def _covers(auth, day) -> bool:
    return (auth.start is None or auth.start <= day) and (auth.end is None or day <= auth.end)


@rule("auth-missing", "error", ("23",), "session", when=lambda f: f.auth)
def auth_missing(ctx: Context):
    """A payer that requires prior authorization needs one on the client's record (box 23)."""
    if _needs_auth(ctx) and ctx.payer.requires_auth and not _payer_auths(ctx):
        return [Hit(f"{ctx.payer.name} requires prior authorization but {ctx.client.id} has none on record ({_when(ctx)})",
                  f"get the authorization and add it under [[authorizations]] ('claimkit client edit {ctx.client.id}')")]


@rule("auth-date-range", "error", ("23",), "session", when=lambda f: f.auth)
def auth_date_range(ctx: Context):
    """The date of service falls inside an authorization's date range."""
    if not ctx.client or not ctx.client.authorizations or not _needs_auth(ctx):
        return
    s = ctx.session
    cands = [a for a in _payer_auths(ctx) if _matches(a, s.cpt)]
    if cands and not any(_covers(a, s.date) for a in cands):
        spans = "; ".join(f"{a.number} {a.start or 'open'} to {a.end or 'open'}" for a in cands)
        return [Hit(f"no authorization covers {_when(ctx)} ({spans})",
                  "ask the payer for a new or extended authorization and add it to the client's record")]


def _visit_days(ctx: Context, auth) -> list:
    """Sorted distinct dates with a matching, non-void, non-add-on session for `auth` (memoised for the run)."""
    key = ("auth-days", ctx.client.id, id(ctx.history), ctx.session.payer, auth.number, auth.start, auth.end, tuple(auth.cpts))
    days = ctx.memo.get(key)
    if days is None:
        days = ctx.memo[key] = sorted({
            r.date for r in ctx.history
            if r.payer == ctx.session.payer and _matches(auth, r.cpt) and _covers(auth, r.date)
            and not (catalog.cpt(r.cpt) and catalog.cpt(r.cpt).addon)})
    return days


def visit_number(ctx: Context, auth) -> int:
    """Which visit of `auth` this session's date is (its date counted once, with every earlier visit date)."""
    days = _visit_days(ctx, auth)
    day = ctx.session.date
    n = bisect_right(days, day)
    return n if n and days[n - 1] == day else n + 1


@rule("auth-visits", "error", ("23",), "session", when=lambda f: f.auth)
def auth_visits(ctx: Context):
    """Visits within an authorization stay within its visit count."""
    if not ctx.client or not ctx.client.authorizations or not _needs_auth(ctx):
        return
    s = ctx.session
    covering = [a for a in _payer_auths(ctx) if _matches(a, s.cpt) and _covers(a, s.date)]
    if not covering or any(a.visits is None for a in covering):
        return
    over = [(a, visit_number(ctx, a)) for a in covering]
    if all(n > a.visits for a, n in over):
        a, n = over[0]
        return [Hit(f"{_when(ctx)} is visit {n} on authorization {a.number}, which allows {a.visits}",
                  "ask the payer for more visits before billing; add the new authorization to the client's record")]


@rule("duplicate-session", "error", ("24A", "24D"), "day", min_rows=2)
def duplicate_session(ctx: Context):
    """The same client, date and code twice is usually a double entry (payers deny it as a duplicate)."""
    counts = Counter(s.cpt for s in ctx.day)
    for code, n in sorted(counts.items()):
        if n > 1:
            ids = ", ".join(str(s.id) for s in ctx.day if s.cpt == code and s.id)
            yield Hit(f"{code} is recorded {n} times on {ctx.day[0].date.isoformat()}" + (f" (sessions {ids})" if ids else ""),
                      "void the extra entry ('claimkit session void ID --reason \"entered twice\"')")
