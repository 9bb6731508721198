"""Sessions become claims: grouping, claim ids, frozen snapshots, issued in one transaction.

Recording and reading claims is `claims/ledger.py`; secondary claims and corrections are `claims/followup.py`.

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

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from claimkit.claims.ledger import record_claims
from claimkit.core.entries import ClaimSnapshot, SnapAddress, SnapLine, SnapPayer, SnapPerson, SnapPolicy, SnapProvider
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, from_cents
from claimkit.core.records import Address, Client, Payer, Person, Policy, Practice
from claimkit.sessions.sessions import TELEHEALTH_POS, SessionRow, get_session, list_sessions
from claimkit.store.ledger import next_counter
from claimkit.store.workspace import Workspace

CLAIM_PREFIX = "CK"
MAX_DX = 12
MAX_LINES = 50
LETTERS = "ABCDEFGHIJKL"

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


# --- issuing ---------------------------------------------------------------------------------------------

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
