"""Record and void sessions, client payments, and the client-responsibility estimate of each session."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from claimkit.core import estimate as est
from claimkit.core.errors import ClaimkitError, NotFound
from claimkit.core.money import ZERO, from_cents, to_cents
from claimkit.core.records import Client, Policy, normalize_cpt, normalize_dx, normalize_modifier
from claimkit.store.ledger import now_iso
from claimkit.store.workspace import Workspace

TELEHEALTH_POS = ("02", "10")
METHODS = ("cash", "card", "check", "other")


@dataclass(frozen=True)
class SessionRow:
    id: int
    client: str
    date: date
    cpt: str
    units: int
    minutes: int | None
    modifiers: tuple[str, ...]
    pos: str
    dx: tuple[str, ...]
    fee: Decimal
    payer: str | None
    allowed: Decimal | None
    cost_sharing: str | None
    note: str
    status: str
    void_reason: str | None
    created: str
    claim_id: str | None = None
    estimate: est.Estimate | None = None
    billed_elsewhere: str | None = None  # history from another tool: where and when it billed the session (JSON)
    start_time: str | None = None  # documented HH:MM (core/session_times.py); on no claim
    end_time: str | None = None

    def as_json(self) -> dict:
        import json

        from claimkit.core.money import fmt

        return {
            "id": self.id,
            "client": self.client,
            "date": self.date.isoformat(),
            "cpt": self.cpt,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "pos": self.pos,
            "dx": list(self.dx),
            "minutes": self.minutes,
            "start": self.start_time,
            "end": self.end_time,
            "fee": fmt(self.fee),
            "payer": self.payer,
            "allowed": fmt(self.allowed) if self.allowed is not None else None,
            "patient_estimate": fmt(self.estimate.patient) if self.estimate else None,
            "estimate_basis": self.estimate.label() if self.estimate else None,
            "estimate_source": (self.estimate.source or None) if self.estimate else None,
            "status": self.status,
            "claim": self.claim_id,
            "note": self.note,
            "void_reason": self.void_reason,
            "billed_elsewhere": json.loads(self.billed_elsewhere) if self.billed_elsewhere else None,
        }


@dataclass
class NewSession:
    client: str
    day: date
    cpt: str
    minutes: int | None = None
    units: int = 1
    modifiers: list[str] = field(default_factory=list)
    pos: str | None = None
    dx: list[str] = field(default_factory=list)
    fee: Decimal | None = None
    paid: Decimal | None = None
    method: str = "card"
    note: str = ""
    start: str | None = None  # HH:MM, documented start and end (optional)
    end: str | None = None


@dataclass(frozen=True)
class Added:
    session: SessionRow
    notes: list[str]  # what claimkit filled in for the user, said aloud
    payer_name: str | None


def _row(r: sqlite3.Row, claim_id: str | None = None) -> SessionRow:
    return SessionRow(
        id=r["id"],
        client=r["client"],
        date=date.fromisoformat(r["date"]),
        cpt=r["cpt"],
        units=r["units"],
        minutes=r["minutes"],
        modifiers=tuple(m for m in r["modifiers"].split(",") if m),
        pos=r["pos"],
        dx=tuple(d for d in r["dx"].split(",") if d),
        fee=from_cents(r["fee_cents"]),
        payer=r["payer"],
        allowed=None if r["allowed_cents"] is None else from_cents(r["allowed_cents"]),
        cost_sharing=r["cost_sharing"],
        note=r["note"],
        status=r["status"],
        void_reason=r["void_reason"],
        created=r["created"],
        claim_id=claim_id,
        billed_elsewhere=r["billed_elsewhere"],
        start_time=r["start_time"],
        end_time=r["end_time"],
    )


@dataclass(frozen=True)
class Prepared:
    """A session with everything claimkit fills in, checked and ready to insert."""

    client: str
    day: date
    cpt: str
    units: int
    minutes: int | None
    modifiers: tuple[str, ...]
    pos: str
    dx: tuple[str, ...]
    fee: Decimal
    payer: str | None  # the payer billed (copay/coinsurance policies), None for self-pay and out-of-network
    allowed: Decimal | None
    cost_sharing: str
    note: str
    paid: Decimal | None
    method: str
    notes: tuple[str, ...]
    payer_name: str | None
    start_time: str | None = None
    end_time: str | None = None


def add_session(ws: Workspace, new: NewSession) -> Added:
    """Fill in what can be known (fee, dx, POS, payer, allowed, telehealth modifier) and record the charge."""
    prepared = prepare_session(ws, new)
    with ws.transaction() as conn:
        sid = insert_session(conn, prepared)
    row = get_session(ws, sid, with_estimate=True)
    return Added(row, list(prepared.notes), prepared.payer_name)


def standard_fee(practice, cpt: str) -> Decimal:
    """The practice's fee for a CPT code, or the error saying how to set one."""
    fee = practice.fees.get(cpt)
    if fee is None:
        raise ClaimkitError(f"no fee for {cpt}: give --fee AMOUNT, or set your standard fee with 'claimkit fee set {cpt} AMOUNT'")
    return fee


def prepare_session(ws: Workspace, new: NewSession) -> Prepared:
    """Check a new session and fill in its fee, diagnoses, place of service, payer, allowed amount and modifiers."""
    client = ws.client(new.client)
    practice = ws.practice
    try:
        cpt = normalize_cpt(new.cpt)
    except ValueError as exc:
        raise ClaimkitError(f"--cpt: {exc}") from None
    notes: list[str] = []
    start_time, end_time, minutes, times_note = new.start, new.end, new.minutes, None
    if new.start is not None or new.end is not None:
        from claimkit import catalog
        from claimkit.core.session_times import check_times

        try:
            start_time, end_time, minutes, times_note = check_times(new.start, new.end, new.minutes, cpt, catalog.cpt(cpt))
        except ValueError as exc:
            raise ClaimkitError(str(exc)) from None
        if times_note:
            notes.append(times_note)
    if new.units < 1 or new.units > 99:
        raise ClaimkitError(f"--units {new.units}: must be 1 to 99")
    if new.minutes is not None and not (1 <= new.minutes <= 24 * 60):
        raise ClaimkitError(f"--minutes {new.minutes}: must be 1 to 1440")
    if client.status == "discharged":
        notes.append(f"note: {client.id} is discharged")
    fee = new.fee if new.fee is not None else standard_fee(practice, cpt) * new.units
    try:
        dx = [normalize_dx(d) for d in new.dx] or list(client.dx)
        modifiers = [normalize_modifier(m) for m in new.modifiers]
    except ValueError as exc:
        raise ClaimkitError(f"--dx/--modifier: {exc}") from None
    if not new.dx and dx:
        notes.append(f"diagnoses from the client's record: {', '.join(dx)}")
    pos = new.pos or practice.defaults.pos
    if new.pos is not None and not (len(pos) == 2 and pos.isdigit()):
        raise ClaimkitError(f"--pos '{pos}': place of service is a two-digit code like 11 (office) or 10 (telehealth at home)")
    policy = client.policy(new.day)
    payer = None
    allowed = None
    cost_sharing = None
    if policy is not None and policy.cost_sharing != "self_pay":
        payer = ws.payer(policy.payer)
        cost_sharing = policy.cost_sharing
        if pos in TELEHEALTH_POS and payer.telehealth_modifier != "none" and payer.telehealth_modifier not in modifiers:
            if not any(m in ("95", "GT", "93", "GQ", "FQ") for m in modifiers):
                modifiers.append(payer.telehealth_modifier)
                notes.append(f"added modifier {payer.telehealth_modifier}: {payer.name} wants it on telehealth (POS {pos})")
        allowed = payer.rate(cpt, modifiers)
        if allowed is not None:
            allowed = allowed * new.units
    elif policy is not None:
        cost_sharing = "out_of_network"  # insured elsewhere, pays us in full, gets a superbill
        payer = ws.payers.get(policy.payer)
    if len(modifiers) > 4:
        raise ClaimkitError("--modifier: a service line holds at most 4 modifiers")
    if new.paid is not None and new.method not in METHODS:
        raise ClaimkitError(f"--method '{new.method}': use one of {', '.join(METHODS)}")
    billed_payer = payer.id if (payer is not None and cost_sharing in ("copay", "coinsurance")) else None
    return Prepared(client.id, new.day, cpt, new.units, minutes, tuple(modifiers), pos, tuple(dx), fee, billed_payer,
                    allowed, cost_sharing or "self_pay", new.note, new.paid, new.method, tuple(notes),
                    payer.name if payer else None, start_time, end_time)


def insert_session(conn: sqlite3.Connection, p: Prepared, *, billed_elsewhere: str | None = None,
                   source: str = "session") -> int:
    """Insert a prepared session and post its charge (and a self-pay client's share, and a payment made at it).

    A session billed elsewhere (`billed_elsewhere`: where and when, as JSON; history brought over from another
    tool) is recorded as billed and posts nothing: its money stayed in that tool, and what was still owed comes
    over as an opening balance."""
    status = "billed" if billed_elsewhere else "unbilled"
    cur = conn.execute(
        "INSERT INTO sessions (client, date, cpt, units, minutes, modifiers, pos, dx, fee_cents, payer, allowed_cents,"
        " cost_sharing, note, status, billed_elsewhere, created, start_time, end_time) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (p.client, p.day.isoformat(), p.cpt, p.units, p.minutes, ",".join(p.modifiers), p.pos, ",".join(p.dx),
         to_cents(p.fee), p.payer, None if p.allowed is None else to_cents(p.allowed), p.cost_sharing, p.note, status,
         billed_elsewhere, now_iso(), p.start_time, p.end_time),
    )
    sid = cur.lastrowid
    if billed_elsewhere:
        return sid
    _post(conn, p.day, p.client, sid, p.payer, "charge", "", p.fee, source)
    if p.payer is None:
        _post(conn, p.day, p.client, sid, None, "patient_resp", "self_pay", p.fee, source)
    if p.paid is not None and p.paid > 0:
        _post(conn, p.day, p.client, sid, None, "patient_paid", p.method, p.paid, source)
    return sid


def _post(conn: sqlite3.Connection, day: date, client: str | None, session_id: int | None, payer: str | None,
          kind: str, reason: str, amount: Decimal, source: str, source_ref: str = "", note: str = "",
          claim_id: str | None = None) -> None:
    conn.execute(
        "INSERT INTO postings (date, client, session_id, claim_id, payer, kind, reason, amount_cents, source, source_ref, note, created)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (day.isoformat(), client, session_id, claim_id, payer, kind, reason, to_cents(amount), source, source_ref, note, now_iso()),
    )


def get_session(ws: Workspace, session_id: int, *, with_estimate: bool = True) -> SessionRow:
    r = ws.conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if r is None:
        raise NotFound(f"no session {session_id}: see 'claimkit session list'")
    if not with_estimate:
        return _row(r, _claim_of(ws, session_id))
    rows = list_sessions(ws, client=r["client"], include_void=True)
    for row in rows:
        if row.id == session_id:
            return row
    raise NotFound(f"no session {session_id}")  # pragma: no cover


def _claim_of(ws: Workspace, session_id: int) -> str | None:
    r = ws.conn.execute(
        "SELECT cl.claim_id FROM claim_lines cl JOIN claims c ON c.id = cl.claim_id WHERE cl.session_id = ? AND c.frequency != '8'"
        " ORDER BY c.created DESC LIMIT 1", (session_id,)).fetchone()
    return r[0] if r else None


def list_sessions(ws: Workspace, *, client: str | None = None, start: date | None = None, end: date | None = None,
                  unbilled: bool = False, include_void: bool = True) -> list[SessionRow]:
    """Sessions with their estimates; the estimate runs over each client's whole history so filters don't change it."""
    if client is not None:
        ws.client(client)  # unknown id -> clear error
    sql = "SELECT * FROM sessions"
    args: list = []
    if client is not None:
        sql += " WHERE client = ?"
        args.append(client)
    rows = [_row(r) for r in ws.conn.execute(sql + " ORDER BY date, id", args)]
    claims = dict(ws.conn.execute(
        "SELECT cl.session_id, cl.claim_id FROM claims c JOIN claim_lines cl ON cl.claim_id = c.id"
        " WHERE c.frequency != '8'" + (" AND c.client = ?" if client is not None else "") + " ORDER BY c.created",
        [client] if client is not None else []))
    adjudicated = _adjudicated(ws, client)
    bases = _estimate_bases(ws, client)
    by_client: dict[str, list[SessionRow]] = {}
    for row in rows:
        by_client.setdefault(row.client, []).append(row)
    estimates: dict[int, est.Estimate] = {}
    for cid, crow in by_client.items():
        try:
            c = ws.client(cid)
        except ClaimkitError:
            c = None
        estimates.update(estimate_client(c, crow, adjudicated, bases))
    out = []
    for row in rows:
        if not include_void and row.status == "void":
            continue
        if unbilled and row.status != "unbilled":
            continue
        if start and row.date < start or end and row.date > end:
            continue
        out.append(SessionRow(**{**row.__dict__, "claim_id": claims.get(row.id), "estimate": estimates.get(row.id)}))
    return out


def _estimate_bases(ws: Workspace, client: str | None) -> dict[tuple[str, str], est.Basis]:
    """(client, payer) -> what the latest 271 said about the plan year (claimkit.eligibility)."""
    from claimkit.eligibility.policy import estimate_bases

    return estimate_bases(ws.conn, client)


def _adjudicated(ws: Workspace, client: str | None) -> dict[int, est.Adjudicated]:
    # one client's: the index led by (client, kind) is named, so the plan does not hang on the planner's statistics
    # (without them SQLite picks postings_kind and reads every remittance posting of the practice: 80x slower)
    source = "postings INDEXED BY postings_report" if client else "postings"
    where = " AND client = ?" if client else ""
    args: list = [client] if client else []
    sql = ("SELECT session_id, SUM(CASE WHEN reason = 'deductible' THEN amount_cents ELSE 0 END), SUM(amount_cents)"
           f" FROM {source} WHERE kind = 'patient_resp' AND source IN ('era', 'eob') AND session_id IS NOT NULL{where}"
           " GROUP BY session_id")
    out = {sid: est.Adjudicated(from_cents(ded), from_cents(total)) for sid, ded, total in ws.conn.execute(sql, args)}
    # a session that was adjudicated with nothing for the client also counts as adjudicated
    sql2 = (f"SELECT DISTINCT session_id FROM {source} WHERE source IN ('era', 'eob') AND kind = 'insurance_paid'"
            f" AND session_id IS NOT NULL{where}")
    for (sid,) in ws.conn.execute(sql2, args):
        out.setdefault(sid, est.Adjudicated())
    return out


def estimate_client(client: Client | None, rows: list[SessionRow], adjudicated: dict[int, est.Adjudicated],
                    bases: dict[tuple[str, str], est.Basis] | None = None) -> dict[int, est.Estimate]:
    """Group a client's sessions by the policy in force on each date and run the plan-year estimate per policy
    (from its latest 271 when `bases` has one)."""
    out: dict[int, est.Estimate] = {}
    groups: dict[int, tuple[Policy | None, list[est.Item]]] = {}
    for row in rows:
        if row.status == "void":
            out[row.id] = est.Estimate(ZERO, ZERO, "void")
            continue
        if row.cost_sharing == "out_of_network":
            out[row.id] = est.Estimate(row.fee, ZERO, "out-of-network")
            continue
        policy = client.policy(row.date) if client else None
        if row.payer is None:
            policy = None
        key = id(policy) if policy is not None else 0
        groups.setdefault(key, (policy, []))[1].append(
            est.Item(row.id, row.date, row.fee, row.allowed, adjudicated.get(row.id)))
    for policy, items in groups.values():
        basis = (bases or {}).get((client.id, policy.payer)) if (client is not None and policy is not None) else None
        out.update(est.run(policy, items, basis))
    return out


def void_session(ws: Workspace, session_id: int, reason: str) -> SessionRow:
    if not reason.strip():
        raise ClaimkitError("--reason: say why the session is voided (e.g. 'entered twice')")
    row = get_session(ws, session_id, with_estimate=False)
    if row.status == "void":
        raise ClaimkitError(f"session {session_id} is already void ({row.void_reason})")
    if row.status == "billed":
        raise ClaimkitError(
            f"session {session_id} is on claim {row.claim_id}: void the claim with 'claimkit claim correct {row.claim_id} --void' first")
    with ws.transaction() as conn:
        conn.execute("UPDATE sessions SET status = 'void', void_reason = ? WHERE id = ?", (reason.strip(), session_id))
        for r in conn.execute("SELECT kind, reason, payer, SUM(amount_cents) AS cents FROM postings WHERE session_id = ?"
                              " AND kind IN ('charge', 'patient_resp') GROUP BY kind, reason, payer", (session_id,)).fetchall():
            if r["cents"]:
                _post(conn, row.date, row.client, session_id, r["payer"], r["kind"], r["reason"], -from_cents(r["cents"]),
                      "void", note=reason.strip())
    return get_session(ws, session_id)
