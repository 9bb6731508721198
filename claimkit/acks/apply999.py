"""Apply a 999 or TA1 to our exports. 999: AK1 GS06 -> the export (x12_exports.gs06), AK2 ST02 -> its transaction;
a rejected transaction rejects every claim in it, and each IK3/IK4 error is said in plain words with the segment
it points at (its position from ST, recorded at export) and the CMS-1500 box that segment fills. An export made
before claimkit recorded positions is matched by its control number alone (claims.control_number), which is said.
TA1: TA101 -> x12_exports.isa13. What matches no export is kept in x12_unmatched."""

from __future__ import annotations

import sqlite3

from claimkit.acks import codes
from claimkit.acks.ack999 import VERDICTS, Ack999, GroupAck, SegmentError, TransactionAck, read_999
from claimkit.acks.applying import AckResult, ClaimOutcome, keep_unmatched, refuse, run, ymd_iso
from claimkit.acks.history import add_events, event_row, next_status, statuses
from claimkit.acks.ta1 import TA1_STATUS, read_ta1
from claimkit.core.codes import REJECTED
from claimkit.x12.envelope import read_transactions

_PRACTICE_BOXES = ("24J", "25", "31", "32", "33")
_CLIENT_BOXES = ("1a", "2", "3", "4", "5", "6", "7", "9", "11", "10", "12", "13", "14", "17", "21", "23")


def fix_for(box: str, client: str, payer: str, claim: str) -> str:
    """The command that fixes the data a box prints (then resend)."""
    first = box.split(",")[0].strip()
    if "payer" in box:
        return f"claimkit payer edit {payer}"
    if "[edi]" in box:
        return "claimkit x12 setup"
    if first.startswith(_PRACTICE_BOXES):
        return "claimkit practice edit"
    if first.startswith(_CLIENT_BOXES):
        return f"claimkit client edit {client}"
    return f"claimkit claim show {claim}"


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _error_words(e: SegmentError, key: str) -> tuple[str, str]:
    """(plain words, box) of one IK3 and its IK4s; key is our segment at that position ('' when unknown)."""
    what = codes.label("ik3", e.code) or f"segment error {e.code}"
    seg = key.replace("@", " after NM1*") if key else e.segment_id
    box = codes.box(key) if key else ""
    parts = []
    for el in e.elements:
        ename = f"{e.segment_id}{int(el.position):02d}" if el.position.isdigit() else f"{e.segment_id} element {el.position}"
        problem = codes.label("ik4", el.code) or f"element error {el.code}"
        ebox = codes.box(key, el.position) if key else ""
        box = ebox or box
        parts.append(f"{ename} {problem}" + (f" ('{el.value}')" if el.value else ""))
    words = f"{seg} at segment {e.position}: {what}" + (f" ({'; '.join(parts)})" if parts else "")
    if e.loop:
        words += f", loop {e.loop}"
    if box:
        words += f" [box {box}]" if box[:1].isdigit() else f" [{box}]"
    return words, box


def _apply_999(conn: sqlite3.Connection, ack: Ack999, result: AckResult, import_id: int, name: str, now: str) -> None:
    day = ymd_iso(ack.date) or now[:10]
    w = _Writes(conn)
    for g in ack.groups:
        verdict = VERDICTS.get(g.status, g.status)
        if g.functional_id and g.functional_id != "HC":
            result.notes.append(f"group {g.gs06} is a '{g.functional_id}' group, not claims (HC); its answer was kept only")
        gs06 = _int(g.gs06)
        export = None if gs06 is None else conn.execute(
            "SELECT id, file, isa13 FROM x12_exports WHERE CAST(gs06 AS INTEGER) = ? ORDER BY id DESC LIMIT 1",
            (gs06,)).fetchone()
        result.verdicts.append(f"999 for group {g.gs06}: {verdict}")
        if export is not None:
            conn.execute("UPDATE x12_exports SET ack_status = ?, ack_at = ? WHERE id = ?", (g.status, now, export[0]))
            _group_with_layout(conn, w, g, export, result, import_id, day, name, now)
            continue
        old = [] if gs06 is None else [r[0] for r in conn.execute(
            "SELECT id FROM claims WHERE sent_via = '837p' AND CAST(control_number AS INTEGER) = ? ORDER BY id", (gs06,))]
        if old:
            result.notes.append(f"group {g.gs06} was exported before claimkit recorded segment positions: matched by its"
                                " control number alone; an error cannot be tied to one claim or box")
            _group_by_control(w, g, old, result, import_id, day, name, now)
            continue
        detail = f"999 answer ({verdict}) for group {g.gs06}, which claimkit did not export"
        keep_unmatched(conn, import_id, "999", f"GS06 {g.gs06}", detail,
                       {"gs06": g.gs06, "status": g.status, "transactions": [t.st02 for t in g.transactions]}, now)
        result.unmatched.append(detail)
    w.flush()


def _transactions(g: GroupAck) -> list[TransactionAck]:
    return list(g.transactions)


def _group_with_layout(conn, w: _Writes, g: GroupAck, export, result: AckResult, import_id: int, day: str, name: str, now: str) -> None:
    export_id, file, isa13 = export
    places = conn.execute("SELECT claim_id, st02, clm_pos, first_pos, last_pos, provider_pos FROM x12_export_claims"
                          " WHERE export_id = ? ORDER BY st02, first_pos", (export_id,)).fetchall()
    by_st: dict[int, list] = {}
    for p in places:
        by_st.setdefault(int(p[1]), []).append(p)
    segments = {int(st): keys.split(",") for st, keys in conn.execute(
        "SELECT st02, segments FROM x12_export_transactions WHERE export_id = ?", (export_id,))}
    acks = _transactions(g)
    if not acks and g.status not in ("A", "E"):  # the group rejected without a word per transaction
        acks = [TransactionAck("837", st, "", "R", (), (), 0) for st in sorted(by_st)]
    for t in acks:
        st = _int(t.st02)
        claims = by_st.get(st, []) if st is not None else []
        if not claims:
            detail = f"999 answer for transaction {t.st02} of group {g.gs06} ({file}), which has no such transaction"
            keep_unmatched(conn, import_id, "999", f"GS06 {g.gs06} ST02 {t.st02}", detail,
                           {"gs06": g.gs06, "st02": t.st02, "status": t.status}, now)
            result.unmatched.append(detail)
            continue
        keys = segments.get(st, [])
        w.load([p[0] for p in claims])
        if t.accepted:
            detail = (f"999: the file {file.rsplit('/', 1)[-1]} passed the clearinghouse's checks"
                      + (" (with warnings)" if t.status == "E" else "") + "; the claim itself is answered by a 277CA")
            for p in claims:
                w.accept(p[0], result, "999", "999 accepted", at=day, file=name, control=isa13, import_id=import_id,
                         now=now, detail=detail)
            continue
        # rejected: every claim in the transaction; each error on the claim (or provider loop, or header) it is in
        found: dict[str, list[tuple[str, str]]] = {p[0]: [] for p in claims}
        shared: list[tuple[str, str]] = []
        for e in t.errors:
            key = keys[e.position - 1] if 0 < e.position <= len(keys) else ""
            words = _error_words(e, key)
            owner = next((p[0] for p in claims if p[3] <= e.position <= p[4]), None)
            if owner is not None:
                found[owner].append(words)
                continue
            under = [p[0] for p in claims if p[5] and p[5] <= e.position < p[3]
                     and not any(q[5] > p[5] and q[5] <= e.position for q in claims)]
            for cid in under or [p[0] for p in claims]:
                found[cid].append(words)
            if not under:
                shared.append(words)
        if not t.errors:
            reason = codes.label("ik5", t.codes[0]) if t.codes else ""
            shared.append((f"the transaction was rejected{': ' + reason if reason else ''}", ""))
        bad = [cid for cid, errs in found.items() if errs]
        for p in claims:
            cid = p[0]
            errs = found[cid] or []
            if errs:
                reason = "; ".join(w for w, _ in errs)
            elif bad:
                reason = f"rejected with the whole transaction: the error is in claim {', '.join(bad)}"
            else:
                reason = "; ".join(w for w, _ in shared) or "the transaction was rejected"
            box = next((b for _, b in errs if b), "")
            w.reject(cid, result, "999", reason, box, at=day, file=name, control=isa13, import_id=import_id, now=now)


def _group_by_control(w: _Writes, g: GroupAck, claim_ids: list[str], result, import_id, day, name, now) -> None:
    rejected = g.status not in ("A", "E") or any(not t.accepted for t in g.transactions)
    for cid in claim_ids:
        if rejected:
            errs = [_error_words(e, "")[0] for t in g.transactions for e in t.errors]
            reason = ("; ".join(errs) or "the file was rejected") + (" (exported before claimkit recorded positions:"
                                                                      " the segment cannot be tied to this claim)")
            w.reject(cid, result, "999", reason, "", at=day, file=name, import_id=import_id, now=now)
        else:
            w.accept(cid, result, "999", "999 accepted", at=day, file=name, import_id=import_id, now=now,
                     detail="999: the file passed the clearinghouse's checks (matched by control number alone)")


class _Writes:
    """What a file changes, gathered and written at the end in a few statements: the claims' statuses (read once)
    and their new events."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.known: dict[str, tuple[str, str, str, str]] = {}
        self.events: list[tuple] = []
        self.updates: dict[str, str] = {}

    def load(self, claim_ids) -> None:
        missing = [c for c in claim_ids if c not in self.known]
        if missing:
            self.known.update(statuses(self.conn, missing))

    def status(self, cid: str) -> str:
        self.load([cid])
        return self.known[cid][0] if cid in self.known else ""

    def accept(self, cid: str, result: AckResult, kind: str, what: str, **event) -> None:
        self.events.append(event_row(cid, kind=kind, status="accepted", **event))
        result.outcomes.append(ClaimOutcome(cid, self.status(cid), "accepted", what))

    def reject(self, cid: str, result: AckResult, kind: str, reason: str, box: str, **event) -> None:
        self.load([cid])
        current, client, payer, number = self.known.get(cid, ("", "", "", ""))
        fix = fix_for(box, client, payer, cid) if client else ""
        new = next_status(current, REJECTED)
        if new != current:
            self.updates[cid] = new
            self.known[cid] = (new, client, payer, number)
        self.events.append(event_row(cid, kind=kind, status="rejected", detail=reason, data={"box": box, "fix": fix},
                                     **event))
        result.outcomes.append(ClaimOutcome(cid, new, "rejected", reason))

    def flush(self) -> None:
        self.conn.executemany("UPDATE claims SET status = ? WHERE id = ?", [(v, k) for k, v in self.updates.items()])
        add_events(self.conn, self.events)
        self.events, self.updates = [], {}


def import_999(ws, name: str, data: bytes, *, dry_run: bool) -> AckResult:
    from claimkit.store.ledger import now_iso

    env = read_transactions(data)
    if env.problems:
        raise refuse(name, env.problems)
    acks = [read_999(t) for t in env.transactions if t.st01 == "999"]
    problems = [p for a in acks for p in a.problems]
    if problems:
        raise refuse(name, problems)

    def apply(conn, result, import_id):
        now = now_iso()
        result.notes += list(env.notes)
        for ack in acks:
            _apply_999(conn, ack, result, import_id, name, now)

    return run(ws, name, data, "999", dry_run, apply)


def import_ta1(ws, name: str, data: bytes, *, dry_run: bool) -> AckResult:
    from claimkit.store.ledger import now_iso

    env = read_transactions(data)
    found, problems = read_ta1(env.loose)
    problems = list(env.problems) + problems
    if problems:
        raise refuse(name, problems)
    if not found:
        raise refuse(name, ["no TA1 segment in the file"])

    def apply(conn, result, import_id):
        now = now_iso()
        for t in found:
            note = codes.label("ta1", t.note) or (f"note {t.note}" if t.note else "")
            verdict = TA1_STATUS[t.status]
            result.verdicts.append(f"TA1 for interchange {t.isa13}: {verdict}" + (f" ({note})" if t.note != "000" and note else ""))
            export = conn.execute("SELECT id, file FROM x12_exports WHERE CAST(isa13 AS INTEGER) = ? ORDER BY id DESC"
                                  " LIMIT 1", (int(t.isa13),)).fetchone()
            claim_ids = [r[0] for r in conn.execute("SELECT claim_id FROM x12_export_claims WHERE export_id = ?",
                                                    (export[0],))] if export else [
                r[0] for r in conn.execute("SELECT id FROM claims WHERE sent_via = '837p' AND"
                                           " CAST(control_number AS INTEGER) = ?", (int(t.isa13),))]
            if not claim_ids:
                detail = f"TA1 ({verdict}) for interchange {t.isa13}, which claimkit did not export"
                keep_unmatched(conn, import_id, "ta1", f"ISA13 {t.isa13}", detail, {"isa13": t.isa13, "status": t.status,
                                                                                    "note": t.note}, now)
                result.unmatched.append(detail)
                continue
            if export is None:
                result.notes.append(f"interchange {t.isa13} was exported before claimkit recorded its envelope: matched by"
                                    " control number alone")
            day = ymd_iso(t.date) or now[:10]
            w = _Writes(conn)
            w.load(claim_ids)
            if t.accepted:
                for cid in claim_ids:
                    w.accept(cid, result, "ta1", "TA1 accepted", at=day, file=name, control=t.isa13, import_id=import_id,
                             now=now, detail="TA1: the clearinghouse could read the file's envelope")
            else:
                if export is not None:
                    conn.execute("UPDATE x12_exports SET ack_status = 'R', ack_at = ? WHERE id = ?", (now, export[0]))
                for cid in claim_ids:
                    w.reject(cid, result, "ta1", f"TA1: the clearinghouse could not read the file's envelope: {note}",
                             "practice.toml [edi]" if t.note in ("005", "006", "007", "008", "009") else "", at=day,
                             file=name, control=t.isa13, import_id=import_id, now=now)
            w.flush()

    return run(ws, name, data, "TA1", dry_run, apply)
