"""The claim scrubber: a registry of small rules and the runner behind `claimkit check`.

A rule is one function decorated with ``@rule(id, severity, boxes, scope)``. It receives a `Context` and
returns a list of `Hit`s (message, fix, and optionally the box and a narrower place such as "line 2") or None;
a rule that may find several things can be a generator (calling one costs more, which counts over thousands of
sessions). The runner turns each hit into a `Finding` with the rule's id and severity and the subject it was
run on. Session rules may add a `when=` guard on the line's `Facets` (code, place, modifiers, authorization) so
a run skips them where they can never fire.

Scopes: "practice" (practice.toml; `ctx.history` holds the sessions being checked), "payer" (one payer),
"client" (one client record and its policies), "session" (one session with its client, payer, policy and its
same-day siblings in `ctx.day`), "day" (all of one client's sessions on one date, for pairs: only days with at
least `min_rows` sessions are visited), "claim" (a built claim's frozen snapshot; its lines also go through the
session and day rules). The same rule id may be registered for two scopes (e.g. the NPI check digit on
practice.toml and on a built claim) as long as its severity and boxes agree.

Modules: provider (practice, payers), client, policy, coding (diagnoses, codes, time), services (POS,
telehealth, charges, dates), pairing (same-day pairs), claim (timely filing, authorization, duplicates),
snapshot (built claims), gfe (Good Faith Estimates of self-pay sessions). runner.py decides what is checked; explain.py says what a box will print.

Severity: "error" = the claim will be rejected; "warning" = it may be denied or underpaid.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import field
from datetime import date, timedelta
from functools import cache
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from claimkit import catalog
from claimkit.core.errors import Finding
from claimkit.core.lightclass import lightclass

if TYPE_CHECKING:  # pragma: no cover
    from claimkit.core.entries import ClaimSnapshot
    from claimkit.core.records import Client, Payer, Policy, Practice
    from claimkit.sessions.sessions import SessionRow

SCOPES = ("practice", "payer", "client", "session", "day", "claim")
SEVERITIES = ("error", "warning")
RULE_MODULES = ("provider", "client", "policy", "coding", "services", "pairing", "claim", "snapshot", "eligibility", "gfe")


class Hit(NamedTuple):
    """What a rule found: one plain-words line naming the value, one line saying how to fix it."""

    message: str
    fix: str
    box: str | None = None  # default: the rule's first box
    where: str | None = None  # narrows the subject: "line 2", "session 12"


@lightclass(frozen=True)
class Rule:
    id: str
    severity: str
    boxes: tuple[str, ...]
    scope: str
    fn: Callable[["Context"], Iterable[Hit]]
    min_rows: int = 1  # day rules: skip days with fewer sessions (a pair needs two)
    when: Callable[["Facets"], bool] | None = None  # session rules: can the rule fire on a line with these facets?

    @property
    def summary(self) -> str:
        doc = (self.fn.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.id


_RULES: list[Rule] = []
_BY_SCOPE: dict[str | None, list[Rule]] = {}


def rule(id: str, severity: str, boxes: tuple[str, ...] | list[str] | str, scope: str, *, min_rows: int = 1,
         when: Callable[["Facets"], bool] | None = None):
    """Register a rule function. `boxes` are the CMS-1500 boxes it concerns (the first is the default).

    `min_rows` (day rules): the rule can only fire on a day with at least that many sessions.
    `when` (session rules): false for the facets of a line the rule can never flag (a telehealth rule on an
    office visit), so a run over thousands of lines skips it; the rule itself still checks everything.
    """
    if when is not None and scope != "session":
        raise ValueError(f"rule {id}: only session rules take a when= guard")
    if severity not in SEVERITIES:
        raise ValueError(f"rule {id}: severity must be one of {SEVERITIES}")
    if scope not in SCOPES:
        raise ValueError(f"rule {id}: scope must be one of {SCOPES}")
    box_tuple = (boxes,) if isinstance(boxes, str) else tuple(boxes)

    def deco(fn: Callable[["Context"], Iterable[Hit]]) -> Callable[["Context"], Iterable[Hit]]:
        for other in _RULES:
            if other.id == id and (other.scope == scope or other.severity != severity or other.boxes != box_tuple):
                raise ValueError(f"rule {id} is registered twice with a different scope, severity or boxes")
        _RULES.append(Rule(id, severity, box_tuple, scope, fn, min_rows, when))
        _BY_SCOPE.clear()
        _PLANS.clear()
        return fn

    return deco


def _load() -> None:
    for name in RULE_MODULES:
        importlib.import_module(f"claimkit.checks.{name}")


def all_rules(scope: str | None = None) -> list[Rule]:
    if scope not in _BY_SCOPE:
        _load()
        _BY_SCOPE[scope] = [r for r in _RULES if scope is None or r.scope == scope]
    return _BY_SCOPE[scope]


def rule_ids() -> list[str]:
    return sorted({r.id for r in all_rules()})


def rules_for_box(box: str) -> list[Rule]:
    """Rules that check a box (one entry per id), for `cms1500 explain`."""
    seen: dict[str, Rule] = {}
    for r in all_rules():
        if box in r.boxes or (box.upper() in (b.upper() for b in r.boxes)):
            seen.setdefault(r.id, r)
    return sorted(seen.values(), key=lambda r: r.id)


# --- context -----------------------------------------------------------------------------------------------

@cache
def _shipped_sets() -> Any:
    """The code sets of a context built without a home (the shipped ones only)."""
    from claimkit.catalog.icd10cm import CodeSets  # noqa: PLC0415

    return CodeSets()


class lazy:
    """A computed attribute stored on first use (like functools.cached_property, without its lock)."""

    def __init__(self, fn: Callable[[Any], Any]):
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@lightclass
class Context:
    """Everything a rule may look at. `today` is injectable so tests (and timely filing) are deterministic."""

    today: date
    practice: "Practice"
    payers: dict[str, "Payer"]
    clients: dict[str, "Client"] = field(default_factory=dict)
    client: "Client | None" = None
    payer_record: "Payer | None" = None  # payer scope
    payer_billed: bool = False  # payer scope: some client has an insurance policy with it
    session: "SessionRow | None" = None
    day: tuple["SessionRow", ...] = ()  # day scope: the day's sessions; session scope: the session and its siblings
    history: tuple["SessionRow", ...] = ()  # the client's non-void sessions, date order (auth visit counts)
    claim: "ClaimSnapshot | None" = None
    claim_pages: int | None = None  # from the ledger row
    claim_total: Decimal | None = None  # from the ledger row
    claim_status: str | None = None  # from the ledger row (None: a claim being built now)
    billed_elsewhere: dict[int, str] = field(default_factory=dict)  # session id -> another live claim's id
    pending: bool = True  # not yet sent: timely filing applies
    codesets: Any = None  # catalog.icd10cm.CodeSets of the run's home (the ICD-10-CM sets by date of service)
    memo: dict = field(default_factory=dict)  # shared by the contexts of one run: rules may cache per-client work here
    benefits: Any = None  # (client id, payer id) -> the latest 271 snapshot (eligibility.store.Stored), read once per run
    gfes: dict = field(default_factory=dict)  # client id -> the Good Faith Estimates on file (gfe/watch.py Standing)

    @lazy
    def payer(self) -> "Payer | None":
        """The payer of the session or claim in hand (None for self-pay)."""
        if self.payer_record is not None:
            return self.payer_record
        if self.session is not None and self.session.payer:
            return self.payers.get(self.session.payer)
        if self.claim is not None:
            return self.payers.get(self.claim.billed.payer.id)
        return None

    @lazy
    def cpt(self) -> Any:
        """The catalog entry of the session's procedure code (None when unknown)."""
        return catalog.cpt(self.session.cpt) if self.session is not None else None

    @lazy
    def icd_sets(self) -> Any:
        """The ICD-10-CM sets this run checks diagnoses against (`CodeSets`)."""
        return self.codesets if self.codesets is not None else _shipped_sets()

    @lazy
    def dx_set(self) -> Any:
        """The ICD-10-CM set in force on the session's date of service (the nearest one when none covers it)."""
        return self.icd_sets.for_date(self.session.date)

    def icd(self, code: str) -> Any:
        """A diagnosis in the set in force on the session's date of service (None when that set lacks it)."""
        return self.dx_set.lookup(code)

    @lazy
    def place(self) -> Any:
        """The catalog entry of the session's place of service (None when unknown)."""
        return catalog.pos(self.session.pos) if self.session is not None else None

    @lazy
    def filing_deadline(self) -> date | None:
        """The payer's filing deadline for the session in hand (None when already sent or there is no payer)."""
        if self.session is None or self.payer is None or not self.pending:
            return None
        return self.session.date + timedelta(days=self.payer.timely_filing_days)

    @lazy
    def policy(self) -> "Policy | None":
        """The client's policy with the session's payer in force on the date of service."""
        if self.client is None or self.session is None or not self.session.payer:
            return None
        for pol in self.client.policies:
            if pol.payer == self.session.payer and pol.in_force(self.session.date):
                return pol
        return None


# --- running --------------------------------------------------------------------------------------------------

class Facets(NamedTuple):
    """What decides which session rules can fire on a line; lines with equal facets share one rule plan."""

    cpt: str
    pos: str
    modifiers: bool  # the line carries any modifier
    auth: bool  # the client has authorizations on record or the payer requires one
    info: Any = None  # catalog.cpt(cpt)
    place: Any = None  # catalog.pos(pos)
    units: bool = False  # more than one unit


Plan = tuple[tuple[Callable, int, Rule], ...]
_PLANS: dict[Any, Plan] = {}


def _plan(rules: list[Rule]) -> Plan:
    return tuple((r.fn, r.min_rows, r) for r in rules)


def session_plan(cpt: str, pos: str, modifiers: bool, auth: bool, units: bool = False) -> tuple[Plan, Facets]:
    """The session rules that can fire on a line with these facets (cached per distinct facets), and the facets."""
    key = (cpt, pos, modifiers, auth, units)
    found = _PLANS.get(key)
    if found is None:
        facets = Facets(cpt, pos, modifiers, auth, catalog.cpt(cpt), catalog.pos(pos), units)
        found = _PLANS[key] = (_plan([r for r in all_rules("session") if r.when is None or r.when(facets)]), facets)
    return found


def session_facets(ctx: Context) -> Plan:
    """The plan for the session in `ctx` (its client and payer decide the authorization facet). The catalog entries
    of the code and place, looked up once per plan, fill the context's `cpt` and `place` for the rules."""
    s = ctx.session
    payer = ctx.payer
    auth = bool(ctx.client is not None and ctx.client.authorizations) or bool(payer is not None and payer.requires_auth)
    plan, facets = session_plan(s.cpt, s.pos, bool(s.modifiers), auth, (s.units or 0) > 1)
    d = ctx.__dict__  # where the `lazy` attributes keep their value
    d.setdefault("cpt", facets.info)
    d.setdefault("place", facets.place)
    return plan


def run_scope(scope: str, ctx: Context, subject: str) -> list[Finding]:
    """Run every rule of one scope on one context; each hit becomes a Finding (rule id, severity, box, subject).

    Session rules run through the plan of the line's facets: the rules whose `when` guard says they can fire."""
    if scope == "session":
        plan = session_facets(ctx)
    else:
        plan = _PLANS.get(scope)
        if plan is None or len(plan) != len(all_rules(scope)):
            plan = _PLANS[scope] = _plan(all_rules(scope))
    rows = len(ctx.day)
    out: list[Finding] = []
    for fn, min_rows, r in plan:  # a hot loop: thousands of sessions times dozens of rules
        if min_rows > 1 and rows < min_rows:
            continue
        hits = fn(ctx)
        if hits is None:
            continue
        for hit in hits:
            out.append(Finding(rule=r.id, severity=r.severity, message=hit.message, box=hit.box or r.boxes[0],
                               subject=f"{subject} / {hit.where}" if hit.where else subject, fix=hit.fix))
    return out


from claimkit.checks.runner import check_claim_snapshot, check_claim_snapshots, check_session, run_checks  # noqa: E402

__all__ = ["Context", "Facets", "Hit", "Rule", "rule", "all_rules", "rule_ids", "rules_for_box", "run_scope",
           "run_checks", "check_session", "check_claim_snapshot", "check_claim_snapshots"]
