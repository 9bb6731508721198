"""The money invariant of a remittance, checked before a posting is written, after every import and in
`claimkit doctor`:

- per remittance claim: the insurance paid posted is what the payer paid (CLP04), and its charge = paid +
  adjustments + the client's share (a denial posts no write-off, so only its payment is checked);
- per payment: the claims' payments (posted, or held in the suspense list) less the provider-level adjustments
  (PLB) are the payment (BPR02).

A posting that would break it is refused naming the segment: nothing is written.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from claimkit.core.codes import CLP02_DENIED, CLP02_REVERSAL, sql_list
from claimkit.core.money import ZERO, from_cents


@dataclass(frozen=True, slots=True)
class Broken:
    """One place the invariant does not hold, with the words to say so."""

    where: str  # "segment 14 (CLP)", "claim CK00001 (payer claim P1) of payment T1"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def planned(post) -> Broken | None:
    """What a ClaimPosting is about to write, against what the remittance said (post.paid = CLP04, post.charge =
    CLP03 or the EOB line's charge)."""
    paid = sum((ln.paid for ln in post.lines), ZERO)
    adjusted = sum((a for ln in post.lines for _, _, a in ln.adjustments), ZERO)
    where = post.where or f"claim {post.claim_id}"
    if post.lines and paid != post.paid:
        return Broken(where, f"claim {post.claim_id or post.account} would post insurance paid {paid:.2f} where the payer"
                             f" paid {post.paid:.2f}; nothing was posted")
    if post.lines and post.status_code != CLP02_REVERSAL and post.charge != paid + adjusted:
        return Broken(where, f"claim {post.claim_id or post.account}: charge {post.charge:.2f} is not paid {paid:.2f} +"
                             f" adjustments and client share {adjusted:.2f}; nothing was posted")
    return None


# per (import, claim, payer claim number) of the ERA remittances: what the payer said and what the ledger holds
_CLAIMS_SQL = """
WITH said AS (
  SELECT r.import_id, rc.claim_id, rc.payer_claim_number AS pcn, SUM(rc.paid_cents) AS paid,
    SUM(CASE WHEN rc.status_code IN ({not_balanced}) THEN NULL ELSE rc.charge_cents END) AS charge,
    MIN(r.trace) AS trace
  FROM remit_claims rc JOIN remittances r ON r.id = rc.remittance_id AND r.source = 'era'
  WHERE rc.claim_id IS NOT NULL {only}
  GROUP BY r.import_id, rc.claim_id, rc.payer_claim_number
)
SELECT said.*,
  (SELECT COALESCE(SUM(CASE WHEN p.kind = 'insurance_paid' THEN p.amount_cents END), 0) FROM postings p
   WHERE p.claim_id = said.claim_id AND p.import_id IS said.import_id AND p.source = 'era' AND p.source_ref = said.pcn) AS got_paid,
  (SELECT COALESCE(SUM(CASE WHEN p.kind IN ('insurance_paid', 'patient_resp', 'contractual', 'other_adj') THEN p.amount_cents END), 0)
   FROM postings p WHERE p.claim_id = said.claim_id AND p.import_id IS said.import_id AND p.source = 'era'
     AND p.source_ref = said.pcn AND p.note NOT LIKE 'reversal%' AND p.note NOT LIKE 'PR-% reversal%') AS got_total
FROM said
"""

# per ERA payment: BPR02 against its claims (posted or in the suspense list) less its PLB
_PAYMENTS_SQL = """
SELECT r.id, r.trace, r.payer_name, r.amount_cents,
  (SELECT COALESCE(SUM(rc.paid_cents), 0) FROM remit_claims rc WHERE rc.remittance_id = r.id) AS posted,
  (SELECT COALESCE(SUM(s.paid_cents), 0) FROM suspense s WHERE s.remittance_id = r.id AND s.status != 'matched') AS held,
  (SELECT COALESCE(SUM(p.amount_cents), 0) FROM postings p WHERE p.kind = 'provider_adj' AND p.source = 'era'
     AND p.source_ref = r.trace AND p.import_id IS r.import_id) AS plb
FROM remittances r WHERE r.source = 'era' {only}
"""


def in_ledger(conn: sqlite3.Connection, import_id: int | None = None) -> list[Broken]:
    """Where the ledger's ERA postings break the invariant (of one import, or of every import)."""
    out = []
    only = "AND r.import_id = :i" if import_id is not None else ""
    for row in conn.execute(_CLAIMS_SQL.format(only=only, not_balanced=sql_list((CLP02_DENIED, CLP02_REVERSAL))), {"i": import_id}):
        imp, claim, pcn, paid, charge, trace, got_paid, got_total = tuple(row)
        where = f"claim {claim}" + (f" (payer claim {pcn})" if pcn else "") + f" of payment {trace}"
        if got_paid != paid:
            out.append(Broken(where, f"insurance paid {from_cents(got_paid):.2f} is posted where the payer paid"
                                     f" {from_cents(paid):.2f}"))
        elif charge is not None and got_total != charge:
            out.append(Broken(where, f"paid + adjustments + client share posted are {from_cents(got_total):.2f}, the"
                                     f" charge is {from_cents(charge):.2f}"))
    for row in conn.execute(_PAYMENTS_SQL.format(only=only), {"i": import_id}):
        _, trace, payer, amount, posted, held, plb = tuple(row)
        total = posted + held - plb
        if abs(total) != abs(amount):  # (a debit, BPR03 D, is stored as its amount and balances negated)
            out.append(Broken(f"payment {trace} from {payer or 'the payer'}",
                              f"claims paid {from_cents(posted + held):.2f} - provider adjustments {from_cents(plb):.2f} ="
                              f" {from_cents(total):.2f}, but the payment is {from_cents(amount):.2f}"))
    return out
