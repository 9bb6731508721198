"""What an appeal letter says, gathered from the ledger: provider, client, claim, denial reasons, argument.

Pure values (`AppealLetter`), drawn by forms/appeal.py. The default argument is chosen by the denial's reason
(templates/appeals/arguments.toml, keyed by the CARC's category): authorization, timely filing, medical
necessity, non-covered code, duplicate, or a general one.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache

from claimkit.appeals import deadlines
from claimkit.core.codes import DENIAL_STATUSES, REJECTED, ROUTINE_ADJUSTMENTS, SUPERSEDED
from claimkit.core.errors import ClaimkitError
from claimkit.core.resources import template

ROUTINE = ROUTINE_ADJUSTMENTS
NOT_APPEALABLE = (REJECTED, *SUPERSEDED)


@dataclass(frozen=True)
class Reason:
    code: str  # "CO-50" or a remark "N54"
    words: str


@dataclass(frozen=True)
class LetterLine:
    line_no: int
    day: date
    cpt: str
    modifiers: tuple[str, ...]
    billed: int  # cents
    paid: int


@dataclass(frozen=True)
class LetterClaim:
    claim_id: str
    payer_claim_number: str
    client_name: str
    dob: date | None
    member_id: str
    lines: tuple[LetterLine, ...]
    reasons: tuple[Reason, ...]
    remarks: tuple[Reason, ...]
    remitted: date | None
    deadline: date | None
    submitted: date
    auth: str

    @property
    def billed(self) -> int:
        return sum(ln.billed for ln in self.lines)

    @property
    def paid(self) -> int:
        return sum(ln.paid for ln in self.lines)


@dataclass(frozen=True)
class AppealLetter:
    day: date
    provider_name: str
    provider_npi: str
    provider_tin: str
    provider_address: tuple[str, ...]
    provider_phone: str
    signer: str
    payer_id: str
    payer_name: str
    payer_address: tuple[str, ...]
    claims: tuple[LetterClaim, ...]
    argument_key: str
    subject: str
    argument: tuple[str, ...]  # paragraphs
    enclosures: tuple[str, ...]
    request: str
    closing: str


@cache
def arguments() -> dict:
    return tomllib.loads(template("appeals", "arguments.toml").read_text("utf-8"))


def argument_for(reasons: list[str]) -> str:
    """The default argument's key for a denial's reason codes: the first code whose category one answers."""
    from claimkit import catalog

    table = arguments()["argument"]
    for code in reasons:
        found = catalog.carc(code)
        if found is None:
            continue
        for key, arg in table.items():
            if found.category in arg["categories"]:
                return key
    return "general"


def _address(a: dict) -> tuple[str, ...]:
    street = ", ".join(p for p in (a.get("street", ""), a.get("street2", "")) if p)
    city = f"{a.get('city', '')}, {a.get('state', '')} {a.get('zip', '')}".strip(" ,")
    return tuple(p for p in (street, city) if p)


def _words(code: str) -> str:
    from claimkit import catalog

    found = catalog.carc(code) if "-" in code else catalog.rarc(code)
    return found.explain if found else "(code not in claimkit's table: see the payer's remittance)"


def _claim(ws, claim_id: str, line: int | None, today: date) -> tuple[LetterClaim, dict, str]:
    conn = ws.conn
    row = conn.execute("SELECT id, client, payer, status, payer_claim_number, created, snapshot FROM claims WHERE id = ?",
                       (claim_id,)).fetchone()
    if row is None:
        raise ClaimkitError(f"no claim '{claim_id}'; see 'claimkit claim list'")
    if row["status"] in NOT_APPEALABLE:
        fix = ("a rejected claim was never adjudicated: correct it and send it again ('claimkit check --claim "
               f"{claim_id}')") if row["status"] == REJECTED else "appeal the claim that replaced it"
        raise ClaimkitError(f"claim {claim_id} is {row['status']}: {fix}")
    snap = json.loads(row["snapshot"])
    lines = conn.execute("SELECT line_no, session_id, date, cpt, modifiers, charge_cents FROM claim_lines WHERE claim_id = ?"
                         " ORDER BY line_no", (claim_id,)).fetchall()
    if line is not None:
        lines = [ln for ln in lines if ln["line_no"] == line]
        if not lines:
            raise ClaimkitError(f"--line {line}: claim {claim_id} has lines 1 to {conn.execute('SELECT MAX(line_no) FROM claim_lines WHERE claim_id = ?', (claim_id,)).fetchone()[0]}")
    sessions = [ln["session_id"] for ln in lines]
    per_session: dict = {}
    codes: list[str] = []
    for sid, kind, reason, cents in conn.execute(
            "SELECT session_id, kind, reason, SUM(amount_cents) FROM postings WHERE claim_id = ? AND source IN ('era', 'eob')"
            " AND date <= ? GROUP BY session_id, kind, reason ORDER BY session_id, kind, reason", (claim_id, today.isoformat())):
        if line is not None and sid not in sessions and not (sid is None and line == 1):
            continue
        if kind == "insurance_paid":
            per_session[sid] = per_session.get(sid, 0) + cents
        elif kind in ("contractual", "other_adj") and cents and reason and reason not in ROUTINE and reason not in codes:
            codes.append(reason)
    remit = conn.execute("SELECT reasons, remarks FROM remit_claims WHERE claim_id = ? AND COALESCE(date, '') <= ?"
                         " ORDER BY id DESC LIMIT 1", (claim_id, today.isoformat())).fetchone()
    remarks: list[str] = []
    if remit is not None:
        codes += [c for c in remit["reasons"].split(",") if c and c not in ROUTINE and c not in codes and not c.startswith("PR-")]
        remarks = list(dict.fromkeys(c for c in remit["remarks"].split(",") if c))
    denied = row["status"] in DENIAL_STATUSES or codes
    if not denied:
        raise ClaimkitError(f"claim {claim_id} was not denied (status {row['status']}): there is nothing to appeal")
    payer = ws.payers.get(row["payer"])
    remitted = deadlines.remitted_on(conn, [claim_id], today).get(claim_id)
    deadline = deadlines.appeal_deadline(remitted, payer) if remitted else None
    patient = snap["patient"]
    name = " ".join(p for p in (patient.get("first", ""), patient.get("middle", ""), patient.get("last", "")) if p)
    out = tuple(LetterLine(ln["line_no"], date.fromisoformat(ln["date"]), ln["cpt"],
                           tuple(m for m in ln["modifiers"].split(",") if m) if ln["modifiers"] else (),
                           ln["charge_cents"], per_session.get(ln["session_id"], 0) + (per_session.get(None, 0) if ln["line_no"] == 1 else 0))
                for ln in lines)
    claim = LetterClaim(claim_id, row["payer_claim_number"] or "", name, date.fromisoformat(patient["dob"]) if patient.get("dob") else None,
                        snap["billed"].get("member_id", ""), out, tuple(Reason(c, _words(c)) for c in codes),
                        tuple(Reason(c, _words(c)) for c in remarks), remitted, deadline,
                        date.fromisoformat(row["created"][:10]), snap.get("prior_auth", ""))
    return claim, snap, row["payer"]


def _fill(text: str, values: dict[str, str]) -> str:
    class Missing(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    return text.format_map(Missing(values))


def _join(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def build_letter(ws, claim_ids: list[str], *, line: int | None = None, argument: str | None = None,
                 enclosures: list[str] | None = None, today: date | None = None) -> AppealLetter:
    """The letter for one or more claims of one payer denied for the same reason."""
    day = today or date.today()
    if not claim_ids:
        raise ClaimkitError("appeal render: name the claim to appeal, e.g. 'claimkit appeal render CK00004 -o appeal.pdf'")
    if len(set(claim_ids)) != len(claim_ids):
        raise ClaimkitError(f"--claim: {next(c for c in claim_ids if claim_ids.count(c) > 1)} is given twice")
    if line is not None and len(claim_ids) > 1:
        raise ClaimkitError("--line: give it with one claim only (a letter for several claims appeals them whole)")
    parts = [_claim(ws, cid, line, day) for cid in claim_ids]
    payers = {p for _, _, p in parts}
    if len(payers) > 1:
        raise ClaimkitError(f"the claims go to different payers ({', '.join(sorted(payers))}): one letter goes to one payer")
    keys = {cid: argument_for([r.code for r in c.reasons]) for (c, _, _), cid in zip(parts, claim_ids)}
    if argument is None and len(set(keys.values())) > 1:
        first, *_ = claim_ids
        other = next(c for c in claim_ids if keys[c] != keys[first])
        raise ClaimkitError(f"{other} was denied for another reason ({keys[other].replace('_', ' ')}) than {first}"
                            f" ({keys[first].replace('_', ' ')}): send separate letters, or give one --argument for both")
    claims = [c for c, _, _ in parts]
    snap = parts[0][1]
    payer_id = parts[0][2]
    payer = ws.payers.get(payer_id)
    data = arguments()
    key = keys[claim_ids[0]] if len(set(keys.values())) == 1 else "general"
    chosen = data["argument"][key]
    values = {"payer": payer.name if payer else snap["billed"]["payer"]["name"],
              "clients": _join([c.client_name for c in claims]),
              "dates": _join([ln.day.strftime("%m/%d/%Y") for c in claims for ln in c.lines]),
              "services": _join([ln.cpt for c in claims for ln in c.lines]),
              "auth": _join([c.auth for c in claims if c.auth]) if any(c.auth for c in claims) else "",
              "submitted": _join([c.submitted.strftime("%m/%d/%Y") for c in claims]),
              "claims": _join(claim_ids)}
    if key == "authorization":
        values["auth_sentence"] = _fill(chosen["with_number"] if values["auth"] else chosen["without_number"], values)
    text = argument if argument is not None else chosen["text"]
    paragraphs = tuple(_fill(" ".join(p.split()), values) for p in text.strip().split("\n\n") if p.strip())
    if not paragraphs:
        raise ClaimkitError("--argument: the argument is empty; write why the service should be paid")
    billing, rendering = snap["billing"], snap["rendering"]
    signer = " ".join(p for p in (rendering.get("first", ""), rendering.get("last", "")) if p) or rendering.get("name", "")
    if rendering.get("credentials"):
        signer += f", {rendering['credentials']}"
    payer_address = _address(payer.address.to_data()) if payer and payer.address.street else _address(snap["billed"]["payer"].get("address", {}))
    practice = ws.practice
    return AppealLetter(
        day=day, provider_name=billing.get("name", ""), provider_npi=billing.get("npi", ""),
        provider_tin=snap.get("tax_id", ""), provider_address=_address(billing.get("address", {})),
        provider_phone=billing.get("address", {}).get("phone", "") or practice.billing.phone, signer=signer,
        payer_id=payer_id, payer_name=values["payer"], payer_address=payer_address, claims=tuple(claims), argument_key=key,
        subject=chosen["subject"],
        argument=paragraphs, enclosures=tuple(enclosures) if enclosures else tuple(chosen["enclosures"]),
        request=data["letter"]["request"], closing=data["letter"]["closing"])
