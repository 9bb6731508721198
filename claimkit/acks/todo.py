"""The clearinghouse's part of `claimkit todo`: rejected claims (the reason, the box, the fix, the filing deadline),
files with no 999, claims with no 277CA, accepted claims with no 835; the waits are practice settings ([edi]
wait_999_days, wait_277ca_days; [defaults] no_remittance_days)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from claimkit.core.codes import ACCEPTED, BILLED, REJECTED

KINDS = ("rejected", "no_999", "no_277ca", "no_835")


def _day(value: str) -> date:
    return datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value[:10])


def items(ws, today: date) -> list:
    from claimkit.reports.todo import TodoItem

    conn = ws.conn
    edi = ws.practice.edi
    wait_999 = int(edi.get("wait_999_days") or 2)
    wait_277 = int(edi.get("wait_277ca_days") or 7)
    wait_835 = ws.practice.defaults.no_remittance_days
    out = []
    payers = ws.payers

    def payer_name(pid: str) -> str:
        p = payers.get(pid)
        return p.name if p else pid

    for cid, client, payer, first, cents in conn.execute(
            "SELECT c.id, c.client, c.payer, MIN(l.date), c.total_cents FROM claims c JOIN claim_lines l ON l.claim_id = c.id"
            " WHERE c.status = ? GROUP BY c.id ORDER BY MIN(l.date), c.id", (REJECTED,)):
        ev = conn.execute("SELECT kind, detail, data FROM claim_events WHERE claim_id = ? AND status = ?"
                          " ORDER BY id DESC LIMIT 1", (cid, REJECTED)).fetchone()
        data = json.loads(ev[2]) if ev else {}
        p = payers.get(payer)
        limit = p.timely_filing_days if p else None
        deadline = date.fromisoformat(first) + timedelta(days=limit) if limit else None
        when = "" if deadline is None else (f"; filing deadline {deadline}" + (f" ({(deadline - today).days} days left)"
                                            if deadline >= today else " (passed)"))
        box = f" [box {data['box']}]" if data.get("box") and data["box"][:1].isdigit() else ""
        reason = ev[1] if ev else "rejected"
        fix = data.get("fix") or f"claimkit claim show {cid}"
        out.append(TodoItem("rejected", f"claim {cid}", f"{client}, {payer_name(payer)}: {ev[0].upper() if ev else ''}"
                            f" {reason}{'' if box and box in reason else box}{when}",
                            f"fix it ({fix}), then resend it as a new original: claimkit x12 837p --claim {cid} -o resend.837",
                            client=client, claim=cid, amount=cents, due=deadline))
    cutoff = (today - timedelta(days=wait_999)).isoformat()
    for export_id, file, isa13, created, n in conn.execute(
            "SELECT id, file, isa13, created, claims FROM x12_exports WHERE ack_status IS NULL AND substr(created, 1, 10)"
            " <= ? ORDER BY id", (cutoff,)):
        name = file.rsplit("/", 1)[-1]
        age = (today - _day(created)).days
        out.append(TodoItem("no_999", name, f"sent {created[:10]} (interchange {isa13}, {n} claim{'s' if n != 1 else ''}),"
                            f" {age} days and no 999",
                            f"download the 999 for {name} from the clearinghouse and 'claimkit x12 import FILE'; if they"
                            f" have no record of it, upload {file} again", due=_day(created) + timedelta(days=wait_999)))
    cutoff = (today - timedelta(days=wait_277)).isoformat()
    for cid, client, sent, file in conn.execute(
            "SELECT c.id, c.client, e.at, e.file FROM claims c JOIN claim_events e ON e.id = (SELECT MAX(id) FROM"
            " claim_events x WHERE x.claim_id = c.id AND x.kind = 'sent') WHERE c.status = :billed"
            " AND substr(e.at, 1, 10) <= :cutoff AND NOT EXISTS (SELECT 1 FROM claim_events y WHERE y.claim_id = c.id"
            " AND y.kind = '277ca' AND y.id > e.id) AND NOT EXISTS (SELECT 1 FROM remit_claims rc WHERE rc.claim_id = c.id)"
            " ORDER BY e.at, c.id", {"billed": BILLED, "cutoff": cutoff}):
        name = file.rsplit("/", 1)[-1]
        out.append(TodoItem("no_277ca", f"claim {cid}", f"{client}: sent {sent[:10]} in {name}, {(today - _day(sent)).days}"
                            " days and no 277CA (accepted or rejected by the clearinghouse)",
                            f"download the 277CA (claim acknowledgment) for {name} and 'claimkit x12 import FILE'; ask the"
                            " clearinghouse if none came", client=client, claim=cid,
                            due=_day(sent) + timedelta(days=wait_277)))
    cutoff = (today - timedelta(days=wait_835)).isoformat()
    for cid, client, payer, accepted in conn.execute(
            "SELECT c.id, c.client, c.payer, MAX(e.at) FROM claims c JOIN claim_events e ON e.claim_id = c.id AND"
            " e.status = :accepted AND e.kind = '277ca' WHERE c.status = :accepted AND NOT EXISTS (SELECT 1 FROM"
            " remit_claims rc WHERE rc.claim_id = c.id) GROUP BY c.id HAVING substr(MAX(e.at), 1, 10) <= :cutoff ORDER BY 4, 1",
            {"accepted": ACCEPTED, "cutoff": cutoff}):
        out.append(TodoItem("no_835", f"claim {cid}", f"{client}, {payer_name(payer)}: accepted {accepted[:10]},"
                            f" {(today - _day(accepted)).days} days and no remittance",
                            f"ask about it: claimkit x12 276 --claim {cid} -o status-{cid}.276 (upload it, then import the 277)",
                            client=client, claim=cid, due=_day(accepted) + timedelta(days=wait_835)))
    return out


def handled(ws) -> set[str]:
    """Claims these items speak for, so the general 'no remittance' item leaves them out."""
    return {r[0] for r in ws.conn.execute("SELECT id FROM claims WHERE status IN (?, ?)", (ACCEPTED, REJECTED))}
