"""Post what a payer said (an ERA or a paper EOB): payments, write-offs and the client's share, to the cent.

One transaction per file. A file is recorded by its SHA-256 and each payment by its trace number, so the same
file or payment never posts twice. A denial changes the claim's status and records its reasons; it is never
written off. A reversal (CLP02 22) negates what was posted for that payer claim number; the correction that
follows posts as usual. What cannot be matched to a claim goes to the suspense list with all its data.
"""

from __future__ import annotations

import gc
import hashlib
import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, from_cents, to_cents
from claimkit.store.ledger import now_iso
from claimkit.store.workspace import Workspace

PR_REASONS = {"1": "deductible", "2": "coinsurance", "3": "copay"}
FORWARDED = ("19", "20", "21")
PAID_STATUSES = ("1", "2", "3", *FORWARDED)  # CLP02 codes of a claim the payer processed (4 denied, 22 reversed)
MAX_ERA_BYTES = 200 * 1024 * 1024
PRE_READ_BYTES = 5 * 1024 * 1024  # files up to this size are read once before locking (a larger one: in the transaction)
# CLP02 in the words `era unmatched` shows: a denial or a predetermination must not look like a payment to match
STATUS_WORDS = {"1": "paid (primary)", "2": "paid (secondary)", "3": "paid (tertiary)", "4": "denied",
                "19": "paid (primary), forwarded", "20": "paid (secondary), forwarded", "21": "paid (tertiary), forwarded",
                "22": "reversal", "23": "not our claim, forwarded", "25": "predetermination"}


def status_words(code: str) -> str:
    return STATUS_WORDS.get(code, f"status {code}")


def suspended_status(row) -> str:
    """The CLP02 of a suspense item (kept in its data) in words."""
    try:
        return status_words(json.loads(row["data"])["claim"]["status"])
    except (KeyError, TypeError, ValueError):
        return "?"


@dataclass(slots=True)
class LinePosting:
    """What one service line of a remittance does to the ledger."""

    line_no: int | None
    session_id: int | None
    day: date | None
    cpt: str
    charge: Decimal
    paid: Decimal
    allowed: Decimal | None
    adjustments: list[tuple[str, str, Decimal]]  # (group, reason, amount)
    remarks: list[str] = field(default_factory=list)

    def total(self, *groups: str) -> Decimal:
        return sum((a for g, _, a in self.adjustments if g in groups), ZERO)


@dataclass(slots=True)
class ClaimPosting:
    account: str
    claim_id: str | None
    client: str | None
    payer: str | None
    payer_name: str
    status_code: str
    payer_claim_number: str
    charge: Decimal
    paid: Decimal
    lines: list[LinePosting]
    reasons: list[str]
    remarks: list[str]
    status: str = ""  # claim status after posting
    reversed_rows: int = 0
    paper_undone: list[str] = field(default_factory=list)  # dates of lines whose paper EOB postings this remittance replaces
    raw: Any = None  # the parsed claim payment, kept for the suspense list
    where: str = ""  # "segment 14 (CLP)", "eob.csv line 3": where a refusal points

    def plain(self) -> list[str]:
        """One line a person can read per service line (or per claim when denied/reversed)."""
        who = self.client or "?"
        if self.status_code == "22":
            undone = (f"{self.reversed_rows} earlier postings undone" if self.reversed_rows else
                      f"the payment it reverses is not on file, so its amounts are posted as given (paid {self.paid:.2f})")
            return [f"{who} claim {self.claim_id}: reversed by {self.payer_name} (payer claim {self.payer_claim_number}); {undone}"]
        from claimkit.reports.common import ROUTINE_ADJUSTMENTS

        out = []
        for ln in self.lines:
            head = f"{who} {ln.day.isoformat() if ln.day else '?'} {ln.cpt}: billed {ln.charge:.2f}"
            allowed = ln.allowed if ln.allowed is not None else ln.charge - ln.total("CO", "PI")
            # a line denied on a claim that was paid in part: held as owed by the payer, as the reports do (reports/common.py)
            denied = self.status_code != "4" and not ln.paid and not ln.total("PR") and ln.total("CO", "PI", "OA") and (
                self.status in ("denied", "partial") or any(f"{g}-{r}" not in ROUTINE_ADJUSTMENTS for g, r, _ in ln.adjustments))
            parts = [head]
            if self.status_code != "4" and not denied:
                parts.append(f"allowed {allowed:.2f}")
            parts.append(f"{self.payer_name} paid {ln.paid:.2f}")
            co = ln.total("CO", "PI")
            if denied:
                parts.append(f"denied ({', '.join(f'{g}-{r}' for g, r, _ in ln.adjustments if g != 'PR')}), nothing written off")
            elif co and self.status_code != "4":
                parts.append(f"write-off {co:.2f} (contract)")
            for g, r, a in ln.adjustments:
                if g == "PR":
                    parts.append(f"client owes {a:.2f} ({PR_REASONS.get(r, 'not covered, PR-' + r)})")
                elif g == "OA" and not denied:
                    parts.append(f"other adjustment {a:.2f} (OA-{r})")
            out.append(" · ".join(parts))
        if self.paper_undone:
            out.append(f"   replaces what a paper EOB posted for {', '.join(self.paper_undone)} (undone), so nothing is paid twice")
        if self.status_code == "4":
            out.append(f"   denied: {', '.join(self.reasons) or 'no reason given'}; nothing written off")
            out += [f"   {line}" for line in explain_reasons(self.reasons)]
        return out


@dataclass
class ImportResult:
    file: str
    fingerprint: str
    already: str | None = None  # when the same file was imported before
    already_as: str = ""  # under which name it was imported then
    dry_run: bool = False
    payments: list[dict] = field(default_factory=list)
    claims: list[ClaimPosting] = field(default_factory=list)
    unmatched: list[ClaimPosting] = field(default_factory=list)
    provider_adjustments: list[dict] = field(default_factory=list)
    skipped_payments: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # claims this file pays again: kept in the suspense list, not posted
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        def claim(c: ClaimPosting) -> dict:
            return {"account": c.account, "claim": c.claim_id, "client": c.client, "payer": c.payer, "status_code": c.status_code,
                    "status": c.status, "payer_claim_number": c.payer_claim_number, "charge": f"{c.charge:.2f}",
                    "paid": f"{c.paid:.2f}", "reasons": c.reasons, "paper_eob_replaced": c.paper_undone,
                    "lines": [{"line": ln.line_no, "session": ln.session_id, "date": ln.day.isoformat() if ln.day else None,
                               "cpt": ln.cpt, "charge": f"{ln.charge:.2f}", "paid": f"{ln.paid:.2f}",
                               "allowed": None if ln.allowed is None else f"{ln.allowed:.2f}",
                               "adjustments": [{"group": g, "reason": r, "amount": f"{a:.2f}"} for g, r, a in ln.adjustments]}
                              for ln in c.lines]}
        return {"file": self.file, "fingerprint": self.fingerprint, "already_imported": self.already, "dry_run": self.dry_run,
                "payments": self.payments, "claims": [claim(c) for c in self.claims],
                "unmatched": [claim(c) for c in self.unmatched], "provider_adjustments": self.provider_adjustments,
                "skipped_payments": self.skipped_payments, "held": self.held, "warnings": self.warnings}


def explain_reasons(reasons: list[str]) -> list[str]:
    """'CO-197' -> 'CO-197 (auth missing): <our explanation> Next: <action>' from the shipped catalog."""
    from claimkit import catalog

    out = []
    for code in reasons:
        c = catalog.carc(code)
        if c is not None:
            out.append(f"{code} ({c.category}): {c.explain} Next: {c.action}")
    return out


# --- reading and matching ----------------------------------------------------------------------------------

def _jsonable(value: Any) -> Any:
    if is_dataclass(value):
        return {k: _jsonable(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Claims:
    """The practice's claims with their snapshot lines for matching: read a payment's claims in one query
    (``prefetch``), each claim's lines parsed once while that payment is posted. Only the snapshot's lines are
    read (SQLite cuts them out): matching needs nothing else, and the rest of a snapshot (the whole claim, its people
    and providers) is as large again as its lines or larger."""

    SQL = ("SELECT id, client, payer, rank, status, json_extract(snapshot, '$.lines') AS lines,"
           " json_extract(snapshot, '$.billed.member_id') AS member FROM claims WHERE id ")
    BY_EXTERNAL = ("SELECT id, client, payer, rank, status, json_extract(snapshot, '$.lines') AS lines,"
                   " json_extract(snapshot, '$.billed.member_id') AS member, external_id"
                   " FROM claims WHERE status NOT IN ('replaced', 'voided') AND external_id ")

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._lines: dict[str, list[dict]] = {}
        self._rows: dict[str, sqlite3.Row | None] = {}

    def prefetch(self, claim_ids) -> None:
        """Read these claims in a few queries instead of one each; forget the previous payment's."""
        self._rows = {}
        self._lines = {}
        ids = list(dict.fromkeys(i for i in claim_ids if i))
        for k in range(0, len(ids), 500):
            chunk = ids[k:k + 500]
            self._rows.update(dict.fromkeys(chunk))
            for row in self.conn.execute(self.SQL + f"IN ({','.join('?' * len(chunk))})", chunk):
                self._rows[row["id"]] = row
            rest = [i for i in chunk if self._rows[i] is None]  # a claim brought over from another tool: its old CLM01
            for row in self.conn.execute(self.BY_EXTERNAL + f"IN ({','.join('?' * len(rest))})", rest) if rest else ():
                self._rows[row["external_id"]] = row

    def found(self) -> list[str]:
        """The ids of the prefetched claims that exist."""
        return [cid for cid, row in self._rows.items() if row is not None]

    def get(self, claim_id: str) -> sqlite3.Row | None:
        try:
            return self._rows[claim_id]
        except KeyError:
            return (self.conn.execute(self.SQL + "= ?", (claim_id,)).fetchone()
                    or self.conn.execute(self.BY_EXTERNAL + "= ?", (claim_id,)).fetchone())

    def lines(self, claim_id: str) -> list[dict]:
        """The claim's snapshot lines (line_no, session_id, date_from, cpt, modifiers, charge, line_control)."""
        if claim_id not in self._lines:
            row = self.get(claim_id)
            self._lines[claim_id] = json.loads(row["lines"]) if row and row["lines"] else []
        return self._lines[claim_id]

    def by_member(self, member_id: str, day: date | None, cpt: str, charge: Decimal) -> str | None:
        """Fallback match: member ID + date of service + CPT + charge."""
        if not member_id or day is None:
            return None
        rows = self.conn.execute(
            "SELECT c.id FROM claims c JOIN claim_lines l ON l.claim_id = c.id WHERE l.date = ? AND l.cpt = ? AND l.charge_cents = ?"
            " AND upper(json_extract(c.snapshot, '$.billed.member_id')) = ? AND c.status NOT IN ('replaced', 'voided')"
            " ORDER BY c.created DESC", (day.isoformat(), cpt, to_cents(charge), member_id.upper())).fetchall()
        return rows[0][0] if rows else None


def _match_lines(pool: list[dict], lines) -> list[tuple[Any, dict | None]]:
    """Pair each remittance line with a claim line: REF*6R first, then CPT + modifiers + date, then CPT + date."""
    by_control = {s.get("line_control"): s for s in pool if s.get("line_control")}
    used: set[int] = set()
    out = []
    for ln in lines:
        found = by_control.get(ln.control_number) if ln.control_number else None
        if found is not None and found["line_no"] not in used:
            used.add(found["line_no"])
            out.append((ln, found))
            continue
        found = None
        for test in (
            lambda s: ln.control_number and s.get("line_control") == ln.control_number,
            lambda s: s["cpt"] == ln.code and list(s.get("modifiers", [])) == list(ln.modifiers)
            and (ln.service_date is None or s["date_from"] == ln.service_date.isoformat()),
            lambda s: s["cpt"] == ln.code and (ln.service_date is None or s["date_from"] == ln.service_date.isoformat()),
            lambda s: s["cpt"] == (ln.original_code or ln.code) and (ln.service_date is None or s["date_from"] == ln.service_date.isoformat()),
        ):
            found = next((s for s in pool if s["line_no"] not in used and test(s)), None)
            if found:
                break
        if found:
            used.add(found["line_no"])
        out.append((ln, found))
    return out


def _plain_id(value: str | None) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def practice_ids(practice) -> tuple[set[str], str]:
    """The NPIs (billing, rendering) and the tax id (digits) an ERA's payee must carry to be this practice's."""
    npis = {n for n in (practice.billing.npi, practice.provider.npi) if n}
    return npis, _plain_id(practice.billing.tax_id)


def payee_not_ours(payee, ours: tuple[set[str], str]) -> str | None:
    """Why the payee (N1*PE, REF*TJ) of a payment is another provider, or None when it is this practice (or the
    payment does not say who it pays)."""
    npis, tin = ours
    npi, their_tin = _plain_id(payee.npi), _plain_id(payee.tin)
    if not npi and not their_tin:
        return None
    if (npi and npi in npis) or (their_tin and their_tin == tin):
        return None
    said = ", ".join(x for x in (f"NPI {npi}" if npi else "", f"tax ID {their_tin}" if their_tin else "") if x)
    mine = ", ".join(x for x in (f"NPI {'/'.join(sorted(npis))}" if npis else "", f"tax ID {tin}" if tin else "") if x)
    return f"is to {payee.name or 'another payee'} ({said}), not to this practice ({mine or 'no NPI or tax ID in practice.toml'})"


def member_differs(clp, row) -> str | None:
    """Why the patient/member of a remittance claim is not the claim's (matched by its id, CLP01), or None."""
    billed = _plain_id(row["member"]) if row is not None and "member" in row.keys() else ""
    said = [_plain_id(n.id) for n in (clp.patient, clp.insured) if n is not None and n.id]
    if not billed or not said or billed in said:
        return None
    return f"member {said[0]} on the remittance, {billed} on the claim"


def _claim_posting(clp, payment, claims: _Claims, payer_map: dict[str, str]) -> ClaimPosting:
    account = (clp.account or "").strip().upper()
    row = claims.get(account) if account else None
    first = clp.service_lines[0] if clp.service_lines else None
    if row is None and first is not None:
        member = (clp.patient.id if clp.patient and clp.patient.id else "") or (clp.insured.id if clp.insured else "")
        found = claims.by_member(member, first.service_date or clp.service_start, first.code, first.charge)
        row = claims.get(found) if found else None
    payer_name = payment.payer.name.title() if payment.payer.name else "the payer"
    reasons = sorted({f"{a.group}-{a.reason}" for a in clp.all_adjustments if a.group != "PR" or clp.status == "4"})
    remarks = list(clp.remark_codes) + [r for ln in clp.service_lines for r in ln.remark_codes]
    post = ClaimPosting(account=account, claim_id=row["id"] if row else None, client=row["client"] if row else None,
                        payer=row["payer"] if row else payer_map.get(payment.payer.id or "", None), payer_name=payer_name,
                        status_code=clp.status, payer_claim_number=clp.payer_claim_number, charge=clp.charge, paid=clp.paid,
                        lines=[], reasons=reasons, remarks=remarks, raw=clp,
                        where=f"segment {clp.segment} (CLP)" if clp.segment else "")
    if row is None:
        post.lines = [LinePosting(None, None, ln.service_date or clp.service_start, ln.code, ln.charge, ln.paid, ln.allowed,
                                  [(a.group, a.reason, a.amount) for a in ln.adjustments], list(ln.remark_codes))
                      for ln in clp.service_lines]
        return post
    snap_lines = claims.lines(row["id"])
    if clp.service_lines:
        for ln, snap_line in _match_lines(snap_lines, clp.service_lines):
            post.lines.append(LinePosting(
                snap_line["line_no"] if snap_line else None, snap_line.get("session_id") if snap_line else None,
                ln.service_date or (date.fromisoformat(snap_line["date_from"]) if snap_line else clp.service_start),
                ln.code, ln.charge, ln.paid, ln.allowed, [(a.group, a.reason, a.amount) for a in ln.adjustments],
                list(ln.remark_codes)))
    else:  # a claim paid without line detail: post it on the claim's first line
        s0 = (snap_lines or [{}])[0]
        post.lines.append(LinePosting(s0.get("line_no"), s0.get("session_id"), clp.service_start or (
            date.fromisoformat(s0["date_from"]) if s0.get("date_from") else None), s0.get("cpt", ""), clp.charge, clp.paid, None, []))
    if clp.adjustments and post.lines:  # claim-level CAS: carried on the first line
        post.lines[0].adjustments = [(a.group, a.reason, a.amount) for a in clp.adjustments] + post.lines[0].adjustments
        if clp.service_lines:
            _take_claim_adjustments(post.lines, sum((a.amount for a in clp.adjustments), ZERO))
    return post


def _take_claim_adjustments(lines: list[LinePosting], taken: Decimal) -> None:
    """Claim-level CAS beside service lines is taken from the lines' payments (TR3: sum of SVC03 - claim-level
    CAS = CLP04; the reader checks it): the lines' paid is reduced by it, in line order, so insurance paid is CLP04
    and each line's charge = paid + adjustments + client share. What no line's payment covers (a negative claim-level
    adjustment, or more than the lines paid) is taken from the first line."""
    for ln in lines:
        if taken <= 0:
            break
        part = min(taken, ln.paid) if ln.paid > 0 else ZERO
        ln.paid -= part
        taken -= part
    if taken:
        lines[0].paid -= taken


# --- posting ----------------------------------------------------------------------------------------------

_CENTS: dict[Decimal, int] = {}


def _cents(amount: Decimal) -> int:
    """to_cents, remembered: a remittance repeats the same few amounts thousands of times."""
    c = _CENTS.get(amount)
    if c is None:
        if len(_CENTS) > 50_000:
            _CENTS.clear()
        c = _CENTS[amount] = to_cents(amount)
    return c


class _Batch:
    """Posting rows gathered and written with executemany: a large ERA holds hundreds of thousands of them."""

    SQL = ("INSERT INTO postings (date, client, session_id, claim_id, payer, kind, reason, amount_cents, source, source_ref,"
           " import_id, note, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
    SIZE = 20_000  # rows held before writing: bounded memory on a large file

    def __init__(self, conn: sqlite3.Connection):
        self.conn, self.rows, self.created = conn, [], now_iso()

    def add(self, day: date, post: "ClaimPosting", line: "LinePosting | None", kind: str, reason: str, amount: Decimal,
            source: str, import_id: int | None, note: str = "") -> None:
        if amount:
            self.rows.append((day.isoformat(), post.client, line.session_id if line else None, post.claim_id, post.payer, kind,
                              reason, _cents(amount), source, post.payer_claim_number, import_id, note, self.created))
            if len(self.rows) >= self.SIZE:
                self.flush()

    def flush(self) -> None:
        if self.rows:
            self.conn.executemany(self.SQL, self.rows)
            self.rows.clear()


def _refuse_unbalanced(post: ClaimPosting) -> None:
    """A posting that would break the money invariant (remittance/invariant.py) is refused, naming its segment."""
    from claimkit.remittance.invariant import planned

    broken = planned(post)
    if broken is not None:
        raise ClaimkitError(str(broken))


def _post_claim(batch: _Batch, post: ClaimPosting, day: date, source: str, import_id: int | None) -> None:
    conn = batch.conn
    _refuse_unbalanced(post)
    if post.status_code == "22":
        batch.flush()  # the payment being reversed may be earlier in this same file
        rows = conn.execute(
            "SELECT date, session_id, kind, reason, SUM(amount_cents) AS cents, note FROM postings WHERE claim_id = ?"
            " AND source IN ('era', 'eob') AND source_ref = ? GROUP BY session_id, kind, reason",
            (post.claim_id, post.payer_claim_number)).fetchall()
        live = [r for r in rows if r["cents"]]
        for r in live:
            line = LinePosting(None, r["session_id"], None, "", ZERO, ZERO, None, [])
            batch.add(day, post, line, r["kind"], r["reason"], -from_cents(r["cents"]), source, import_id,
                      note=f"reversal of payer claim {post.payer_claim_number}")
        post.reversed_rows = len(live)
        if not live:  # nothing on file for that payment: post the reversal's own (negative) amounts
            _post_lines(batch, post, day, source, import_id, note="reversal (original payment not on file)")
        post.status = "reversed"
        return
    _post_lines(batch, post, day, source, import_id)
    if post.status_code == "4":
        post.status = "denied"
    elif post.status_code in FORWARDED:
        post.status = "forwarded"
    elif post.paid == 0 and not any(ln.total("PR") for ln in post.lines):
        post.status = "denied"
    elif any(ln.paid == 0 and ln.total("CO", "PI", "OA") and not ln.total("PR") for ln in post.lines):
        post.status = "partial"
    else:
        post.status = "paid"


def _undo_paper(batch: _Batch, post: ClaimPosting, day: date, import_id: int | None) -> None:
    """The remittance replaces what a paper EOB posted for the same lines (entered by hand before the ERA came, or a
    paper denial the ERA now pays): those postings are negated, so the lines are not paid twice."""
    note = f"paper EOB replaced by the ERA (payer claim {post.payer_claim_number})"
    for sid, day_of in {ln.session_id: ln.day for ln in post.lines if ln.session_id is not None}.items():
        rows = batch.conn.execute("SELECT kind, reason, source_ref, SUM(amount_cents) FROM postings WHERE claim_id = ?"
                                  " AND session_id = ? AND source = 'eob' GROUP BY kind, reason, source_ref",
                                  (post.claim_id, sid)).fetchall()
        live = [r for r in rows if r[3]]
        for r in live:
            batch.rows.append((day.isoformat(), post.client, sid, post.claim_id, post.payer, r[0], r[1], -r[3], "eob", r[2],
                               import_id, note, batch.created))
        if live:
            post.paper_undone.append(day_of.isoformat() if day_of else "?")


def _undo_earlier_eob(batch: _Batch, post: ClaimPosting, session_id: int | None, day: date, import_id: int | None) -> None:
    """A later paper EOB for a line replaces what an earlier one posted for it (a denial, then its payment): those
    postings are negated, dated the later EOB, and both stay in the history. (A line already paid or given to the
    client is refused before this.)"""
    rows = batch.conn.execute("SELECT kind, reason, source_ref, SUM(amount_cents) FROM postings WHERE claim_id = ?"
                              " AND session_id IS ? AND source = 'eob' GROUP BY kind, reason, source_ref",
                              (post.claim_id, session_id)).fetchall()
    for kind, reason, ref, cents in rows:
        if cents:
            batch.rows.append((day.isoformat(), post.client, session_id, post.claim_id, post.payer, kind, reason, -cents, "eob",
                               ref, import_id, "replaced by a later paper EOB for the line", batch.created))


def _post_lines(batch: _Batch, post: ClaimPosting, day: date, source: str, import_id: int | None, note: str = "") -> None:
    """The rows of each line: insurance_paid, then its adjustments in file order (zero amounts post nothing).
    Written out rather than through _Batch.add: a large ERA makes a quarter of a million of them."""
    denied = post.status_code == "4"  # a denial is work to do, not a loss to hide: no write-off rows
    rows = batch.rows
    append = rows.append
    d = day.isoformat()
    client, claim_id, payer, ref, created = post.client, post.claim_id, post.payer, post.payer_claim_number, batch.created
    cents = _cents
    for ln in post.lines:
        sid = ln.session_id
        if ln.paid:
            append((d, client, sid, claim_id, payer, "insurance_paid", "", cents(ln.paid), source, ref, import_id, note, created))
        for group, reason, amount in ln.adjustments:
            if not amount:
                continue
            if group == "PR":
                why = PR_REASONS.get(reason)
                append((d, client, sid, claim_id, payer, "patient_resp", why or "noncovered", cents(amount), source, ref,
                        import_id, note or ("" if why else f"PR-{reason}"), created))
            elif not denied:  # CO/PI: contractual; OA, and CR in 4010 files: other_adj
                append((d, client, sid, claim_id, payer, "contractual" if group in ("CO", "PI") else "other_adj",
                        f"{group}-{reason}", cents(amount), source, ref, import_id, note, created))
    if len(rows) >= batch.SIZE:
        batch.flush()


_UPDATE_CLAIM = "UPDATE claims SET status = ?, payer_claim_number = COALESCE(NULLIF(?, ''), payer_claim_number) WHERE id = ?"
_INSERT_REMIT_CLAIM = (
    "INSERT INTO remit_claims (remittance_id, claim_id, account, status_code, payer_claim_number, charge_cents, paid_cents,"
    " patient_cents, reasons, remarks, date) VALUES (?,?,?,?,?,?,?,?,?,?,?)")


def _claim_update(post: ClaimPosting) -> tuple:
    """The parameters of the claim's status update (written per payment with executemany)."""
    return (post.status, post.payer_claim_number, post.claim_id)


def _remit_claim_row(remit_id: int, post: ClaimPosting, day: date) -> tuple:
    """What the payment said about this claim, as a remit_claims row (written per payment with executemany)."""
    patient = ZERO
    for ln in post.lines:
        for group, _, amount in ln.adjustments:
            if group == "PR":
                patient += amount
    return (remit_id, post.claim_id, post.account, post.status_code, post.payer_claim_number, to_cents(post.charge),
            to_cents(post.paid), to_cents(patient), ",".join(post.reasons), ",".join(post.remarks), day.isoformat())


def _imported_before(conn: sqlite3.Connection, fingerprint: str) -> tuple[str, str] | None:
    """(when, under which name) a file with these bytes was imported before; None when never."""
    seen = conn.execute("SELECT imported, filename FROM imports WHERE fingerprint = ?", (fingerprint,)).fetchone()
    return (seen[0], seen[1]) if seen else None


class AlreadyImported(ClaimkitError):
    """The same bytes were imported before: not an error (scripts rerun), the command says so and exits 0."""


def imported_when(imported: str, filename: str, name: str) -> str:
    """An import's timestamp as a person says it ('on 2026-12-02 at 23:31'), with the name it had then if not `name`."""
    return f"on {imported[:10]} at {imported[11:16]}" + ("" if filename == name else f" as {filename}")


def _suspend(conn, import_id: int | None, remit_id: int | None, post: ClaimPosting, kind: str = "claim") -> None:
    clp = post.raw
    patient = clp.patient.full_name if clp is not None and clp.patient else ""
    member = (clp.patient.id if clp is not None and clp.patient else "") or (clp.insured.id if clp is not None and clp.insured else "")
    day = post.lines[0].day if post.lines and post.lines[0].day else (clp.service_start if clp is not None else None)
    conn.execute(
        "INSERT INTO suspense (import_id, remittance_id, kind, account, patient, member_id, service_date, charge_cents, paid_cents,"
        " data, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (import_id, remit_id, kind, post.account, patient, member, day.isoformat() if day else None, to_cents(post.charge),
         to_cents(post.paid), json.dumps({"payer_name": post.payer_name, "claim": _jsonable(clp)}), now_iso()))


def _located(f) -> str:
    """A reader finding as one line, led by its segment number unless the message already names it."""
    if f.segment is None or f"segment {f.segment}" in f.message:
        return f.message
    return f"segment {f.segment}: {f.message}"


def import_era(ws: Workspace, path: Path, *, dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
               today: date | None = None) -> ImportResult:
    """Read, check, match and post one 835 file, all or nothing."""

    from claimkit.store.inputs import read_input

    name = path.name
    raw = read_input(path, limit=MAX_ERA_BYTES, what="the .835 file")
    fingerprint = hashlib.sha256(raw).hexdigest()
    result = ImportResult(name, fingerprint, dry_run=dry_run)
    seen = _imported_before(ws.conn, fingerprint)
    if seen:
        result.already, result.already_as = seen
        return result
    if len(raw) <= PRE_READ_BYTES:
        _refuse_unreadable(raw, name)  # before the write lock: a damaged file never holds up other commands
    payer_map = {p.payer_id: pid for pid, p in ws.payers.items() if p.payer_id}
    today = today or date.today()
    # The cyclic garbage collector would walk every object of a large file again and again while it is posted
    # (more than a second on 5,000 claims); nothing made here holds a reference cycle.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with ws.transaction() as conn:
            seen = _imported_before(conn, fingerprint)
            if seen:  # imported by another claimkit while this one waited for the ledger
                result.already, result.already_as = seen
                return result
            _post_era(conn, raw, result, payer_map, today, progress, practice_ids(ws.practice))
            if dry_run or not result.payments:
                conn.execute("ROLLBACK")
                conn.execute("BEGIN")  # the transaction() context commits an empty transaction
    finally:
        if gc_was_enabled:
            gc.enable()
    return result


def _refuse_unreadable(raw: bytes, name: str) -> None:
    from claimkit.remittance.era835 import parse_835

    errors = [f for f in parse_835(raw, source=name, on_payment=lambda pay: None).findings if f.is_error]
    if errors:
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise ClaimkitError(f"{name}: {_located(errors[0])}{more}; nothing was posted")


def _post_era(conn: sqlite3.Connection, raw: bytes, result: ImportResult, payer_map: dict[str, str], today: date,
              progress: Callable[[int, int], None] | None, ours: tuple[set[str], str] = (set(), "")) -> None:
    """Post each payment of the file as the reader hands it over (the whole file is never held as records), inside
    the caller's transaction. A problem found anywhere in the file raises, and the transaction undoes everything:
    a file posts all of it or nothing."""
    from claimkit.remittance.era835 import parse_835

    name, fingerprint = result.file, result.fingerprint
    total = max(raw.count(b"CLP"), 1)  # for the progress bar: the claims, give or take a name holding "CLP"
    done = 0
    cur = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported) VALUES (?,?,?,?)",
                       (fingerprint, "era", name, now_iso()))
    import_id = cur.lastrowid
    claims = _Claims(conn)
    batch = _Batch(conn)
    paid: dict[tuple[str, str], int] = {}  # (claim, payer claim number) -> payments posted minus reversals
    copies: dict[str, int] = {}  # trace -> times seen in this file
    copy_line: dict[str, int] = {}  # trace -> its line in skipped_payments

    def paid_count(post: ClaimPosting) -> int:
        key = (post.claim_id, post.payer_claim_number)
        n = paid.get(key)
        if n is None:
            n = paid[key] = conn.execute(
                "SELECT COALESCE(SUM(CASE WHEN status_code = '22' THEN -1 WHEN status_code IN (" + ",".join("?" * len(PAID_STATUSES))
                + ") THEN 1 ELSE 0 END), 0) FROM remit_claims rc JOIN remittances r ON r.id = rc.remittance_id AND r.source = 'era'"
                " WHERE rc.claim_id = ? AND rc.payer_claim_number = ?",
                (*PAID_STATUSES, *key)).fetchone()[0]
        return n

    settled: dict[tuple[str, str], set] = {}  # (claim, payer claim number) -> the lines paid under it (net of reversals)

    def paid_lines(post: ClaimPosting) -> set:
        key = (post.claim_id, post.payer_claim_number)
        lines = settled.get(key)
        if lines is None:
            lines = settled[key] = {r[0] for r in conn.execute(
                "SELECT session_id FROM postings WHERE claim_id = ? AND source = 'era' AND source_ref = ?"
                " AND kind IN ('insurance_paid', 'patient_resp') GROUP BY session_id, kind HAVING SUM(amount_cents) != 0", key)}
        return lines

    def post_payment(pay) -> None:
        nonlocal done
        payer_key = pay.originator or pay.payer.id or pay.payer.name
        trace = pay.trace_number or f"{fingerprint[:16]}-{pay.control_number}"
        dup = conn.execute("SELECT r.date, r.import_id, i.imported, i.filename FROM remittances r LEFT JOIN imports i"
                           " ON i.id = r.import_id WHERE r.trace = ? AND r.payer_key = ?", (trace, payer_key)).fetchone()
        if dup:
            if dup["import_id"] == import_id:  # one line per payment, however often the file repeats it
                copies[trace] = copies.get(trace, 1) + 1
                note = f"payment {trace} from {pay.payer.name or payer_key} appears {{}} in this file; "
                if trace in copy_line:
                    result.skipped_payments[copy_line[trace]] = note.format(f"{copies[trace]} times") + "only its first copy was posted"
                else:
                    copy_line[trace] = len(result.skipped_payments)
                    result.skipped_payments.append(note.format("twice") + "its second copy was not posted")
            else:
                result.skipped_payments.append(f"payment {trace} from {pay.payer.name or payer_key} was already imported"
                                               f" on {str(dup['imported'])[:10]} ({dup['filename']})")
            return
        day = pay.payment_date or pay.production_date or today
        cur = conn.execute("INSERT INTO remittances (import_id, source, payer_key, payer_name, trace, method, date, amount_cents,"
                           " created) VALUES (?,?,?,?,?,?,?,?,?)",
                           (import_id, "era", payer_key, pay.payer.name, trace, pay.method, day.isoformat(),
                            to_cents(pay.amount), now_iso()))
        remit_id = cur.lastrowid
        result.payments.append({"trace": trace, "payer": pay.payer.name, "method": pay.method, "date": day.isoformat(),
                                "amount": f"{pay.amount:.2f}", "claims": len(pay.claims)})
        claims.prefetch((clp.account or "").strip().upper() for clp in pay.claims)
        sender = payer_map.get(pay.payer.id or "")  # the practice's payer sending this payment, when payers.toml knows it
        ids = claims.found()  # the claims this payment names: which of them have paper EOBs posted
        paper = {r[0] for k in range(0, len(ids), 500) for r in conn.execute(
            "SELECT DISTINCT claim_id FROM postings WHERE source = 'eob' AND claim_id IN (" + ",".join("?" * len(ids[k:k + 500]))
            + ")", ids[k:k + 500])}
        updates, remit_rows = [], []
        not_ours = payee_not_ours(pay.payee, ours)
        for clp in pay.claims:
            post = _claim_posting(clp, pay, claims, payer_map)
            if not_ours and post.claim_id is not None:  # another provider's claim numbered like ours (CK00001 ...)
                where = f"segment {pay.payee.segment} (N1*PE)" if pay.payee.segment else "the payee (N1*PE)"
                raise ClaimkitError(f"{name}: {where}: payment {trace} {not_ours}; nothing was posted: this ERA is for"
                                    " another provider, give it back to whoever sent it")
            differs = member_differs(clp, claims.get(post.claim_id)) if post.claim_id is not None and post.account == post.claim_id else None
            paid_on_file = paid_count(post) if post.claim_id is not None and post.payer_claim_number else 0
            if differs:
                _suspend(conn, import_id, remit_id, post, kind="member differs")
                result.held.append(f"claim {post.claim_id} (payer claim {post.payer_claim_number}): {differs}; held in the"
                                   " suspense list, not posted (check it is this client's claim)")
            elif post.claim_id is None or clp.is_predetermination:
                _suspend(conn, import_id, remit_id, post)
                result.unmatched.append(post)
            elif clp.status != "22" and (clp.charge < 0 or clp.paid < 0 or clp.patient_responsibility < 0):
                # negative totals belong to a reversal (CLP02 22) only; posted, they would give the client a credit
                _suspend(conn, import_id, remit_id, post, kind="negative amounts")
                result.held.append(f"claim {post.claim_id} (payer claim {post.payer_claim_number}): negative amounts (charge"
                                   f" {clp.charge:.2f}, paid {clp.paid:.2f}) on a claim that is not a reversal (CLP02"
                                   f" {clp.status}); held in the suspense list, not posted")
            elif paid_on_file > 0 and clp.status in PAID_STATUSES and paid_lines(post) & {
                    ln.session_id for ln in post.lines if ln.paid or ln.total("PR")}:  # the same lines paid again, nothing reversed
                _suspend(conn, import_id, remit_id, post, kind="paid again")
                result.held.append(f"claim {post.claim_id} (payer claim {post.payer_claim_number}) was already paid and not"
                                   f" reversed; this payment of {post.paid:.2f} {'would be' if result.dry_run else 'is'} held in the suspense"
                                   " list, not posted twice")
            else:
                if post.payer_claim_number:
                    paid[(post.claim_id, post.payer_claim_number)] = paid_on_file + (
                        -1 if clp.status == "22" else 1 if clp.status in PAID_STATUSES else 0)
                    lines = paid_lines(post)
                    if clp.status == "22":
                        lines.clear()
                    else:
                        lines.update(ln.session_id for ln in post.lines if ln.paid or ln.total("PR"))
                if post.claim_id in paper and post.status_code != "22":
                    _undo_paper(batch, post, day, import_id)
                _post_claim(batch, post, day, "era", import_id)
                if paid_on_file < 0 and clp.status in PAID_STATUSES:  # its reversal came first: the two cancel out
                    post.status = "reversed"
                updates.append(_claim_update(post))
                remit_rows.append(_remit_claim_row(remit_id, post, day))
                for ln in post.lines:
                    if ln.line_no is None:
                        result.warnings.append(f"claim {post.claim_id}: the payer's line {ln.cpt} on"
                                               f" {ln.day.isoformat() if ln.day else 'no date'} is on none of the claim's lines;"
                                               " posted to the claim as a whole ('claimkit claim show " + str(post.claim_id) + "')")
                if sender is not None and sender != post.payer:
                    result.warnings.append(f"claim {post.claim_id} was billed to payer '{post.payer}', but this payment comes"
                                           f" from '{sender}' ({pay.payer.name}); check it is the right claim")
                post.raw = None  # matched: the parsed claim is no longer needed
                result.claims.append(post)
            done += 1
            if progress:
                progress(min(done, total), total)
        conn.executemany(_UPDATE_CLAIM, updates)
        conn.executemany(_INSERT_REMIT_CLAIM, remit_rows)
        for plb in pay.provider_adjustments:
            conn.execute(
                "INSERT INTO postings (date, kind, reason, amount_cents, source, source_ref, import_id, note, created, payer)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                ((plb.fiscal_date or day).isoformat(), "provider_adj", plb.reason, to_cents(plb.amount), "era", trace,
                 import_id, plb.reference, now_iso(), payer_map.get(pay.payer.id or "")))
            result.provider_adjustments.append({"trace": trace, "reason": plb.reason, "reference": plb.reference,
                                                "amount": f"{plb.amount:.2f}"})

    era = parse_835(raw, source=name, on_payment=post_payment)
    errors = [f for f in era.findings if f.is_error]
    if errors:  # the transaction is rolled back: nothing of this file is posted
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise ClaimkitError(f"{name}: {_located(errors[0])}{more}; nothing was posted")
    result.warnings = [_located(f) for f in era.findings if not f.is_error] + result.warnings  # + posting's own notes
    if progress and done:
        progress(done, done)
    batch.flush()
    from claimkit.remittance.invariant import in_ledger

    broken = in_ledger(conn, import_id)
    if broken:  # (the plan of each claim was checked before it was written: this is the ledger's own word)
        raise ClaimkitError(f"{name}: {broken[0]}; nothing was posted")
    if not result.payments:
        result.already = "every payment in it"
    conn.execute("UPDATE imports SET summary = ? WHERE id = ?",
                 (f"{len(result.claims)} claims posted, {len(result.unmatched)} unmatched", import_id))


# --- the suspense list ----------------------------------------------------------------------------------

def unmatched(ws: Workspace, *, include_resolved: bool = False) -> list[sqlite3.Row]:
    sql = "SELECT * FROM suspense" + ("" if include_resolved else " WHERE status = 'open'") + " ORDER BY id"
    return ws.conn.execute(sql).fetchall()


def match_item(ws: Workspace, item: int, claim_id: str) -> ClaimPosting:
    """Post a suspense item against a claim the user names, exactly as if the ERA had named it."""
    import dataclasses

    from claimkit.remittance import era835_records as era835

    row = ws.conn.execute("SELECT * FROM suspense WHERE id = ?", (item,)).fetchone()
    if row is None:
        raise ClaimkitError(f"no unmatched item {item}: see 'claimkit era unmatched'")
    if row["status"] != "open":
        raise ClaimkitError(f"item {item} was already matched to claim {row['matched_claim']}")
    claim = ws.conn.execute("SELECT id FROM claims WHERE id = ?", (claim_id.upper(),)).fetchone()
    if claim is None:
        raise ClaimkitError(f"no claim '{claim_id}': see 'claimkit claim list'")
    data = json.loads(row["data"])
    clp = _revive_claim(data["claim"], era835)
    remit = ws.conn.execute("SELECT * FROM remittances WHERE id = ?", (row["remittance_id"],)).fetchone()
    day = date.fromisoformat(remit["date"]) if remit and remit["date"] else date.today()

    class _Pay:  # what _claim_posting reads of a payment
        payer = era835.Payer(name=data.get("payer_name", ""))

    with ws.transaction() as conn:
        now = conn.execute("SELECT status, matched_claim FROM suspense WHERE id = ?", (item,)).fetchone()
        if now["status"] != "open":  # matched by another claimkit while this one waited for the ledger
            raise ClaimkitError(f"item {item} was already matched to claim {now['matched_claim']}")
        if clp.is_predetermination:
            raise ClaimkitError(f"item {item} is a predetermination (CLP02 25): the payer priced the claim and paid nothing;"
                                " it changes no money, so it is not matched")
        forced = dataclasses.replace(clp, account=claim["id"])
        post = _claim_posting(forced, _Pay, _Claims(conn), {})
        post.where = f"item {item}"
        unfit = next((ln for ln in post.lines if ln.line_no is None), None)
        if unfit is not None:  # another client's or payer's claim, most likely: posting would put money on the wrong account
            raise ClaimkitError(f"item {item} does not fit claim {claim['id']}: its {unfit.cpt or 'service'} on"
                                f" {unfit.day.isoformat() if unfit.day else 'no date'} is on none of the claim's lines;"
                                f" check the claim id ('claimkit claim show {claim['id']}')")
        batch = _Batch(conn)
        _post_claim(batch, post, day, "era", row["import_id"])
        batch.flush()
        if post.claim_id is not None:
            conn.execute(_UPDATE_CLAIM, _claim_update(post))
        if remit is not None:
            conn.execute(_INSERT_REMIT_CLAIM, _remit_claim_row(remit["id"], post, day))
        conn.execute("UPDATE suspense SET status = 'matched', matched_claim = ? WHERE id = ?", (claim["id"], item))
        from claimkit.remittance.invariant import in_ledger

        broken = in_ledger(conn, row["import_id"]) if row["import_id"] is not None else []
        if broken:
            raise ClaimkitError(f"item {item}: {broken[0]}; nothing was posted")
    return post


def _revive_claim(data: dict, era835) -> Any:
    """Rebuild a ClaimPayment from its JSON in the suspense list."""

    def dec(v):
        return None if v is None else Decimal(v)

    def day(v):
        return None if not v else date.fromisoformat(v)

    def adj(a):
        return era835.Adjustment(a["group"], a["reason"], Decimal(a["amount"]), dec(a.get("quantity")), a.get("segment", 0))

    def name(n):
        return None if not n else era835.Name(**n)

    lines = tuple(era835.ServiceLine(
        qualifier=ln["qualifier"], code=ln["code"], modifiers=tuple(ln["modifiers"]), charge=Decimal(ln["charge"]),
        paid=Decimal(ln["paid"]), units=Decimal(ln.get("units") or 1), original_code=ln.get("original_code", ""),
        service_date=day(ln.get("service_date")), control_number=ln.get("control_number", ""), allowed=dec(ln.get("allowed")),
        adjustments=tuple(adj(a) for a in ln.get("adjustments", [])), remark_codes=tuple(ln.get("remark_codes", [])))
        for ln in data.get("service_lines", []))
    return era835.ClaimPayment(
        account=data["account"], status=data["status"], charge=Decimal(data["charge"]), paid=Decimal(data["paid"]),
        patient_responsibility=Decimal(data.get("patient_responsibility") or 0), payer_claim_number=data.get("payer_claim_number", ""),
        patient=name(data.get("patient")), insured=name(data.get("insured")), service_start=day(data.get("service_start")),
        service_end=day(data.get("service_end")), adjustments=tuple(adj(a) for a in data.get("adjustments", [])),
        remark_codes=tuple(data.get("remark_codes", [])), service_lines=lines)


# --- paper EOBs ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EobLine:
    claim_id: str
    line: int | None  # None: the claim's only line (or every line must be given)
    allowed: Decimal
    paid: Decimal
    deductible: Decimal = ZERO
    coinsurance: Decimal = ZERO
    copay: Decimal = ZERO
    adjustments: tuple[tuple[str, str, Decimal], ...] = ()  # extra (group, carc, amount), e.g. ("PR", "96", 10)
    payer_claim_number: str = ""
    check: str = ""
    day: date | None = None
    where: str = ""  # "line 3 of eob.csv" for messages


def parse_adjust(text: str, where: str = "--adjust") -> tuple[str, str, Decimal]:
    """'CO-45:60.00' -> ('CO', '45', Decimal('60.00'))."""
    from claimkit.core.money import parse_money

    code, sep, amount = text.partition(":")
    group, dash, reason = code.strip().upper().partition("-")
    if not sep or not dash or group not in ("CO", "PR", "OA", "PI") or not reason.isalnum():
        raise ClaimkitError(f"{where} '{text}': write it as GROUP-CARC:AMOUNT, e.g. CO-45:60.00 (groups CO, PR, OA, PI)")
    try:
        return group, reason, parse_money(amount, field=where)
    except ValueError as exc:
        raise ClaimkitError(str(exc)) from None


def post_eob(ws: Workspace, lines: list[EobLine], *, source_name: str, fingerprint: str | None = None,
             payer_claim_number: str = "") -> list[ClaimPosting]:
    """Post paper EOB lines through the same code as ERAs; every line must balance, or nothing is posted."""
    import dataclasses

    posts: dict[str, ClaimPosting] = {}
    remit_of: dict[str, tuple[int, date]] = {}  # claim -> (remittance row, date) for the remit_claims record
    given: dict[tuple[str, int], EobLine] = {}  # (claim, line) -> its EOB line: a row copied twice must not post twice
    twice: str | None = None
    with ws.transaction() as conn:
        import_id = None
        if fingerprint:
            seen = _imported_before(conn, fingerprint)
            if seen:
                raise AlreadyImported(f"{source_name}: already imported ({imported_when(*seen, source_name)}); nothing changed.")
            import_id = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported) VALUES (?,?,?,?)",
                                     (fingerprint, "eob", source_name, now_iso())).lastrowid
        claims = _Claims(conn)
        batch = _Batch(conn)
        remits: dict[tuple[str, str], int] = {}
        for e in lines:
            row = claims.get(e.claim_id.upper())
            if row is None:
                raise ClaimkitError(f"{e.where or source_name}: no claim '{e.claim_id}'; see 'claimkit claim list'")
            snap_lines = claims.lines(row["id"])
            if e.line is None and len(snap_lines) != 1:
                raise ClaimkitError(f"{e.where or 'eob add'}: claim {row['id']} has {len(snap_lines)} lines; say which with {'column line' if e.where else '--line N'}")
            target = snap_lines[0] if e.line is None else next((s for s in snap_lines if s["line_no"] == e.line), None)
            if target is None:
                raise ClaimkitError(f"{e.where or 'eob add'}: claim {row['id']} has no line {e.line} (it has 1-{len(snap_lines)})")
            first = given.setdefault((row["id"], target["line_no"]), e)
            if first is not e and twice is None:  # refused once every row is checked (the transaction undoes the rest)
                twice = (f"{e.where or source_name}: line {target['line_no']} of claim {row['id']} is given twice"
                         f" (also {first.where or 'above'}); give each service line once")
            charge = Decimal(str(target["charge"]))
            if e.allowed > charge:
                raise ClaimkitError(f"{e.where or 'eob add'}: allowed {e.allowed:.2f} is more than the charge {charge:.2f}")
            adjustments: list[tuple[str, str, Decimal]] = []
            extra_co = sum((a for g, _, a in e.adjustments if g in ("CO", "PI")), ZERO)
            if charge - e.allowed - extra_co < 0:  # the write-off would be negative: the figures contradict each other
                raise ClaimkitError(f"{e.where or 'eob add'}: allowed {e.allowed:.2f} + CO/PI adjustments {extra_co:.2f} is more"
                                    f" than the charge {charge:.2f}; allowed is the charge less the write-off: check the EOB's figures")
            if charge - e.allowed - extra_co:
                adjustments.append(("CO", "45", charge - e.allowed - extra_co))
            for reason, amount in (("1", e.deductible), ("2", e.coinsurance), ("3", e.copay)):
                if amount:
                    adjustments.append(("PR", reason, amount))
            adjustments += list(e.adjustments)
            owed = sum((a for _, _, a in adjustments), ZERO)
            if charge - owed != e.paid:
                raise ClaimkitError(
                    f"{e.where or 'eob add'}: the line does not balance: charge {charge:.2f} - adjustments {owed:.2f} ="
                    f" {charge - owed:.2f}, but paid is {e.paid:.2f}; check the EOB's figures")
            day = e.day or date.today()
            pcn = e.payer_claim_number or payer_claim_number
            post = posts.get(row["id"])
            if post is None:
                payer = ws.payers.get(row["payer"])
                post = ClaimPosting(account=row["id"], claim_id=row["id"], client=row["client"], payer=row["payer"],
                                    payer_name=payer.name if payer else row["payer"], status_code="1", payer_claim_number=pcn,
                                    charge=ZERO, paid=ZERO, lines=[], reasons=[], remarks=[])
                posts[row["id"]] = post
            ln = LinePosting(target["line_no"], target.get("session_id"), date.fromisoformat(target["date_from"]), target["cpt"],
                             charge, e.paid, e.allowed, adjustments)
            _refuse_unbalanced(dataclasses.replace(post, lines=[ln], charge=charge, paid=e.paid, where=e.where or source_name))
            post.lines.append(ln)
            post.charge += charge
            post.paid += e.paid
            trace = e.check or f"eob-{row['id']}-{pcn or day.isoformat()}"
            if (trace, row["payer"]) not in remits:
                existing = conn.execute("SELECT id FROM remittances WHERE trace = ? AND payer_key = ?", (trace, row["payer"])).fetchone()
                if existing and e.check and conn.execute(  # one check pays many lines: refuse only a line it already paid
                        "SELECT 1 FROM remit_claims rc JOIN postings p ON p.claim_id = rc.claim_id AND p.source = 'eob'"
                        " WHERE rc.remittance_id = ? AND rc.claim_id = ? AND p.session_id IS ? LIMIT 1",
                        (existing[0], row["id"], target.get("session_id"))).fetchone():
                    raise ClaimkitError(f"{e.where or 'eob add'}: check {e.check} from {row['payer']} was already posted"
                                        f" on line {target['line_no']} of claim {row['id']}")
                if existing:
                    remits[(trace, row["payer"])] = existing[0]
                else:
                    remits[(trace, row["payer"])] = conn.execute(
                        "INSERT INTO remittances (import_id, source, payer_key, payer_name, trace, method, date, amount_cents, created)"
                        " VALUES (?,?,?,?,?,?,?,?,?)", (import_id, "eob", row["payer"], post.payer_name, trace,
                                                        "CHK" if e.check else "", day.isoformat(), 0, now_iso())).lastrowid
            if first is e:  # (a line given twice in this file is refused above)
                settled = conn.execute(
                    "SELECT SUM(CASE WHEN kind = 'insurance_paid' THEN amount_cents ELSE 0 END),"
                    " SUM(CASE WHEN kind = 'patient_resp' THEN amount_cents ELSE 0 END), MAX(date) FROM postings"
                    " WHERE claim_id = ? AND session_id IS ? AND source IN ('era', 'eob')", (row["id"], target.get("session_id"))).fetchone()
                if settled[0] or settled[1]:  # entered twice (the shell's history, a second sheet): it would be paid twice
                    raise ClaimkitError(f"{e.where or 'eob add'}: line {target['line_no']} of claim {row['id']} was already posted"
                                        f" ({settled[2]}: insurance paid {from_cents(settled[0]):.2f}, client's share"
                                        f" {from_cents(settled[1]):.2f}); an EOB line is posted once")
                _undo_earlier_eob(batch, post, target.get("session_id"), day, import_id)
            conn.execute("UPDATE remittances SET amount_cents = amount_cents + ? WHERE id = ?", (to_cents(e.paid), remits[(trace, row["payer"])]))
            _post_lines(batch, dataclasses.replace(post, lines=[ln]), day, "eob", import_id)
            remit_of[row["id"]] = (remits[(trace, row["payer"])], day)
        if twice:
            raise ClaimkitError(twice)
        batch.flush()
        for post in posts.values():
            # from every line of the claim posted so far, not only this EOB's: lines entered one at a time (eob add)
            # must end in the status the same lines in one CSV get
            lines = conn.execute(
                "SELECT SUM(CASE WHEN kind = 'insurance_paid' THEN amount_cents ELSE 0 END),"
                " SUM(CASE WHEN kind = 'patient_resp' THEN amount_cents ELSE 0 END) FROM postings"
                " WHERE claim_id = ? AND source IN ('era', 'eob') AND kind != 'provider_adj' GROUP BY session_id",
                (post.claim_id,)).fetchall()
            settled = sum(1 for paid, client in lines if paid or client)  # lines the payer paid or gave the client
            post.status = "denied" if not settled else "partial" if settled < len(lines) else "paid"
            conn.execute(_UPDATE_CLAIM, _claim_update(post))
            remit_id, paid_on = remit_of[post.claim_id]
            conn.execute(_INSERT_REMIT_CLAIM, _remit_claim_row(remit_id, post, paid_on))
    return list(posts.values())


EOB_COLUMNS = ("claim", "line", "allowed", "paid", "deductible", "coinsurance", "copay", "adjustments", "payer_claim_number",
               "check", "date")


# ids and numbers copied from an EOB: letters, digits and a few separators; never a spreadsheet formula
# (=, +, @ or - first) or control characters, which would go on into statements and exports
_EOB_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./_-]{0,49}")


def _shown(value: str) -> str:
    """A cell in a message: quoted, control characters escaped, cut to 40 characters."""
    text = value if len(value) <= 40 else value[:40] + "..."
    return repr(text)


def read_eob_csv(path: Path) -> tuple[list[EobLine], str]:
    """The documented CSV (docs/eob-csv.md): one row per service line. Returns the lines and the file's fingerprint."""
    import csv
    import io

    from claimkit.core.money import parse_money

    from claimkit.store.inputs import MB, read_input

    name = path.name
    raw = read_input(path, limit=20 * MB, what="the .csv file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClaimkitError(f"{name}: not UTF-8 text; save the sheet as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise ClaimkitError(f"{name}: the file is empty; the first row must name the columns ({', '.join(EOB_COLUMNS)})")
    header = [h.strip().lower() for h in reader.fieldnames]
    missing = [c for c in ("claim", "allowed", "paid") if c not in header]
    sep = next((c for c in (";", "\t") if len(header) == 1 and c in header[0]), None)
    if missing and sep:  # a spreadsheet saved with semicolons (European settings) or tabs
        raise ClaimkitError(f"{name}: the columns are separated by {'semicolons' if sep == ';' else 'tabs'}, not commas;"
                            " save the sheet as CSV UTF-8 (comma-separated), amounts with a point like 95.00")
    if missing:
        raise ClaimkitError(f"{name}: the header lacks column {missing[0]!r}; columns: {', '.join(EOB_COLUMNS)}")
    if "" in header:  # a sheet often saves empty columns past the last one ("...,date,,"): fine while their cells are empty
        reader.fieldnames = [h or f"#{i + 1}" for i, h in enumerate(header)]
        header = [h for h in header if h]
    unknown = [h for h in header if h not in EOB_COLUMNS]
    if unknown:
        raise ClaimkitError(f"{name}: unknown column {unknown[0]!r}; columns: {', '.join(EOB_COLUMNS)}")
    twice = [h for i, h in enumerate(header) if h in header[:i]]
    if twice:
        raise ClaimkitError(f"{name}: column {twice[0]!r} appears twice in the header; keep one")
    out = []
    for n, raw_row in enumerate(reader, start=2):
        if n > 100_000:
            raise ClaimkitError(f"{name}: more than 100,000 rows; split the file")
        where = f"{name} line {n}"
        if None in raw_row:  # DictReader puts the cells beyond the header under None
            cells = len(reader.fieldnames) + len(raw_row[None])
            raise ClaimkitError(f"{where}: {cells} cells under {len(reader.fieldnames)} columns; remove the extra cells"
                                " (an amount written with a comma, like 1,200.00?)")
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw_row.items()}
        if not any(row.values()):
            continue
        unnamed = next((k for k, v in row.items() if k.startswith("#") and v), None)
        if unnamed:
            raise ClaimkitError(f"{where}: column {unnamed[1:]} has no name in the header but holds {_shown(row[unnamed])};"
                                f" name the column ({', '.join(EOB_COLUMNS)}) or clear the cell")
        for col in ("payer_claim_number", "check"):  # (an unknown claim id is refused when it is looked up)
            value = row.get(col, "")
            if value and not _EOB_REFERENCE.fullmatch(value):
                raise ClaimkitError(f"{where}: column {col} {_shown(value)} is not a check or claim number"
                                    " (letters, digits, - . / and spaces); retype it")

        def money(col: str, required: bool = False) -> Decimal:
            value = row.get(col, "")
            if not value:
                if required:
                    raise ClaimkitError(f"{where}: column {col} is empty; give an amount like 95.00")
                return ZERO
            try:
                return parse_money(value, field=f"{where}, column {col}")
            except ValueError as exc:
                raise ClaimkitError(str(exc)) from None

        line = row.get("line", "")
        if line and not line.isdigit():
            raise ClaimkitError(f"{where}: column line '{line}' must be a line number like 1")
        day = None
        if row.get("date"):
            try:
                day = date.fromisoformat(row["date"])
            except ValueError:
                raise ClaimkitError(f"{where}: column date '{row['date']}' must be YYYY-MM-DD") from None
        adjust = tuple(parse_adjust(a, f"{where}, column adjustments") for a in row.get("adjustments", "").split(";") if a.strip())
        if not row.get("claim"):
            raise ClaimkitError(f"{where}: column claim is empty; give the claim id from box 26 (e.g. CK00012)")
        out.append(EobLine(row["claim"], int(line) if line else None, money("allowed", True), money("paid", True),
                           money("deductible"), money("coinsurance"), money("copay"), adjust, row.get("payer_claim_number", ""),
                           row.get("check", ""), day, where))
    if not out:
        raise ClaimkitError(f"{name}: no rows under the header")
    return out, hashlib.sha256(raw).hexdigest()
