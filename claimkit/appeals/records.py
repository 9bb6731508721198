"""Appeals sent, as recorded in the ledger's `appeals` table (one row per claim of a letter).

Status: `sent` until the payer answers; `won` when a remittance recorded after the appeal pays the claim (worked
out when read, from `remit_claims` rows newer than the appeal, so posting needs no hook); `lost` or `withdrawn`
when the user closes it (`claimkit appeal close`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from claimkit.core.codes import CLP02_REVERSAL
from claimkit.core.errors import ClaimkitError

STATUSES = ("sent", "won", "lost", "withdrawn")
NO_ANSWER_DAYS = 30

# the appeals with their status as of now: won when a later remittance paid the claim
_LIST_SQL = f"""
SELECT a.id, a.claim_id, a.letter, a.sent, a.deadline, a.reasons, a.file, a.closed, c.client, c.payer,
  CASE WHEN a.status != 'sent' THEN a.status
       WHEN w.id IS NOT NULL THEN 'won' ELSE 'sent' END AS status,
  w.date AS answered
FROM appeals a JOIN claims c ON c.id = a.claim_id
LEFT JOIN remit_claims w ON w.id = (SELECT MIN(rc.id) FROM remit_claims rc WHERE rc.claim_id = a.claim_id
                                    AND rc.id > a.last_remit AND rc.paid_cents > 0 AND rc.status_code != '{CLP02_REVERSAL}')
"""


@dataclass(frozen=True)
class Appeal:
    id: int
    claim: str
    letter: int  # appeals sent in one letter share it
    sent: date
    deadline: date | None
    reasons: str
    file: str
    client: str
    payer: str
    status: str
    answered: date | None  # when it was won (the paying remittance's date) or closed

    def as_json(self) -> dict:
        return {"claim": self.claim, "letter": self.letter, "client": self.client, "payer": self.payer,
                "sent": self.sent.isoformat(), "deadline": self.deadline.isoformat() if self.deadline else None,
                "reasons": self.reasons, "status": self.status,
                "answered": self.answered.isoformat() if self.answered else None, "file": self.file}


def _appeal(row) -> Appeal:
    (aid, claim, letter, sent, deadline, reasons, file, closed, client, payer, status, won_on) = tuple(row)
    answered = won_on if status == "won" else closed
    return Appeal(aid, claim, letter, date.fromisoformat(sent), date.fromisoformat(deadline) if deadline else None,
                  reasons, file, client, payer, status, date.fromisoformat(answered[:10]) if answered else None)


def appeals(conn, *, claim: str | None = None, status: str | None = None) -> list[Appeal]:
    sql = _LIST_SQL + (" WHERE a.claim_id = ?" if claim else "") + " ORDER BY a.sent, a.id"
    found = [_appeal(r) for r in conn.execute(sql, (claim,) if claim else ())]
    return [a for a in found if status is None or a.status == status]


def latest_by_claim(conn, claim_ids: list[str]) -> dict[str, Appeal]:
    """Each claim's latest appeal (for the work list)."""
    if not claim_ids:
        return {}
    marks = ",".join("?" * len(claim_ids))
    out: dict[str, Appeal] = {}
    for r in conn.execute(_LIST_SQL + f" WHERE a.claim_id IN ({marks}) ORDER BY a.id", claim_ids):
        a = _appeal(r)
        out[a.claim] = a
    return out


def record(conn, claims: list[tuple[str, date | None, str]], sent: date, file: str, created: str) -> int:
    """Record one letter's appeals inside the caller's transaction: (claim, deadline, reasons) each. Returns the
    letter number."""
    letter = conn.execute("SELECT COALESCE(MAX(letter), 0) + 1 FROM appeals").fetchone()[0]
    last_remit = conn.execute("SELECT COALESCE(MAX(id), 0) FROM remit_claims").fetchone()[0]
    conn.executemany(
        "INSERT INTO appeals (claim_id, letter, sent, deadline, reasons, last_remit, file, created) VALUES (?,?,?,?,?,?,?,?)",
        [(c, letter, sent.isoformat(), d.isoformat() if d else None, r, last_remit, file, created) for c, d, r in claims])
    return letter


def close(ws, claim: str, status: str, day: date) -> Appeal:
    """Mark a claim's open appeal lost or withdrawn (one transaction)."""
    if status not in ("lost", "withdrawn"):
        raise ValueError(status)
    with ws.transaction() as conn:
        found = appeals(conn, claim=claim)
        if not found:
            if conn.execute("SELECT 1 FROM claims WHERE id = ?", (claim,)).fetchone() is None:
                raise ClaimkitError(f"no claim '{claim}'; see 'claimkit appeal list'")
            raise ClaimkitError(f"claim {claim} has no appeal on file; write one with 'claimkit appeal render {claim} -o appeal-{claim}.pdf'")
        last = found[-1]
        if last.status != "sent":
            raise ClaimkitError(f"the appeal of {claim} sent {last.sent} is already {last.status}"
                                + (f" ({last.answered})" if last.answered else ""))
        if day < last.sent:
            raise ClaimkitError(f"--date {day} is before the appeal was sent ({last.sent})")
        conn.execute("UPDATE appeals SET status = ?, closed = ? WHERE id = ?", (status, day.isoformat(), last.id))
        return appeals(conn, claim=claim)[-1]


def unanswered(conn, today: date, days: int = NO_ANSWER_DAYS) -> list[Appeal]:
    """Appeals sent `days` or more days ago that the payer has not answered (still `sent`)."""
    return [a for a in appeals(conn, status="sent") if (today - a.sent).days >= days]


def send(ws, letter, write, *, created: str) -> int:
    """Record the letter's appeals and write its file in one transaction: the file appears only when the appeals
    are recorded, and nothing is recorded when it cannot be written. `write()` returns the file's path."""
    with ws.transaction() as conn:
        ids = [c.claim_id for c in letter.claims]
        for cid, a in latest_by_claim(conn, ids).items():
            if a.status == "sent":
                raise ClaimkitError(f"claim {cid} was appealed on {a.sent} and the payer has not answered; close that"
                                    f" appeal first ('claimkit appeal close {cid} --lost' or --withdrawn) to send another")
        number = record(conn, [(c.claim_id, c.deadline, ",".join(r.code for r in c.reasons)) for c in letter.claims],
                        letter.day, "", created)
        path = write()
        conn.execute("UPDATE appeals SET file = ? WHERE letter = ?", (path, number))
    return number
