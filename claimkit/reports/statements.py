"""Patient statements (the figures; claimkit.forms.statement draws them) and the record that they were sent.

A statement covers a period (by default from the day after the last statement, or the last 90 days for a first
one) as a balance-forward account: the balance before the period, then each date of service of the period (or
whose insurance was processed in it) with its charge, what insurance paid and adjusted and the client's part
assigned in the period, then the client's payments, refunds and write-offs of the period. So:

    amount due now = previous balance + client's part of the period - payments + refunds - write-offs

which is the client's balance at the end of the statement day (report balances), never below zero (a credit is
shown as such). Sessions insurance has not processed yet show "pending" with the estimated share, outside the sum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from claimkit.core.codes import DENIED
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import to_cents
from claimkit.reports.common import Buckets, iso, money, reads_one_moment, remit_ctes
from claimkit.store.workspace import Workspace

FIRST_PERIOD_DAYS = 90
METHOD_LABEL = {"cash": "Payment - cash", "card": "Payment - card", "check": "Payment - check", "other": "Payment",
                "opening_credit": "Credit brought over from your previous account"}


@dataclass(frozen=True)
class StatementLine:
    date: date
    description: str
    charge: int
    insurance_paid: int
    adjustments: int
    your_part: int | None  # None: insurance has not processed it yet
    estimate: int | None = None
    note: str = ""

    def as_json(self) -> dict:
        return {"date": self.date.isoformat(), "description": self.description, "charge": money(self.charge),
                "insurance_paid": money(self.insurance_paid), "adjustments": money(self.adjustments),
                "your_part": None if self.your_part is None else money(self.your_part),
                "estimate": None if self.estimate is None else money(self.estimate), "note": self.note}


@dataclass(frozen=True)
class StatementPayment:
    date: date
    description: str
    amount: int  # what it takes off the balance (a refund is negative)

    def as_json(self) -> dict:
        return {"date": self.date.isoformat(), "description": self.description, "amount": money(self.amount)}


@dataclass(frozen=True)
class Statement:
    number: str
    date: date
    start: date
    practice_name: str
    practice_lines: tuple[str, ...]  # address, phone
    provider: str
    client_id: str
    client_name: str
    client_lines: tuple[str, ...]
    previous_balance: int
    lines: tuple[StatementLine, ...]
    payments: tuple[StatementPayment, ...]
    aging: Buckets
    how_to_pay: tuple[str, ...]
    pending_estimate: int
    gfe_note: str = ""  # the Good Faith Estimate in force on the statement's date (gfe/watch.py), if any

    @property
    def new_charges(self) -> int:
        return sum(ln.your_part or 0 for ln in self.lines)

    @property
    def payments_total(self) -> int:
        return sum(p.amount for p in self.payments)

    @property
    def balance(self) -> int:
        return self.previous_balance + self.new_charges - self.payments_total

    @property
    def amount_due(self) -> int:
        return max(0, self.balance)

    @property
    def due_by(self) -> date:
        return self.date + timedelta(days=30)

    def as_json(self) -> dict:
        return {"number": self.number, "date": self.date.isoformat(), "period": {"start": iso(self.start), "end": iso(self.date)},
                "client": self.client_id, "client_name": self.client_name, "previous_balance": money(self.previous_balance),
                "lines": [ln.as_json() for ln in self.lines], "payments": [p.as_json() for p in self.payments],
                "new_charges": money(self.new_charges), "payments_total": money(self.payments_total),
                "balance": money(self.balance), "amount_due": money(self.amount_due), "due_by": iso(self.due_by),
                "aging": self.aging.as_json(), "pending_insurance_estimate": money(self.pending_estimate)}


def _cpt_label(code: str) -> str:
    from claimkit import catalog

    found = catalog.cpt(code)
    return f"{code} {found.label}" if found else code


def _phone(p: str) -> str:
    d = "".join(c for c in p if c.isdigit())
    if len(d) == 11 and d[0] == "1":
        d = d[1:]
    return f"({d[:3]}) {d[3:6]}-{d[6:]}" if len(d) == 10 else p


def _address_lines(a) -> list[str]:
    street = ", ".join(x for x in (a.street, a.street2) if x)
    city = " ".join(x for x in (f"{a.city}," if a.city else "", a.state, a.zip) if x)
    return [x for x in (street, city) if x]


def how_to_pay(ws: Workspace, client_id: str) -> tuple[str, ...]:
    p = ws.practice
    b = p.billing
    payee = b.name or p.name
    lines = ["Pay at your next session by card, cash or check.",
             f"Or mail a check payable to {payee}" + (f" to {', '.join(_address_lines(b.address))}" if b.address.street else "")
             + f", with your account number ({client_id}) on it."]
    if b.phone:
        lines.append(f"Questions about this statement? Call {_phone(b.phone)}.")
    return tuple(lines)


@reads_one_moment
def build_statement(ws: Workspace, client_id: str, day: date | None = None, start: date | None = None) -> Statement:
    from claimkit.reports.aging import client_part_buckets
    from claimkit.reports.balances import pending_sessions, session_estimates

    day = day or date.today()
    client = ws.client(client_id)
    conn = ws.conn
    if start is None:
        last = conn.execute("SELECT MAX(date) FROM statements WHERE client = ? AND date < ?", (client_id, day.isoformat())).fetchone()[0]
        start = date.fromisoformat(last) + timedelta(days=1) if last else day - timedelta(days=FIRST_PERIOD_DAYS)
    if start > day:
        raise ClaimkitError(f"--from {start} is after the statement date {day}")
    s, d = start.isoformat(), day.isoformat()
    previous = conn.execute(
        "SELECT COALESCE(SUM(CASE kind WHEN 'patient_resp' THEN amount_cents WHEN 'refund' THEN amount_cents"
        " ELSE -amount_cents END), 0) FROM postings WHERE client = ? AND date < ? AND (kind IN ('patient_resp',"
        " 'patient_paid', 'refund') OR (kind = 'writeoff' AND claim_id IS NULL))", (client_id, s)).fetchone()[0]
    # per session, as of the statement day: insurance paid, adjustments (denials held), client's part in the period
    per_session: dict[int, list[int]] = {}
    sql = (f"WITH {remit_ctes(client_id)} SELECT session_id, SUM(paid), SUM(adj - held), SUM(held) FROM rh"
           " WHERE session_id IS NOT NULL GROUP BY session_id")
    for sid, paid, adj, held in conn.execute(sql, {"d": d, "client": client_id}):
        per_session[sid] = [paid, adj, held, 0]
    part_in_period = dict(conn.execute(
        "SELECT session_id, SUM(amount_cents) FROM postings WHERE client = ? AND kind = 'patient_resp' AND session_id IS NOT NULL"
        " AND date >= ? AND date <= ? GROUP BY session_id", (client_id, s, d)).fetchall())
    touched = {sid for (sid,) in conn.execute(
        "SELECT DISTINCT session_id FROM postings WHERE client = ? AND session_id IS NOT NULL AND date >= ? AND date <= ?"
        " AND kind IN ('insurance_paid', 'contractual', 'other_adj', 'patient_resp')", (client_id, s, d))}
    pending = {sid for sid, _ in pending_sessions(ws.conn, day, client_id).get(client_id, [])}
    denied = {sid for (sid,) in conn.execute(
        "SELECT cl.session_id FROM claim_lines cl JOIN claims c ON c.id = cl.claim_id WHERE c.client = ? AND c.status = ?",
        (client_id, DENIED))}
    estimates = session_estimates(ws, client_id, day) if pending else {}
    lines = []
    for r in conn.execute("SELECT id, date, cpt, fee_cents, payer, status FROM sessions WHERE client = ? AND date <= ?"
                          " AND billed_elsewhere IS NULL ORDER BY date, id", (client_id, d)):  # (history: its money stayed there)
        sid, dos, cpt, fee, payer, status = r
        if not (s <= dos or sid in touched):
            continue
        paid, adj, held, _ = per_session.get(sid, [0, 0, 0, 0])
        part = part_in_period.get(sid, 0)
        if status == "void":
            if part == 0:
                continue
            note = "voided"
        elif sid in pending:
            est = estimates.get(sid)
            lines.append(StatementLine(date.fromisoformat(dos), _cpt_label(cpt), fee, 0, 0, None,
                                       None if est is None else to_cents(est.patient), "insurance pending"))
            continue
        elif payer is None:
            note = "self-pay"
        elif (held or sid in denied) and not paid and not part:
            note = "denied by insurance; we are following up"
        else:
            note = ""
        lines.append(StatementLine(date.fromisoformat(dos), _cpt_label(cpt), 0 if status == "void" else fee, paid, adj,
                                   part, None, note))
    for on, cents, note in conn.execute(
            "SELECT date, amount_cents, note FROM postings WHERE client = ? AND kind = 'patient_resp' AND session_id IS NULL"
            " AND date >= ? AND date <= ? ORDER BY date, id", (client_id, s, d)):
        lines.append(StatementLine(date.fromisoformat(on), note or "Other charge", 0, 0, 0, cents))
    lines.sort(key=lambda ln: ln.date)
    payments = []
    for on, kind, reason, cents, note in conn.execute(
            "SELECT date, kind, reason, amount_cents, note FROM postings WHERE client = ? AND date >= ? AND date <= ?"
            " AND (kind IN ('patient_paid', 'refund') OR (kind = 'writeoff' AND claim_id IS NULL)) ORDER BY date, id",
            (client_id, s, d)):
        if kind == "patient_paid":
            payments.append(StatementPayment(date.fromisoformat(on), METHOD_LABEL.get(reason, "Payment") + (" - thank you" if cents > 0 else ""), cents))
        elif kind == "refund":
            payments.append(StatementPayment(date.fromisoformat(on), "Refund to you", -cents))
        else:
            payments.append(StatementPayment(date.fromisoformat(on), "Adjustment" + (f" - {note}" if note else ""), cents))
    aging = client_part_buckets(ws.conn, day, client_id).get(client_id, (Buckets(), 0))[0]
    p = ws.practice
    b = p.billing
    return Statement(
        number=f"{client_id.upper()}-{day:%Y%m%d}", date=day, start=start, practice_name=p.name or b.name,
        practice_lines=tuple(_address_lines(b.address) + ([_phone(b.phone)] if b.phone else [])),
        provider=p.provider.display_name, client_id=client_id, client_name=client.display_name,
        client_lines=tuple(_address_lines(client.address)), previous_balance=previous, lines=tuple(lines),
        payments=tuple(payments), aging=aging, how_to_pay=how_to_pay(ws, client_id),
        pending_estimate=sum(ln.estimate or 0 for ln in lines if ln.your_part is None),
        gfe_note=_gfe_note(ws, client_id, day))


def _gfe_note(ws: Workspace, client_id: str, day: date) -> str:
    from claimkit.gfe.watch import note_for

    return note_for(ws.conn, client_id, day)


@reads_one_moment
def clients_with_balance(ws: Workspace, day: date) -> list[str]:
    from claimkit.reports.balances import balances

    return [r.client for r in balances(ws, day).clients if r.balance > 0]


def issue_statements(ws: Workspace, statements: list[Statement], path: Path, render: Callable[[list[Statement]], bytes]) -> str:
    """Render the PDF under a temp name of ours, record the statements as sent, then put the PDF under its name."""
    from claimkit.store.scratch import PendingOutput

    pending = PendingOutput(ws.home, path)
    try:
        pending.write(render(statements))
        with ws.transaction() as conn:
            for st in statements:
                conn.execute("INSERT INTO statements (client, date, amount_cents, file) VALUES (?,?,?,?)",
                             (st.client_id, st.date.isoformat(), st.amount_due, str(path)))
        pending.publish()
    finally:
        pending.discard()
    return str(path)

