"""Coding rules on one session: diagnoses (21, 24E), the procedure code and its time rule (24D)."""

from __future__ import annotations

import re

from claimkit import catalog
from claimkit.catalog.icd10cm import normalize_icd10
from claimkit.checks import Context, Hit, rule

PSYCHOTHERAPY_KINDS = ("psychotherapy", "psychotherapy_addon", "crisis")
PRESCRIBER_CREDENTIALS = re.compile(r"\b(MD|DO|NP|PMHNP|APRN|ARNP|CNS|PMHCNS|DNP|PA|PA-C|FNP|RXP)\b", re.I)
DX_FIX = "give --dx on the session, or fix the client's dx list ('claimkit client edit {id}')"


def dx_applies(ctx: Context) -> bool:
    """Diagnoses matter when the session goes on a claim or a superbill (the client has some insurance)."""
    return bool(ctx.session.payer) or bool(ctx.client and ctx.client.policies)


def _when(ctx: Context) -> str:
    s = ctx.session
    return f"{s.cpt} on {s.date.isoformat()}"


@rule("dx-missing", "error", ("21", "24E"), "session")
def dx_missing(ctx: Context):
    """Every service line points to at least one diagnosis."""
    if not ctx.session.dx and dx_applies(ctx):
        return [Hit(f"{_when(ctx)} has no diagnosis code", DX_FIX.format(id=ctx.session.client))]


def _in_category(cs, code: str) -> str:
    """' such as F64.0, F64.1, F64.2': billable codes of the same category in the set, or ''."""
    leaves = cs.billable_in_category(code)
    return f" such as {', '.join(leaves)}" if leaves else ""


@rule("dx-unknown", "error", ("21",), "session")
def dx_unknown(ctx: Context):
    """Each diagnosis is an ICD-10-CM code in the set in force on the date of service (a code deleted on October 1
    is invalid on later sessions; a code added then is invalid before)."""
    if not dx_applies(ctx):
        return
    for code in ctx.session.dx:
        if ctx.icd(code) is not None:
            continue
        cs, day = ctx.dx_set, ctx.session.date
        name, when = cs.info.key, day.isoformat()
        sets = ctx.icd_sets
        elsewhere = sets.having(normalize_icd10(code))
        if sets.in_force(day) is None and not elsewhere:
            fy = sets.missing_year(day)
            yield Hit(f"diagnosis {code} is not in ICD-10-CM {name}, and {when} falls under FY{fy}, which is not loaded",
                      f"load FY{fy}: {load_command(fy)}; then check again")
        elif elsewhere:
            valid = ", ".join(s.info.key for s in elsewhere)
            why = "was deleted" if elsewhere[-1].info.effective_from < cs.info.effective_from else "is not valid yet"
            yield Hit(f"diagnosis {code} is not valid on {when}: it {why} in ICD-10-CM {name} "
                      f"(in force from {cs.info.effective_from}; valid in {valid})",
                      f"use a billable code of {normalize_icd10(code)[:3]} in {name}{_in_category(cs, code)}; "
                      + DX_FIX.format(id=ctx.session.client))
        else:
            yield Hit(f"diagnosis {code} is not an ICD-10-CM code ({name}, in force on {when})",
                      f"look it up with 'claimkit codes icd {code[:3]} --date {when}'; " + DX_FIX.format(id=ctx.session.client))


@rule("dx-not-billable", "error", ("21",), "session")
def dx_not_billable(ctx: Context):
    """Each diagnosis is billable: a complete (leaf) code, not a category heading, in the set of its date of service."""
    if not dx_applies(ctx):
        return
    for code in ctx.session.dx:
        found = ctx.icd(code)
        if found is not None and not found.billable:
            leaves = [c.dotted for c in ctx.dx_set.starting_with(found.code) if c.billable][:3]
            more = f" such as {', '.join(leaves)}" if leaves else ""
            title = f" ({found.description})" if found.description else ""
            yield Hit(f"diagnosis {code}{title} is a category, not a billable code in ICD-10-CM {ctx.dx_set.info.key}",
                      f"use a more specific code{more}")


def load_command(fy: int) -> str:
    """The command (and the file CMS publishes) that loads a fiscal year's ICD-10-CM set."""
    return f"claimkit codes icd-import ~/Downloads/{fy}-code-descriptions-tabular-order.zip"


def load_hint(fy: int) -> str:
    return (f"download '{fy} Code Descriptions in Tabular Order' from cms.gov (ICD-10-CM, "
            f"{fy}-code-descriptions-tabular-order.zip) and load it: {load_command(fy)}")


@rule("dx-codeset-date", "warning", ("21",), "practice")
def dx_codeset_date(ctx: Context):
    """One warning per run when dates of service fall where no loaded ICD-10-CM set is in force (how many sessions,
    which dates, and the command and file that load the missing year)."""
    sets = ctx.icd_sets
    in_force = sets.in_force
    outside = []
    for r in ctx.history:
        if r.dx and in_force(r.date) is None and (r.payer or (ctx.clients.get(r.client) and ctx.clients[r.client].policies)):
            outside.append(r)
    if not outside:
        return
    first, last = min(r.date for r in outside), max(r.date for r in outside)
    span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
    years = sorted({sets.missing_year(r.date) for r in outside})
    named = " and ".join(f"FY{y}" for y in years)
    used = sorted({sets.nearest(r.date).info.key for r in outside})
    return [Hit(f"{len(outside)} session(s) dated {span} fall under ICD-10-CM {named}, which "
                f"{'is' if len(years) == 1 else 'are'} not loaded; their diagnoses were checked against {', '.join(used)}",
                "; ".join(load_hint(y) for y in years))]


@rule("dx-z-first", "warning", ("21",), "session")
def dx_z_first(ctx: Context):
    """A Z-code (circumstances, not a disorder) as the first diagnosis usually fails medical necessity."""
    s = ctx.session
    if s.dx and s.dx[0].upper().startswith("Z") and dx_applies(ctx):
        f_codes = [d for d in s.dx[1:] if d.upper().startswith("F")]
        hint = f"list {f_codes[0]} first" if f_codes else "list the F-code (mental-health diagnosis) first"
        return [Hit(f"first diagnosis {s.dx[0]} is a Z-code; payers often deny therapy with a Z-code as the primary diagnosis",
                  f"{hint} (order: --dx F90.0 --dx Z63.0)")]


@rule("dx-pointer-count", "error", ("24E",), "session")
def dx_pointer_count(ctx: Context):
    """A service line points to at most 4 diagnoses (24E)."""
    s = ctx.session
    if len(s.dx) > 4:
        return [Hit(f"{_when(ctx)} points to {len(s.dx)} diagnoses ({', '.join(s.dx)}); a line holds at most 4 pointers",
                  "keep the 4 diagnoses this service treated, most important first")]


# --- procedure codes ------------------------------------------------------------------------------------------

def _extra(codes: list[str]) -> set[str]:
    key = tuple(codes)
    if key not in _EXTRA:
        _EXTRA[key] = {c.strip().upper() for c in codes}
    return _EXTRA[key]


_EXTRA: dict[tuple[str, ...], set[str]] = {}


@rule("cpt-unknown", "warning", ("24D",), "session", when=lambda f: f.info is None)
def cpt_unknown(ctx: Context):
    """The procedure code is in claimkit's behavioural-health list (or the practice's extra_cpt)."""
    code = ctx.session.cpt
    if ctx.cpt is None and code not in _extra(ctx.practice.extra_cpt):
        return [Hit(f"{code} is not a behavioural-health code claimkit knows; time and pairing rules were not checked",
                  f"check the code; if it is right, add it to extra_cpt in practice.toml (extra_cpt = [\"{code}\"])")]


@rule("cpt-deleted", "error", ("24D",), "session", when=lambda f: f.info is not None and f.info.deleted is not None)
def cpt_deleted(ctx: Context):
    """Deleted codes (e.g. prolonged-service 99354-99357, gone since 2023) are rejected."""
    info = ctx.cpt
    if info is not None and not info.is_valid_on(ctx.session.date):
        return [Hit(f"{info.code} was deleted on {info.deleted.isoformat()} and cannot be billed for {ctx.session.date.isoformat()}",
                  "void the session and record the current code ('claimkit session void ID')")]


def _timed(info) -> bool:
    return (info.min_minutes is not None or info.max_minutes is not None) and info.unit_minutes is None


@rule("time-missing", "warning", ("24D",), "session", when=lambda f: f.info is not None and _timed(f.info))
def time_missing(ctx: Context):
    """Timed codes need the face-to-face minutes to show the code fits."""
    info = ctx.cpt
    if info is not None and _timed(info) and ctx.session.minutes is None:
        return [Hit(f"{_when(ctx)} is a timed code but the session has no minutes recorded",
                  "record the minutes (claimkit session add ... --minutes 55); payers audit time against the code")]


@rule("under-16-minutes", "error", ("24D",), "session", when=lambda f: f.info is not None and f.info.kind in PSYCHOTHERAPY_KINDS)
def under_16_minutes(ctx: Context):
    """Under 16 minutes no psychotherapy code may be reported."""
    s = ctx.session
    info = ctx.cpt
    if info is not None and info.kind in PSYCHOTHERAPY_KINDS and s.minutes is not None and s.minutes < 16:
        return [Hit(f"{_when(ctx)} lasted {s.minutes} minutes; under 16 minutes no psychotherapy code can be billed",
                  "void the session, or record it as self-pay/unbillable")]


def _suggest(info, minutes: int) -> str:
    same_kind = [c for c in catalog.cpt_codes().values()
                 if c.kind == info.kind and _timed(c) and c.deleted is None and c.fits_minutes(minutes)]
    return same_kind[0].code if same_kind else ""


def _range(info) -> str:
    if info.max_minutes is None:
        return f"{info.min_minutes} minutes or more"
    if info.min_minutes is None:
        return f"at most {info.max_minutes} minutes"
    return f"{info.min_minutes}-{info.max_minutes} minutes"


@rule("psychotherapy-time", "error", ("24D",), "session", when=lambda f: f.info is not None and _timed(f.info) and f.info.kind != "crisis")
def psychotherapy_time(ctx: Context):
    """The minutes fit the code: 90832 16-37, 90834 38-52, 90837 53+, 90846/90847 26+ (CPT midpoint rule)."""
    s = ctx.session
    info = ctx.cpt
    if info is None or s.minutes is None or not _timed(info) or info.kind == "crisis":
        return
    if info.kind in PSYCHOTHERAPY_KINDS and s.minutes < 16:
        return  # under-16-minutes says it
    if info.fits_minutes(s.minutes) is False:
        better = _suggest(info, s.minutes)
        tail = f"; {s.minutes} minutes is {better}" if better else ""
        return [Hit(f"{s.cpt} needs {_range(info)}, the session lasted {s.minutes}{tail}",
                  f"void it and record {better}" if better else "check the minutes, or void the session and record the right code")]


@rule("crisis-time", "error", ("24D",), "session", when=lambda f: f.info is not None and f.info.kind == "crisis")
def crisis_time(ctx: Context):
    """90839 needs at least 30 minutes of crisis care; less is billed as regular psychotherapy."""
    s = ctx.session
    info = ctx.cpt
    if info is not None and info.kind == "crisis" and s.minutes is not None and 16 <= s.minutes < (info.min_minutes or 30):
        better = _suggest(catalog.cpt("90832"), s.minutes) if catalog.cpt("90832") else ""
        return [Hit(f"crisis code {s.cpt} needs at least {info.min_minutes} minutes; {s.minutes} minutes is billed as {better or 'psychotherapy'}",
                  f"void it and record {better or 'a psychotherapy code'}")]


def is_prescriber(ctx: Context) -> bool:
    p = ctx.practice
    for code in (p.provider.taxonomy, p.billing.taxonomy):
        tax = catalog.taxonomy(code) if code else None
        if tax is not None and tax.prescriber:
            return True
    return bool(PRESCRIBER_CREDENTIALS.search(p.provider.credentials or ""))


@rule("prescriber-only", "error", ("24D",), "session", when=lambda f: f.info is not None and f.info.prescriber_only)
def prescriber_only(ctx: Context):
    """90792, E/M visits and the +90833/36/38 add-ons are for prescribers (MD/DO, NP, PA), not LPC/LCSW/LMFT/psychologists."""
    info = ctx.cpt
    if info is not None and info.prescriber_only and not is_prescriber(ctx):
        pr = ctx.practice.provider
        who = pr.credentials or pr.taxonomy or "the rendering provider"
        alt = {"90792": "bill 90791 for a diagnostic evaluation"}.get(info.code, "bill a psychotherapy code (90832/90834/90837) instead")
        return [Hit(f"{info.code} ({info.label}) is for prescribers; practice.toml says {who}", alt)]


# --- the session beside its same-day siblings (ctx.day) -----------------------------------------------------------

@rule("addon-without-primary", "error", ("24D",), "session", when=lambda f: f.info is not None and f.info.addon and bool(f.info.requires_primary))
def addon_without_primary(ctx: Context):
    """Add-on codes (+90785, +90840, +90833/36/38 ...) need their primary code on the same date."""
    info = ctx.cpt
    if info is None or not info.addon or not info.requires_primary:
        return
    s = ctx.session
    if not any(catalog.code_in(o.cpt, info.requires_primary) for o in ctx.day if o.cpt != s.cpt):
        need = ", ".join(info.requires_primary[:6]) + (" ..." if len(info.requires_primary) > 6 else "")
        return [Hit(f"add-on {_when(ctx)} has no primary code that day (needs one of {need})",
                  "record the primary service for that date, or void the add-on")]


@rule("units-per-day", "error", ("24G",), "session", when=lambda f: f.units and f.info is not None and f.info.max_units_per_day is not None)
def units_per_day(ctx: Context):
    """Units per code per date stay within the code's limit (1 for a psychotherapy session, 4 for 96127)."""
    s, info = ctx.session, ctx.cpt
    if s.units > 1 and info is not None and info.max_units_per_day is not None and s.units > info.max_units_per_day:
        return [Hit(f"{_when(ctx)} has {s.units} units; at most {info.max_units_per_day} per day",
                  "bill one unit per session code; longer sessions still count as one unit" if info.max_units_per_day == 1
                  else f"reduce the units to {info.max_units_per_day}")]


def crisis_units_for(minutes: int) -> int:
    """+90840 units supported by total crisis minutes: 75-104 -> 1, 105-134 -> 2, ..."""
    return 0 if minutes < 75 else (minutes - 75) // 30 + 1


def _crisis(ctx: Context) -> tuple[int | None, int]:
    """(total 90839 minutes that day or None when unknown/absent, +90840 units that day)."""
    primary = [o for o in ctx.day if o.cpt == "90839"]
    addon = sum(o.units for o in ctx.day if o.cpt == "90840")
    minutes = sum(o.minutes for o in primary) if primary and all(o.minutes is not None for o in primary) else None
    return minutes, addon


@rule("crisis-addon-units", "error", ("24G", "24D"), "session", when=lambda f: f.cpt == "90840")
def crisis_addon_units(ctx: Context):
    """+90840 units match the crisis minutes beyond the first 74 (one per further 30 minutes)."""
    if ctx.session.cpt != "90840":
        return
    minutes, addon = _crisis(ctx)
    if minutes is not None and addon > crisis_units_for(minutes):
        return [Hit(f"{ctx.session.date.isoformat()} bills {addon} unit(s) of +90840 but {minutes} crisis minutes support "
                  f"{crisis_units_for(minutes)}", "90839 covers up to 74 minutes; +90840 adds one unit per further 30 (75-104 = 1 unit)")]


@rule("crisis-addon-missing", "warning", ("24D",), "session", when=lambda f: f.cpt == "90839")
def crisis_addon_missing(ctx: Context):
    """Crisis care past 74 minutes earns +90840 (money left on the table otherwise)."""
    if ctx.session.cpt != "90839":
        return
    minutes, addon = _crisis(ctx)
    if minutes is not None and crisis_units_for(minutes) > addon:
        need = crisis_units_for(minutes)
        return [Hit(f"{ctx.session.date.isoformat()} has {minutes} crisis minutes: that supports {need} unit(s) of +90840, "
                  f"{addon} recorded", f"record +90840 with --units {need - addon} on the same date")]
