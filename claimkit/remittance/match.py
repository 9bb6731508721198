"""Matching a remittance to the practice's claims and their lines: CLP01 (or the external id), else member +
date + CPT + charge; each service line by REF*6R, then CPT + modifiers + date. Whose payment it is (the payee)
and whose claim (the member) are checked here too.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from typing import Any

from claimkit.core.codes import CLP02_DENIED, PATIENT_GROUP, SUPERSEDED, sql_list
from claimkit.core.money import ZERO, to_cents
from claimkit.remittance.records import ClaimPosting, LinePosting

class Claims:
    """The practice's claims with their snapshot lines for matching: read a payment's claims in one query
    (``prefetch``), each claim's lines parsed once while that payment is posted. Only the snapshot's lines are
    read (SQLite cuts them out): matching needs nothing else, and the rest of a snapshot (the whole claim, its people
    and providers) is as large again as its lines or larger."""

    SQL = ("SELECT id, client, payer, rank, status, json_extract(snapshot, '$.lines') AS lines,"
           " json_extract(snapshot, '$.billed.member_id') AS member FROM claims WHERE id ")
    BY_EXTERNAL = ("SELECT id, client, payer, rank, status, json_extract(snapshot, '$.lines') AS lines,"
                   " json_extract(snapshot, '$.billed.member_id') AS member, external_id"
                   f" FROM claims WHERE status NOT IN ({sql_list(SUPERSEDED)}) AND external_id ")

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
            f" AND upper(json_extract(c.snapshot, '$.billed.member_id')) = ? AND c.status NOT IN ({sql_list(SUPERSEDED)})"
            " ORDER BY c.created DESC", (day.isoformat(), cpt, to_cents(charge), member_id.upper())).fetchall()
        return rows[0][0] if rows else None


def match_lines(pool: list[dict], lines) -> list[tuple[Any, dict | None]]:
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


def plain_id(value: str | None) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def practice_ids(practice) -> tuple[set[str], str]:
    """The NPIs (billing, rendering) and the tax id (digits) an ERA's payee must carry to be this practice's."""
    npis = {n for n in (practice.billing.npi, practice.provider.npi) if n}
    return npis, plain_id(practice.billing.tax_id)


def payee_not_ours(payee, ours: tuple[set[str], str]) -> str | None:
    """Why the payee (N1*PE, REF*TJ) of a payment is another provider, or None when it is this practice (or the
    payment does not say who it pays)."""
    npis, tin = ours
    npi, their_tin = plain_id(payee.npi), plain_id(payee.tin)
    if not npi and not their_tin:
        return None
    if (npi and npi in npis) or (their_tin and their_tin == tin):
        return None
    said = ", ".join(x for x in (f"NPI {npi}" if npi else "", f"tax ID {their_tin}" if their_tin else "") if x)
    mine = ", ".join(x for x in (f"NPI {'/'.join(sorted(npis))}" if npis else "", f"tax ID {tin}" if tin else "") if x)
    return f"is to {payee.name or 'another payee'} ({said}), not to this practice ({mine or 'no NPI or tax ID in practice.toml'})"


def member_differs(clp, row) -> str | None:
    """Why the patient/member of a remittance claim is not the claim's (matched by its id, CLP01), or None."""
    billed = plain_id(row["member"]) if row is not None and "member" in row.keys() else ""
    said = [plain_id(n.id) for n in (clp.patient, clp.insured) if n is not None and n.id]
    if not billed or not said or billed in said:
        return None
    return f"member {said[0]} on the remittance, {billed} on the claim"


def claim_posting(clp, payment, claims: Claims, payer_map: dict[str, str]) -> ClaimPosting:
    account = (clp.account or "").strip().upper()
    row = claims.get(account) if account else None
    first = clp.service_lines[0] if clp.service_lines else None
    if row is None and first is not None:
        member = (clp.patient.id if clp.patient and clp.patient.id else "") or (clp.insured.id if clp.insured else "")
        found = claims.by_member(member, first.service_date or clp.service_start, first.code, first.charge)
        row = claims.get(found) if found else None
    payer_name = payment.payer.name.title() if payment.payer.name else "the payer"
    reasons = sorted({f"{a.group}-{a.reason}" for a in clp.all_adjustments if a.group != PATIENT_GROUP or clp.status == CLP02_DENIED})
    remarks = list(clp.remark_codes) + [r for ln in clp.service_lines for r in ln.remark_codes]
    post = ClaimPosting(account=account, claim_id=row["id"] if row else None, client=row["client"] if row else None,
                        payer=row["payer"] if row else payer_map.get(payment.payer.id or "", None), payer_name=payer_name,
                        status_code=clp.status, payer_claim_number=clp.payer_claim_number, charge=clp.charge, paid=clp.paid,
                        lines=[], reasons=reasons, remarks=remarks, raw=clp,
                        where=f"segment {clp.segment} (CLP)" if clp.segment else "", rank=row["rank"] if row else "primary")
    if row is None:
        post.lines = [LinePosting(None, None, ln.service_date or clp.service_start, ln.code, ln.charge, ln.paid, ln.allowed,
                                  [(a.group, a.reason, a.amount) for a in ln.adjustments], list(ln.remark_codes))
                      for ln in clp.service_lines]
        return post
    snap_lines = claims.lines(row["id"])
    if clp.service_lines:
        for ln, snap_line in match_lines(snap_lines, clp.service_lines):
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
            take_claim_adjustments(post.lines, sum((a.amount for a in clp.adjustments), ZERO))
    return post


def take_claim_adjustments(lines: list[LinePosting], taken: Decimal) -> None:
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
