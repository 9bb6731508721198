"""Paper EOBs: by hand (`eob add`) and from the documented CSV (`eob import`, docs/eob-csv.md), posted through
the same code as ERAs; every line must balance, or nothing is posted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from claimkit.core.codes import CAS_GROUPS, CONTRACTUAL_GROUPS, DENIED, PAID, PARTIAL, PATIENT_GROUP
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import ZERO, from_cents, to_cents
from claimkit.remittance.imports import AlreadyImported, imported_before, imported_when
from claimkit.remittance.match import Claims
from claimkit.remittance.post import (Batch, claim_update, INSERT_REMIT_CLAIM, post_lines, refuse_unbalanced, remit_claim_row,
                                      take_over_client_share, undo_earlier_eob, UPDATE_CLAIM)
from claimkit.remittance.records import ClaimPosting, LinePosting
from claimkit.store.ledger import now_iso
from claimkit.store.workspace import Workspace

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
    if not sep or not dash or group not in CAS_GROUPS or not reason.isalnum():
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
            seen = imported_before(conn, fingerprint)
            if seen:
                raise AlreadyImported(f"{source_name}: already imported ({imported_when(*seen, source_name)}); nothing changed.")
            import_id = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported) VALUES (?,?,?,?)",
                                     (fingerprint, "eob", source_name, now_iso())).lastrowid
        claims = Claims(conn)
        batch = Batch(conn)
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
            extra_co = sum((a for g, _, a in e.adjustments if g in CONTRACTUAL_GROUPS), ZERO)
            if charge - e.allowed - extra_co < 0:  # the write-off would be negative: the figures contradict each other
                raise ClaimkitError(f"{e.where or 'eob add'}: allowed {e.allowed:.2f} + CO/PI adjustments {extra_co:.2f} is more"
                                    f" than the charge {charge:.2f}; allowed is the charge less the write-off: check the EOB's figures")
            if charge - e.allowed - extra_co:
                adjustments.append(("CO", "45", charge - e.allowed - extra_co))
            for reason, amount in (("1", e.deductible), ("2", e.coinsurance), ("3", e.copay)):
                if amount:
                    adjustments.append((PATIENT_GROUP, reason, amount))
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
                                    charge=ZERO, paid=ZERO, lines=[], reasons=[], remarks=[], rank=row["rank"])
                posts[row["id"]] = post
            ln = LinePosting(target["line_no"], target.get("session_id"), date.fromisoformat(target["date_from"]), target["cpt"],
                             charge, e.paid, e.allowed, adjustments)
            refuse_unbalanced(dataclasses.replace(post, lines=[ln], charge=charge, paid=e.paid, where=e.where or source_name))
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
                undo_earlier_eob(batch, post, target.get("session_id"), day, import_id)
            conn.execute("UPDATE remittances SET amount_cents = amount_cents + ? WHERE id = ?", (to_cents(e.paid), remits[(trace, row["payer"])]))
            post_lines(batch, dataclasses.replace(post, lines=[ln]), day, "eob", import_id)
            if post.rank != "primary":
                take_over_client_share(batch, dataclasses.replace(post, lines=[ln]), day, "eob", import_id)
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
            post.status = DENIED if not settled else PARTIAL if settled < len(lines) else PAID
            conn.execute(UPDATE_CLAIM, claim_update(post))
            remit_id, paid_on = remit_of[post.claim_id]
            conn.execute(INSERT_REMIT_CLAIM, remit_claim_row(remit_id, post, paid_on))
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
