"""Posting a matched claim to the ledger: payments, adjustments, the client's share, reversals (CLP02 22 negates
what was posted for that payer claim number), and the paper EOB postings an ERA or a later EOB replaces.
Every claim's plan is checked against the money invariant (invariant.py) before it is written.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

from claimkit.core import codes
from claimkit.core.codes import (CLP02_DENIED, CLP02_FORWARDED, CLP02_REVERSAL, CONTRACTUAL_GROUPS, DENIED, PAID, PARTIAL,
                                 PATIENT_GROUP, PAYER_GROUPS, PR_CODE_OF_NOTE_SQL, PR_NOT_NAMED, PR_TO_SECONDARY, REVERSED,
                                 is_denied_line)
from claimkit.core.codes import PR_REASON_BY_CARC as PR_REASONS
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, from_cents, to_cents
from claimkit.remittance.records import ClaimPosting, LinePosting
from claimkit.store.ledger import now_iso

_CENTS: dict[Decimal, int] = {}


def cents_of(amount: Decimal) -> int:
    """to_cents, remembered: a remittance repeats the same few amounts thousands of times."""
    c = _CENTS.get(amount)
    if c is None:
        if len(_CENTS) > 50_000:
            _CENTS.clear()
        c = _CENTS[amount] = to_cents(amount)
    return c


class Batch:
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
                              reason, cents_of(amount), source, post.payer_claim_number, import_id, note, self.created))
            if len(self.rows) >= self.SIZE:
                self.flush()

    def flush(self) -> None:
        if self.rows:
            self.conn.executemany(self.SQL, self.rows)
            self.rows.clear()


def refuse_unbalanced(post: ClaimPosting) -> None:
    """A posting that would break the money invariant (remittance/invariant.py) is refused, naming its segment."""
    from claimkit.remittance.invariant import planned

    broken = planned(post)
    if broken is not None:
        raise ClaimkitError(str(broken))


def post_claim(batch: Batch, post: ClaimPosting, day: date, source: str, import_id: int | None) -> None:
    conn = batch.conn
    refuse_unbalanced(post)
    if post.status_code == CLP02_REVERSAL:
        batch.flush()  # the payment being reversed may be earlier in this same file
        note = f"reversal of payer claim {post.payer_claim_number}"
        # each (line, kind, reason, PR code) the original posted is negated under the same codes: a PR-204 comes back
        # as PR-204, not as a client share without its code
        rows = conn.execute(
            f"SELECT session_id, kind, reason, {PR_CODE_OF_NOTE_SQL} AS code, SUM(amount_cents) AS cents FROM postings"
            " WHERE claim_id = ? AND source IN ('era', 'eob') AND source_ref = ? GROUP BY session_id, kind, reason, code",
            (post.claim_id, post.payer_claim_number)).fetchall()
        live = [r for r in rows if r["cents"]]
        for r in live:
            line = LinePosting(None, r["session_id"], None, "", ZERO, ZERO, None, [])
            batch.add(day, post, line, r["kind"], r["reason"], -from_cents(r["cents"]), source, import_id,
                      note=f"{r['code']} {note}".lstrip())
        post.reversed_rows = len(live)
        if not live:  # nothing on file for that payment: post the reversal's own (negative) amounts
            post_lines(batch, post, day, source, import_id, note="reversal (original payment not on file)")
        give_back_to_primary_share(batch, post, day, source, import_id, note)
        post.status = REVERSED
        return
    post_lines(batch, post, day, source, import_id)
    if post.status_code == CLP02_DENIED:
        post.status = DENIED
    elif post.status_code in CLP02_FORWARDED:
        post.status = codes.FORWARDED
    elif post.paid == 0 and not any(ln.total(PATIENT_GROUP) for ln in post.lines):
        post.status = DENIED
    elif any(ln.paid == 0 and ln.total(*PAYER_GROUPS) and not ln.total(PATIENT_GROUP) for ln in post.lines):
        post.status = PARTIAL
    else:
        post.status = PAID
    if post.rank != "primary":
        take_over_client_share(batch, post, day, source, import_id)


# the client's share the primary claims of a session assigned, net of what secondaries took over already
_PRIMARY_SHARE_SQL = (
    "SELECT COALESCE(SUM(p.amount_cents), 0) FROM postings p WHERE p.session_id = ? AND p.kind = 'patient_resp'"
    " AND p.source IN ('era', 'eob') AND ((p.claim_id IS NULL AND p.reason = ?)"
    " OR p.claim_id IN (SELECT c.id FROM claims c JOIN claim_lines l ON l.claim_id = c.id WHERE l.session_id = ?"
    " AND c.rank = 'primary'))")


def take_over_client_share(batch: Batch, post: ClaimPosting, day: date, source: str, import_id: int | None) -> None:
    """A secondary's remittance says what the client owes on each line it adjudicated: the share the primary assigned
    (which the secondary was billed for) is no longer the client's, so it is posted back (a patient_resp of minus that
    share on the session, on no claim, reason codes.PR_TO_SECONDARY); the secondary's own PR posts as usual. A line
    the secondary denied leaves the primary's share where it was."""
    batch.flush()  # the primary's remittance may be earlier in this same file
    who = f"taken over by the secondary ({post.payer_name}, claim {post.claim_id})"
    for ln in post.lines:
        sid = ln.session_id
        if sid is None or is_denied_line(cents_of(ln.paid), cents_of(ln.total(PATIENT_GROUP)), cents_of(ln.total(*PAYER_GROUPS)),
                                         post.status, (f"{g}-{r}" for g, r, _ in ln.adjustments)):
            continue
        (share,) = batch.conn.execute(_PRIMARY_SHARE_SQL, (sid, PR_TO_SECONDARY, sid)).fetchone()
        if share:
            batch.rows.append((day.isoformat(), post.client, sid, None, post.payer, "patient_resp", PR_TO_SECONDARY, -share,
                               source, post.payer_claim_number, import_id, f"the primary's client share {who}",
                               batch.created))


def give_back_to_primary_share(batch: Batch, post: ClaimPosting, day: date, source: str, import_id: int | None,
                               note: str) -> None:
    """A reversal of a secondary's payment gives the client back the primary's share it had taken over."""
    if post.rank == "primary":
        return
    rows = batch.conn.execute(
        "SELECT session_id, SUM(amount_cents) FROM postings WHERE claim_id IS NULL AND kind = 'patient_resp' AND reason = ?"
        " AND source_ref = ? AND session_id IN (SELECT session_id FROM claim_lines WHERE claim_id = ?) GROUP BY session_id",
        (PR_TO_SECONDARY, post.payer_claim_number, post.claim_id)).fetchall()
    for sid, cents in rows:
        if cents:
            batch.rows.append((day.isoformat(), post.client, sid, None, post.payer, "patient_resp", PR_TO_SECONDARY, -cents,
                               source, post.payer_claim_number, import_id, note, batch.created))


def undo_paper(batch: Batch, post: ClaimPosting, day: date, import_id: int | None) -> None:
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


def undo_earlier_eob(batch: Batch, post: ClaimPosting, session_id: int | None, day: date, import_id: int | None) -> None:
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


def post_lines(batch: Batch, post: ClaimPosting, day: date, source: str, import_id: int | None, note: str = "") -> None:
    """The rows of each line: insurance_paid, then its adjustments in file order (zero amounts post nothing).
    Written out rather than through Batch.add: a large ERA makes a quarter of a million of them."""
    denied = post.status_code == CLP02_DENIED  # a denial is work to do, not a loss to hide: no write-off rows
    rows = batch.rows
    append = rows.append
    d = day.isoformat()
    client, claim_id, payer, ref, created = post.client, post.claim_id, post.payer, post.payer_claim_number, batch.created
    cents = cents_of
    for ln in post.lines:
        sid = ln.session_id
        if ln.paid:
            append((d, client, sid, claim_id, payer, "insurance_paid", "", cents(ln.paid), source, ref, import_id, note, created))
        for group, reason, amount in ln.adjustments:
            if not amount:
                continue
            if group == PATIENT_GROUP:  # a reason without a word keeps its code leading the note (codes.PR_CODE_OF_NOTE_SQL)
                why = PR_REASONS.get(reason)
                append((d, client, sid, claim_id, payer, "patient_resp", why or PR_NOT_NAMED, cents(amount), source, ref,
                        import_id, note if why else f"PR-{reason} {note}".rstrip(), created))
            elif not denied:  # CO/PI: contractual; OA, and CR in 4010 files: other_adj
                append((d, client, sid, claim_id, payer, "contractual" if group in CONTRACTUAL_GROUPS else "other_adj",
                        f"{group}-{reason}", cents(amount), source, ref, import_id, note, created))
    if len(rows) >= batch.SIZE:
        batch.flush()


UPDATE_CLAIM = "UPDATE claims SET status = ?, payer_claim_number = COALESCE(NULLIF(?, ''), payer_claim_number) WHERE id = ?"


INSERT_REMIT_CLAIM = (
    "INSERT INTO remit_claims (remittance_id, claim_id, account, status_code, payer_claim_number, charge_cents, paid_cents,"
    " patient_cents, reasons, remarks, date) VALUES (?,?,?,?,?,?,?,?,?,?,?)")


def claim_update(post: ClaimPosting) -> tuple:
    """The parameters of the claim's status update (written per payment with executemany)."""
    return (post.status, post.payer_claim_number, post.claim_id)


def remit_claim_row(remit_id: int, post: ClaimPosting, day: date) -> tuple:
    """What the payment said about this claim, as a remit_claims row (written per payment with executemany)."""
    patient = ZERO
    for ln in post.lines:
        for group, _, amount in ln.adjustments:
            if group == PATIENT_GROUP:
                patient += amount
    return (remit_id, post.claim_id, post.account, post.status_code, post.payer_claim_number, to_cents(post.charge),
            to_cents(post.paid), to_cents(patient), ",".join(post.reasons), ",".join(post.remarks), day.isoformat())
