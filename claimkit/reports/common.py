"""What every report shares: what insurance still owes (with denials), aging buckets, money formats, and reading
one moment of the ledger (every query of a report in one read transaction on one connection).

All money here is integer cents and the queries do the arithmetic; Python only formats.

Insurance outstanding, per line of a claim that stands on day D:
    line charge - insurance_paid - patient_resp - adjustments (contractual, other_adj) - insurance write-offs
counting the postings on that claim and session dated D or earlier; except that the adjustments of a *denied*
line do not count: it stays outstanding until the user resubmits it (a replacement or void claim supersedes the
original) or writes it off (`claimkit writeoff CLAIM`).

A line is denied when its remittance paid nothing and assigned nothing to the client (paid = 0 and
patient_resp = 0, net of reversals) while adjusting something, on a claim that posting marked denied/partial or
that carries a denial-type adjustment: a reason other than the routine fee-schedule ones (CO-45, CO-253, PI-45)
and the prior-payer one (OA-23, which settles a secondary that pays nothing). Postings without a session (claim
level) belong to the claim's first line and are a denial only when the whole claim paid and assigned nothing.

A secondary claim's line waits for what the primary left the client on its session (the primary's patient_resp),
not for its charge, until the secondary's own remittance posts on the line (net of reversals): that one balances to
the charge (paid + adjustments, the prior payer's part among them, + the client's share). The part the primary
settled is `prior.settled` (PRIOR_SQL), taken from the line's charge by every figure of what insurance owes.

A claim stands on day D when it was created on or before D, is not a void (frequency 8), and no claim created on
or before D names it as its original (a replacement or a void supersedes it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from claimkit.core.codes import CLP02_DENIED, CLP02_REVERSAL, DENIAL_STATUSES, ROUTINE_ADJUSTMENTS, sql_list
from claimkit.core.money import fmt

T = TypeVar("T")
BUCKETS = ("0-30", "31-60", "61-90", "91-120", "over-120")
_ROUTINE = sql_list(ROUTINE_ADJUSTMENTS)
_DENIAL_STATUSES = sql_list(DENIAL_STATUSES)

# claims as they stood on :d: client, payer, billed day, total, whether the claim stands
CLAIMS_SQL = """
sup AS (
  SELECT original_claim AS oc, MIN(substr(created, 1, 10)) AS rd FROM claims
  WHERE original_claim IS NOT NULL GROUP BY original_claim
),
cs AS MATERIALIZED (
  SELECT c.id, c.client, c.payer, substr(c.created, 1, 10) AS billed, c.total_cents, c.status,
    (c.frequency != '8' AND substr(c.created, 1, 10) <= :d AND (sup.oc IS NULL OR sup.rd > :d)) AS stands
  FROM claims c LEFT JOIN sup ON sup.oc = c.id {claims_filter}
)"""

# claims that may hold a denial (see above), as of :d
CANDIDATES_SQL = f"""
cand AS MATERIALIZED (
  {{denial_claims}}
  UNION
  SELECT id FROM cs WHERE status IN ({_DENIAL_STATUSES})
)"""

# remittance sums per (claim, session) up to :d, for every claim (r), and with the claim's client, whether it
# stands and the denied adjustments (rh); `held_ctes` computes the same only for the candidate claims (hc)
REMIT_SQL = """
r AS MATERIALIZED (
  SELECT claim_id, session_id,
    SUM(CASE WHEN kind = 'insurance_paid' THEN amount_cents ELSE 0 END) AS paid,
    SUM(CASE WHEN kind = 'patient_resp' THEN amount_cents ELSE 0 END) AS pr,
    SUM(CASE WHEN kind IN ('contractual', 'other_adj') THEN amount_cents ELSE 0 END) AS adj,
    SUM(CASE WHEN kind = 'writeoff' THEN amount_cents ELSE 0 END) AS wo,
    SUM(source IN ('era', 'eob')) AS nrem
  FROM postings
  WHERE claim_id IS NOT NULL AND date <= :d {postings_filter}
  GROUP BY claim_id, session_id
),
rh AS MATERIALIZED (
  SELECT r.claim_id, r.session_id, r.paid, r.pr, r.adj, r.wo, r.nrem, cs.client, cs.stands,
    CASE WHEN r.adj != 0 AND r.paid = 0 AND r.pr = 0 AND r.claim_id IN (SELECT id FROM cand)
          AND (r.session_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM r r2 WHERE r2.claim_id = r.claim_id
                                                       AND (r2.paid != 0 OR r2.pr != 0)))
         THEN r.adj ELSE 0 END AS held
  FROM r JOIN cs ON cs.id = r.claim_id
)"""

# the denied (held) adjustments per (claim, session) of the candidate claims, with the claim's client and whether
# it stands; without reading every claim (the balances need only these)
HELD_SQL = """
sup AS MATERIALIZED (
  SELECT original_claim AS oc, MIN(substr(created, 1, 10)) AS rd FROM claims
  WHERE original_claim IS NOT NULL GROUP BY original_claim
),
cand AS MATERIALIZED (
  {denial_claims}
  UNION
  SELECT id FROM claims WHERE status IN ({denial_statuses}) {claims_and}
),
hg AS MATERIALIZED (
  SELECT p.claim_id, p.session_id,
    SUM(CASE WHEN p.kind = 'insurance_paid' THEN p.amount_cents ELSE 0 END) AS paid,
    SUM(CASE WHEN p.kind = 'patient_resp' THEN p.amount_cents ELSE 0 END) AS pr,
    SUM(CASE WHEN p.kind IN ('contractual', 'other_adj') THEN p.amount_cents ELSE 0 END) AS adj
  FROM postings p WHERE p.claim_id IN (SELECT id FROM cand) AND p.date <= :d
  GROUP BY p.claim_id, p.session_id
),
hc AS MATERIALIZED (
  SELECT hg.claim_id, hg.session_id, c.client, hg.adj AS held,
    (c.frequency != '8' AND substr(c.created, 1, 10) <= :d AND (sup.oc IS NULL OR sup.rd > :d)) AS stands
  FROM hg JOIN claims c ON c.id = hg.claim_id LEFT JOIN sup ON sup.oc = c.id
  WHERE hg.adj != 0 AND hg.paid = 0 AND hg.pr = 0
    AND (hg.session_id IS NOT NULL OR NOT EXISTS (SELECT 1 FROM hg h2 WHERE h2.claim_id = hg.claim_id
                                                  AND (h2.paid != 0 OR h2.pr != 0)))
)"""

OWED_SQL = """,
owed AS (
  SELECT cs.client, cs.payer, cs.billed, l.claim_id, l.line_no, l.session_id, l.date, l.cpt,
    l.charge_cents - COALESCE(pr.settled, 0)
      - COALESCE(a.paid + a.pr + a.adj - a.held + a.wo, 0) - COALESCE(b.paid + b.pr + b.adj - b.held + b.wo, 0) AS owed,
    COALESCE(a.held, 0) + COALESCE(b.held, 0) AS held
  FROM claim_lines l JOIN cs ON cs.id = l.claim_id AND cs.stands
  LEFT JOIN rh a ON a.claim_id = l.claim_id AND a.session_id = l.session_id
  LEFT JOIN rh b ON b.claim_id = l.claim_id AND b.session_id IS NULL AND l.line_no = 1
  LEFT JOIN prior pr ON pr.claim_id = l.claim_id AND pr.line_no = l.line_no
)"""


# per line of a secondary (or later) claim standing on :d whose own remittance has posted nothing by :d (net): the part
# of its charge the prior payer settled, i.e. the charge less the client share the primary claims assigned
PRIOR_SQL = """
prior AS MATERIALIZED (
  SELECT l.claim_id, l.line_no, l.session_id, c.client,
    l.charge_cents - COALESCE((SELECT SUM(p.amount_cents) FROM postings p
      WHERE p.session_id = l.session_id AND p.kind = 'patient_resp' AND p.source IN ('era', 'eob') AND p.date <= :d
        AND EXISTS (SELECT 1 FROM claims pc WHERE pc.id = p.claim_id AND pc.rank = 'primary')), 0) AS settled
  FROM claims c JOIN claim_lines l ON l.claim_id = c.id
  WHERE c.rank != 'primary' AND c.frequency != '8' AND substr(c.created, 1, 10) <= :d {claims_and}
    AND NOT EXISTS (SELECT 1 FROM claims n WHERE n.original_claim = c.id AND substr(n.created, 1, 10) <= :d)
    AND COALESCE((SELECT SUM(p.amount_cents) FROM postings p WHERE p.claim_id = l.claim_id
                  AND p.session_id IS l.session_id AND p.source IN ('era', 'eob') AND p.date <= :d), 0) = 0
)"""


def prior_cte(client: str | None = None) -> str:
    """prior: per line of a secondary claim still waiting for its remittance, the part the primary settled."""
    return PRIOR_SQL.format(claims_and="AND c.client = :client" if client else "")


REPORT_INDEX = "postings_report"


def scan_hint(conn) -> str:
    """How a whole-ledger pass reads postings: through a covering index on (client, kind, claim_id, date,
    amount_cents) named postings_report when the schema has one (no sort, no table reads), else a plain scan
    (the narrower indexes cost a table lookup per row)."""
    found = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (REPORT_INDEX,)).fetchone()
    return f"INDEXED BY {REPORT_INDEX}" if found else "NOT INDEXED"


# the latest remittance claim record (remittance/post.py's remit_claims) of each claim up to :d. A denial posts nothing
# when the payer denies the whole claim (CLP02 4): this record is what says so, with its reasons ("CO-50,...")
LAST_REMIT_SQL = """
lr AS MATERIALIZED (
  SELECT rc.claim_id, rc.status_code, rc.paid_cents, rc.patient_cents, rc.reasons FROM remit_claims rc
  WHERE rc.claim_id IS NOT NULL AND COALESCE(rc.date, '') <= :d
    AND rc.id = (SELECT MAX(r2.id) FROM remit_claims r2 WHERE r2.claim_id = rc.claim_id AND COALESCE(r2.date, '') <= :d)
)"""
REMIT_DENIED = (f"(lr.status_code = '{CLP02_DENIED}' OR (lr.paid_cents = 0 AND lr.patient_cents = 0"
                f" AND lr.status_code != '{CLP02_REVERSAL}'))")


def _filters(client: str | None) -> dict[str, str]:
    return {"postings_filter": "AND client = :client" if client else "",
            "claims_filter": "WHERE c.client = :client" if client else "",
            "claims_and": "AND client = :client" if client else "",
            "scan": "" if client else "NOT INDEXED"}


def claims_ctes(client: str | None = None) -> str:
    """sup, cs (parameters :d and, with a client, :client)."""
    return CLAIMS_SQL.format(**_filters(client))


DENIAL_CLAIMS_SQL = f"""SELECT claim_id AS id FROM postings {{scan}}
  WHERE kind IN ('contractual', 'other_adj') AND claim_id IS NOT NULL AND reason NOT IN ({_ROUTINE})
    AND date <= :d {{postings_filter}}"""

def held_ctes(client: str | None = None, *, day: date | None = None) -> str:
    """sup, cand, hg, hc: the denied (held) adjustments per (claim, session) of the candidate claims.

    The candidates are the claims posting marked denied or partial (remittance/ marks every claim with a line that
    paid nothing and assigned nothing to the client), and the claims with a denial-type adjustment on file by :d,
    found by a pass over postings. For today (`day` on or after today) the claims' statuses are enough; a day in
    the past needs the pass (a claim denied then may be paid now)."""
    f = _filters(client)
    if day is not None and day >= date.today():
        denial_claims = "SELECT NULL AS id WHERE 0"
    else:
        denial_claims = DENIAL_CLAIMS_SQL.format(**f)
    return HELD_SQL.format(**f, denial_claims=denial_claims, denial_statuses=_DENIAL_STATUSES)


def remit_ctes(client: str | None = None) -> str:
    """sup, cs, cand, r, rh: remittance sums per (claim, session) with the denied adjustments."""
    f = _filters(client)
    return ",".join((CLAIMS_SQL.format(**f), CANDIDATES_SQL.format(**f, denial_claims=DENIAL_CLAIMS_SQL.format(**f)),
                     REMIT_SQL.format(**f)))


def denied_owed_ctes(day: date) -> str:
    """sup, cs, cand, lr, dc, r, rh, prior, owed: what `owed_ctes` computes, for the claims that may hold a denial only (dc:
    the candidates, and the claims whose latest remittance denied them), so that the postings of every other claim
    are not summed. For today the claims' statuses name the candidates (as in `held_ctes`)."""
    f = _filters(None)
    denial_claims = "SELECT NULL AS id WHERE 0" if day >= date.today() else DENIAL_CLAIMS_SQL.format(**f)
    return ",".join((CLAIMS_SQL.format(**f), CANDIDATES_SQL.format(**f, denial_claims=denial_claims), LAST_REMIT_SQL,
                     f"dc AS MATERIALIZED (SELECT id FROM cand UNION SELECT claim_id FROM lr WHERE {REMIT_DENIED})",
                     REMIT_SQL.format(**{**f, "postings_filter": "AND claim_id IN (SELECT id FROM dc)"}), prior_cte(None))) + OWED_SQL


def owed_ctes(client: str | None = None) -> str:
    """remit_ctes, prior and owed: per line of a standing claim, what insurance still owes and what is held."""
    return remit_ctes(client) + "," + prior_cte(client) + OWED_SQL


def bucket_sql(age_expr: str) -> str:
    """SQL CASE naming the bucket index (0..4) of an age in days; a negative age (future date) is current."""
    return (f"CASE WHEN {age_expr} <= 30 THEN 0 WHEN {age_expr} <= 60 THEN 1 WHEN {age_expr} <= 90 THEN 2"
            f" WHEN {age_expr} <= 120 THEN 3 ELSE 4 END")


@contextmanager
def one_moment(conn) -> Iterator[Any]:
    """All the queries of a report inside one read transaction on one connection: the ledger as it stood at the
    first read, whatever is written beside it (a WAL reader keeps its snapshot until the transaction ends). Inside
    a transaction already open (a write-off reading the balance it checks), that transaction is the moment."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


def reads_one_moment(report: Callable[..., T]) -> Callable[..., T]:
    """A report function (workspace first) that reads one moment of the ledger: see `one_moment`."""

    @functools.wraps(report)
    def read(ws, *args, **kwargs) -> T:
        with one_moment(ws.conn):
            return report(ws, *args, **kwargs)

    return read


def money(cents: int | None) -> str:
    """'123.45' from integer cents (the JSON and CSV form)."""
    return fmt(cents or 0, cents=True)


def usd(cents: int | None) -> str:
    """'$1,234.50' from integer cents (the human form)."""
    c = cents or 0
    sign = "-" if c < 0 else ""
    c = abs(c)
    return f"{sign}${c // 100:,}.{c % 100:02d}"


@dataclass(frozen=True)
class Buckets:
    """Amounts in cents by age: 0-30, 31-60, 61-90, 91-120, over 120 days."""

    amounts: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)

    @property
    def total(self) -> int:
        return sum(self.amounts)

    def add(self, other: "Buckets") -> "Buckets":
        return Buckets(tuple(a + b for a, b in zip(self.amounts, other.amounts)))  # type: ignore[arg-type]

    def put(self, index: int, cents: int) -> "Buckets":
        amounts = list(self.amounts)
        amounts[index] += cents
        return Buckets(tuple(amounts))  # type: ignore[arg-type]

    def as_json(self) -> dict:
        return {**{name: money(a) for name, a in zip(BUCKETS, self.amounts)}, "total": money(self.total)}


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
