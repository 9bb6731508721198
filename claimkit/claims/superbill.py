"""Superbills: the itemised statement a self-pay or out-of-network client files with their insurer.

`build_superbill` gathers a client's sessions in a date range (not void, not on an insurance claim) with the
project's own short CPT labels, ICD-10-CM descriptions, fees and what the client paid; the PDF is drawn by
claimkit.forms.superbill. Reading only: a superbill records nothing in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from claimkit.claims.build import _billing, _client_person, _rendering
from claimkit.core.codes import SUPERSEDED, sql_list
from claimkit.core.entries import SnapPerson, SnapProvider
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, from_cents
from claimkit.sessions.sessions import list_sessions
from claimkit.store.ledger import rows_for_ids
from claimkit.store.workspace import Workspace


@dataclass(frozen=True)
class SuperbillLine:
    session_id: int
    date: date
    pos: str
    pos_label: str
    cpt: str
    cpt_label: str
    modifiers: tuple[str, ...]
    units: int
    minutes: int | None
    dx: tuple[str, ...]
    fee: Decimal
    paid: Decimal


@dataclass(frozen=True)
class Superbill:
    number: str
    issued: date
    start: date
    end: date
    practice_name: str
    billing: SnapProvider
    provider: SnapProvider
    tax_id: str
    tax_id_type: str
    client_id: str
    client: SnapPerson
    client_phone: str
    payer_name: str
    member_id: str
    group: str
    lines: tuple[SuperbillLine, ...]
    diagnoses: tuple[tuple[str, str], ...]  # (code, description) in order of first use
    total_fee: Decimal
    paid_on_lines: Decimal
    other_payments: Decimal
    insurance_sessions: tuple[int, ...] = ()  # sessions set to bill a payer (the CLI warns about double billing)
    gfe_note: str = ""  # the Good Faith Estimate in force for the period (gfe/watch.py), if any

    @property
    def total_paid(self) -> Decimal:
        return self.paid_on_lines + self.other_payments

    @property
    def balance(self) -> Decimal:
        return self.total_fee - self.total_paid

    @property
    def paid_in_full(self) -> bool:
        return self.balance <= 0


POS_FALLBACK = {"02": "Telehealth (not at home)", "10": "Telehealth at home", "11": "Office", "12": "Home",
                "03": "School", "53": "Community mental health center"}


def _cpt_label(code: str) -> str:
    try:
        from claimkit import catalog

        found = catalog.cpt(code)
        return found.label if found else ""
    except ImportError:  # pragma: no cover - the catalog ships with claimkit
        return ""


def _pos_label(code: str) -> str:
    try:
        from claimkit import catalog

        found = catalog.pos(code)
        if found is not None:
            return found.label
    except ImportError:  # pragma: no cover
        pass
    return POS_FALLBACK.get(code, "")


def _dx_description(ws: Workspace, code: str, when: date) -> str:
    """The code's title in the ICD-10-CM set in force on the last date of service it is used on."""
    from claimkit.catalog.icd10cm import home_folder, home_sets

    found = home_sets(home_folder(ws.home)).lookup(code, when)
    return found.description if found else ""


def build_superbill(ws: Workspace, client_id: str, start: date | None = None, end: date | None = None,
                    *, issued: date | None = None) -> Superbill:
    """An itemised statement of a client's sessions (not void, not on an insurance claim) for the client to file."""
    client = ws.client(client_id)
    practice = ws.practice
    rows = list_sessions(ws, client=client_id, start=start, end=end, include_void=False)
    on_claims = {sid for sid, in ws.conn.execute(
        "SELECT DISTINCT cl.session_id FROM claims c CROSS JOIN claim_lines cl ON cl.claim_id = c.id"  # the client's claims lead
        f" WHERE c.client = ? AND cl.session_id IS NOT NULL AND c.frequency != '8' AND c.status NOT IN ({sql_list(SUPERSEDED)})",
        (client_id,))}
    rows = [r for r in rows if r.id not in on_claims]
    if not rows:
        span = f" between {start} and {end}" if start and end else f" from {start}" if start else f" up to {end}" if end else ""
        raise ClaimkitError(f"{client_id} has no sessions{span} to put on a superbill (void sessions and sessions on"
                            " insurance claims are left out); see 'claimkit session list --client " + client_id + "'")
    start = start or rows[0].date
    end = end or rows[-1].date
    paid = dict(rows_for_ids(
        ws.conn, "SELECT session_id, SUM(amount_cents) FROM postings WHERE kind = 'patient_paid' AND session_id IN ({ids})"
        " GROUP BY session_id", [r.id for r in rows]))
    other = ws.conn.execute(
        "SELECT SUM(amount_cents) FROM postings WHERE kind = 'patient_paid' AND session_id IS NULL AND client = ? AND date BETWEEN ? AND ?",
        (client_id, start.isoformat(), end.isoformat())).fetchone()[0]
    lines, dx_order, dx_last = [], [], {}
    for r in rows:
        dx_order.extend(d for d in r.dx if d not in dx_order)
        dx_last.update((d, r.date) for d in r.dx)
        lines.append(SuperbillLine(r.id, r.date, r.pos, _pos_label(r.pos), r.cpt, _cpt_label(r.cpt), r.modifiers, r.units,
                                   r.minutes, r.dx, r.fee, max(from_cents(paid.get(r.id)), ZERO)))
    policy = next((p for p in client.policies if p.rank == "primary" and p.in_force(end)), None) or \
        next((p for p in client.policies if p.in_force(end)), None)
    payer_name = ""
    if policy is not None:
        payer_name = ws.payers[policy.payer].name if policy.payer in ws.payers else policy.payer
    b = practice.billing
    return Superbill(
        number=f"SB-{client_id.upper()}-{start:%Y%m%d}-{end:%Y%m%d}", issued=issued or date.today(), start=start, end=end,
        practice_name=practice.name or b.name, billing=_billing(practice), provider=_rendering(practice),
        tax_id=b.tax_id, tax_id_type=b.tax_id_type, client_id=client_id, client=_client_person(client),
        client_phone=client.phone, payer_name=payer_name, member_id=policy.member_id if policy else "",
        group=policy.group if policy else "", lines=tuple(lines),
        diagnoses=tuple((d, _dx_description(ws, d, dx_last[d])) for d in dx_order),
        total_fee=sum((ln.fee for ln in lines), ZERO), paid_on_lines=sum((ln.paid for ln in lines), ZERO),
        other_payments=max(from_cents(other), ZERO), insurance_sessions=tuple(r.id for r in rows if r.payer is not None),
        gfe_note=_gfe_note(ws, client_id, start, end))


def _gfe_note(ws: Workspace, client_id: str, start: date, end: date) -> str:
    from claimkit.gfe.watch import note_for

    return note_for(ws.conn, client_id, end) or note_for(ws.conn, client_id, start)
