"""Money entered by hand on a client's account: payments from the client and write-offs (of the client's balance,
or of what insurance still owes on a claim), as ledger postings.

The reports only read these postings; each change here is one transaction, and a write-off reads the balance it
checks inside the transaction that writes it (the write lock held), so two at once never take a balance below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from claimkit.core.errors import ClaimkitError, NotFound
from claimkit.core.money import to_cents
from claimkit.sessions.sessions import METHODS, _post
from claimkit.store.ledger import now_iso
from claimkit.store.workspace import Workspace


# --- payments from the client ---------------------------------------------------------------------------

def add_payment(ws: Workspace, client_id: str, amount: Decimal, day: date, method: str, note: str = "") -> int:
    """A payment from the client, not tied to a session (one made at a session is recorded with it)."""
    ws.client(client_id)
    if amount <= 0:
        raise ClaimkitError("AMOUNT must be more than 0.00; record a refund with a note instead")
    if method not in METHODS:
        raise ClaimkitError(f"--method '{method}': use one of {', '.join(METHODS)}")
    with ws.transaction() as conn:
        _post(conn, day, client_id, None, None, "patient_paid", method, amount, "payment", note=note)
        return conn.execute("SELECT last_insert_rowid()").fetchone()[0]


# --- write-offs -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WriteOff:
    target: str
    part: str  # patient | insurance
    client: str
    amount: int
    lines: tuple[tuple[int | None, int], ...]  # (session, cents)
    remaining: int  # what is left to write off after this one

    def as_json(self) -> dict:
        from claimkit.reports.common import money

        return {"target": self.target, "part": self.part, "client": self.client, "amount": money(self.amount),
                "lines": [{"session": s, "amount": money(c)} for s, c in self.lines], "remaining": money(self.remaining)}


def writeoff(ws: Workspace, target: str, amount: Decimal, reason: str, day: date | None = None) -> WriteOff:
    """Write off part of a client's balance (CLIENT) or of what insurance owes on a claim (CLAIM), as postings."""
    from claimkit.reports.balances import balances
    from claimkit.reports.common import usd

    day = day or date.today()
    reason = reason.strip()
    if not reason:
        raise ClaimkitError("--reason: say why (e.g. 'small balance' or 'denied CO-29, not worth appealing')")
    cents = to_cents(amount)
    if cents <= 0:
        raise ClaimkitError("AMOUNT must be more than 0.00")
    claim = ws.conn.execute("SELECT id, client, payer FROM claims WHERE id = ?", (target.strip().upper(),)).fetchone()
    if claim is not None:
        return _writeoff_claim(ws, claim, cents, reason, day)
    try:
        ws.client(target)
    except NotFound:
        raise NotFound(f"no client or claim '{target}': see 'claimkit client list' or 'claimkit claim list'") from None
    with ws.transaction() as conn:  # the balance is read under the write lock: a write-off beside it cannot slip in
        row = next(iter(balances(ws, day, target).clients), None)
        owed = row.balance if row else 0
        if cents > owed:
            raise ClaimkitError(f"{target} owes {usd(owed)} on {day}; write off at most that"
                                + (" (a credit is refunded, not written off)" if owed < 0 else ""))
        conn.execute("INSERT INTO postings (date, client, kind, reason, amount_cents, source, note, created)"
                     " VALUES (?,?,'writeoff','patient',?,'manual',?,?)", (day.isoformat(), target, cents, reason, now_iso()))
    return WriteOff(target, "patient", target, cents, ((None, cents),), owed - cents)


def _writeoff_claim(ws: Workspace, claim, cents: int, reason: str, day: date) -> WriteOff:
    """What insurance still owes on the claim's lines (reports.common `owed`), written off line by line."""
    from claimkit.reports.common import owed_ctes, usd

    claim_id, client, payer = claim
    sql = (f"WITH {owed_ctes(client)} SELECT line_no, session_id, owed FROM owed"
           " WHERE claim_id = :claim ORDER BY line_no")
    with ws.transaction() as conn:  # what is outstanding is read under the write lock, with the write
        owed = conn.execute(sql, {"d": day.isoformat(), "client": client, "claim": claim_id}).fetchall()
        if not owed:
            raise ClaimkitError(f"claim {claim_id} does not stand (replaced, voided, or a void itself): write off on the claim"
                                " that replaced it")
        total = sum(max(0, o) for _, _, o in owed)
        if cents > total:
            raise ClaimkitError(f"claim {claim_id} has {usd(total)} outstanding from insurance on {day}; write off at most that")
        left = cents
        parts = []
        for _, sid, o in owed:
            take = min(left, max(0, o))
            if take:
                parts.append((sid, take))
                left -= take
        now = now_iso()
        for sid, take in parts:
            conn.execute("INSERT INTO postings (date, client, session_id, claim_id, payer, kind, reason, amount_cents, source,"
                         " note, created) VALUES (?,?,?,?,?,'writeoff','insurance',?,'manual',?,?)",
                         (day.isoformat(), client, sid, claim_id, payer, take, reason, now))
    return WriteOff(claim_id, "insurance", client, cents, tuple(parts), total - cents)
