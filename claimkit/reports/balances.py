"""`report balances`: one row per client with activity, from the postings as they stood on a day.

Columns (integer cents):
- charges: fees of sessions not void (charge postings; a void posts the negative);
- insurance_paid: what payers paid;
- contractual_adjustments: contractual (CO/PI) and other (OA) adjustments, except those of denied lines
  (see reports.common: a denial stays insurance outstanding until resubmitted or written off);
- patient_responsibility: what remittances/EOBs assigned to the client, plus the full fee of self-pay sessions;
- patient_paid: payments from the client less refunds;
- written_off: the user's write-offs of the client's part (`claimkit writeoff CLIENT`);
- balance: patient_responsibility - patient_paid - written_off (negative = credit);
- insurance_outstanding: what claims standing that day still wait for from insurance (a secondary claim: what the
  primary left the client, until the secondary's remittance; reports.common);
- estimated_patient_pending: the client's estimated share of sessions with no remittance yet (the session
  estimates of claimkit.sessions.sessions, run as of the day);
- last_payment: the date of the client's last payment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from claimkit.core.codes import REMITTED, sql_list
from claimkit.core.money import from_cents, to_cents
from claimkit.reports.common import held_ctes, iso, money, prior_cte, reads_one_moment, scan_hint
from claimkit.store.workspace import Workspace

COLUMNS = ("client", "charges", "insurance_paid", "contractual_adjustments", "patient_responsibility", "patient_paid",
           "written_off", "balance", "insurance_outstanding", "estimated_patient_pending", "last_payment")
AMOUNTS = COLUMNS[1:-1]


@dataclass
class BalanceRow:
    client: str
    charges: int = 0
    insurance_paid: int = 0
    contractual_adjustments: int = 0
    patient_responsibility: int = 0
    patient_paid: int = 0
    written_off: int = 0
    insurance_outstanding: int = 0
    estimated_patient_pending: int = 0
    last_payment: date | None = None

    @property
    def balance(self) -> int:
        return self.patient_responsibility - self.patient_paid - self.written_off

    def cents(self, column: str) -> int:
        return getattr(self, column)

    def as_json(self) -> dict:
        out: dict = {"client": self.client}
        for col in AMOUNTS:
            out[col] = money(getattr(self, col))
        out["last_payment"] = iso(self.last_payment)
        return out


@dataclass
class Balances:
    as_of: date
    clients: list[BalanceRow] = field(default_factory=list)

    @property
    def totals(self) -> BalanceRow:
        t = BalanceRow("TOTAL")
        for row in self.clients:
            for col in AMOUNTS:
                if col != "balance":
                    setattr(t, col, getattr(t, col) + getattr(row, col))
            if row.last_payment and (t.last_payment is None or row.last_payment > t.last_payment):
                t.last_payment = row.last_payment
        return t

    def as_json(self) -> dict:
        totals = self.totals.as_json()
        totals.pop("client")
        return {"as_of": self.as_of.isoformat(), "clients": [r.as_json() for r in self.clients], "totals": totals}


SUMS_SQL = """
SELECT client, kind, SUM(amount_cents) AS cents,
  SUM(CASE WHEN claim_id IS NOT NULL THEN amount_cents ELSE 0 END) AS linked
FROM postings {scan}
WHERE client IS NOT NULL AND date <= :d {client_filter}
GROUP BY client, kind"""

CLAIM_PARTS_SQL = """WITH
sup AS MATERIALIZED (
  SELECT original_claim AS oc, MIN(substr(created, 1, 10)) AS rd FROM claims
  WHERE original_claim IS NOT NULL GROUP BY original_claim
),
gone AS MATERIALIZED (
  SELECT c.id FROM claims c LEFT JOIN sup ON sup.oc = c.id
  WHERE (c.frequency = '8' OR substr(c.created, 1, 10) > :d OR sup.rd <= :d) {claims_and}
),
parts AS (
  SELECT client, SUM(total_cents) AS standing, 0 AS superseded FROM claims
  WHERE frequency != '8' AND created < :next {claims_and} GROUP BY client
  UNION ALL
  SELECT client, -SUM(total_cents), 0 FROM claims
  WHERE id IN (SELECT id FROM gone) AND frequency != '8' AND created < :next GROUP BY client
  UNION ALL
  SELECT client, 0, SUM(amount_cents) FROM postings
  WHERE claim_id IN (SELECT id FROM gone) AND date <= :d GROUP BY client
)
SELECT client, SUM(standing), SUM(superseded), 0, 0 FROM parts GROUP BY client"""

HELD_SQL = """WITH {ctes}
SELECT client, SUM(held), SUM(CASE WHEN stands THEN held ELSE 0 END) FROM hc GROUP BY client"""

LAST_PAYMENT_SQL = """
SELECT c.client, (SELECT p.date FROM postings p INDEXED BY postings_client WHERE p.client = c.client AND p.date <= :d
                  AND p.kind = 'patient_paid' AND p.amount_cents > 0 ORDER BY p.date DESC LIMIT 1)
FROM (SELECT DISTINCT client FROM sessions {where}) c"""

# claim-linked kinds (what a remittance or a write-off of a claim posts)
CLAIM_KINDS = ("insurance_paid", "contractual", "other_adj", "patient_resp", "writeoff")


def _sums(conn, day: date, client: str | None) -> dict[str, dict[tuple[str, int], int]]:
    """Per client, the sum of each kind, apart for the postings on a claim (1) and the others (0): one pass over
    postings. Read as one JSON row (one row to build in Python rather than one per client and kind)."""
    sql = SUMS_SQL.format(scan="" if client else scan_hint(conn), client_filter="AND client = :client" if client else "")
    (data,) = conn.execute(f"SELECT json_group_array(json_array(client, kind, cents, linked)) FROM ({sql})",
                           {"d": day.isoformat(), "client": client}).fetchone()
    out: dict[str, dict[tuple[str, int], int]] = {}
    for cid, kind, cents, linked in json.loads(data):
        out.setdefault(cid, {}).update({(kind, 1): linked, (kind, 0): cents - linked})
    return out


@reads_one_moment
def balances(ws: Workspace, as_of: date | None = None, client: str | None = None, *, today: date | None = None) -> Balances:
    """Balances of every client with activity (or one client) as they stood at the end of `as_of` (default today).

    Every query reads the same moment of the ledger (one read transaction, reports/common.py `one_moment`): the sums
    per client and kind, the claims (standing totals, superseded claims, denials), the last payments and the
    sessions pending adjudication with their estimates."""
    day = as_of or today or date.today()
    if client is not None:
        ws.client(client)  # an unknown id is a clear error
    args = {"d": day.isoformat(), "client": client}

    sums = _sums(ws.conn, day, client)
    claims_and = "AND client = :client" if client else ""
    claims = {r[0]: list(r[1:]) for r in ws.conn.execute(CLAIM_PARTS_SQL.format(claims_and=claims_and),
                                                          {**args, "next": (day + timedelta(days=1)).isoformat()})}
    for cid, held, held_standing in ws.conn.execute(HELD_SQL.format(ctes=held_ctes(client, day=day)), args):
        claims.setdefault(cid, [0, 0, 0, 0])[2:] = [held, held_standing]
    prior = dict(ws.conn.execute(f"WITH {prior_cte(client)} SELECT client, SUM(settled) FROM prior GROUP BY client", args))
    last = dict(ws.conn.execute(LAST_PAYMENT_SQL.format(where="WHERE client = :client" if client else ""), args))
    pending = pending_estimates(ws, day, pending_sessions(ws.conn, day, client))
    rows = []
    for cid in sorted(set(sums) | set(pending)):
        k = sums.get(cid, {})

        def s(kind: str) -> int:
            return k.get((kind, 0), 0) + k.get((kind, 1), 0)

        standing, superseded, held, held_standing = claims.get(cid, (0, 0, 0, 0))
        on_claims = sum(k.get((kind, 1), 0) for kind in CLAIM_KINDS) - superseded
        on = last.get(cid)
        rows.append(BalanceRow(
            cid, charges=s("charge"), insurance_paid=s("insurance_paid"),
            contractual_adjustments=s("contractual") + s("other_adj") - held, patient_responsibility=s("patient_resp"),
            patient_paid=s("patient_paid") - s("refund"), written_off=k.get(("writeoff", 0), 0),
            insurance_outstanding=standing - on_claims + held_standing - prior.get(cid, 0), estimated_patient_pending=pending.get(cid, 0),
            last_payment=date.fromisoformat(on) if on else None))
    return Balances(day, rows)


# --- the estimated share of sessions not yet adjudicated --------------------------------------------------

POSTED = REMITTED  # claims.status once a remittance is posted


def pending_sessions(conn, day: date, client: str | None = None) -> dict[str, list[tuple[int, date]]]:
    """Insurance sessions (not void, on or before `day`) with no remittance by `day`, per client, by date. A
    remittance is a remittance posting (source era/eob) on the session, or a remittance record of one of its
    claims (a claim denied whole posts nothing but its record).

    For today (or later) the candidates are the sessions not billed and those on claims that posting has not
    marked paid/partial/denied/reversed/forwarded, each then checked for a remittance posting; for a day in the
    past, every session is checked against the remittances dated by then."""
    args = {"d": day.isoformat(), "client": client}
    where = ("s.payer IS NOT NULL AND s.status != 'void' AND s.billed_elsewhere IS NULL AND s.date <= :d"
             + (" AND s.client = :client" if client else ""))
    remitted = ("SELECT 1 FROM postings p WHERE p.session_id = s.id AND p.claim_id IS NOT NULL"
                " AND p.source IN ('era', 'eob') AND p.date <= :d")
    if day >= date.today():
        posted = sql_list(POSTED)
        sql = (f"SELECT s.client, s.id, s.date FROM sessions s WHERE s.id IN (SELECT id FROM sessions WHERE status = 'unbilled'"
               f" UNION SELECT cl.session_id FROM claims c JOIN claim_lines cl ON cl.claim_id = c.id"
               f" WHERE c.status NOT IN ({posted})) AND {where} AND NOT EXISTS ({remitted}) ORDER BY s.client, s.date, s.id")
    else:
        sql = (f"SELECT s.client, s.id, s.date FROM sessions s WHERE {where} AND s.id NOT IN ("
               "SELECT session_id FROM postings " + ("" if client else "NOT INDEXED") +
               " WHERE session_id IS NOT NULL AND claim_id IS NOT NULL AND source IN ('era', 'eob') AND date <= :d"
               + (" AND client = :client" if client else "") + ") AND s.id NOT IN (SELECT cl.session_id FROM remit_claims rc"
               " JOIN claim_lines cl ON cl.claim_id = rc.claim_id WHERE COALESCE(rc.date, '') <= :d AND cl.session_id IS NOT NULL)"
               " ORDER BY s.client, s.date, s.id")
    out: dict[str, list[tuple[int, date]]] = {}
    for cid, sid, on in conn.execute(sql, args):
        out.setdefault(cid, []).append((sid, date.fromisoformat(on)))
    return out


def session_estimates(ws: Workspace, client_id: str, day: date, since: date | None = None) -> dict:
    return client_sessions(ws, client_id, day, since)[1]


def client_sessions(ws: Workspace, client_id: str, day: date, since: date | None = None) -> tuple[list, dict]:
    """A client's sessions (EstRow, from `since`) up to `day` and their estimates
    (claimkit.sessions.sessions.estimate_client) with the remittances posted by `day`."""
    rows, estimates = _estimates(ws, {client_id: since}, day)
    return rows.get(client_id, []), estimates


class EstRow:
    """What claimkit.sessions.sessions.estimate_client reads of a session (a SessionRow has the same fields), built
    without the rest of the row: the balances estimate every pending client's plan year at once."""

    __slots__ = ("id", "client", "date", "cpt", "fee", "payer", "allowed", "cost_sharing", "status")

    def __init__(self, id: int, client: str, date: date, cpt: str, fee: Decimal, payer: str | None,
                 allowed: Decimal | None, cost_sharing: str | None, status: str):
        self.id, self.client, self.date, self.cpt, self.fee = id, client, date, cpt, fee
        self.payer, self.allowed, self.cost_sharing, self.status = payer, allowed, cost_sharing, status


def _estimates(ws: Workspace, since: dict[str, date | None], day: date) -> tuple[dict[str, list[EstRow]], dict]:
    """Run claimkit.sessions.sessions.estimate_client for several clients: their sessions from `since[client]` (None: all)
    to `day`, read with two queries, and what remittances assigned by `day` (as claimkit.sessions._adjudicated)."""
    from claimkit.core import estimate as est
    from claimkit.core.errors import ClaimkitError
    from claimkit.sessions.sessions import estimate_client

    if not since:
        return {}, {}
    import json

    window = ("WITH w(client, since) AS (SELECT key, value FROM json_each(:w))"
              " SELECT s.id FROM w JOIN sessions s ON s.client = w.client AND s.date >= w.since AND s.date <= :d")
    args = {"w": json.dumps({cid: (d.isoformat() if d else "") for cid, d in since.items()}), "d": day.isoformat()}
    rows: dict[str, list[EstRow]] = {}
    for sid, cid, on, cpt, fee, payer, allowed, sharing, status in ws.conn.execute(
            "WITH w(client, since) AS (SELECT key, value FROM json_each(:w))"
            " SELECT s.id, s.client, s.date, s.cpt, s.fee_cents, s.payer, s.allowed_cents, s.cost_sharing, s.status"
            " FROM w JOIN sessions s ON s.client = w.client AND s.date >= w.since AND s.date <= :d ORDER BY s.date, s.id",
            args):
        rows.setdefault(cid, []).append(EstRow(sid, cid, date.fromisoformat(on), cpt, from_cents(fee), payer,
                                               None if allowed is None else from_cents(allowed), sharing, status))
    adjudicated: dict[int, est.Adjudicated] = {}
    for sid, ded, total in ws.conn.execute(
            "SELECT session_id, SUM(CASE WHEN kind = 'patient_resp' AND reason = 'deductible' THEN amount_cents ELSE 0 END),"
            " SUM(CASE WHEN kind = 'patient_resp' THEN amount_cents ELSE 0 END)"
            f" FROM postings WHERE session_id IN ({window}) AND kind IN ('patient_resp', 'insurance_paid')"
            " AND source IN ('era', 'eob') AND date <= :d GROUP BY session_id", args):
        adjudicated[sid] = est.Adjudicated(from_cents(ded), from_cents(total))
    estimates: dict = {}
    for cid, crows in rows.items():
        try:
            record = ws.client(cid)
        except ClaimkitError:
            record = None
        estimates.update(estimate_client(record, crows, adjudicated))  # type: ignore[arg-type]
    return rows, estimates


def _history_start(ws: Workspace, client_id: str, first_pending: date) -> date | None:
    """Where a client's estimate history may start (None: the whole history).

    Each plan year starts afresh, so the plan year of the first pending session is enough; a copay plan with no
    deductible before the copay and no out-of-pocket maximum does not look back at all (claimkit.core.estimate.one
    uses the plan year's earlier sessions only for the deductible and the maximum). A deductible met before
    claimkit with no date counts for the first plan year the estimate sees: then the whole history is read."""
    from claimkit.core.errors import ClaimkitError
    from claimkit.core.estimate import plan_year_start

    try:
        record = ws.client(client_id)
    except ClaimkitError:
        return first_pending
    starts = [first_pending]
    for pol in record.policies:
        if pol.deductible_met and pol.deductible_met_on is None and pol.effective is None:
            return None
        if pol.cost_sharing in ("copay", "self_pay") and not pol.copay_after_deductible and pol.oop_max is None:
            continue
        starts.append(plan_year_start(first_pending, pol.plan_year_start))
    return min(starts)


def pending_estimates(ws: Workspace, day: date, pending: dict[str, list[tuple[int, date]]]) -> dict[str, int]:
    """Estimated client share (cents) of the sessions not yet adjudicated (`pending`: per client, by date)."""
    if not pending:
        return {}
    _, estimates = _estimates(ws, {cid: _history_start(ws, cid, items[0][1]) for cid, items in pending.items()}, day)
    return {cid: sum(to_cents(estimates[sid].patient) for sid, _ in items if sid in estimates) for cid, items in pending.items()}
