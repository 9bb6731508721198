"""Rules on a client's policies: member ID (1a, 9a), Medicare MBI, payer, overlaps, secondary plan (9, 9a, 9d, 11d),
cost sharing for the client's estimate, signatures on file (12, 13)."""

from __future__ import annotations

import re
from datetime import date

from claimkit.checks import Context, Hit, rule
from claimkit.checks.client import _current, billed_policies, fix_client
from claimkit.core.records import Policy

MBI_RE = re.compile(r"^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]"
                    r"[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y][0-9][0-9]$")
SEPARATORS = re.compile(r"[\s-]")
ALNUM = re.compile(r"[A-Za-z0-9]+")
SSN_SHAPE = re.compile(r"\d{3}-?\d{2}-?\d{4}")


@rule("member-id-missing", "error", ("1a", "9a"), "client")
def member_id_missing(ctx: Context):
    """Every billed policy needs the member ID from the card."""
    c = ctx.client
    for pol in billed_policies(c):
        if not pol.member_id.strip() and _current(pol, ctx.today):
            yield Hit(f"{pol.rank} policy with {pol.payer} has no member ID", f"copy member_id from the insurance card ({fix_client(c)})",
                      "1a" if pol.rank == "primary" else "9a")


@rule("member-id-shape", "warning", ("1a",), "client")
def member_id_shape(ctx: Context):
    """A member ID is 5-29 letters and digits; 9 digits alone on a commercial plan is often an SSN by mistake."""
    c = ctx.client
    for pol in billed_policies(c):
        mid = pol.member_id.strip()
        if not mid:
            continue
        payer = ctx.payers.get(pol.payer)
        compact = SEPARATORS.sub("", mid)
        if not ALNUM.fullmatch(compact):
            yield Hit(f"member ID '{mid}' ({pol.payer}) has characters other than letters and digits",
                      "copy it exactly as on the card; leave out punctuation")
        elif not 5 <= len(compact) <= 29:
            yield Hit(f"member ID '{mid}' ({pol.payer}) is {len(compact)} characters; member IDs are 5 to 29",
                      "check the card (did a prefix or suffix get lost?)")
        elif SSN_SHAPE.fullmatch(mid) and payer is not None and payer.type in ("commercial", "group") and compact.isdigit():
            yield Hit(f"member ID '{mid}' ({pol.payer}) is 9 digits, the shape of an SSN; most plans issue their own ID",
                      "use the member ID printed on the card (often with a letter prefix), not the subscriber's SSN")


@rule("medicare-mbi", "error", ("1a",), "client")
def medicare_mbi(ctx: Context):
    """Medicare member IDs are 11-character MBIs (e.g. 1EG4TE5MK73); the old SSN-based HICN is rejected."""
    c = ctx.client
    for pol in billed_policies(c):
        payer = ctx.payers.get(pol.payer)
        mid = SEPARATORS.sub("", pol.member_id.upper())
        if payer is not None and payer.type == "medicare" and mid and not MBI_RE.match(mid):
            yield Hit(f"Medicare member ID '{pol.member_id}' is not an MBI (11 characters like 1EG4TE5MK73)",
                      "copy the Medicare Beneficiary Identifier from the red-white-blue card",
                      "1a" if pol.rank == "primary" else "9a")


@rule("policy-payer-unknown", "error", ("carrier", "1"), "client")
def policy_payer_unknown(ctx: Context):
    """A policy's payer must be in payers.toml."""
    c = ctx.client
    for pol in c.policies:
        if pol.payer not in ctx.payers:
            yield Hit(f"{pol.rank} policy names payer '{pol.payer}', which is not in payers.toml",
                      f"add it with 'claimkit payer add {pol.payer} --name NAME' or fix the id")


@rule("policy-overlap", "warning", ("1a",), "client")
def policy_overlap(ctx: Context):
    """Two policies of the same rank in force at once: claimkit bills the first one listed."""
    c = ctx.client
    pols = [p for p in billed_policies(c)]
    for i, a in enumerate(pols):
        for b in pols[i + 1:]:
            if a.rank == b.rank and _overlap(a, b):
                yield Hit(f"two {a.rank} policies overlap ({a.payer} and {b.payer}); claims go to {a.payer}",
                          f"give the old policy an end date, or make one secondary ({fix_client(c)})")


def _overlap(a: Policy, b: Policy) -> bool:
    lo = max(a.effective or date.min, b.effective or date.min)
    hi = min(a.end or date.max, b.end or date.max)
    return lo <= hi


@rule("secondary-without-primary", "error", ("11d", "1a"), "client")
def secondary_without_primary(ctx: Context):
    """A secondary policy needs a primary one in force over the same dates."""
    c = ctx.client
    for pol in c.policies:
        if pol.rank != "primary" and _current(pol, ctx.today):
            if not any(p.rank == "primary" and _overlap(p, pol) for p in c.policies):
                yield Hit(f"{pol.rank} policy with {pol.payer} has no primary policy in force at the same time",
                          f"add the primary policy, or make this one primary ({fix_client(c)})")


@rule("secondary-incomplete", "error", ("9", "9a", "9d", "11d"), "client")
def secondary_incomplete(ctx: Context):
    """With a second plan, 11d is YES and 9, 9a, 9d must describe it."""
    c = ctx.client
    for pol in billed_policies(c):
        if pol.rank == "primary" or not _current(pol, ctx.today):
            continue
        payer = ctx.payers.get(pol.payer)
        if not (pol.member_id or pol.group):
            yield Hit(f"secondary policy with {pol.payer} has no member ID or group number for box 9a",
                      f"add member_id from the secondary card ({fix_client(c)})", "9a")
        if not pol.plan_name and payer is None:
            yield Hit(f"secondary policy with '{pol.payer}' has no plan name for box 9d",
                      f"add plan_name ({fix_client(c)})", "9d")


@rule("copay-missing", "warning", ("1a",), "client")
def copay_missing(ctx: Context):
    """A copay plan needs its copay amount (> 0) for the client's estimate."""
    c = ctx.client
    for pol in c.policies:
        if pol.cost_sharing == "copay" and (pol.copay is None or pol.copay <= 0) and _current(pol, ctx.today):
            yield Hit(f"{pol.payer} policy bills by copay but the copay is {'not set' if pol.copay is None else f'{pol.copay:.2f}'}",
                      f"set copay = \"25.00\" (from the card), or change cost_sharing ({fix_client(c)})")


@rule("coinsurance-missing", "warning", ("1a",), "client")
def coinsurance_missing(ctx: Context):
    """A coinsurance plan needs its percent (> 0) for the client's estimate."""
    c = ctx.client
    for pol in c.policies:
        if pol.cost_sharing == "coinsurance" and (pol.coinsurance is None or pol.coinsurance <= 0) and _current(pol, ctx.today):
            yield Hit(f"{pol.payer} policy bills by coinsurance but the percent is {pol.coinsurance if pol.coinsurance is not None else 'not set'}",
                      f"set coinsurance = \"20\" (the client's share), or change cost_sharing ({fix_client(c)})")


@rule("signature-on-file", "warning", ("12", "13"), "client")
def signature_on_file(ctx: Context):
    """Box 12/13 print SIGNATURE ON FILE only when the signed release/assignment is kept."""
    c = ctx.client
    if not ctx.practice.defaults.signature_on_file:
        yield Hit("[defaults] signature_on_file is false: boxes 12 and 13 will be blank and many payers reject that",
                  "keep signed release and assignment forms and set signature_on_file = true in practice.toml", "12")
        return
    for pol in billed_policies(c):
        if not pol.signature_on_file and _current(pol, ctx.today):
            yield Hit(f"{pol.payer} policy has signature_on_file = false: boxes 12 and 13 will be blank",
                      f"get the client's signed release and assignment, then set signature_on_file = true ({fix_client(c)})", "13")
