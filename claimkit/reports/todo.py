"""`claimkit todo`: the work list, each item with the next step.

- unbilled: insurance sessions not on a claim yet (per client and payer);
- no_remittance: claims standing with no remittance after `no_remittance_days` (practice.toml defaults, or --days);
- timely_filing: unbilled sessions and unanswered claims within 14 days of (or past) the payer's filing limit;
- denial: denied lines still outstanding (not resubmitted or written off), with the action their reason codes suggest,
  by appeal deadline (overdue, under 14 days, later: appeals/deadlines.py) with the command that writes the letter;
- appeal: appeals sent 30+ days ago with no answer from the payer (appeals/records.py);
- unmatched: remittance items posting could not match (the `suspense` table), until resolved;
- statement: client balances with a part over 30 days old (by date of service) and no statement in 30 days;
- authorization: authorizations ending within 30 days or with 2 visits or fewer left;
- eligibility: clients with a session in the next 7 days and no 271 newer than 30 days, and in the first two weeks
  of January (new plan years) every active insured client without a 271 of this year;
- code_set: in September, next year's ICD-10-CM set (in force October 1) and how to load it; sessions dated where
  no loaded set is in force;
- gfe_missing, gfe_expiring, gfe_scope, gfe_over: Good Faith Estimates (claimkit/gfe/watch.py).
- rejected, no_999, no_277ca, no_835: the clearinghouse's replies (acks/todo.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from claimkit.reports.common import (REMIT_DENIED, claims_ctes, denied_owed_ctes, iso, money, prior_cte, reads_one_moment,
                                     usd)
from claimkit.store.ledger import rows_for_ids
from claimkit.store.workspace import Workspace

KINDS = ("unbilled", "timely_filing", "denial", "appeal", "no_remittance", "unmatched", "statement", "authorization", "code_set")
KINDS += ("gfe_missing", "gfe_expiring", "gfe_scope", "gfe_over")
KINDS = ("rejected",) + KINDS[:4] + ("no_999", "no_277ca", "no_835") + KINDS[4:]  # the clearinghouse's (acks/todo.py)
KINDS += ("eligibility",)
FILING_WARN_DAYS = 14
STATEMENT_DAYS = 30
AUTH_WARN_DAYS = 30
AUTH_WARN_VISITS = 2
ELIGIBILITY_DAYS = 7  # sessions this many days ahead want a recent 271
ELIGIBILITY_FRESH_DAYS = 30


@dataclass(frozen=True)
class TodoItem:
    kind: str
    subject: str  # what it is about: a client, claim or session
    detail: str
    action: str
    client: str | None = None
    claim: str | None = None
    amount: int | None = None
    due: date | None = None
    group: str = ""  # denials: overdue | soon | later | appealed (the appeal deadline's urgency)

    def as_json(self) -> dict:
        out = {"kind": self.kind, "subject": self.subject, "client": self.client, "claim": self.claim,
               "amount": money(self.amount) if self.amount is not None else None, "due": iso(self.due),
               "detail": self.detail, "action": self.action}
        if self.group:
            out["group"] = self.group
        return out


def _payer_name(ws: Workspace, payer: str) -> str:
    p = ws.payers.get(payer)
    return p.name if p else payer


def _unbilled(ws: Workspace, today: date) -> list[TodoItem]:
    out = []
    for client, payer, n, first, last, fee in ws.conn.execute(
            "SELECT client, payer, COUNT(*), MIN(date), MAX(date), SUM(fee_cents) FROM sessions"
            " WHERE status = 'unbilled' AND payer IS NOT NULL AND date <= ? GROUP BY client, payer ORDER BY MIN(date)",
            (today.isoformat(),)):
        span = first if first == last else f"{first} to {last}"
        out.append(TodoItem("unbilled", client, f"{n} session{'s' if n != 1 else ''} for {_payer_name(ws, payer)} not billed ({span})",
                            f"claimkit cms1500 render --client {client} -o claims-{client}.pdf", client=client, amount=fee,
                            due=date.fromisoformat(first)))
    return out


def _filing_limit(ws: Workspace, payer: str) -> int | None:
    p = ws.payers.get(payer)
    return p.timely_filing_days if p else None


def _timely_filing(ws: Workspace, today: date, unanswered: list[tuple]) -> list[TodoItem]:
    out = []
    for sid, client, payer, dos in ws.conn.execute(
            "SELECT id, client, payer, date FROM sessions WHERE status = 'unbilled' AND payer IS NOT NULL AND date <= ?"
            " ORDER BY date, id", (today.isoformat(),)):
        limit = _filing_limit(ws, payer)
        if limit is None:
            continue
        deadline = date.fromisoformat(dos) + timedelta(days=limit)
        left = (deadline - today).days
        if left <= FILING_WARN_DAYS:
            when = f"ended {deadline} ({-left} days ago)" if left < 0 else f"ends {deadline} (in {left} days)"
            action = (f"bill it now: claimkit cms1500 render --session {sid} -o claim-{sid}.pdf" if left >= 0 else
                      "past the limit: send with proof of an earlier submission, or write it off; an in-network client cannot be billed")
            out.append(TodoItem("timely_filing", f"session {sid}", f"{client} {dos} not billed; {_payer_name(ws, payer)}'s"
                                f" {limit}-day filing limit {when}", action, client=client, due=deadline))
    for claim, client, payer, first_dos, _billed, _amount in unanswered:
        limit = _filing_limit(ws, payer)
        if limit is None:
            continue
        deadline = date.fromisoformat(first_dos) + timedelta(days=limit)
        left = (deadline - today).days
        if 0 <= left <= FILING_WARN_DAYS:
            out.append(TodoItem("timely_filing", f"claim {claim}", f"no remittance yet and {_payer_name(ws, payer)}'s"
                                f" {limit}-day filing limit ends {deadline} (in {left} days)",
                                f"confirm {_payer_name(ws, payer)} received {claim} (portal or phone) and keep the proof;"
                                f" resend it now if they did not", client=client, claim=claim, due=deadline))
    return out


def _unanswered(ws: Workspace, today: date) -> list[tuple]:
    """Claims standing today with no remittance posted: (claim, client, payer, first date of service, billed, cents
    owed: a secondary claim's is what the primary left the client). Each claim asks its own postings (an index
    probe) whether a remittance was posted, instead of summing every claim's postings."""
    sql = (f"WITH {claims_ctes(None)}, {prior_cte(None)} "
           "SELECT cs.id, cs.client, cs.payer, MIN(l.date), cs.billed, SUM(l.charge_cents - COALESCE(pr.settled, 0)) FROM cs"
           " JOIN claim_lines l ON l.claim_id = cs.id LEFT JOIN prior pr ON pr.claim_id = l.claim_id AND pr.line_no = l.line_no"
           " WHERE cs.stands AND NOT EXISTS (SELECT 1 FROM postings p WHERE p.claim_id = cs.id AND p.source IN ('era', 'eob')"
           " AND p.date <= :d)"
           " AND NOT EXISTS (SELECT 1 FROM remit_claims rc WHERE rc.claim_id = cs.id AND COALESCE(rc.date, '') <= :d)"
           " GROUP BY cs.id ORDER BY cs.billed, cs.id")
    return ws.conn.execute(sql, {"d": today.isoformat()}).fetchall()


def _no_remittance(ws: Workspace, today: date, days: int, unanswered: list[tuple]) -> list[TodoItem]:
    out = []
    for claim, client, payer, first_dos, billed, cents in unanswered:
        age = (today - date.fromisoformat(billed)).days
        if age < days:
            continue
        p = ws.payers.get(payer)
        phone = f" ({p.phone})" if p and p.phone else ""
        out.append(TodoItem("no_remittance", f"claim {claim}", f"{client}, {_payer_name(ws, payer)}: billed {billed},"
                            f" {age} days and no remittance", f"check the claim's status with {_payer_name(ws, payer)}{phone};"
                            f" if they never received it, resend it: claimkit cms1500 render --claim {claim} -o {claim}.pdf",
                            client=client, claim=claim, amount=cents, due=date.fromisoformat(billed) + timedelta(days=days)))
    return out


def _held_reasons(ws: Workspace, today: date, claims: list[str]) -> dict[tuple[str, int | None], dict[str, int]]:
    """(claim, session or None) -> {adjustment reason: cents} of these claims by the day, in one pass."""
    out: dict[tuple[str, int | None], dict[str, int]] = {}
    for claim, sid, reason, cents in rows_for_ids(
            ws.conn, "SELECT claim_id, session_id, reason, SUM(amount_cents) FROM postings WHERE claim_id IN ({ids})"
            " AND kind IN ('contractual', 'other_adj') AND date <= ? GROUP BY claim_id, session_id, reason",
            claims, after=(today.isoformat(),)):
        if reason:
            out.setdefault((claim, sid), {})[reason] = cents
    return out


def _denials(ws: Workspace, today: date) -> list[TodoItem]:
    """Denied lines still outstanding, one item per claim, with the action their first known reason code suggests.
    What is owed is summed for the claims that may hold a denial only; their reasons are read in one pass."""
    from claimkit import catalog

    sql = (f"WITH {denied_owed_ctes(today)} "
           "SELECT o.claim_id, o.client, o.payer, o.line_no, o.session_id, o.date, o.owed, o.cpt, o.held, lr.reasons FROM owed o"
           f" LEFT JOIN lr ON lr.claim_id = o.claim_id WHERE o.claim_id IN (SELECT id FROM dc) AND o.owed > 0"
           f" AND (o.held > 0 OR {REMIT_DENIED}) ORDER BY o.claim_id, o.line_no")
    claims: dict[str, list] = {}
    for row in ws.conn.execute(sql, {"d": today.isoformat()}).fetchall():
        claims.setdefault(row[0], []).append(row)
    held_reasons = _held_reasons(ws, today, [c for c, lines in claims.items() if any(r[8] for r in lines)])
    out, payers = [], {}
    for claim, lines in sorted(claims.items(), key=lambda kv: (min(r[5] for r in kv[1]), kv[0])):
        _, client, payer, *_ = lines[0]
        payers[claim] = payer
        codes: list[str] = []
        for _, _, _, _, sid, _, _, _, held, remit_reasons in lines:
            found = []
            if held:  # the line's own adjustments with the claim's (no session), largest first
                sums = dict(held_reasons.get((claim, None), {}))
                for reason, cents in held_reasons.get((claim, sid), {}).items() if sid is not None else ():
                    sums[reason] = sums.get(reason, 0) + cents
                found = [r for r, c in sorted(sums.items(), key=lambda rc: (-rc[1], rc[0])) if c != 0]
            found = found or [c.strip() for c in (remit_reasons or "").split(",") if c.strip()]
            codes += [c for c in found if c not in codes]
        action = next((found.action for code in codes if (found := catalog.carc(code)) is not None),
                      "read the remittance's reason codes ('claimkit codes explain CODE'), then correct and resend, or appeal")
        owed = sum(r[6] for r in lines)
        action += f" (resend: claimkit claim correct {claim} --replace; or write it off: claimkit writeoff {claim} {money(owed)} --reason TEXT)"
        dates = sorted(r[5] for r in lines)
        when = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
        what = lines[0][7] if len(lines) == 1 else f"{len(lines)} lines"
        subject = f"claim {claim}" + (f" line {lines[0][3]}" if len(lines) == 1 else "")
        out.append(TodoItem("denial", subject, f"{client} {when} {what}: denied by {_payer_name(ws, payer)}"
                            f" ({', '.join(codes) or 'no reason code'}), {usd(owed)} outstanding", action, client=client,
                            claim=claim, amount=owed))
    return _with_appeal_deadlines(ws, today, out, payers)


def _with_appeal_deadlines(ws: Workspace, today: date, denials: list[TodoItem], payers: dict[str, str]) -> list[TodoItem]:
    """Each denial with its appeal deadline (remittance date + the payer's window) and the letter's command,
    ordered by deadline; a denial whose appeal is waiting for the answer says so instead."""
    from dataclasses import replace

    from claimkit.appeals import deadlines, records

    claims = [i.claim for i in denials if i.claim]
    remitted = deadlines.remitted_on(ws.conn, claims, today)
    sent = records.latest_by_claim(ws.conn, claims)
    out = []
    for item in denials:
        day = remitted.get(item.claim or "")
        if day is None:
            out.append(item)
            continue
        payer = ws.payers.get(payers[item.claim])
        window = deadlines.appeal_window(payer)
        deadline = deadlines.appeal_deadline(day, payer)
        appeal = sent.get(item.claim or "")
        if appeal is not None and appeal.status == "sent":
            out.append(replace(item, detail=f"{item.detail}; appeal sent {appeal.sent}, waiting for the answer", due=deadline,
                               group="appealed", action=f"wait for {_payer_name(ws, appeal.payer)}'s answer; if they"
                               f" uphold the denial: claimkit appeal close {item.claim} --lost"))
            continue
        letter = f"write the appeal: claimkit appeal render {item.claim} -o appeal-{item.claim}.pdf"
        advice, sep, rest = item.action.partition(" (resend: ")
        advice = advice.rstrip(".")
        lost = f"; appeal lost {appeal.answered}" if appeal is not None and appeal.status == "lost" else ""
        out.append(replace(item, detail=f"{item.detail}{lost}; {deadlines.phrase(deadline, today, window)}",
                           action=f"{advice}; {letter}{sep}{rest}", due=deadline, group=deadlines.urgency(deadline, today)))
    order = {"overdue": 0, "soon": 1, "later": 2, "appealed": 3, "": 4}
    return sorted(out, key=lambda i: (order[i.group], i.due or date.max, i.claim or ""))


def _appeals_waiting(ws: Workspace, today: date) -> list[TodoItem]:
    """Appeals sent 30 or more days ago that the payer has not answered."""
    from claimkit.appeals import records

    out = []
    for a in records.unanswered(ws.conn, today):
        p = ws.payers.get(a.payer)
        phone = f" ({p.phone})" if p and p.phone else ""
        out.append(TodoItem("appeal", f"claim {a.claim}", f"{a.client}: appeal sent to {_payer_name(ws, a.payer)} {a.sent},"
                            f" {(today - a.sent).days} days and no answer", f"ask {_payer_name(ws, a.payer)}{phone} where the"
                            f" appeal stands; when they answer no: claimkit appeal close {a.claim} --lost", client=a.client,
                            claim=a.claim, due=a.sent + timedelta(days=records.NO_ANSWER_DAYS)))
    return out


def _unmatched(ws: Workspace) -> list[TodoItem]:
    """The open items of the suspense list (remittance/suspense.py: remittance claims no claim matched)."""
    conn = ws.conn
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'suspense'").fetchone() is None:
        return []
    cols = [r[1] for r in conn.execute("PRAGMA table_info(suspense)")]
    where = " WHERE status = 'open'" if "status" in cols else ""
    out = []
    for r in conn.execute(f"SELECT * FROM suspense{where} ORDER BY id"):
        row = dict(zip(cols, r))
        cents = row.get("paid_cents", next((row[c] for c in cols if c.endswith("cents") and isinstance(row[c], int)), None))
        shown = [f"{k.replace('_', ' ')} {v}" for k, v in row.items()
                 if v not in (None, "") and k not in ("id", "created", "raw", "data", "import_id", "remittance_id", "status",
                                                      "matched_claim", "kind") and not k.endswith("cents")][:6]
        if "charge_cents" in row:
            shown.append(f"charge {usd(row['charge_cents'])}, paid {usd(row.get('paid_cents'))}")
        out.append(TodoItem("unmatched", f"unmatched item {row.get('id', '')}", "; ".join(shown),
                            f"find the claim it belongs to and post it: claimkit era match {row.get('id', '')} CLAIM"
                            " (see 'claimkit era --help')", amount=cents))
    return out


def _statements(ws: Workspace, today: date) -> list[TodoItem]:
    from claimkit.reports.aging import client_part_buckets

    last = dict(ws.conn.execute("SELECT client, MAX(date) FROM statements WHERE date <= ? GROUP BY client", (today.isoformat(),)))
    out = []
    for cid, (b, _) in sorted(client_part_buckets(ws.conn, today).items()):
        older = sum(b.amounts[1:])
        if b.total <= 0 or older <= 0:
            continue
        sent = last.get(cid)
        if sent and (today - date.fromisoformat(sent)).days <= STATEMENT_DAYS:
            continue
        when = f"last statement {sent}" if sent else "no statement sent yet"
        out.append(TodoItem("statement", cid, f"owes {usd(b.total)}, {usd(older)} of it over 30 days; {when}",
                            f"claimkit statement render {cid} -o statement-{cid}.pdf", client=cid, amount=b.total))
    return out


def _authorizations(ws: Workspace, today: date) -> list[TodoItem]:
    out = []
    for client in ws.clients():
        if client.status == "discharged":
            continue
        for auth in client.authorizations:
            if auth.start and auth.start > today + timedelta(days=AUTH_WARN_DAYS):
                continue
            if auth.end and auth.end < today - timedelta(days=AUTH_WARN_DAYS):
                continue
            later = [a for a in client.authorizations if a is not auth and a.payer == auth.payer
                     and (a.end is None or (auth.end is not None and a.end > auth.end))]
            if later:
                continue
            sql = "SELECT COUNT(*) FROM sessions WHERE client = ? AND status != 'void'"
            args: list = [client.id]
            if auth.start:
                sql += " AND date >= ?"
                args.append(auth.start.isoformat())
            if auth.end:
                sql += " AND date <= ?"
                args.append(auth.end.isoformat())
            if auth.payer:
                sql += " AND payer = ?"
                args.append(auth.payer)
            if auth.cpts:
                sql += f" AND cpt IN ({','.join('?' * len(auth.cpts))})"
                args.extend(auth.cpts)
            used = ws.conn.execute(sql, args).fetchone()[0]
            problems = []
            if auth.end is not None:
                left = (auth.end - today).days
                if left < 0:
                    problems.append(f"ended {auth.end}")
                elif left <= AUTH_WARN_DAYS:
                    problems.append(f"ends {auth.end} (in {left} days)")
            if auth.visits is not None:
                remaining = auth.visits - used
                if remaining < 0:
                    problems.append(f"{used} sessions on {auth.visits} authorized visits ({-remaining} over)")
                elif remaining <= AUTH_WARN_VISITS:
                    problems.append(f"{remaining} of {auth.visits} visits left")
            if problems:
                out.append(TodoItem("authorization", client.id, f"authorization {auth.number}"
                                    f" ({_payer_name(ws, auth.payer) if auth.payer else 'any payer'}): {'; '.join(problems)}",
                                    f"ask {_payer_name(ws, auth.payer) if auth.payer else 'the payer'} for a new authorization"
                                    f" and add it to clients/{client.id}.toml", client=client.id, due=auth.end))
    return out


def _eligibility(ws: Workspace, today: date) -> list[TodoItem]:
    """Clients to verify: a session soon and no recent 271; every insured client at the start of the year."""
    from claimkit.eligibility.store import latest_received

    received = latest_received(ws.conn)
    fresh = (today - timedelta(days=ELIGIBILITY_FRESH_DAYS)).isoformat()
    soon = dict(ws.conn.execute(
        "SELECT client, MIN(date) FROM sessions WHERE status != 'void' AND date >= ? AND date <= ? GROUP BY client",
        (today.isoformat(), (today + timedelta(days=ELIGIBILITY_DAYS)).isoformat())))
    new_year = today.month == 1 and today.day <= 14
    out = []
    for client in ws.clients():
        if client.status == "discharged":
            continue
        insured = [p for p in client.policies if p.cost_sharing != "self_pay" and p.in_force(today)]
        if not insured:
            continue
        last = received.get(client.id)
        when = f"last 271 {last}" if last else "no 271 on file"
        command = f"claimkit eligibility request {client.id} -o eligibility-{client.id}.270"
        if client.id in soon and (last is None or last < fresh):
            out.append(TodoItem("eligibility", client.id, f"session on {soon[client.id]}, {when}: verify the benefits"
                                " before it", command, client=client.id, due=date.fromisoformat(soon[client.id])))
        elif new_year and (last is None or last < f"{today.year}-01-01"):
            out.append(TodoItem("eligibility", client.id, f"a new plan year began, {when}: deductibles and copays may"
                                " have changed", command, client=client.id, due=date(today.year, 1, 14)))
    return out


@reads_one_moment
def todo(ws: Workspace, *, today: date | None = None, days: int | None = None) -> list[TodoItem]:
    day = today or date.today()
    wait = days if days is not None else ws.practice.defaults.no_remittance_days
    unanswered = _unanswered(ws, day)  # shared by the filing limits and the claims with no remittance
    from claimkit.acks.todo import handled, items as clearinghouse_items  # rejected, no 999 / 277CA / 835

    acked = handled(ws)
    items = clearinghouse_items(ws, day) + (
        _unbilled(ws, day) + _timely_filing(ws, day, unanswered) + _denials(ws, day) + _appeals_waiting(ws, day)
        + _no_remittance(ws, day, wait, [u for u in unanswered if u[0] not in acked]) + _unmatched(ws)
        + _statements(ws, day) + _authorizations(ws, day) + _eligibility(ws, day))
    from claimkit.gfe.watch import todo_items as gfe_items

    return items + _code_sets(ws, day) + gfe_items(ws, day)


def _code_sets(ws: Workspace, today: date) -> list[TodoItem]:
    """ICD-10-CM: next year's set in September, and sessions in a year no loaded set covers."""
    from claimkit.catalog.icd10cm import home_folder, home_sets
    from claimkit.checks.coding import load_hint

    sets = home_sets(home_folder(ws.home))
    out = []
    if today.month == 9 and sets.by_name(today.year + 1) is None:
        fy = today.year + 1
        out.append(TodoItem("code_set", f"ICD-10-CM FY{fy}", f"takes effect on {today.year}-10-01; diagnoses on sessions from"
                            " then are checked against it", load_hint(fy), due=date(today.year, 10, 1)))
    missing: dict[int, list] = {}
    for day, n, unbilled in ws.conn.execute(
            "SELECT date, COUNT(*), SUM(status = 'unbilled') FROM sessions WHERE status != 'void' AND dx != ''"
            " AND payer IS NOT NULL GROUP BY date ORDER BY date"):
        when = date.fromisoformat(day)
        if sets.in_force(when) is None:
            missing.setdefault(sets.missing_year(when), []).append((when, n, unbilled or 0))
    for fy, days in sorted(missing.items()):
        n, unbilled = sum(d[1] for d in days), sum(d[2] for d in days)
        first, last = days[0][0], days[-1][0]
        span = first.isoformat() if first == last else f"{first} to {last}"
        out.append(TodoItem("code_set", f"ICD-10-CM FY{fy}", f"{n} session{'s' if n != 1 else ''} ({unbilled} not billed) dated {span}"
                            f" fall in FY{fy}, which is not loaded: their diagnoses are checked against an older set",
                            load_hint(fy), due=first))
    return out
