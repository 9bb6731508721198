"""Make, keep and look up Good Faith Estimates (No Surprises Act, 45 CFR 149.610) for self-pay clients.

An estimate is built from what claimkit already holds (the client's record, the practice's NPI and TIN, the
standard fees), checked as a whole, and stored in the ledger in one transaction: its JSON snapshot never
changes afterwards. A new estimate for a client whose estimate is still in force replaces it: the older one is
marked superseded (by which, on which day) and kept.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from claimkit.core.errors import ClaimkitError, NotFound
from claimkit.core.money import to_cents
from claimkit.core.records import normalize_cpt, normalize_dx
from claimkit.gfe.days import add_business_days, business_days_between
from claimkit.gfe.records import (FREQUENCIES, MAX_MONTHS, GfeClient, GfeItem, GfeProvider, GoodFaithEstimate)
from claimkit.store.ledger import next_counter, now_iso
from claimkit.store.workspace import Workspace

TELEHEALTH_POS = ("02", "10")
MAX_SESSIONS = 400


@dataclass
class GfeRequest:
    """What `gfe create` was given (counts per code: None = --sessions)."""

    client: str
    cpts: list[tuple[str, int | None]]
    start: date
    sessions: int | None = None
    frequency: str = "weekly"
    months: int = MAX_MONTHS
    dx: list[str] = field(default_factory=list)
    scheduled: date | None = None
    fees: dict[str, Decimal] = field(default_factory=dict)
    separate: list[str] = field(default_factory=list)
    service: str = ""
    self_pay: bool = False
    allow_ssn: bool = False
    late: bool = False


@dataclass(frozen=True)
class Created:
    gfe: GoodFaithEstimate
    replaced: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class GfeRow:
    """One stored estimate and its standing."""

    id: str
    client: str
    issued: date
    due: date
    start: date
    end: date
    sessions: int
    total_cents: int
    superseded_by: str | None
    superseded_on: date | None

    def status(self, today: date) -> str:
        if self.superseded_by:
            return f"superseded by {self.superseded_by}"
        if today > self.end:
            return "ended"
        if today < self.start:
            return "not started"
        return "in force"

    def as_json(self, today: date) -> dict:
        from claimkit.core.money import fmt

        return {"id": self.id, "client": self.client, "issued": self.issued.isoformat(), "due": self.due.isoformat(),
                "start": self.start.isoformat(), "end": self.end.isoformat(), "sessions": self.sessions,
                "total": fmt(self.total_cents, cents=True), "status": self.status(today),
                "superseded_by": self.superseded_by,
                "superseded_on": self.superseded_on.isoformat() if self.superseded_on else None}


# --- parsing what a person typed ----------------------------------------------------------------------------

def parse_cpt(text: str) -> tuple[str, int | None]:
    """'90837' -> ('90837', None); '90791:1' -> ('90791', 1): a code and, optionally, its own number of sessions."""
    code, _, count = text.partition(":")
    try:
        cpt = normalize_cpt(code)
    except ValueError as exc:
        raise ClaimkitError(f"--cpt: {exc} (write CODE or CODE:SESSIONS, like 90791:1)") from None
    if not count:
        return cpt, None
    if not count.strip().isdigit() or not 1 <= int(count) <= MAX_SESSIONS:
        raise ClaimkitError(f"--cpt {text}: the number of sessions after ':' must be 1 to {MAX_SESSIONS} (like 90791:1)")
    return cpt, int(count)


def parse_fees(values: list[str], cpts: list[str]) -> dict[str, Decimal]:
    """--fee AMOUNT (one --cpt) or --fee CODE=AMOUNT, as Decimals per code."""
    from claimkit.core.money import parse_money

    out: dict[str, Decimal] = {}
    for raw in values:
        code, sep, amount = raw.rpartition("=")
        if not sep:
            if len(cpts) != 1:
                raise ClaimkitError(f"--fee {raw}: with several --cpt codes, name the code: --fee {cpts[0]}={raw}")
            code, amount = cpts[0], raw
        try:
            code = normalize_cpt(code)
            out[code] = parse_money(amount, field=f"--fee {raw}")
        except ValueError as exc:
            raise ClaimkitError(str(exc)) from None
        if code not in cpts:
            raise ClaimkitError(f"--fee {raw}: {code} is not one of the --cpt codes ({', '.join(cpts)})")
    return out


# --- dates ----------------------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def scope_end(start: date, months: int) -> date:
    return add_months(start, months) - timedelta(days=1)


def expected_sessions(start: date, end: date, frequency: str) -> int:
    """Sessions on the frequency's rhythm from `start` through `end`."""
    if frequency == "monthly":
        n = 0
        while add_months(start, n) <= end:
            n += 1
        return n
    step = 7 if frequency == "weekly" else 14
    return (end - start).days // step + 1


def due_date(scheduled: date, first_session: date) -> tuple[date, str]:
    """When the estimate must be given (45 CFR 149.610(b)), counted in business days from the scheduling."""
    ahead = business_days_between(scheduled, first_session)
    if ahead >= 10:
        return add_business_days(scheduled, 3), "3 business days after scheduling: care scheduled 10 or more business days ahead"
    if ahead >= 3:
        return add_business_days(scheduled, 1), "1 business day after scheduling: care scheduled 3 to 9 business days ahead"
    return first_session, "by the first session: care scheduled less than 3 business days ahead"


# --- building -------------------------------------------------------------------------------------------------

def known_cpt(ws: Workspace, code: str) -> str:
    from claimkit import catalog

    found = catalog.cpt(code)
    if found is None and code not in ws.practice.extra_cpt:
        raise ClaimkitError(f"--cpt {code}: claimkit does not know this code; check it, or add it to practice.toml's"
                            " extra_cpt if your payers use it")
    return found.label if found else code


def _coverage(ws: Workspace, client, day: date, self_pay: bool) -> str:
    policy = next((p for p in client.policies if p.in_force(day) and p.rank == "primary"), None)
    if policy is None:
        return "uninsured"
    if policy.cost_sharing == "self_pay" or self_pay:
        return "self-pay"
    payer = ws.payers.get(policy.payer)
    raise ClaimkitError(f"gfe create: {client.id}'s {payer.name if payer else policy.payer} policy is billed in network;"
                        f" an estimate is for uninsured and self-pay clients: add --self-pay if {client.id} chose not to"
                        " use the insurance for these sessions")


def _provider(ws: Workspace, allow_ssn: bool) -> tuple[GfeProvider, list[str]]:
    p = ws.practice
    b, r = p.billing, p.provider
    warnings: list[str] = []
    npi = r.npi or b.npi
    if not npi:
        raise ClaimkitError("gfe create: the practice has no NPI; an estimate must show it: set it with 'claimkit practice edit'")
    tin = "".join(c for c in b.tax_id if c.isdigit())
    if len(tin) != 9:
        raise ClaimkitError("gfe create: the practice has no tax ID (TIN); an estimate must show it: set the practice's EIN"
                            " with 'claimkit practice edit' (billing.tax_id)")
    if b.tax_id_type == "ssn":
        if not allow_ssn:
            raise ClaimkitError("gfe create: the practice's tax ID is an SSN, which the estimate would print for the client;"
                                " an EIN is advised (free from the IRS): set it with 'claimkit practice edit', or add"
                                " --allow-ssn to print the SSN")
        warnings.append("the estimate prints the practice's SSN as its TIN (--allow-ssn); an EIN is advised")
    name = " ".join(x for x in (r.first, r.middle, r.last) if x) or b.name or p.name
    location = p.facility.address if p.facility is not None and p.facility.address.street else b.address
    if not location.state:
        raise ClaimkitError("gfe create: the practice has no office address; an estimate must show where the care is"
                            " given and in which state: set it with 'claimkit practice edit' (billing.address)")
    return GfeProvider(name=name, credentials=r.credentials, practice=b.name or p.name, npi=npi,
                       billing_npi=b.npi if b.npi and b.npi != npi else "", tin=tin, tin_type=b.tax_id_type,
                       license=f"{r.license} ({r.license_state})" if r.license and r.license_state else r.license,
                       phone=b.phone, location=location,
                       telehealth=p.defaults.pos in TELEHEALTH_POS), warnings


def _check_scope(req: GfeRequest, today: date) -> tuple[date, date, str]:
    if req.frequency not in FREQUENCIES:
        raise ClaimkitError(f"--frequency '{req.frequency}': use one of {', '.join(FREQUENCIES)}")
    if not 1 <= req.months <= MAX_MONTHS:
        raise ClaimkitError(f"--months {req.months}: one estimate covers recurring care for 1 to {MAX_MONTHS} months at most"
                            " (45 CFR 149.610); make a new one when it ends")
    scheduled = req.scheduled or today
    if scheduled > today:
        raise ClaimkitError(f"--scheduled {scheduled}: is in the future; give the day the care was scheduled (today or earlier)")
    if req.start < scheduled:
        raise ClaimkitError(f"--start {req.start}: is before --scheduled {scheduled}; give the first session still to come")
    due, rule = due_date(scheduled, req.start)
    if due < today and not req.late:
        raise ClaimkitError(f"--scheduled {scheduled}: the estimate was due by {due} ({rule}); give the day the care was"
                            " scheduled, or add --late to record that it is given late")
    return scheduled, due, rule


def build_gfe(ws: Workspace, req: GfeRequest, *, today: date | None = None) -> tuple[GoodFaithEstimate, list[str]]:
    """The estimate the request describes (id not yet given), and warnings; a bad value raises one clear line."""
    today = today or date.today()
    client = ws.client(req.client)
    if client.status == "discharged":
        raise ClaimkitError(f"gfe create: {client.id} is discharged; an estimate is for care still to come")
    if not req.cpts:
        raise ClaimkitError("--cpt is required: the service code(s) expected, like --cpt 90837")
    codes = [c for c, _ in req.cpts]
    if len(set(codes)) != len(codes):
        raise ClaimkitError(f"--cpt: a code is given twice ({', '.join(codes)}); give each once, with CODE:SESSIONS for its count")
    scheduled, due, rule = _check_scope(req, today)
    end = scope_end(req.start, req.months)
    if req.sessions is not None and not 1 <= req.sessions <= MAX_SESSIONS:
        raise ClaimkitError(f"--sessions {req.sessions}: must be 1 to {MAX_SESSIONS}")
    default_count = req.sessions or expected_sessions(req.start, end, req.frequency)
    try:
        dx = [normalize_dx(d) for d in req.dx] or list(client.dx)
    except ValueError as exc:
        raise ClaimkitError(f"--dx: {exc}") from None
    if not dx:
        raise ClaimkitError(f"--dx is required: {client.id}'s record has no diagnosis; give the expected code(s), like --dx F41.1")
    items = []
    for code, count in req.cpts:
        label = known_cpt(ws, code)
        fee = req.fees.get(code, ws.practice.fees.get(code))
        if fee is None:
            raise ClaimkitError(f"--cpt {code}: no fee for it; give --fee {code}=AMOUNT, or set your standard fee with"
                                f" 'claimkit fee set {code} AMOUNT'")
        items.append(GfeItem(cpt=code, description=label[:1].upper() + label[1:], dx=dx, units=1,
                             sessions=count or default_count, fee=fee))
    coverage = _coverage(ws, client, req.start, req.self_pay)
    provider, warnings = _provider(ws, req.allow_ssn)
    main = max(items, key=lambda i: i.sessions)
    service = req.service.strip() or f"{main.description} ({main.cpt}), {req.frequency}"
    separate = [s.strip() for s in req.separate if s.strip()]
    gfe = GoodFaithEstimate(
        id="", issued=today, scheduled=scheduled, due=due, due_rule=rule, start=req.start, end=end, months=req.months,
        frequency=req.frequency, service=service,
        client=GfeClient(id=client.id, name=client.display_name, dob=client.dob, address=client.address,
                         phone=client.phone, email=client.email, coverage=coverage),
        provider=provider, items=items, separate=separate, late=due < today)
    if gfe.late:
        warnings.append(f"given late: it was due by {due} ({rule})")
    return gfe, warnings


def create_gfe(ws: Workspace, req: GfeRequest, *, today: date | None = None) -> Created:
    """Build, number and store the estimate in one transaction, superseding the client's estimates still in force."""
    gfe, warnings = build_gfe(ws, req, today=today)
    with ws.transaction() as conn:
        n = next_counter(conn, "gfe")
        gfe_id = f"GFE-{n:04d}"
        older = [r[0] for r in conn.execute(
            "SELECT id FROM gfes WHERE client = ? AND superseded_by IS NULL AND end >= ? ORDER BY id",
            (gfe.client.id, gfe.issued.isoformat()))]
        gfe = gfe.replace(id=gfe_id, supersedes=older[-1] if older else "")
        conn.execute(
            "INSERT INTO gfes (id, client, issued, due, start, end, sessions, total_cents, snapshot, created)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            (gfe.id, gfe.client.id, gfe.issued.isoformat(), gfe.due.isoformat(), gfe.start.isoformat(), gfe.end.isoformat(),
             gfe.sessions, to_cents(gfe.total), gfe.to_json(), now_iso()))
        for old in older:
            conn.execute("UPDATE gfes SET superseded_by = ?, superseded_on = ? WHERE id = ?",
                         (gfe.id, gfe.issued.isoformat(), old))
    return Created(gfe, tuple(older), tuple(warnings))


# --- reading --------------------------------------------------------------------------------------------------

def _row(r) -> GfeRow:
    return GfeRow(r["id"], r["client"], date.fromisoformat(r["issued"]), date.fromisoformat(r["due"]),
                  date.fromisoformat(r["start"]), date.fromisoformat(r["end"]), r["sessions"], r["total_cents"],
                  r["superseded_by"], date.fromisoformat(r["superseded_on"]) if r["superseded_on"] else None)


def list_gfes(ws: Workspace, client: str | None = None) -> list[GfeRow]:
    if client is not None:
        ws.client(client)  # an unknown id: one clear line
    sql = "SELECT * FROM gfes" + (" WHERE client = ?" if client else "") + " ORDER BY client, issued, id"
    return [_row(r) for r in ws.conn.execute(sql, [client] if client else [])]


def get_gfe(ws: Workspace, gfe_id: str) -> tuple[GoodFaithEstimate, GfeRow]:
    key = gfe_id.strip().upper()
    if key.isdigit():
        key = f"GFE-{int(key):04d}"
    r = ws.conn.execute("SELECT * FROM gfes WHERE id = ?", (key,)).fetchone()
    if r is None:
        raise NotFound(f"no estimate '{gfe_id}': see 'claimkit gfe list'")
    try:
        gfe = GoodFaithEstimate.from_json(r["snapshot"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ClaimkitError(f"estimate {key}'s stored copy is unreadable ({exc}); restore the ledger from a backup") from None
    return gfe, _row(r)


__all__ = ["Created", "GfeRequest", "GfeRow", "build_gfe", "create_gfe", "due_date", "get_gfe", "list_gfes",
           "parse_cpt", "parse_fees", "scope_end"]
