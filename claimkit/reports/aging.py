"""`report aging`: client balances and insurance outstanding by age, 0-30 / 31-60 / 61-90 / 91-120 / over 120 days.

The client's part is aged per date of service: each session's part (patient_resp less the payments made on that
session) is a debt; payments not tied to a session, write-offs of the client's part and overpaid sessions are a
credit applied to the oldest debts first. A credit left over shows as a negative amount in 0-30.

`--by service` ages by the date of service (insurance by the line's date of service too).
`--by statement` ages the client's part from the first statement sent on or after the day the amount became the
client's (`not_stated` holds amounts no statement has shown yet) and insurance from the day the claim was billed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from claimkit.core.codes import SETTLED, sql_list
from claimkit.reports.common import BUCKETS, Buckets, bucket_sql, held_ctes, money, prior_cte, reads_one_moment
from claimkit.store.workspace import Workspace

BY = ("service", "statement")

# Credits pay the oldest debts first, so what is still open is the newest debts up to the balance: each debt's
# open part is what the balance leaves after the newer debts (a reverse running sum over the debts only).
CLIENT_PART_SQL = """
WITH grp AS MATERIALIZED (
  SELECT client, COALESCE(session_id, -id) AS k, {due} AS due,
    SUM(CASE kind WHEN 'patient_resp' THEN amount_cents WHEN 'refund' THEN amount_cents ELSE -amount_cents END) AS net
  FROM postings {scan}
  WHERE client IS NOT NULL AND date <= :d {client_filter}
    AND (kind IN ('patient_resp', 'patient_paid', 'refund') OR (kind = 'writeoff' AND claim_id IS NULL))
  GROUP BY client, k
),
bal AS MATERIALIZED (SELECT client, SUM(net) AS b FROM grp GROUP BY client),
debts AS (
  SELECT g.client, g.k, g.net, g.due, COALESCE(s.date, p.date) AS dos
  FROM grp g LEFT JOIN sessions s ON g.k > 0 AND s.id = g.k LEFT JOIN postings p ON g.k < 0 AND p.id = -g.k
  WHERE g.net > 0 AND g.client IN (SELECT client FROM bal WHERE b > 0)
),
w AS (
  SELECT client, net, due, dos,
    SUM(net) OVER (PARTITION BY client ORDER BY dos DESC, k DESC ROWS UNBOUNDED PRECEDING) - net AS newer
  FROM debts
),
opened AS (
  SELECT w.client, w.dos, w.due, MAX(0, MIN(w.net, (SELECT b FROM bal WHERE bal.client = w.client) - w.newer)) AS amt
  FROM w
),
aged AS (
  SELECT client, amt, {age_date} AS on_day FROM opened WHERE amt > 0
  UNION ALL
  SELECT client, b, :d FROM bal WHERE b < 0
)
SELECT json_group_array(json_array(client, b, cents)) FROM (
  SELECT client, {bucket} AS b, SUM(amt) AS cents FROM (
    SELECT client, amt, CASE WHEN on_day IS NULL THEN NULL
                        ELSE CAST(julianday(:d) - julianday(on_day) AS INTEGER) END AS age FROM aged)
  GROUP BY client, b)
"""

STATEMENT_DATE = ("(SELECT MIN(st.date) FROM statements st WHERE st.client = opened.client AND st.date >= opened.due"
                  " AND st.date <= :d)")

# insurance: the standing claims that may still owe something, then what each of their lines owes (exact); the
# denied adjustments do not count (reports.common). For a day in the past every claim's postings are summed to
# find them; for today the claims posting marked paid or forwarded are settled (a remittance balances each line:
# charge = paid + adjustments + patient responsibility) unless they carry a denial.
INSURANCE_SQL = """WITH {held}, {prior},
stand AS MATERIALIZED (
  SELECT c.id, c.client, c.status, substr(c.created, 1, 10) AS billed, c.total_cents FROM claims c
  LEFT JOIN sup ON sup.oc = c.id
  WHERE c.frequency != '8' AND substr(c.created, 1, 10) <= :d AND (sup.oc IS NULL OR sup.rd > :d) {claims_and}
),
{open_claims},
line_posted AS MATERIALIZED (
  SELECT p.claim_id, p.session_id, SUM(p.amount_cents) AS posted FROM postings p
  WHERE p.claim_id IN (SELECT id FROM open_claims) AND p.date <= :d GROUP BY p.claim_id, p.session_id
),
owed AS (
  SELECT o.client, o.billed, l.date,
    l.charge_cents - COALESCE(a.posted, 0) + COALESCE(ha.held, 0) - COALESCE(pr.settled, 0)
      - CASE WHEN l.line_no = 1 THEN COALESCE(b.posted, 0) - COALESCE(hb.held, 0) ELSE 0 END AS owed
  FROM open_claims o JOIN claim_lines l ON l.claim_id = o.id
  LEFT JOIN prior pr ON pr.claim_id = l.claim_id AND pr.line_no = l.line_no
  LEFT JOIN line_posted a ON a.claim_id = l.claim_id AND a.session_id = l.session_id
  LEFT JOIN line_posted b ON b.claim_id = l.claim_id AND b.session_id IS NULL
  LEFT JOIN hc ha ON ha.claim_id = l.claim_id AND ha.session_id = l.session_id
  LEFT JOIN hc hb ON hb.claim_id = l.claim_id AND hb.session_id IS NULL
)
SELECT client, {bucket} AS b, SUM(owed) FROM owed WHERE owed != 0 GROUP BY client, b
"""

OPEN_CLAIMS_EXACT = """sums AS MATERIALIZED (
  SELECT claim_id, SUM(amount_cents) AS posted FROM postings
  WHERE claim_id IS NOT NULL AND date <= :d {postings_filter} GROUP BY claim_id
),
open_claims AS MATERIALIZED (
  SELECT st.id, st.client, st.billed FROM stand st LEFT JOIN sums ON sums.claim_id = st.id
  WHERE st.total_cents - COALESCE(sums.posted, 0) + COALESCE((SELECT SUM(held) FROM hc WHERE hc.claim_id = st.id), 0)
    - COALESCE((SELECT SUM(settled) FROM prior WHERE prior.claim_id = st.id), 0) != 0
)"""

OPEN_CLAIMS_TODAY = """open_claims AS MATERIALIZED (
  SELECT id, client, billed FROM stand WHERE status NOT IN ({settled}) OR id IN (SELECT id FROM cand)
)"""


@dataclass
class AgingRow:
    client: str
    patient: Buckets = field(default_factory=Buckets)
    patient_not_stated: int = 0
    insurance: Buckets = field(default_factory=Buckets)

    def as_json(self, by: str) -> dict:
        patient = self.patient.as_json()
        if by == "statement":
            patient["not_stated"] = money(self.patient_not_stated)
            patient["total"] = money(self.patient.total + self.patient_not_stated)
        return {"client": self.client, "patient": patient, "insurance": self.insurance.as_json()}


@dataclass
class Aging:
    today: date
    by: str
    clients: list[AgingRow]

    @property
    def totals(self) -> AgingRow:
        t = AgingRow("TOTAL")
        for r in self.clients:
            t.patient = t.patient.add(r.patient)
            t.insurance = t.insurance.add(r.insurance)
            t.patient_not_stated += r.patient_not_stated
        return t

    def as_json(self) -> dict:
        totals = self.totals.as_json(self.by)
        totals.pop("client")
        return {"as_of": self.today.isoformat(), "by": self.by, "buckets": list(BUCKETS),
                "clients": [r.as_json(self.by) for r in self.clients], "totals": totals}


def client_part_buckets(conn, day: date, client: str | None = None, by: str = "service") -> dict[str, tuple[Buckets, int]]:
    """Per client: the client's part by age (and, by statement, the part not on a statement yet). Read as one
    JSON row (one row to build in Python rather than one per client and bucket)."""
    import json

    sql = CLIENT_PART_SQL.format(
        client_filter="AND client = :client" if client else "", scan="" if client else "NOT INDEXED",
        due="MAX(CASE WHEN kind IN ('patient_resp', 'refund') AND amount_cents > 0 THEN date END)" if by == "statement" else "NULL",
        age_date="dos" if by == "service" else STATEMENT_DATE,
        bucket=f"CASE WHEN age IS NULL THEN -1 ELSE {bucket_sql('age')} END")
    (data,) = conn.execute(sql, {"d": day.isoformat(), "client": client}).fetchone()
    out: dict[str, tuple[Buckets, int]] = {}
    for cid, b, cents in json.loads(data):
        buckets, not_stated = out.get(cid, (Buckets(), 0))
        if b == -1:
            not_stated += cents
        else:
            buckets = buckets.put(b, cents)
        out[cid] = (buckets, not_stated)
    return out


def insurance_buckets(conn, day: date, client: str | None = None, by: str = "service") -> dict[str, Buckets]:
    on_day = "date" if by == "service" else "billed"
    f = {"postings_filter": "AND client = :client" if client else "", "claims_and": "AND c.client = :client" if client else ""}
    open_claims = (OPEN_CLAIMS_TODAY if day >= date.today() else OPEN_CLAIMS_EXACT).format(**f, settled=sql_list(SETTLED))
    sql = INSURANCE_SQL.format(held=held_ctes(client, day=day), prior=prior_cte(client), open_claims=open_claims, **f,
                               bucket=bucket_sql(f"CAST(julianday(:d) - julianday({on_day}) AS INTEGER)"))
    out: dict[str, Buckets] = {}
    for cid, b, cents in conn.execute(sql, {"d": day.isoformat(), "client": client}):
        out[cid] = out.get(cid, Buckets()).put(b, cents)
    return out


@reads_one_moment
def aging(ws: Workspace, by: str = "service", client: str | None = None, *, today: date | None = None) -> Aging:
    if by not in BY:
        raise ValueError(by)
    day = today or date.today()
    if client is not None:
        ws.client(client)
    insurance = insurance_buckets(ws.conn, day, client, by)
    patient = client_part_buckets(ws.conn, day, client, by)
    rows = []
    for cid in sorted(set(patient) | set(insurance)):
        p, not_stated = patient.get(cid, (Buckets(), 0))
        row = AgingRow(cid, p, not_stated, insurance.get(cid, Buckets()))
        if any(row.patient.amounts) or row.patient_not_stated or any(row.insurance.amounts):
            rows.append(row)
    return Aging(day, by, rows)
