"""`claimkit import clients`: one row per client, with policies, diagnoses and an authorization.

A row becomes a client file only when all of it is valid (the same schema `client add` uses). A client already in
the home is found by id, or by name and date of birth when the file has no ids, so importing a file again
changes nothing; `--update` applies what differs and says what it changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claimkit.core.errors import ClaimkitError
from claimkit.core import identifiers
from claimkit.core.records import Client, Payer, check_id, normalize_dx, normalize_state
from claimkit.switching.outcome import ImportReport, Outcome, imported_before, record_import, stopped, slug, unique
from claimkit.switching.table import Profile, Row, RowError, Table, cell_date, cell_int, cell_money, split_name
from claimkit.store.workspace import Workspace

FIELDS = ("client_id", "name", "first_name", "last_name", "middle", "dob", "sex", "address", "address2", "city",
          "state", "zip", "phone", "email", "dx", "payer", "member_id", "group", "plan_name", "relationship", "copay",
          "coinsurance", "deductible", "oop_max", "effective", "insured_first", "insured_last", "insured_dob",
          "insured_sex", "secondary_payer", "secondary_member_id", "secondary_group", "secondary_relationship",
          "secondary_copay", "auth_number", "auth_visits", "auth_start", "auth_end", "referring_first",
          "referring_last", "referring_npi")


@dataclass(frozen=True)
class PayerNeeded:
    name: str
    suggested_id: str
    lines: tuple[int, ...]

    def command(self) -> str:
        return f'claimkit payer add {self.suggested_id} --name "{self.name}"'


class Payers:
    """The file's payer cells resolved against the home's payers: by id, electronic payer ID, or name."""

    def __init__(self, payers: dict[str, Payer], create: bool):
        self.known = payers
        self.create = create
        self.new: dict[str, Payer] = {}
        self.missing: dict[str, list[int]] = {}

    def resolve(self, row: Row, column: str) -> str | None:
        text = row.get(column)
        if not text:
            return None
        low = text.strip().lower()
        for p in (*self.known.values(), *self.new.values()):
            if low in (p.id, p.payer_id.lower(), p.name.lower()):
                return p.id
        if self.create:
            pid = unique(slug(text), set(self.known) | set(self.new))
            self.new[pid] = Payer(id=pid, name=text.strip())
            return pid
        self.missing.setdefault(text.strip(), []).append(row.line)
        raise RowError(row, column, f"payer {text[:40]!r} is not in payers.toml; add it (the command is listed"
                                    " below) or give --create-payers")

    def needed(self) -> list[PayerNeeded]:
        taken = set(self.known)
        out = []
        for name, lines in self.missing.items():
            pid = unique(slug(name), taken)
            taken.add(pid)
            out.append(PayerNeeded(name, pid, tuple(lines)))
        return out


def _policy(row: Row, profile: Profile, payers: Payers, prefix: str, rank: str) -> dict[str, Any] | None:
    payer = payers.resolve(row, f"{prefix}payer")
    if payer is None:
        if any(row.get(f"{prefix}{k}") for k in ("member_id", "group", "copay")):
            raise RowError(row, f"{prefix}payer", "is empty but the row has a policy; name the payer")
        return None
    pol: dict[str, Any] = {"payer": payer, "rank": rank}
    for key in ("member_id", "group", "plan_name"):
        if row.get(f"{prefix}{key}"):
            pol[key] = row.get(f"{prefix}{key}")
    rel = row.get(f"{prefix}relationship") or "self"
    if rel not in ("self", "spouse", "child", "other"):
        raise RowError(row, f"{prefix}relationship", f"{rel[:20]!r} must be self, spouse, child or other")
    pol["relationship"] = rel
    copay = cell_money(row, f"{prefix}copay")
    coins = row.get(f"{prefix}coinsurance") if not prefix else ""
    if copay is not None and coins:
        raise RowError(row, "coinsurance", "a policy has a copay or a coinsurance, not both; clear one")
    if copay is not None:
        pol["copay"] = str(copay)
    elif coins:
        pct = coins.rstrip("%").strip()
        if not re.fullmatch(r"\d{1,3}(\.\d+)?", pct) or float(pct) > 100:  # noqa: PLR2004 - a percent, not money
            raise RowError(row, "coinsurance", f"{coins[:20]!r} must be a percent like 20 or 20%")
        pol["cost_sharing"] = "coinsurance"
        pol["coinsurance"] = pct
    elif not prefix:
        pol["cost_sharing"] = "coinsurance"
        pol["coinsurance"] = "0"
    if not prefix:
        for key in ("deductible", "oop_max"):
            amount = cell_money(row, key)
            if amount is not None:
                pol[key] = str(amount)
        effective = cell_date(row, "effective", profile)
        if effective:
            pol["effective"] = effective.isoformat()
        if rel != "self":
            insured = {"first": row.get("insured_first"), "last": row.get("insured_last")}
            dob = cell_date(row, "insured_dob", profile)
            if not (insured["first"] and insured["last"] and dob):
                raise RowError(row, "relationship", f"is {rel}: give the insured's name and date of birth in"
                                                    " insured_first, insured_last and insured_dob")
            insured["dob"] = dob.isoformat()
            if row.get("insured_sex"):
                insured["sex"] = row.get("insured_sex")
            pol["insured"] = insured
        if row.get("referring_npi") or row.get("referring_last"):
            npi = row.get("referring_npi")
            try:
                npi = identifiers.npi(npi or "")
            except ValueError as exc:
                raise RowError(row, "referring_npi", str(exc)) from None
            pol["referring"] = {"first": row.get("referring_first"), "last": row.get("referring_last"), "npi": npi}
    return pol


def _client_data(row: Row, profile: Profile, payers: Payers) -> dict[str, Any]:
    first, last = split_name(row, profile)
    if not first or not last:
        raise RowError(row, "name" if row.get("name") else "first_name",
                       "needs the client's first and last name")
    dob = cell_date(row, "dob", profile, required=True)
    sex = row.get("sex").upper()
    if sex not in ("F", "M", "X"):
        raise RowError(row, "sex", f"{row.get('sex')[:20]!r} must be F, M or X (or map the export's words with --map)"
                       if sex else "is empty; give F, M or X")
    data: dict[str, Any] = {"first": first, "last": last, "dob": dob.isoformat(), "sex": sex}
    for key, name in (("middle", "middle"), ("phone", "phone"), ("email", "email")):
        if row.get(name):
            data[key] = row.get(name)
    address = {k: row.get(c) for k, c in (("street", "address"), ("street2", "address2"), ("city", "city"),
                                           ("zip", "zip")) if row.get(c)}
    if row.get("state"):
        try:
            address["state"] = normalize_state(row.get("state"))
        except ValueError as exc:
            raise RowError(row, "state", str(exc)) from None
    if address:
        data["address"] = address
    if row.get("dx"):
        try:
            data["dx"] = [normalize_dx(d) for d in re.split(r"[;,]", row.get("dx")) if d.strip()]
        except ValueError as exc:
            raise RowError(row, "dx", f"{exc}; separate several codes with ';'") from None
    policies = [p for p in (_policy(row, profile, payers, "", "primary"),
                            _policy(row, profile, payers, "secondary_", "secondary")) if p]
    if policies:
        data["policies"] = policies
    if row.get("auth_number"):
        auth: dict[str, Any] = {"number": row.get("auth_number"), "payer": policies[0]["payer"] if policies else ""}
        visits = cell_int(row, "auth_visits", 0, 10000)
        if visits is not None:
            auth["visits"] = visits
        for key in ("start", "end"):
            day = cell_date(row, f"auth_{key}", profile)
            if day:
                auth[key] = day.isoformat()
        data["authorizations"] = [auth]
    return data


def _validated(row: Row, data: dict[str, Any]) -> Client:
    from pydantic import ValidationError

    from claimkit.core import schema

    try:
        return schema.Client.model_validate(data).to_record()
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not isinstance(p, int)]
        name = {"first": "first_name", "last": "last_name", "street": "address"}.get(str(loc[-1]), str(loc[-1])) if loc else None
        if loc and loc[0] == "policies" and len(err["loc"]) > 1 and err["loc"][1] == 1:
            name = f"secondary_{name}"
        msg = re.sub(r"^(Value error|Assertion failed), ", "", err["msg"])
        raise RowError(row, name, msg) from None


def _changes(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in new.items():
        before = old.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            out += _changes(before, value, f"{prefix}{key}.")
        elif key == "policies" and isinstance(before, list):
            ranks = {p["rank"]: p for p in before}
            for pol in value:
                out += _changes(ranks.get(pol["rank"], {}), pol, f"{pol['rank']} policy ")
        elif value != before and not (value in ("", [], None) and before in ("", [], None)):
            out.append(f"{prefix}{key}: {before if before not in (None, '') else '-'} -> {value}")
    return out


def _merged(existing: Client, data: dict[str, Any]) -> dict[str, Any]:
    """The existing client with what the file gives laid over it: the file's primary and secondary policies take
    the place of those of the same rank; what the file leaves empty stays as it was."""
    merged = existing.to_data()
    for key, value in data.items():
        if key == "policies":
            kept = [p for p in merged["policies"] if p["rank"] not in {q["rank"] for q in value}]
            for pol in value:
                before = next((p for p in merged["policies"] if p["rank"] == pol["rank"] and p["payer"] == pol["payer"]), None)
                kept.append({**before, **pol} if before else pol)
            merged["policies"] = sorted(kept, key=lambda p: ("primary", "secondary", "tertiary").index(p["rank"]))
        elif key == "address":
            merged["address"] = {**merged["address"], **value}
        elif key == "authorizations":
            numbers = {a["number"] for a in merged["authorizations"]}
            merged["authorizations"] += [a for a in value if a["number"] not in numbers]
        else:
            merged[key] = value
    return merged


@dataclass
class ClientPlan:
    report: ImportReport
    writes: list[Client]
    payers: dict[str, Payer]
    needed: list[PayerNeeded]
    fingerprint: str


def plan_clients(ws: Workspace, table: Table, profile: Profile, *, create_payers: bool = False, update: bool = False,
                 dry_run: bool = False) -> ClientPlan:
    report = ImportReport("clients", table.name, dry_run)
    if table.unused:
        report.notes.append(f"columns not imported: {', '.join(table.unused)} (map them with --map if they matter)")
    payers = Payers(dict(ws.payers), create_payers)
    existing = {c.id: c for c in ws.clients()}
    by_person = {(c.first.lower(), c.last.lower(), c.dob): c.id for c in existing.values()}
    taken = set(existing)
    seen: dict[str, int] = {}
    writes: list[Client] = []
    for row in table.rows:
        try:
            given = row.get("client_id").lower()
            if given in seen:  # said before the row's other problems, which would hide it
                raise RowError(row, "client_id", f"client {given} is also on line {seen[given]}; keep one row per client")
            if given:
                seen[given] = row.line
            data = _client_data(row, profile, payers)
            person = (data["first"].lower(), data["last"].lower(), cell_date(row, "dob", profile))
            if given:
                try:
                    cid = check_id(given, "client_id")
                except ValueError as exc:
                    raise RowError(row, "client_id", str(exc)) from None
            else:
                cid = by_person.get(person) or unique(slug(data["first"], data["last"]), taken)
            if not given and cid in seen:
                raise RowError(row, "name", f"client {cid} is also on line {seen[cid]}; keep one row per client")
            seen[cid] = row.line
            taken.add(cid)
            data["id"] = cid
            old = existing.get(cid)
            if old is None:
                client = _validated(row, data)
                writes.append(client)
                report.outcomes.append(Outcome(row.line, cid, "create", "" if given else "id made from the name"))
                by_person[person] = cid
                continue
            client = _validated(row, _merged(old, data))
            changes = _changes(old.to_data(), client.to_data())
            if not changes:
                report.outcomes.append(Outcome(row.line, cid, "unchanged"))
                continue
            if update:
                writes.append(client)
            report.outcomes.append(Outcome(row.line, cid, "update" if update else "differs", "; ".join(changes)))
        except RowError as exc:
            report.outcomes.append(Outcome(row.line, row.get("client_id") or " ".join(split_name(row, profile)),
                                           "refused", str(exc)))
    if report.count("differs"):
        report.notes.append(f"{report.count('differs')} client(s) differ from the file; give --update to apply the changes shown")
    needed = payers.needed()
    for p in needed:
        report.notes.append(f"unknown payer {p.name!r} (line {', '.join(map(str, p.lines))}): {p.command()},"
                            " or import again with --create-payers")
    for p in payers.new.values():
        report.outcomes.insert(0, Outcome(0, f"payer {p.id}", "create",
                                          f"{p.name}: name only; complete it with 'claimkit payer show {p.id}' and check"))
    return ClientPlan(report, writes, payers.new, needed, table.fingerprint)


def import_clients(ws: Workspace, path: Path, profile: Profile, *, create_payers: bool = False, update: bool = False,
                   dry_run: bool = False, skip_bad: bool = False) -> ImportReport:
    from claimkit.store import files
    from claimkit.switching.table import read_table, write_refused

    table = read_table(path, profile)
    plan = plan_clients(ws, table, profile, create_payers=create_payers, update=update, dry_run=dry_run)
    report = plan.report
    seen = imported_before(ws.conn, plan.fingerprint, table.name)
    if seen and not update:
        report.already = seen
        return report
    if stopped(report, skip_bad) or dry_run:
        return report
    if report.refused:
        report.refused_file = str(write_refused(path, table, {o.line: o.detail for o in report.refused}))
    with ws.transaction() as conn:
        if not seen and not report.count("differs"):  # a file whose changes wait for --update is not done yet
            record_import(conn, plan.fingerprint, "clients-csv", table.name, report.summary())
        if plan.payers:
            payers = files.load_payers(ws.home)
            clash = sorted(set(payers) & set(plan.payers))
            if clash:
                raise ClaimkitError(f"payer {clash[0]} was added meanwhile; import again")
            files.save_payers(ws.home, {**payers, **plan.payers})
        for client in plan.writes:
            files.save_client(ws.home, client)
    ws.forget()
    report.applied = True
    return report
