"""Same-day pairs over all of one client's sessions on one date (a day with one session has no pair to check)."""

from __future__ import annotations

from claimkit import catalog
from claimkit.checks import Context, Hit, rule

EVALUATION = ("90791", "90792")
PSYCHOTHERAPY = ("90832", "90834", "90837", "90833", "90836", "90838")
STANDALONE_PSYCHOTHERAPY = ("90832", "90834", "90837")
CRISIS = ("90839", "90840")
FAMILY = ("90846", "90847")
NO_INTERACTIVE_COMPLEXITY = ("90839", "90840", "90846", "90847", "90849")
DISTINCT_MODIFIERS = ("59", "XE", "XS", "XP", "XU")


def _codes(ctx: Context) -> list[str]:
    return [s.cpt for s in ctx.day]


def _ids(ctx: Context, codes) -> str:
    """'90791 (session 3), 90834 (session 4)' for the sessions holding any of `codes`."""
    return ", ".join(f"{s.cpt} (session {s.id})" if s.id else s.cpt for s in ctx.day if s.cpt in codes)


def _date(ctx: Context) -> str:
    return ctx.day[0].date.isoformat() if ctx.day else ""


def _both(ctx: Context, left, right) -> tuple[list[str], list[str]]:
    codes = _codes(ctx)
    return [c for c in codes if c in left], [c for c in codes if c in right]


@rule("eval-with-psychotherapy", "error", ("24D",), "day", min_rows=2)
def eval_with_psychotherapy(ctx: Context):
    """A diagnostic evaluation (90791/90792) and psychotherapy (90832-90838) are not billed on the same date."""
    ev, psy = _both(ctx, EVALUATION, PSYCHOTHERAPY)
    if ev and psy:
        return [Hit(f"{_date(ctx)} has an evaluation and psychotherapy: {_ids(ctx, EVALUATION + PSYCHOTHERAPY)}",
                  "bill only the evaluation for the intake day; void the other session")]


@rule("psychotherapy-with-crisis", "error", ("24D",), "day", min_rows=2)
def psychotherapy_with_crisis(ctx: Context):
    """Crisis psychotherapy (90839/+90840) replaces, never joins, 90791/90792 and 90832-90838 on a date."""
    other, crisis = _both(ctx, EVALUATION + PSYCHOTHERAPY, CRISIS)
    if other and crisis:
        return [Hit(f"{_date(ctx)} has crisis and other psychotherapy codes: {_ids(ctx, EVALUATION + PSYCHOTHERAPY + CRISIS)}",
                  "bill the whole day's crisis time as 90839 (+90840), or only the regular session")]


@rule("two-psychotherapy-codes", "error", ("24D",), "day", min_rows=2)
def two_psychotherapy_codes(ctx: Context):
    """One psychotherapy code per date: the minutes add up into one code, never 90834 + 90832."""
    found = sorted({c for c in _codes(ctx) if c in PSYCHOTHERAPY})
    if len(found) > 1:
        return [Hit(f"{_date(ctx)} has {len(found)} psychotherapy codes: {_ids(ctx, found)}",
                  "add the minutes together and bill the one code that fits the total; void the other session")]


@rule("interactive-complexity-pairing", "error", ("24D",), "day", min_rows=2)
def interactive_complexity_pairing(ctx: Context):
    """+90785 (interactive complexity) is not billed with crisis (90839/90840) or family therapy (90846/90847/90849)."""
    ic, bad = _both(ctx, ("90785",), NO_INTERACTIVE_COMPLEXITY)
    if ic and bad:
        return [Hit(f"{_date(ctx)} has +90785 with {', '.join(sorted(set(bad)))}, which it may not be added to",
                  "void the 90785 session")]


def _specific(a: str, b: str) -> bool:
    """Pairs the named rules above report, so the generic rule does not repeat them."""
    pair = {a, b}
    groups = (
        (EVALUATION, PSYCHOTHERAPY), (EVALUATION + PSYCHOTHERAPY, CRISIS), (("90785",), NO_INTERACTIVE_COMPLEXITY),
        (FAMILY, STANDALONE_PSYCHOTHERAPY),
    )
    if a in PSYCHOTHERAPY and b in PSYCHOTHERAPY:
        return True
    return any((a in x and b in y) or (a in y and b in x) for x, y in groups) and len(pair) == 2


@rule("same-day-not-with", "error", ("24D",), "day", min_rows=2)
def same_day_not_with(ctx: Context):
    """Other code pairs the catalog marks as never billed together on a date (e.g. 90791 + 90792, 90791 + E/M)."""
    codes = sorted(set(_codes(ctx)))
    reported = set()
    for a in codes:
        info = catalog.cpt(a)
        if info is None:
            continue
        for b in codes:
            if b != a and catalog.code_in(b, info.not_with) and not _specific(a, b) and frozenset((a, b)) not in reported:
                reported.add(frozenset((a, b)))
                yield Hit(f"{_date(ctx)} has {a} and {b}, which are not billed together on one date",
                          f"keep the one that describes the service; void the other ({_ids(ctx, (a, b))})")


@rule("family-with-psychotherapy", "warning", ("24D",), "day", min_rows=2)
def family_with_psychotherapy(ctx: Context):
    """Family therapy and individual psychotherapy on one date need separate sessions and modifier 59."""
    fam, psy = _both(ctx, FAMILY, STANDALONE_PSYCHOTHERAPY)
    if fam and psy and not any(set(s.modifiers) & set(DISTINCT_MODIFIERS) for s in ctx.day if s.cpt in FAMILY + STANDALONE_PSYCHOTHERAPY):
        return [Hit(f"{_date(ctx)} has family therapy and individual psychotherapy ({_ids(ctx, FAMILY + STANDALONE_PSYCHOTHERAPY)}) "
                  "without modifier 59", "if they were separate sessions, add modifier 59 to the second; otherwise bill one")]


