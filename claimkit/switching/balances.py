"""`claimkit import balances`: what each client owed in the old tool at the cut-over, as opening postings.

The client's part becomes one posting dated the cut-over day (source `opening`): a balance owed is the client's
responsibility (reason `opening_balance`), a credit is money already received (reason `opening_credit`).
Statements show it as the opening balance, reports count it in the client's balance, never as a charge.
What insurance still owed is not posted: it is what the old tool's unpaid claims cover, which come over with
`claimkit import 837` as real claims the payer's 835 then pays; the import compares the two and says where
they differ.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from claimkit.core.money import dollars, from_cents, to_cents
from claimkit.store.ledger import now_iso
from claimkit.switching.outcome import ImportReport, Outcome, apply_once, imported_before
from claimkit.switching.past_sessions import client_index, find_client
from claimkit.switching.table import Profile, RowError, Table, cell_money, read_table, split_name
from claimkit.store.workspace import Workspace

FIELDS = ("client_id", "name", "client_owes", "insurance_pending")


def _insurance_outstanding(ws: Workspace, day: date) -> dict[str, int]:
    from claimkit.reports.balances import balances

    return {r.client: r.insurance_outstanding for r in balances(ws, day).clients}


def import_balances(ws: Workspace, path: Path, profile: Profile, *, as_of: date, dry_run: bool = False,
                    skip_bad: bool = False) -> ImportReport:
    table: Table = read_table(path, profile)
    report = ImportReport("opening balances", table.name, dry_run)
    if table.unused:
        report.notes.append(f"columns not imported: {', '.join(table.unused)} (map them with --map if they matter)")
    seen = imported_before(ws.conn, table.fingerprint, table.name)
    if seen:
        report.already = seen
        return report
    index = client_index(ws)
    opened = dict(ws.conn.execute("SELECT client, MIN(date) FROM postings WHERE source = 'opening' GROUP BY client"))
    outstanding = _insurance_outstanding(ws, as_of)
    postings: list[tuple] = []
    lines: dict[str, int] = {}
    for row in table.rows:
        try:
            client = find_client(ws, row, profile, index)
            if client in lines:
                raise RowError(row, "client_id" if row.get("client_id") else "name",
                               f"{client} is also on line {lines[client]}; keep one row per client")
            lines[client] = row.line
            owes = cell_money(row, "client_owes", required=True, allow_negative=True)
            pending = cell_money(row, "insurance_pending", allow_negative=True)
            if client in opened:
                report.outcomes.append(Outcome(row.line, client, "duplicate",
                                               f"an opening balance dated {opened[client]} is on file"))
                continue
            cents = to_cents(owes)
            if cents:
                kind, reason = ("patient_resp", "opening_balance") if cents > 0 else ("patient_paid", "opening_credit")
                postings.append((as_of.isoformat(), client, kind, reason, abs(cents),
                                 f"Opening balance from {table.name} as of {as_of.isoformat()}"))
            detail = f"client owes {dollars(owes)}" if cents >= 0 else f"client credit {dollars(-owes)}"
            if pending is not None:
                here = outstanding.get(client, 0)
                if to_cents(pending) != here:
                    report.notes.append(f"{client}: the old tool says insurance owes {dollars(pending)}; the claims"
                                        f" here await {dollars(from_cents(here))} (import the unpaid claims'"
                                        " 837 files with 'claimkit import 837')")
            report.outcomes.append(Outcome(row.line, client, "create", detail))
        except RowError as exc:
            report.outcomes.append(Outcome(row.line, row.get("client_id") or " ".join(split_name(row, profile)),
                                           "refused", str(exc)))
    def write(conn, import_id: int) -> None:
        now = now_iso()
        conn.executemany("INSERT INTO postings (date, client, kind, reason, amount_cents, source, import_id, note, created)"
                         " VALUES (?,?,?,?,?,'opening',?,?,?)",
                         [(d, c, k, r, a, import_id, n, now) for d, c, k, r, a, n in postings])

    return apply_once(ws, report, table, path, skip_bad, "balances-csv", write)
