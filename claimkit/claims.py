"""Sessions become claims: grouping, claim ids, frozen snapshots, secondary claims and corrections.

A claim holds one client's sessions for one payer (and one policy and authorization). It keeps every line on
one claim and prints six lines a page: a longer claim continues on further pages, each page totalling its own
lines in box 28, with the same claim id in box 26 (the 837P carries it as one claim of up to 50 lines, so the
payer's remittance comes back as one claim). Claims are split only where one claim cannot hold them: more
than 12 distinct diagnoses (box 21 A-L) or more than 50 lines.

Claim ids are "CK" + a 5-digit ledger counter (CK00001, CK00002, ... CK100000 after 99999): letters and
digits, at most 13 characters so they fit box 26 at 10 characters per inch, unique within the ledger, and
short to type. Payers echo them in the 835 (CLP01), which is how remittances find their claim.

Writes are all-or-nothing: `issue_claims` builds the claims, hands them to the caller's `emit` (check, render,
write the PDF) and records them (claims, claim lines, sessions marked billed) in the same transaction; if
`emit` raises, nothing is recorded and the counter is not advanced.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from claimkit.core.entries import (ClaimSnapshot, SnapAddress, SnapAdjustment, SnapLine, SnapPayer, SnapPerson,
                                   SnapPolicy, SnapProvider)
from claimkit.core.errors import ClaimkitError, NotFound
from claimkit.core.money import ZERO, from_cents, to_cents
from claimkit.core.records import Address, Client, Payer, Person, Policy, Practice
from claimkit.sessions import TELEHEALTH_POS, SessionRow, get_session, list_sessions
from claimkit.store.ledger import next_counter, now_iso
from claimkit.workspace import Workspace

CLAIM_PREFIX = "CK"
MAX_DX = 12
MAX_LINES = 50
LETTERS = "ABCDEFGHIJKL"
DEAD = ("replaced", "voided")
REMIT_SOURCES = ("era", "eob")
PR_REASONS = {"deductible": "1", "coinsurance": "2", "copay": "3", "noncovered": "96", "non-covered": "96"}

Emit = Callable[[list[ClaimSnapshot]], "str | None"]


# --- ids -------------------------------------------------------------------------------------------------

def format_claim_id(n: int) -> str:
    return f"{CLAIM_PREFIX}{n:05d}"


def _next_claim_id(conn: sqlite3.Connection) -> str:
    while True:
        cid = format_claim_id(next_counter(conn, "claim"))
        if conn.execute("SELECT 1 FROM claims WHERE id = ?", (cid,)).fetchone() is None:
            return cid


# --- records -> snapshot parts -------------------------------------------------------------------------

def _snap_address(a: Address, phone: str = "") -> SnapAddress:
    return SnapAddress(street=a.street, street2=a.street2, city=a.city, state=a.state, zip=a.zip, phone=phone)


def _client_person(c: Client) -> SnapPerson:
    return SnapPerson(last=c.last, first=c.first, middle=c.middle, suffix=c.suffix, dob=c.dob, sex=c.sex,
                      address=_snap_address(c.address, c.phone))


def _person(p: Person) -> SnapPerson:
    return SnapPerson(last=p.last, first=p.first, middle=p.middle, dob=p.dob, sex=p.sex,
                      address=_snap_address(p.address, p.phone))


def _snap_payer(p: Payer) -> SnapPayer:
    return SnapPayer(id=p.id, name=p.name, payer_id=p.payer_id, type=p.type, address=_snap_address(p.address, p.phone))


def snap_policy(ws: Workspace, client: Client, pol: Policy, payer_claim_number: str = "") -> SnapPolicy:
    insured = _client_person(client) if pol.relationship == "self" or pol.insured is None else _person(pol.insured)
    return SnapPolicy(payer=_snap_payer(ws.payer(pol.payer)), member_id=pol.member_id, group=pol.group,
                      plan_name=pol.plan_name, relationship=pol.relationship, insured=insured,
                      payer_claim_number=payer_claim_number)


def _billing(p: Practice) -> SnapProvider:
    b = p.billing
    return SnapProvider(name=b.name or p.name, npi=b.npi, taxonomy=b.taxonomy, address=_snap_address(b.address, b.phone))


def _rendering(p: Practice) -> SnapProvider:
    r = p.provider
    name = " ".join(x for x in (r.first, r.middle, r.last) if x)
    return SnapProvider(name=name, first=r.first, last=r.last, credentials=r.credentials, npi=p.rendering_npi,
                        taxonomy=r.taxonomy or p.billing.taxonomy, license=r.license, license_state=r.license_state)


def _referring(pol: Policy) -> SnapProvider | None:
    r = pol.referring
    if r is None:
        return None
    name = " ".join(x for x in (r.first, r.middle[:1], r.last) if x)  # box 17: FIRST MI LAST
    return SnapProvider(name=name, first=r.first, middle=r.middle, last=r.last, credentials=r.credentials, npi=r.npi)


def _facility(p: Practice) -> SnapProvider:
    if p.facility is not None:
        f = p.facility
        return SnapProvider(name=f.name or p.billing.name or p.name, npi=f.npi, address=_snap_address(f.address))
    b = p.billing
    return SnapProvider(name=b.name or p.name, address=_snap_address(b.address))


def _policy_for(client: Client, payer_id: str, day: date, rank: str | None = None) -> Policy | None:
    for pol in client.policies:
        if pol.payer == payer_id and pol.in_force(day) and (rank is None or pol.rank == rank):
            return pol
    return None


def _authorization(client: Client, payer_id: str, row: SessionRow) -> str:
    for auth in client.authorizations:
        if auth.payer not in ("", payer_id):
            continue
        if (auth.start and row.date < auth.start) or (auth.end and row.date > auth.end):
            continue
        if auth.cpts and row.cpt not in auth.cpts:
            continue
        return auth.number
    return ""


def _patient_paid(conn: sqlite3.Connection, session_ids: Sequence[int]) -> Decimal:
    if not session_ids:
        return ZERO
    marks = ",".join("?" * len(session_ids))
    cents = conn.execute(f"SELECT SUM(amount_cents) FROM postings WHERE kind = 'patient_paid' AND session_id IN ({marks})",
                         list(session_ids)).fetchone()[0]
    return max(from_cents(cents), ZERO)


# --- building --------------------------------------------------------------------------------------------

@dataclass
class _Group:
    client: Client
    payer: Payer
    policy: Policy
    auth: str
    rows: list[SessionRow] = field(default_factory=list)
    dx: list[str] = field(default_factory=list)


def _group(ws: Workspace, sessions: Iterable[SessionRow]) -> list[_Group]:
    """Sessions -> claims-to-be: per client, payer, policy and authorization; split at 12 diagnoses or 50 lines."""
    groups: list[_Group] = []
    open_: dict[tuple, _Group] = {}
    for row in sorted(sessions, key=lambda r: (r.client, r.date, r.id)):
        if row.payer is None:
            raise ClaimkitError(f"session {row.id} is self-pay (no payer to bill); give {row.client} a superbill instead")
        client = ws.client(row.client)
        payer = ws.payer(row.payer)
        policy = _policy_for(client, row.payer, row.date)
        if policy is None:
            raise ClaimkitError(f"session {row.id} ({row.date}): {row.client} has no policy with {row.payer} in force that day;"
                                f" fix the policy dates with 'claimkit client edit {row.client}'")
        auth = _authorization(client, row.payer, row)
        key = (row.client, row.payer, policy.member_id, policy.group, auth)
        g = open_.get(key)
        new_dx = [d for d in dict.fromkeys(row.dx) if g is None or d not in g.dx]
        if g is None or len(g.rows) >= MAX_LINES or len(g.dx) + len(new_dx) > MAX_DX:
            g = open_[key] = _Group(client, payer, policy, auth)
            groups.append(g)
            new_dx = list(dict.fromkeys(row.dx))
        g.rows.append(row)
        g.dx.extend(new_dx[: MAX_DX - len(g.dx)])
    return groups


def _snapshot(ws: Workspace, conn: sqlite3.Connection, g: _Group, claim_id: str, created: date, *, rank: str = "primary",
              billed: SnapPolicy | None = None, other: SnapPolicy | None = None, frequency: str = "1",
              original_ref: str = "") -> ClaimSnapshot:
    practice = ws.practice
    client, payer, policy = g.client, g.payer, g.policy
    first_day = g.rows[0].date
    if billed is None:
        billed = snap_policy(ws, client, policy)
    if other is None and rank == "primary":
        second = client.policy(first_day, "secondary")
        if second is not None and second.payer != payer.id:
            other = snap_policy(ws, client, second)
    rendering_npi = practice.provider.npi if practice.provider.npi and practice.provider.npi != practice.billing.npi else ""
    taxonomy = (practice.provider.taxonomy or practice.billing.taxonomy) if payer.requires_taxonomy and rendering_npi else ""
    lines = []
    for n, row in enumerate(g.rows, start=1):
        pointers = "".join(LETTERS[g.dx.index(d)] for d in dict.fromkeys(row.dx) if d in g.dx)[:4]
        lines.append(SnapLine(line_no=n, session_id=row.id, date_from=row.date, date_to=row.date, pos=row.pos,
                              cpt=row.cpt, modifiers=list(row.modifiers)[:4], dx_pointers=pointers, charge=row.fee,
                              units=row.units, rendering_npi=rendering_npi, rendering_taxonomy=taxonomy,
                              line_control=f"{claim_id}L{n}"))
    in_person = any(row.pos not in TELEHEALTH_POS for row in g.rows)
    paid = _patient_paid(conn, [r.id for r in g.rows]) if payer.box29_includes_patient_paid else ZERO
    sof = practice.defaults.signature_on_file and policy.signature_on_file
    accident = client.accident
    kind = accident.kind if accident is not None else ""
    referring = _referring(policy)
    pay_to = practice.billing.pay_to
    return ClaimSnapshot(
        claim_id=claim_id, created=created, rank=rank, frequency=frequency, original_ref=original_ref,
        patient_client_id=client.id, patient=_client_person(client), billed=billed, other=other,
        patient_signature_on_file=sof, insured_signature_on_file=sof, prior_auth=g.auth, dx=list(g.dx), lines=lines,
        tax_id=practice.billing.tax_id, tax_id_type=practice.billing.tax_id_type,
        accept_assignment=practice.defaults.accept_assignment, amount_paid=paid, rendering=_rendering(practice),
        signed_date=created, facility=_facility(practice) if in_person else None, billing=_billing(practice),
        billing_taxonomy_in_33b=payer.requires_taxonomy and bool(practice.billing.taxonomy),
        related_employment=kind == "employment", related_auto=kind == "auto", related_other=kind == "other",
        related_auto_state=accident.state if kind == "auto" else "", accident_date=accident.date if accident else None,
        onset=client.onset, onset_qualifier=(client.onset_qualifier or "431") if client.onset else "",
        referring=referring, referring_qualifier=policy.referring.qualifier if referring else "",
        pay_to=_snap_address(pay_to) if pay_to is not None and pay_to.street else None,
    )


def build_claims(ws: Workspace, sessions: Sequence[SessionRow], *, conn: sqlite3.Connection | None = None,
                 created: date | None = None) -> list[ClaimSnapshot]:
    """Snapshots for new primary claims over `sessions` (unbilled, billed to a payer), grouped per client and payer
    (secondary claims come from a primary claim and its remittance: `build_secondary`).

    With `conn` (inside the caller's transaction) the claim ids are taken from the ledger counter; without it they
    are the ids the next claims would get (a preview: nothing is written)."""
    created = created or date.today()
    for row in sessions:
        _billable(row)
    groups = _group(ws, sessions)
    ids = _preview_ids(ws, len(groups)) if conn is None else None
    out = []
    for i, g in enumerate(groups):
        claim_id = ids[i] if ids else _next_claim_id(conn)  # type: ignore[arg-type]
        out.append(_snapshot(ws, conn or ws.conn, g, claim_id, created))
    return out


def _preview_ids(ws: Workspace, n: int) -> list[str]:
    row = ws.conn.execute("SELECT value FROM counters WHERE name = 'claim'").fetchone()
    start = (row[0] if row else 0) + 1
    return [format_claim_id(start + i) for i in range(n)]


def _billable(row: SessionRow) -> None:
    if row.status == "void":
        raise ClaimkitError(f"session {row.id} is void ({row.void_reason}); it cannot be billed")
    if row.status == "billed":
        where = f" on claim {row.claim_id}; re-render it with --claim {row.claim_id}" if row.claim_id else ""
        raise ClaimkitError(f"session {row.id} is already billed{where}")
    if row.payer is None:
        raise ClaimkitError(f"session {row.id} is self-pay (no payer to bill); give {row.client} a superbill instead:"
                            f" claimkit superbill render {row.client} -o FILE.pdf")


def select_sessions(ws: Workspace, *, session_ids: Sequence[int] = (), client: str | None = None,
                    start: date | None = None, end: date | None = None, all_unbilled: bool = False) -> list[SessionRow]:
    """The work `cms1500 render` was asked for: named sessions (which must be billable), or a client's / everyone's
    unbilled insurance sessions (self-pay and void ones are left out)."""
    if session_ids:
        rows = []
        for sid in dict.fromkeys(session_ids):
            row = get_session(ws, sid, with_estimate=False)
            _billable(row)
            rows.append(row)
        return rows
    rows = list_sessions(ws, client=client, start=start, end=end, unbilled=True, include_void=False)
    return [r for r in rows if r.payer is not None]


# --- recording -------------------------------------------------------------------------------------------

def record_claims(ws: Workspace, snapshots: Sequence[ClaimSnapshot], rendered_file: str | None, *,
                  conn: sqlite3.Connection | None = None, original: str | None = None, status: str = "billed") -> None:
    """Insert claims and claim lines and mark their sessions billed, in one transaction (the caller's, if given).
    `original` is the claim a replacement or void corrects."""
    if conn is None:
        with ws.transaction() as tx:
            record_claims(ws, snapshots, rendered_file, conn=tx, original=original, status=status)
        return
    now = now_iso()
    for snap in snapshots:
        conn.execute(
            "INSERT INTO claims (id, client, payer, rank, status, frequency, original_claim, total_cents, pages, snapshot,"
            " created, rendered_file, rendered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (snap.claim_id, snap.patient_client_id, snap.billed.payer.id, snap.rank, status, snap.frequency, original,
             to_cents(snap.total_charge), len(snap.pages), snap.to_json(), now, rendered_file,
             now if rendered_file else None))
        for line in snap.lines:
            conn.execute(
                "INSERT INTO claim_lines (claim_id, line_no, session_id, date, cpt, modifiers, units, charge_cents)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (snap.claim_id, line.line_no, line.session_id, line.date_from.isoformat(), line.cpt,
                 ",".join(line.modifiers), line.units, to_cents(line.charge)))
        if snap.rank == "primary" and snap.frequency == "1":
            ids = [line.session_id for line in snap.lines if line.session_id is not None]
            marks = ",".join("?" * len(ids))
            changed = conn.execute(f"UPDATE sessions SET status = 'billed' WHERE status = 'unbilled' AND id IN ({marks})",
                                   ids).rowcount
            if changed != len(set(ids)):
                raise ClaimkitError(f"claim {snap.claim_id}: some of its sessions were billed or voided meanwhile; run the command again")


def issue_claims(ws: Workspace, build: Callable[[sqlite3.Connection], list[ClaimSnapshot]], emit: Emit | None,
                 *, original: str | None = None,
                 after: Callable[[sqlite3.Connection, list[ClaimSnapshot]], None] | None = None) -> list[ClaimSnapshot]:
    """Build, emit (check + render + write; returns the file written) and record, all in one transaction."""
    with ws.transaction() as conn:
        snapshots = build(conn)
        rendered = emit(snapshots) if emit is not None and snapshots else None
        record_claims(ws, snapshots, rendered, conn=conn, original=original)
        if after is not None:
            after(conn, snapshots)
    return snapshots


def create_claims(ws: Workspace, sessions: Sequence[SessionRow], emit: Emit | None, *,
                  created: date | None = None) -> list[ClaimSnapshot]:
    return issue_claims(ws, lambda conn: build_claims(ws, sessions, conn=conn, created=created), emit)


# --- reading ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClaimRow:
    id: str
    client: str
    payer: str
    rank: str
    status: str
    frequency: str
    original_claim: str | None
    payer_claim_number: str | None
    total_charge: Decimal
    pages: int
    sessions: tuple[int, ...]
    created: str
    rendered_file: str | None
    rendered_at: str | None

    def as_json(self) -> dict:
        return {"id": self.id, "client": self.client, "payer": self.payer, "rank": self.rank, "status": self.status,
                "frequency": self.frequency, "original_claim": self.original_claim,
                "payer_claim_number": self.payer_claim_number, "total_charge": f"{self.total_charge:.2f}",
                "pages": self.pages, "sessions": list(self.sessions), "created": self.created,
                "rendered_file": self.rendered_file, "rendered_at": self.rendered_at}


def _claim_row(r: sqlite3.Row, sessions: dict[str, list[int]]) -> ClaimRow:
    return ClaimRow(r["id"], r["client"], r["payer"], r["rank"], r["status"], r["frequency"], r["original_claim"],
                    r["payer_claim_number"], from_cents(r["total_cents"]), r["pages"], tuple(sessions.get(r["id"], ())),
                    r["created"], r["rendered_file"], r["rendered_at"])


def list_claims(ws: Workspace, *, client: str | None = None, status: str | None = None) -> list[ClaimRow]:
    if client is not None:
        ws.client(client)  # unknown id -> NotFound naming it
    where, args = [], []
    if client is not None:
        where.append("client = ?")
        args.append(client)
    if status is not None:
        where.append("lower(status) = lower(?)")
        args.append(status)
    sql = "SELECT id, client, payer, rank, status, frequency, original_claim, payer_claim_number, total_cents, pages," \
          " created, rendered_file, rendered_at FROM claims"
    if where:
        sql += " WHERE " + " AND ".join(where)
    rows = ws.conn.execute(sql + " ORDER BY created, id", args).fetchall()
    sessions: dict[str, list[int]] = {}
    for cid, sid in ws.conn.execute("SELECT claim_id, session_id FROM claim_lines WHERE session_id IS NOT NULL ORDER BY claim_id, line_no"):
        sessions.setdefault(cid, []).append(sid)
    return [_claim_row(r, sessions) for r in rows]


def get_claim(ws: Workspace, claim_id: str) -> tuple[ClaimRow, ClaimSnapshot]:
    cid = claim_id.strip().upper()
    r = ws.conn.execute("SELECT * FROM claims WHERE id = ?", (cid,)).fetchone()
    if r is None:
        raise NotFound(f"no claim '{claim_id}': see 'claimkit claim list'")
    sessions = [s for (s,) in ws.conn.execute(
        "SELECT session_id FROM claim_lines WHERE claim_id = ? AND session_id IS NOT NULL ORDER BY line_no", (cid,))]
    try:
        snap = ClaimSnapshot.from_json(r["snapshot"])
    except ValueError as exc:
        raise ClaimkitError(f"claim {cid}: its stored snapshot is unreadable ({exc.__class__.__name__}); restore the ledger from a backup") from None
    return _claim_row(r, {cid: sessions}), snap


def mark_rendered(ws: Workspace, claim_ids: Sequence[str], rendered_file: str) -> None:
    with ws.transaction() as conn:
        now = now_iso()
        for cid in claim_ids:
            conn.execute("UPDATE claims SET rendered_file = ?, rendered_at = ? WHERE id = ?", (rendered_file, now, cid))


def _sessions_of(ws: Workspace, claim_id: str) -> list[SessionRow]:
    ids = [s for (s,) in ws.conn.execute(
        "SELECT session_id FROM claim_lines WHERE claim_id = ? AND session_id IS NOT NULL ORDER BY line_no", (claim_id,))]
    return [get_session(ws, sid, with_estimate=False) for sid in ids]


def active_claims(ws: Workspace, session_ids: Iterable[int], rank: str | None = None) -> list[str]:
    ids = list(session_ids)
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    sql = (f"SELECT DISTINCT c.id FROM claim_lines cl JOIN claims c ON c.id = cl.claim_id WHERE cl.session_id IN ({marks})"
           f" AND c.frequency != '8' AND c.status NOT IN ('replaced', 'voided')")
    args: list = [*ids]
    if rank:
        sql += " AND c.rank = ?"
        args.append(rank)
    return [r[0] for r in ws.conn.execute(sql + " ORDER BY c.created, c.id", args)]


# --- secondary claims ------------------------------------------------------------------------------------

def _adjustment(kind: str, reason: str) -> tuple[str, str]:
    """A posting's kind and reason -> (CAS group, CARC): 'CO-45' -> (CO, 45); patient_resp 'copay' -> (PR, 3)."""
    m = re.fullmatch(r"(CO|PR|OA|PI|CR)[-\s]?(\d{1,3}|[A-Z]\d{1,2})", reason.strip().upper())
    if m:
        return m.group(1), m.group(2)
    if kind == "patient_resp":
        return "PR", PR_REASONS.get(reason.strip().lower(), reason.strip().upper() or "3")
    if kind == "contractual":
        return "CO", reason.strip().upper() or "45"
    return "OA", reason.strip().upper() or "23"


def _remittance(ws: Workspace, claim_id: str):
    """The primary's postings on the claim, each with the group and reason codes the payer sent (a PR reason other
    than deductible/coinsurance/copay is posted as 'noncovered' with its CARC, e.g. PR-204, in the note)."""
    rows = ws.conn.execute(
        "SELECT session_id, kind, CASE WHEN kind = 'patient_resp' AND note GLOB 'PR-?*' THEN note ELSE reason END AS reason,"
        " amount_cents, date FROM postings WHERE claim_id = ? AND source IN ('era', 'eob')"
        " AND kind IN ('insurance_paid', 'contractual', 'patient_resp', 'other_adj') ORDER BY id", (claim_id,)).fetchall()
    paid: dict[int | None, int] = {}
    adjust: dict[int | None, dict[tuple[str, str], int]] = {}
    dates: dict[int | None, str] = {}
    for r in rows:
        sid = r["session_id"]
        if r["kind"] == "insurance_paid":
            paid[sid] = paid.get(sid, 0) + r["amount_cents"]
            dates[sid] = max(dates.get(sid, ""), r["date"])
        else:
            key = _adjustment(r["kind"], r["reason"])
            bucket = adjust.setdefault(sid, {})
            bucket[key] = bucket.get(key, 0) + r["amount_cents"]
            dates.setdefault(sid, r["date"])
    return rows, paid, adjust, dates


def _adjustments(bucket: dict[tuple[str, str], int]) -> list[SnapAdjustment]:
    return [SnapAdjustment(group=g, reason=reason, amount=from_cents(c)) for (g, reason), c in bucket.items() if c > 0]


def build_secondary(ws: Workspace, primary_id: str, *, conn: sqlite3.Connection | None = None,
                    created: date | None = None, frequency: str = "1", original_ref: str = "",
                    claim_id: str | None = None, allow_existing: bool = False) -> ClaimSnapshot:
    """The claim to the secondary payer after the primary's remittance is posted: 9/9a/9d/11d name the primary,
    29 carries what it paid, and each line keeps the primary's payment and adjustments (for the 837P)."""
    row, primary = get_claim(ws, primary_id)
    if row.rank != "primary":
        raise ClaimkitError(f"claim {row.id} is a {row.rank} claim; give the primary claim's id with --secondary")
    if row.status in DEAD or row.frequency == "8":
        raise ClaimkitError(f"claim {row.id} is {row.status if row.status in DEAD else 'a void'}; bill the secondary from the claim that stands")
    rows, paid, adjust, dates = _remittance(ws, row.id)
    if not rows:
        raise ClaimkitError(f"claim {row.id} has no remittance from {primary.billed.payer.name} posted yet: import the ERA"
                            " ('claimkit era import FILE') or post the EOB first, then bill the secondary")
    client = ws.client(row.client)
    first_day = min(line.date_from for line in primary.lines)
    second = client.policy(first_day, "secondary")
    if second is None:
        raise ClaimkitError(f"{client.id} has no secondary policy in force on {first_day}; add it with"
                            f" 'claimkit policy add {client.id} --secondary ...'")
    if not allow_existing:
        existing = active_claims(ws, row.sessions, rank="secondary")
        if existing:
            raise ClaimkitError(f"claim {row.id} is already billed to the secondary as {existing[0]}; re-render it with --claim {existing[0]}")
    sessions = _sessions_of(ws, row.id)
    g = _Group(client, ws.payer(second.payer), second, primary.prior_auth, sessions, list(primary.dx))
    if claim_id is None:
        claim_id = _next_claim_id(conn) if conn is not None else _preview_ids(ws, 1)[0]
    conn = conn or ws.conn
    other = primary.billed.replace(payer_claim_number=row.payer_claim_number or "")
    snap = _snapshot(ws, conn, g, claim_id, created or date.today(), rank="secondary",
                     billed=snap_policy(ws, client, second), other=other, frequency=frequency, original_ref=original_ref)
    lines = []
    by_session = {line.session_id: line for line in primary.lines}
    for line in snap.lines:
        sid = line.session_id
        src = by_session.get(sid)
        paid_date = dates.get(sid)
        lines.append(line.replace(
            dx_pointers=src.dx_pointers if src else line.dx_pointers,
            prior_paid=from_cents(paid.get(sid, 0)),
            prior_adjustments=_adjustments(adjust.get(sid, {})),
            prior_paid_date=date.fromisoformat(paid_date) if paid_date else None,
        ))
    total_paid = from_cents(sum(paid.values()))
    box29 = total_paid
    if ws.payer(second.payer).box29_includes_patient_paid:
        box29 += _patient_paid(conn, [line.session_id for line in snap.lines if line.session_id is not None])
    return snap.replace(lines=lines, amount_paid=box29, prior_payer_paid=total_paid,
                        prior_adjustments=_adjustments(adjust.get(None, {})))


def primary_claims_of(ws: Workspace, session_ids: Sequence[int]) -> list[str]:
    """The primary claims that stand for these sessions (to bill their secondary)."""
    out = []
    for sid in session_ids:
        get_session(ws, sid, with_estimate=False)  # unknown id -> NotFound naming it
        found = active_claims(ws, [sid], rank="primary")
        if not found:
            raise ClaimkitError(f"session {sid} is not on a primary claim yet; bill the primary first")
        out.append(found[-1])
    return list(dict.fromkeys(out))


def eligible_for_secondary(ws: Workspace, client: str | None = None) -> list[str]:
    """Primary claims with a posted remittance, a secondary policy and no secondary claim yet."""
    out = []
    for row in list_claims(ws, client=client):
        if row.rank != "primary" or row.status in DEAD or row.frequency == "8":
            continue
        if not ws.conn.execute("SELECT 1 FROM postings WHERE claim_id = ? AND source IN ('era', 'eob') LIMIT 1", (row.id,)).fetchone():
            continue
        try:
            c = ws.client(row.client)
        except ClaimkitError:
            continue
        _, snap = get_claim(ws, row.id)
        if c.policy(min(line.date_from for line in snap.lines), "secondary") is None:
            continue
        if active_claims(ws, row.sessions, rank="secondary"):
            continue
        out.append(row.id)
    return out


def create_secondary(ws: Workspace, primary_ids: Sequence[str], emit: Emit | None, *,
                     created: date | None = None) -> list[ClaimSnapshot]:
    return issue_claims(ws, lambda conn: [build_secondary(ws, cid, conn=conn, created=created) for cid in primary_ids], emit)


# --- corrections (box 22) --------------------------------------------------------------------------------

def correct_claim(ws: Workspace, claim_id: str, mode: str, payer_claim_number: str | None = None, emit: Emit | None = None,
                  *, created: date | None = None) -> ClaimSnapshot:
    """A replacement (frequency 7: rebuilt from today's records) or void (8: the original as sent) of a claim,
    referencing the payer's claim number; the original becomes 'replaced' or 'voided'. A void returns the
    sessions to unbilled when no other claim stands for them."""
    if mode not in ("replace", "void"):
        raise ValueError(mode)
    row, original = get_claim(ws, claim_id)
    if row.status in DEAD or row.frequency == "8":
        raise ClaimkitError(f"claim {row.id} is {row.status if row.status in DEAD else 'a void'} already; correct the claim that replaced it")
    ref = (payer_claim_number or row.payer_claim_number or "").strip()
    if not ref:
        raise ClaimkitError(f"--payer-claim-number is required: the payer's claim number for {row.id} (ICN/DCN on the EOB or ERA)")
    if not re.fullmatch(r"[A-Za-z0-9 \-]{1,30}", ref):
        raise ClaimkitError(f"--payer-claim-number '{ref}': use the payer's claim number as printed (letters and digits)")
    created = created or date.today()
    frequency = "7" if mode == "replace" else "8"

    def build(conn: sqlite3.Connection) -> list[ClaimSnapshot]:
        new_id = _next_claim_id(conn)
        if mode == "void":
            lines = [ln.replace(line_control=f"{new_id}L{ln.line_no}") for ln in original.lines]
            return [original.replace(claim_id=new_id, frequency=frequency, original_ref=ref, lines=lines, created=created,
                                     signed_date=created)]
        if row.rank == "secondary":
            primaries = active_claims(ws, row.sessions, rank="primary")
            if not primaries:
                raise ClaimkitError(f"claim {row.id}: its primary claim no longer stands; correct the primary first")
            return [build_secondary(ws, primaries[-1], conn=conn, created=created, frequency=frequency, original_ref=ref,
                                    claim_id=new_id, allow_existing=True)]
        groups = _group(ws, _sessions_of(ws, row.id))
        if len(groups) != 1:
            raise ClaimkitError(f"claim {row.id}: its sessions no longer fit one claim (policy or authorization changed);"
                                " void it and bill them again")
        return [_snapshot(ws, conn, groups[0], new_id, created, frequency=frequency, original_ref=ref)]

    def after(conn: sqlite3.Connection, snaps: list[ClaimSnapshot]) -> None:
        conn.execute("UPDATE claims SET status = ?, payer_claim_number = COALESCE(payer_claim_number, ?) WHERE id = ?",
                     ("replaced" if mode == "replace" else "voided", ref, row.id))
        if mode == "void":
            for sid in row.sessions:
                if not active_claims(ws, [sid]):
                    conn.execute("UPDATE sessions SET status = 'unbilled' WHERE id = ? AND status = 'billed'", (sid,))

    return issue_claims(ws, build, emit, original=row.id, after=after)[0]
