"""The suspense list: what a remittance said that matched no claim (or must not be posted: paid again,
negative totals, another member), kept with all its data; `era unmatched` lists it and `era match`
posts an item against the claim the user names.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from claimkit.core.errors import ClaimkitError
from claimkit.core.money import to_cents
from claimkit.remittance.match import claim_posting, Claims
from claimkit.remittance.post import Batch, claim_update, INSERT_REMIT_CLAIM, post_claim, remit_claim_row, UPDATE_CLAIM
from claimkit.remittance.records import ClaimPosting
from claimkit.store.ledger import now_iso
from claimkit.store.workspace import Workspace

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


def jsonable(value: Any) -> Any:
    """A record as JSON values, field by field (dataclasses.asdict first deep-copies every nested value, which cost
    a large ERA's suspended claims more than the rest of their posting)."""
    if is_dataclass(value):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def suspend(conn, import_id: int | None, remit_id: int | None, post: ClaimPosting, kind: str = "claim") -> None:
    clp = post.raw
    patient = clp.patient.full_name if clp is not None and clp.patient else ""
    member = (clp.patient.id if clp is not None and clp.patient else "") or (clp.insured.id if clp is not None and clp.insured else "")
    day = post.lines[0].day if post.lines and post.lines[0].day else (clp.service_start if clp is not None else None)
    conn.execute(
        "INSERT INTO suspense (import_id, remittance_id, kind, account, patient, member_id, service_date, charge_cents, paid_cents,"
        " data, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (import_id, remit_id, kind, post.account, patient, member, day.isoformat() if day else None, to_cents(post.charge),
         to_cents(post.paid), json.dumps({"payer_name": post.payer_name, "claim": jsonable(clp)}), now_iso()))


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
    clp = revive_claim(data["claim"], era835)
    remit = ws.conn.execute("SELECT * FROM remittances WHERE id = ?", (row["remittance_id"],)).fetchone()
    day = date.fromisoformat(remit["date"]) if remit and remit["date"] else date.today()

    class _Pay:  # what claim_posting reads of a payment
        payer = era835.Payer(name=data.get("payer_name", ""))

    with ws.transaction() as conn:
        now = conn.execute("SELECT status, matched_claim FROM suspense WHERE id = ?", (item,)).fetchone()
        if now["status"] != "open":  # matched by another claimkit while this one waited for the ledger
            raise ClaimkitError(f"item {item} was already matched to claim {now['matched_claim']}")
        if clp.is_predetermination:
            raise ClaimkitError(f"item {item} is a predetermination (CLP02 25): the payer priced the claim and paid nothing;"
                                " it changes no money, so it is not matched")
        forced = dataclasses.replace(clp, account=claim["id"])
        post = claim_posting(forced, _Pay, Claims(conn), {})
        post.where = f"item {item}"
        unfit = next((ln for ln in post.lines if ln.line_no is None), None)
        if unfit is not None:  # another client's or payer's claim, most likely: posting would put money on the wrong account
            raise ClaimkitError(f"item {item} does not fit claim {claim['id']}: its {unfit.cpt or 'service'} on"
                                f" {unfit.day.isoformat() if unfit.day else 'no date'} is on none of the claim's lines;"
                                f" check the claim id ('claimkit claim show {claim['id']}')")
        batch = Batch(conn)
        post_claim(batch, post, day, "era", row["import_id"])
        batch.flush()
        if post.claim_id is not None:
            conn.execute(UPDATE_CLAIM, claim_update(post))
        if remit is not None:
            conn.execute(INSERT_REMIT_CLAIM, remit_claim_row(remit["id"], post, day))
        conn.execute("UPDATE suspense SET status = 'matched', matched_claim = ? WHERE id = ?", (claim["id"], item))
        from claimkit.remittance.invariant import in_ledger

        broken = in_ledger(conn, row["import_id"]) if row["import_id"] is not None else []
        if broken:
            raise ClaimkitError(f"item {item}: {broken[0]}; nothing was posted")
    return post


def revive_claim(data: dict, era835) -> Any:
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
