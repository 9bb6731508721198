"""`claimkit report kpis`: the numbers a billing guide runs a practice by, from one read of the ledger.

Definitions (the formulas also in `claimkit report kpis --help` and docs/reports.md):
- a claim is *adjudicated* in the period when its first remittance (ERA or paper EOB, not a reversal) is dated in it;
- it is *denied* when that remittance denied it whole (CLP02 4, or nothing paid and nothing to the client) or
  denied a line (a line paid nothing, gave the client nothing and carries a non-routine adjustment);
- A/R is what insurance still owes on standing claims (reports/common.py) plus what clients owe, aged from the
  date of service; credit balances are clients' negative balances.
All money is integer cents; rates are rounded to 0.1% (half up), days to 0.1.
"""

from __future__ import annotations

import contextlib
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from claimkit.core.codes import CLP02_REVERSAL, REJECTED
from claimkit.reports.common import ROUTINE_ADJUSTMENTS, Buckets, money, owed_ctes

AR_DAYS = 90  # N in days in A/R: gross charges of the last N days / N
CONTRACTUAL = ("CO-45", "CO-253", "PI-45")  # fee-schedule write-offs: the "contractual adjustments" of the NCR
# (key, name, formula, target)
KPIS = (
    ("clean_claim_rate", "Clean claim rate",
     "claims accepted (999/277CA) on first submission without correction / claims acknowledged", ">= 95%"),
    ("first_pass_resolution_rate", "First-pass resolution rate",
     "original claims paid or moved to the client by their first remittance / original claims adjudicated", ">= 90%"),
    ("denial_rate", "Denial rate (claims)", "claims denied (whole or a line) at their first remittance / claims adjudicated", "< 5%"),
    ("denial_rate_dollars", "Denial rate (dollars)", "charges of denied lines / charges of claims adjudicated", "< 5%"),
    ("days_in_ar", "Days in A/R", f"(total A/R - credit balances) / (gross charges of the last {AR_DAYS} days / {AR_DAYS})",
     "30-40 days"),
    ("ar_over_90", "A/R over 90 days", "A/R older than 90 days (from the date of service) / total A/R", "< 10%"),
    ("net_collection_rate", "Net collection rate", "payments (insurance + clients - refunds) / (charges - contractual adjustments)",
     "about 95%"),
    ("days_to_pay", "Days to pay (median)", "first paying remittance date - claim date, median per payer", "payer-specific"),
)


def rate(num: int, den: int) -> Decimal | None:
    """num/den as a percentage rounded to 0.1 (half up); None when there is nothing to divide by."""
    if not den:
        return None
    return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def tenth(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Ratio:
    num: int
    den: int

    @property
    def pct(self) -> Decimal | None:
        return rate(self.num, self.den)

    def as_json(self, cents: bool = False) -> dict:
        f = money if cents else int
        return {"value": str(self.pct) if self.pct is not None else None, "numerator": f(self.num), "denominator": f(self.den)}


@dataclass(frozen=True)
class Kpis:
    start: date
    end: date
    payer: str | None
    clean_claims: Ratio | None  # None: no acknowledgements on file
    first_pass: Ratio
    denials: Ratio
    denied_cents: Ratio
    by_carc: dict[str, tuple[int, int]]  # reason -> (lines, cents)
    by_payer: dict[str, tuple[Ratio, Ratio]]  # payer -> (claims, cents)
    by_cpt: dict[str, tuple[Ratio, Ratio]]  # cpt -> (lines, cents)
    ar: Buckets  # insurance + clients, by age (from the date of service)
    ar_insurance: Buckets
    credits: int
    charges_last_n: int
    collections: Ratio  # payments / (charges - contractual)
    collections_by_payer: dict[str, Ratio]
    days_to_pay: dict[str, tuple[Decimal, int]]  # payer -> (median days, claims)
    months: list[tuple[str, int, int, Ratio]] = field(default_factory=list)  # (YYYY-MM, charges, payments, denials)

    @property
    def days_in_ar(self) -> Decimal | None:
        if self.charges_last_n <= 0:
            return None
        return tenth(Decimal(self.ar.total - self.credits) * AR_DAYS / Decimal(self.charges_last_n))

    @property
    def ar_over_90(self) -> Ratio:
        return Ratio(self.ar.amounts[3] + self.ar.amounts[4], self.ar.total)

    def as_json(self) -> dict:
        return {
            "from": self.start.isoformat(), "to": self.end.isoformat(), "payer": self.payer,
            "clean_claim_rate": self.clean_claims.as_json() if self.clean_claims else
            {"value": None, "missing": "no acknowledgements (999/277CA) on file: import them with 'claimkit x12 import'"},
            "first_pass_resolution_rate": self.first_pass.as_json(),
            "denial_rate": self.denials.as_json(), "denial_rate_dollars": self.denied_cents.as_json(cents=True),
            "denials_by_carc": [{"reason": r, "lines": n, "amount": money(c)} for r, (n, c) in self.by_carc.items()],
            "denials_by_payer": [{"payer": p, "claims": a.as_json(), "dollars": b.as_json(cents=True)} for p, (a, b) in self.by_payer.items()],
            "denials_by_cpt": [{"cpt": p, "lines": a.as_json(), "dollars": b.as_json(cents=True)} for p, (a, b) in self.by_cpt.items()],
            "days_in_ar": {"value": str(self.days_in_ar) if self.days_in_ar is not None else None, "ar": money(self.ar.total),
                           "credit_balances": money(self.credits), f"charges_last_{AR_DAYS}_days": money(self.charges_last_n)},
            "ar_by_age": {**self.ar.as_json(), "insurance": self.ar_insurance.as_json()},
            "ar_over_90": self.ar_over_90.as_json(cents=True),
            "net_collection_rate": self.collections.as_json(cents=True),
            "net_collection_rate_by_payer": [{"payer": p, **r.as_json(cents=True)} for p, r in self.collections_by_payer.items()],
            "days_to_pay": [{"payer": p, "median_days": str(d), "claims": n} for p, (d, n) in self.days_to_pay.items()],
            "months": [{"month": m, "charges": money(c), "payments": money(p), "denial_rate": r.as_json()} for m, c, p, r in self.months],
            "targets": {k: t for k, _, _, t in KPIS},
        }


@contextlib.contextmanager
def read_moment(conn):
    """One read transaction: every query of the report sees the same moment of the ledger."""
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")


_FIRST_REMIT = f"""
SELECT rc.claim_id, rc.date, rc.status_code, rc.paid_cents, rc.patient_cents, rc.reasons, c.payer, c.frequency
FROM remit_claims rc JOIN claims c ON c.id = rc.claim_id
WHERE rc.id = (SELECT MIN(r2.id) FROM remit_claims r2 WHERE r2.claim_id = rc.claim_id AND r2.status_code != '{CLP02_REVERSAL}')
  AND rc.date >= :start AND rc.date <= :end AND c.frequency != '8' {{payer}}
"""


def _adjudication(conn, start: date, end: date, payer: str | None):
    params = {"start": start.isoformat(), "end": end.isoformat(), "payer": payer}
    first = {r[0]: r for r in conn.execute(_FIRST_REMIT.format(payer="AND c.payer = :payer" if payer else ""), params)}
    if not first:
        return first, {}, {}
    ids = list(first)
    lines: dict[str, list] = {}
    posts: dict[tuple[str, int | None], dict] = {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk:chunk + 500]
        marks = ",".join("?" * len(part))
        for cid, line_no, sid, cpt, charge in conn.execute(
                f"SELECT claim_id, line_no, session_id, cpt, charge_cents FROM claim_lines WHERE claim_id IN ({marks})"
                " ORDER BY claim_id, line_no", part):
            lines.setdefault(cid, []).append((line_no, sid, cpt, charge))
        for cid, sid, kind, reason, cents in conn.execute(
                f"SELECT p.claim_id, p.session_id, p.kind, p.reason, SUM(p.amount_cents) FROM postings p"
                f" WHERE p.claim_id IN ({marks}) AND p.source IN ('era', 'eob')"
                " AND p.date = (SELECT rc.date FROM remit_claims rc WHERE rc.id = (SELECT MIN(r2.id) FROM remit_claims r2"
                f"   WHERE r2.claim_id = p.claim_id AND r2.status_code != '{CLP02_REVERSAL}'))"
                " GROUP BY p.claim_id, p.session_id, p.kind, p.reason", part):
            d = posts.setdefault((cid, sid), {"paid": 0, "pr": 0, "reasons": {}})
            if kind == "insurance_paid":
                d["paid"] += cents
            elif kind == "patient_resp":
                d["pr"] += cents
            elif kind in ("contractual", "other_adj") and reason not in ROUTINE_ADJUSTMENTS and cents:
                d["reasons"][reason] = d["reasons"].get(reason, 0) + cents
    return first, lines, posts


def _denied_lines(row, lines, posts) -> list[tuple[str, int, str]]:
    """The denied lines of a claim's first remittance: (cpt, charge, reason)."""
    cid, _, status, paid, patient, reasons, *_ = row
    codes = [c for c in (reasons or "").split(",") if c and c not in ROUTINE_ADJUSTMENTS and not c.startswith("PR-")]
    if status == "4" or (paid == 0 and patient == 0):
        return [(cpt, charge, codes[0] if codes else "none") for _, _, cpt, charge in lines]
    out = []
    for line_no, sid, cpt, charge in lines:
        d = posts.get((cid, sid), {"paid": 0, "pr": 0, "reasons": {}})
        if line_no == 1 and (cid, None) in posts:
            extra = posts[(cid, None)]
            d = {"paid": d["paid"] + extra["paid"], "pr": d["pr"] + extra["pr"], "reasons": {**extra["reasons"], **d["reasons"]}}
        if d["paid"] == 0 and d["pr"] == 0 and d["reasons"]:
            out.append((cpt, charge, max(d["reasons"].items(), key=lambda kv: kv[1])[0]))
    return out


def _clean_claims(conn, start: date, end: date, payer: str | None) -> Ratio | None:
    """From the acknowledgement history (claim_events: 999 / 277CA results), when the ledger has any."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'claim_events'").fetchone() is None:
        return None
    rows = conn.execute(
        f"SELECT c.id, c.frequency, SUM(e.status = '{REJECTED}'), (SELECT COUNT(*) FROM claims n WHERE n.original_claim = c.id)"
        " FROM claims c JOIN claim_events e ON e.claim_id = c.id AND e.kind IN ('999', '277ca')"
        " WHERE substr(c.created, 1, 10) >= ? AND substr(c.created, 1, 10) <= ? AND c.frequency != '8'"
        + (" AND c.payer = ?" if payer else "") + " GROUP BY c.id",
        (start.isoformat(), end.isoformat(), *([payer] if payer else []))).fetchall()
    if not rows:
        return None
    clean = sum(1 for _, freq, rejected, replaced in rows if freq == "1" and not rejected and not replaced)
    return Ratio(clean, len(rows))


def _ar(conn, end: date, payer: str | None) -> tuple[Buckets, Buckets, int]:
    from claimkit.reports.aging import client_part_buckets
    from claimkit.reports.common import bucket_sql

    sql = (f"WITH {owed_ctes(None)} SELECT {bucket_sql('CAST(julianday(:d) - julianday(o.date) AS INTEGER)')}, SUM(o.owed)"
           " FROM owed o WHERE o.owed != 0" + (" AND o.payer = :payer" if payer else "") + " GROUP BY 1")
    insurance = Buckets()
    for b, cents in conn.execute(sql, {"d": end.isoformat(), "payer": payer}):
        insurance = insurance.put(b, cents)
    total, credits = insurance, 0
    if payer is None:
        for buckets, _ in client_part_buckets(conn, end).values():
            if buckets.total < 0:
                credits -= buckets.total
            else:
                total = total.add(buckets)
    return total, insurance, credits


def _money_flows(conn, start: date, end: date, payer: str | None):
    """Charges, payments and contractual adjustments by posting date, per payer (a session's payer for its charge
    and the client's payments on it) and per month."""
    rows = conn.execute(
        "SELECT substr(p.date, 1, 7), COALESCE(CASE WHEN p.kind IN ('insurance_paid', 'contractual') THEN p.payer END, s.payer),"
        " p.kind, p.reason, SUM(p.amount_cents) FROM postings p LEFT JOIN sessions s ON s.id = p.session_id"
        " WHERE p.date >= ? AND p.date <= ? AND p.kind IN ('charge', 'insurance_paid', 'patient_paid', 'refund', 'contractual')"
        " GROUP BY 1, 2, 3, 4", (start.isoformat(), end.isoformat())).fetchall()
    per_payer: dict[str | None, list[int]] = {}  # payer -> [charges, payments, contractual]
    months: dict[str, list[int]] = {}
    for month, who, kind, reason, cents in rows:
        if payer is not None and who != payer:
            continue
        acc = per_payer.setdefault(who, [0, 0, 0])
        m = months.setdefault(month, [0, 0])
        if kind == "charge":
            acc[0] += cents
            m[0] += cents
        elif kind in ("insurance_paid", "patient_paid"):
            acc[1] += cents
            m[1] += cents
        elif kind == "refund":
            acc[1] -= cents
            m[1] -= cents
        elif reason in CONTRACTUAL:
            acc[2] += cents
    return per_payer, months


def _days_to_pay(conn, start: date, end: date, payer: str | None) -> dict[str, tuple[Decimal, int]]:
    rows = conn.execute(
        "SELECT c.payer, CAST(julianday(rc.date) - julianday(substr(c.created, 1, 10)) AS INTEGER) FROM remit_claims rc"
        " JOIN claims c ON c.id = rc.claim_id WHERE rc.id = (SELECT MIN(r2.id) FROM remit_claims r2 WHERE r2.claim_id ="
        f" rc.claim_id AND r2.paid_cents > 0 AND r2.status_code != '{CLP02_REVERSAL}') AND rc.date >= ? AND rc.date <= ?"
        + (" AND c.payer = ?" if payer else ""), (start.isoformat(), end.isoformat(), *([payer] if payer else []))).fetchall()
    days: dict[str, list[int]] = {}
    for who, n in rows:
        days.setdefault(who, []).append(n)
    return {p: (tenth(statistics.median(v)), len(v)) for p, v in sorted(days.items())}


def kpis(ws, *, start: date | None = None, end: date | None = None, payer: str | None = None) -> Kpis:
    end = end or date.today()
    if start is None:  # the 12 months ending with end's month
        y, m = (end.year, end.month - 11) if end.month == 12 else (end.year - 1, end.month + 1)
        start = date(y, m, 1)
    if start > end:
        from claimkit.core.errors import ClaimkitError

        raise ClaimkitError(f"--from {start} is after --to {end}")
    if payer is not None:
        ws.payer(payer)
    with read_moment(ws.conn) as conn:
        first, lines, posts = _adjudication(conn, start, end, payer)
        denied_claims = 0
        denied_cents = adjudicated_cents = 0
        originals = resolved = 0
        by_carc: dict[str, list[int]] = {}
        payer_counts: dict[str, list[int]] = {}
        cpt_counts: dict[str, list[int]] = {}
        month_counts: dict[str, list[int]] = {}
        for cid, row in first.items():
            claim_lines = lines.get(cid, [])
            denied = _denied_lines(row, claim_lines, posts)
            charge = sum(ln[3] for ln in claim_lines)
            lost = sum(c for _, c, _ in denied)
            adjudicated_cents += charge
            denied_cents += lost
            pc = payer_counts.setdefault(row[6], [0, 0, 0, 0])
            mc = month_counts.setdefault(row[1][:7], [0, 0])
            pc[1] += 1
            pc[3] += charge
            pc[2] += lost
            mc[1] += 1
            if denied:
                denied_claims += 1
                pc[0] += 1
                mc[0] += 1
            if row[7] == "1":
                originals += 1
                if not denied and (row[3] + row[4]) > 0:
                    resolved += 1
            for _, _, cpt, ch in claim_lines:
                cc = cpt_counts.setdefault(cpt, [0, 0, 0, 0])
                cc[1] += 1
                cc[3] += ch
            for cpt, ch, reason in denied:
                cc = cpt_counts[cpt]
                cc[0] += 1
                cc[2] += ch
                r = by_carc.setdefault(reason, [0, 0])
                r[0] += 1
                r[1] += ch
        ar, ar_insurance, credits = _ar(conn, end, payer)
        charges_n = conn.execute(
            "SELECT COALESCE(SUM(p.amount_cents), 0) FROM postings p LEFT JOIN sessions s ON s.id = p.session_id"
            " WHERE p.kind = 'charge' AND p.date > ? AND p.date <= ?" + (" AND s.payer = ?" if payer else ""),
            ((end - timedelta(days=AR_DAYS)).isoformat(), end.isoformat(), *([payer] if payer else []))).fetchone()[0]
        flows, months = _money_flows(conn, start, end, payer)
        clean = _clean_claims(conn, start, end, payer)
        days_to_pay = _days_to_pay(conn, start, end, payer)
    charges = sum(v[0] for v in flows.values())
    payments = sum(v[1] for v in flows.values())
    contractual = sum(v[2] for v in flows.values())
    month_keys = sorted(set(months) | set(month_counts))
    return Kpis(
        start=start, end=end, payer=payer, clean_claims=clean, first_pass=Ratio(resolved, originals),
        denials=Ratio(denied_claims, len(first)), denied_cents=Ratio(denied_cents, adjudicated_cents),
        by_carc={r: (n, c) for r, (n, c) in sorted(by_carc.items(), key=lambda kv: (-kv[1][1], kv[0]))},
        by_payer={p: (Ratio(v[0], v[1]), Ratio(v[2], v[3])) for p, v in sorted(payer_counts.items())},
        by_cpt={p: (Ratio(v[0], v[1]), Ratio(v[2], v[3])) for p, v in sorted(cpt_counts.items())},
        ar=ar, ar_insurance=ar_insurance, credits=credits, charges_last_n=charges_n,
        collections=Ratio(payments, charges - contractual),
        collections_by_payer={p: Ratio(v[1], v[0] - v[2]) for p, v in sorted(flows.items(), key=lambda kv: kv[0] or "") if p},
        days_to_pay=days_to_pay,
        months=[(m, months.get(m, [0, 0])[0], months.get(m, [0, 0])[1],
                 Ratio(*month_counts.get(m, [0, 0]))) for m in month_keys])
