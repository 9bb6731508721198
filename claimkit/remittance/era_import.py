"""`era import`: read, check, match and post one 835 file, all or nothing, in one transaction. Payments are
posted as the reader hands them over; PLB provider adjustments are kept apart from clients.
"""

from __future__ import annotations

import gc
import hashlib
import sqlite3
from datetime import date
from pathlib import Path
from typing import Callable

from claimkit.core.codes import CLP02_PROCESSED as PAID_STATUSES
from claimkit.core.codes import CLP02_REVERSAL, PATIENT_GROUP, REVERSED
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import to_cents
from claimkit.remittance.imports import imported_before
from claimkit.remittance.match import claim_posting, Claims, member_differs, payee_not_ours, practice_ids
from claimkit.remittance.post import Batch, claim_update, INSERT_REMIT_CLAIM, post_claim, remit_claim_row, undo_paper, UPDATE_CLAIM
from claimkit.remittance.records import ClaimPosting, ImportResult
from claimkit.remittance.suspense import suspend
from claimkit.store.ledger import now_iso
from claimkit.store.workspace import Workspace
from claimkit.x12.envelope import cut_off

MAX_ERA_BYTES = 200 * 1024 * 1024


PRE_READ_BYTES = 5 * 1024 * 1024  # files up to this size are read once before locking (a larger one: in the transaction)
# CLP02 in the words `era unmatched` shows: a denial or a predetermination must not look like a payment to match


def located(f) -> str:
    """A reader finding as one line, led by its segment number unless the message already names it."""
    if f.segment is None or f"segment {f.segment}" in f.message:
        return f.message
    return f"segment {f.segment}: {f.message}"


KEEP_CLAIMS = 100  # claims a result keeps to be shown (the rest are counted): memory stays flat in the file's size


def import_era(ws: Workspace, path: Path, *, dry_run: bool = False, progress: Callable[[int, int], None] | None = None,
               today: date | None = None, keep: int | None = KEEP_CLAIMS) -> ImportResult:
    """Read, check, match and post one 835 file, all or nothing. The result keeps the first ``keep`` claims
    posted and unmatched and counts the rest (``keep=None``: every claim, as --json prints them)."""

    from claimkit.store.inputs import read_input

    name = path.name
    raw = read_input(path, limit=MAX_ERA_BYTES, what="the .835 file")
    fingerprint = hashlib.sha256(raw).hexdigest()
    result = ImportResult(name, fingerprint, dry_run=dry_run, keep=keep)
    seen = imported_before(ws.conn, fingerprint)
    if seen:
        result.already, result.already_as = seen
        return result
    if len(raw) <= PRE_READ_BYTES:
        refuse_unreadable(raw, name)  # before the write lock: a damaged file never holds up other commands
    elif cut_off(raw):  # a large file is read whole once, in the transaction; one cut short is refused before it
        raise ClaimkitError(f"{name}: the file ends without its IEA segment: it was cut off; download it again;"
                            " nothing was posted")
    payer_map = {p.payer_id: pid for pid, p in ws.payers.items() if p.payer_id}
    today = today or date.today()
    # The cyclic garbage collector would walk every object of a large file again and again while it is posted
    # (more than a second on 5,000 claims); nothing made here holds a reference cycle.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        with ws.transaction() as conn:
            seen = imported_before(conn, fingerprint)
            if seen:  # imported by another claimkit while this one waited for the ledger
                result.already, result.already_as = seen
                return result
            post_era(conn, raw, result, payer_map, today, progress, practice_ids(ws.practice))
            if dry_run or not result.payments:
                conn.execute("ROLLBACK")
                conn.execute("BEGIN")  # the transaction() context commits an empty transaction
    finally:
        if gc_was_enabled:
            gc.enable()
    return result


def refuse_unreadable(raw: bytes, name: str) -> None:
    from claimkit.remittance.era835 import parse_835

    errors = [f for f in parse_835(raw, source=name, on_payment=lambda pay: None).findings if f.is_error]
    if errors:
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise ClaimkitError(f"{name}: {located(errors[0])}{more}; nothing was posted")


def post_era(conn: sqlite3.Connection, raw: bytes, result: ImportResult, payer_map: dict[str, str], today: date,
              progress: Callable[[int, int], None] | None, ours: tuple[set[str], str] = (set(), "")) -> None:
    """Post each payment (ST..SE) of the file as the reader hands it over, inside the caller's transaction: its
    rows are written and its records dropped before the next one is read, so memory does not grow with the file
    (the result counts claims and keeps the first few). A problem found anywhere in the file raises, and the
    transaction undoes everything: a file posts all of it or nothing."""
    from claimkit.remittance.era835 import parse_835

    name, fingerprint = result.file, result.fingerprint
    total = max(raw.count(b"CLP"), 1)  # for the progress bar: the claims, give or take a name holding "CLP"
    done = 0
    cur = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported) VALUES (?,?,?,?)",
                       (fingerprint, "era", name, now_iso()))
    import_id = cur.lastrowid
    claims = Claims(conn)
    batch = Batch(conn)
    # per payment (the ledger holds the earlier payments' rows): (claim, payer claim number) -> payments posted minus reversals
    paid: dict[tuple[str, str], int] = {}
    copies: dict[str, int] = {}  # trace -> times seen in this file
    copy_line: dict[str, int] = {}  # trace -> its line in skipped_payments

    def paid_count(post: ClaimPosting) -> int:
        key = (post.claim_id, post.payer_claim_number)
        n = paid.get(key)
        if n is None:
            n = paid[key] = conn.execute(
                f"SELECT COALESCE(SUM(CASE WHEN status_code = '{CLP02_REVERSAL}' THEN -1 WHEN status_code IN (" + ",".join("?" * len(PAID_STATUSES))
                + ") THEN 1 ELSE 0 END), 0) FROM remit_claims rc JOIN remittances r ON r.id = rc.remittance_id AND r.source = 'era'"
                " WHERE rc.claim_id = ? AND rc.payer_claim_number = ?",
                (*PAID_STATUSES, *key)).fetchone()[0]
        return n

    settled: dict[tuple[str, str], set] = {}  # per payment: (claim, payer claim number) -> the lines paid under it (net of reversals)

    def paid_lines(post: ClaimPosting) -> set:
        key = (post.claim_id, post.payer_claim_number)
        lines = settled.get(key)
        if lines is None:
            lines = settled[key] = {r[0] for r in conn.execute(
                "SELECT session_id FROM postings WHERE claim_id = ? AND +source = 'era' AND source_ref = ?"
                " AND +kind IN ('insurance_paid', 'patient_resp') GROUP BY session_id, kind HAVING SUM(amount_cents) != 0", key)}
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
            post = claim_posting(clp, pay, claims, payer_map)
            if not_ours and post.claim_id is not None:  # another provider's claim numbered like ours (CK00001 ...)
                where = f"segment {pay.payee.segment} (N1*PE)" if pay.payee.segment else "the payee (N1*PE)"
                raise ClaimkitError(f"{name}: {where}: payment {trace} {not_ours}; nothing was posted: this ERA is for"
                                    " another provider, give it back to whoever sent it")
            differs = member_differs(clp, claims.get(post.claim_id)) if post.claim_id is not None and post.account == post.claim_id else None
            paid_on_file = paid_count(post) if post.claim_id is not None and post.payer_claim_number else 0
            if differs:
                suspend(conn, import_id, remit_id, post, kind="member differs")
                result.held.append(f"claim {post.claim_id} (payer claim {post.payer_claim_number}): {differs}; held in the"
                                   " suspense list, not posted (check it is this client's claim)")
            elif post.claim_id is None or clp.is_predetermination:
                suspend(conn, import_id, remit_id, post)
                post.raw = None  # in the suspense list: the parsed claim is no longer needed
                result.suspended(post)
            elif clp.status != CLP02_REVERSAL and (clp.charge < 0 or clp.paid < 0 or clp.patient_responsibility < 0):
                # negative totals belong to a reversal (CLP02 22) only; posted, they would give the client a credit
                suspend(conn, import_id, remit_id, post, kind="negative amounts")
                result.held.append(f"claim {post.claim_id} (payer claim {post.payer_claim_number}): negative amounts (charge"
                                   f" {clp.charge:.2f}, paid {clp.paid:.2f}) on a claim that is not a reversal (CLP02"
                                   f" {clp.status}); held in the suspense list, not posted")
            elif paid_on_file > 0 and clp.status in PAID_STATUSES and paid_lines(post) & {
                    ln.session_id for ln in post.lines if ln.paid or ln.total(PATIENT_GROUP)}:  # the same lines paid again, nothing reversed
                suspend(conn, import_id, remit_id, post, kind="paid again")
                result.held.append(f"claim {post.claim_id} (payer claim {post.payer_claim_number}) was already paid and not"
                                   f" reversed; this payment of {post.paid:.2f} {'would be' if result.dry_run else 'is'} held in the suspense"
                                   " list, not posted twice")
            else:
                if post.payer_claim_number:
                    paid[(post.claim_id, post.payer_claim_number)] = paid_on_file + (
                        -1 if clp.status == CLP02_REVERSAL else 1 if clp.status in PAID_STATUSES else 0)
                    lines = paid_lines(post)
                    if clp.status == CLP02_REVERSAL:
                        lines.clear()
                    else:
                        lines.update(ln.session_id for ln in post.lines if ln.paid or ln.total(PATIENT_GROUP))
                if post.claim_id in paper and post.status_code != CLP02_REVERSAL:
                    undo_paper(batch, post, day, import_id)
                post_claim(batch, post, day, "era", import_id)
                if paid_on_file < 0 and clp.status in PAID_STATUSES:  # its reversal came first: the two cancel out
                    post.status = REVERSED
                updates.append(claim_update(post))
                remit_rows.append(remit_claim_row(remit_id, post, day))
                for ln in post.lines:
                    if ln.line_no is None:
                        result.warnings.append(f"claim {post.claim_id}: the payer's line {ln.cpt} on"
                                               f" {ln.day.isoformat() if ln.day else 'no date'} is on none of the claim's lines;"
                                               " posted to the claim as a whole ('claimkit claim show " + str(post.claim_id) + "')")
                if sender is not None and sender != post.payer:
                    result.warnings.append(f"claim {post.claim_id} was billed to payer '{post.payer}', but this payment comes"
                                           f" from '{sender}' ({pay.payer.name}); check it is the right claim")
                post.raw = None  # matched: the parsed claim is no longer needed
                result.posted(post)
            done += 1
            if progress:
                progress(min(done, total), total)
        conn.executemany(UPDATE_CLAIM, updates)
        conn.executemany(INSERT_REMIT_CLAIM, remit_rows)
        for plb in pay.provider_adjustments:
            conn.execute(
                "INSERT INTO postings (date, kind, reason, amount_cents, source, source_ref, import_id, note, created, payer)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                ((plb.fiscal_date or day).isoformat(), "provider_adj", plb.reason, to_cents(plb.amount), "era", trace,
                 import_id, plb.reference, now_iso(), payer_map.get(pay.payer.id or "")))
            result.provider_adjustments.append({"trace": trace, "reason": plb.reason, "reference": plb.reference,
                                                "amount": f"{plb.amount:.2f}"})
        batch.flush()  # this payment's rows in the ledger: the next payment reads them there, not from memory
        paid.clear()
        settled.clear()

    era = parse_835(raw, source=name, on_payment=post_payment)
    errors = [f for f in era.findings if f.is_error]
    if errors:  # the transaction is rolled back: nothing of this file is posted
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        raise ClaimkitError(f"{name}: {located(errors[0])}{more}; nothing was posted")
    result.warnings = [located(f) for f in era.findings if not f.is_error] + result.warnings  # + posting's own notes
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
                 (f"{result.posted_count} claims posted, {result.unmatched_count} unmatched", import_id))
