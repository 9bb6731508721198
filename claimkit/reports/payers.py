"""`report payers`: a scorecard per payer, from claims and the remittance postings on them.

- claims: claims sent to the payer (voids, frequency 8, are not claims of their own); billed: their charges;
- paid: insurance_paid posted on them (net of reversals);
- avg_days_to_pay: days from the claim's date to its first payment, averaged over the claims paid;
- denial_rate: denied claims / claims with a remittance; a claim is denied when its latest remittance record
  (remittance/post.py's remit_claims) says so (CLP02 4, or nothing paid and nothing assigned to the client), or, with no
  record, when its postings paid nothing and assigned nothing to the client but adjusted something;
- per CPT: the allowed amount the payer actually used (paid + patient_resp of each paid line) against the
  contracted rate in payers.toml (per unit); a line allowed below the contract is an underpayment;
- monthly collections: insurance payments by month (and what clients paid) for the last 12 months;
- clean_claim_rate: claims never rejected / claims acknowledged (999, TA1, 277CA); rejections: rejection events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from claimkit.core.codes import REJECTED
from claimkit.core.money import to_cents
from claimkit.reports.common import LAST_REMIT_SQL, REMIT_DENIED, money, reads_one_moment
from claimkit.store.workspace import Workspace

PAID_BEFORE_BILLED = "paid before the claim was created in claimkit"  # (an old file, a claim entered after it was paid)

CLAIMS_SQL = f"""
WITH cl AS (SELECT id, payer, substr(created, 1, 10) AS billed, total_cents FROM claims WHERE frequency != '8'),
r AS (
  SELECT claim_id,
    SUM(CASE WHEN kind = 'insurance_paid' THEN amount_cents ELSE 0 END) AS paid,
    SUM(CASE WHEN kind = 'patient_resp' THEN amount_cents ELSE 0 END) AS pr,
    SUM(CASE WHEN kind IN ('contractual', 'other_adj') THEN amount_cents ELSE 0 END) AS adj,
    MIN(CASE WHEN kind = 'insurance_paid' AND amount_cents > 0 THEN date END) AS first_paid
  FROM postings WHERE claim_id IS NOT NULL AND source IN ('era', 'eob') AND date <= :d GROUP BY claim_id
),
{LAST_REMIT_SQL}
SELECT cl.payer, COUNT(*), SUM(cl.total_cents), COALESCE(SUM(r.paid), 0),
  AVG(CASE WHEN r.paid > 0 AND r.first_paid >= cl.billed THEN julianday(r.first_paid) - julianday(cl.billed) END),
  COUNT(CASE WHEN r.paid > 0 THEN 1 END),
  COUNT(CASE WHEN r.claim_id IS NOT NULL OR lr.claim_id IS NOT NULL THEN 1 END),
  COUNT(CASE WHEN (lr.claim_id IS NOT NULL AND {REMIT_DENIED})
              OR (lr.claim_id IS NULL AND r.paid = 0 AND r.pr = 0 AND r.adj != 0) THEN 1 END),
  COUNT(CASE WHEN r.paid > 0 AND r.first_paid < cl.billed THEN 1 END)
FROM cl LEFT JOIN r ON r.claim_id = cl.id LEFT JOIN lr ON lr.claim_id = cl.id
WHERE cl.billed <= :d
GROUP BY cl.payer ORDER BY cl.payer
"""

# clean-claim rate: of the claims the clearinghouse or payer acknowledged (999, TA1, 277CA), those never rejected;
# rejections: every rejection event (a claim rejected, fixed and rejected again counts twice)
ACKS_SQL = f"""
SELECT c.payer, COUNT(*), COUNT(CASE WHEN e.rejections = 0 THEN 1 END), SUM(e.rejections)
FROM claims c JOIN (
  SELECT claim_id, SUM(CASE WHEN status = '{REJECTED}' THEN 1 ELSE 0 END) AS rejections FROM claim_events
  WHERE kind IN ('999', 'ta1', '277ca') AND substr(at, 1, 10) <= :d GROUP BY claim_id
) e ON e.claim_id = c.id
WHERE c.frequency != '8' AND substr(c.created, 1, 10) <= :d
GROUP BY c.payer
"""

LINES_SQL = """
WITH r AS (
  SELECT claim_id, session_id,
    SUM(CASE WHEN kind = 'insurance_paid' THEN amount_cents ELSE 0 END) AS paid,
    SUM(CASE WHEN kind = 'patient_resp' THEN amount_cents ELSE 0 END) AS pr
  FROM postings WHERE claim_id IS NOT NULL AND session_id IS NOT NULL AND source IN ('era', 'eob') AND date <= :d
  GROUP BY claim_id, session_id
)
SELECT c.payer, l.cpt, l.modifiers, l.units, r.paid + r.pr AS allowed, COUNT(*)
FROM r JOIN claims c ON c.id = r.claim_id JOIN claim_lines l ON l.claim_id = r.claim_id AND l.session_id = r.session_id
WHERE r.paid + r.pr > 0
GROUP BY c.payer, l.cpt, l.modifiers, l.units, allowed
"""

MONTHS_SQL = """
SELECT substr(date, 1, 7) AS month,
  SUM(CASE WHEN kind = 'insurance_paid' THEN amount_cents ELSE 0 END),
  SUM(CASE WHEN kind = 'patient_paid' THEN amount_cents WHEN kind = 'refund' THEN -amount_cents ELSE 0 END)
FROM postings WHERE kind IN ('insurance_paid', 'patient_paid', 'refund') AND date >= :start AND date <= :d
GROUP BY month ORDER BY month
"""


@dataclass
class CptRow:
    cpt: str
    lines: int = 0
    allowed_total: int = 0
    min_allowed: int | None = None
    contracted: int | None = None  # per unit, from payers.toml
    underpaid_lines: int = 0
    underpaid: int = 0  # cents short of the contract, summed

    @property
    def avg_allowed(self) -> int:
        return round(self.allowed_total / self.lines) if self.lines else 0

    def as_json(self) -> dict:
        return {"cpt": self.cpt, "lines": self.lines, "avg_allowed": money(self.avg_allowed),
                "min_allowed": money(self.min_allowed) if self.min_allowed is not None else None,
                "contracted": money(self.contracted) if self.contracted is not None else None,
                "underpaid_lines": self.underpaid_lines, "underpaid": money(self.underpaid),
                "flag": "underpaid" if self.underpaid_lines else ""}


@dataclass
class PayerRow:
    payer: str
    name: str
    claims: int = 0
    billed: int = 0
    paid: int = 0
    avg_days_to_pay: float | None = None
    claims_paid: int = 0
    claims_adjudicated: int = 0
    claims_denied: int = 0
    paid_before_billed: int = 0  # left out of the days to pay: paid on a day before the claim was created
    cpts: list[CptRow] = field(default_factory=list)
    claims_acknowledged: int = 0  # claims with a 999/TA1/277CA answer
    claims_clean: int = 0  # of those, never rejected
    rejections: int = 0

    @property
    def clean_claim_rate(self) -> float | None:
        return self.claims_clean / self.claims_acknowledged if self.claims_acknowledged else None

    @property
    def denial_rate(self) -> float | None:
        return self.claims_denied / self.claims_adjudicated if self.claims_adjudicated else None

    def as_json(self) -> dict:
        return {"payer": self.payer, "name": self.name, "claims": self.claims, "billed": money(self.billed),
                "paid": money(self.paid),
                "avg_days_to_pay": None if self.avg_days_to_pay is None else round(self.avg_days_to_pay, 1),
                "claims_paid": self.claims_paid, "claims_adjudicated": self.claims_adjudicated,
                "claims_denied": self.claims_denied,
                "days_to_pay_left_out": {"claims": self.paid_before_billed, "why": PAID_BEFORE_BILLED},
                "denial_rate": None if self.denial_rate is None else round(self.denial_rate, 4),
                "claims_acknowledged": self.claims_acknowledged, "claims_clean": self.claims_clean,
                "clean_claim_rate": None if self.clean_claim_rate is None else round(self.clean_claim_rate, 4),
                "rejections": self.rejections,
                "cpt": [c.as_json() for c in self.cpts]}


@dataclass
class PayerReport:
    as_of: date
    payers: list[PayerRow]
    months: list[tuple[str, int, int]]  # (YYYY-MM, insurance, clients)

    def as_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "payers": [p.as_json() for p in self.payers],
                "charts": {
                    "days_to_pay": [{"payer": p.payer, "days": None if p.avg_days_to_pay is None else round(p.avg_days_to_pay, 1)}
                                    for p in self.payers],
                    "monthly_collections": [{"month": m, "insurance": money(i), "clients": money(c), "total": money(i + c)}
                                            for m, i, c in self.months]}}


def _month_start(day: date, back: int) -> date:
    y, m = day.year, day.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


@reads_one_moment
def payers_report(ws: Workspace, *, today: date | None = None, months: int = 12) -> PayerReport:
    day = today or date.today()
    args = {"d": day.isoformat()}
    known = ws.payers
    rows: dict[str, PayerRow] = {}
    for payer, n, billed, paid, days, n_paid, n_adj, n_denied, early in ws.conn.execute(CLAIMS_SQL, args):
        name = known[payer].name if payer in known else payer
        rows[payer] = PayerRow(payer, name, n, billed or 0, paid or 0, days, n_paid, n_adj, n_denied, early)
    for payer, acked, clean, rejections in ws.conn.execute(ACKS_SQL, args):
        if payer in rows:
            row = rows[payer]
            row.claims_acknowledged, row.claims_clean, row.rejections = acked, clean, rejections or 0
    cpts: dict[tuple[str, str], CptRow] = {}
    for payer, cpt, modifiers, units, allowed, n in ws.conn.execute(LINES_SQL, args):
        row = cpts.setdefault((payer, cpt), CptRow(cpt))
        rate = known[payer].rate(cpt, [m for m in modifiers.split(",") if m]) if payer in known else None
        contracted = None if rate is None else to_cents(rate) * units
        if rate is not None:
            row.contracted = to_cents(rate)
        row.lines += n
        row.allowed_total += allowed * n
        row.min_allowed = allowed if row.min_allowed is None else min(row.min_allowed, allowed)
        if contracted is not None and allowed < contracted:
            row.underpaid_lines += n
            row.underpaid += (contracted - allowed) * n
    for (payer, _), c in sorted(cpts.items()):
        if payer in rows:
            rows[payer].cpts.append(c)
    start = _month_start(day, months - 1)
    found = {m: (i, c) for m, i, c in ws.conn.execute(MONTHS_SQL, {**args, "start": start.isoformat()})}
    series = []
    for k in range(months - 1, -1, -1):
        m = _month_start(day, k).strftime("%Y-%m")
        i, c = found.get(m, (0, 0))
        series.append((m, i, c))
    return PayerReport(day, [rows[k] for k in sorted(rows)], series)
