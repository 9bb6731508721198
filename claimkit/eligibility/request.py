"""`claimkit eligibility request`: choose clients, write one 270 file and record every inquiry, all or nothing.

Who: clients named, clients with sessions in the next DAYS days (`upcoming`), or every active client; each billed
policy in force on the date of service (the client's next session, else today). What: the service types of
practice.toml `[edi] eligibility_service_types` (default MH), one inquiry per type. Who sends to whom: the `[edi]`
settings the 837P export uses (`claimkit.claims.export_837p.edi_settings`). The file is written inside the ledger transaction that
records the inquiries (trace numbers, interchange control number); if anything fails after it was written, it is
removed: no file goes out that the ledger does not know.
"""

from __future__ import annotations

import re
from dataclasses import field
from datetime import date, datetime, timedelta
from pathlib import Path

from claimkit.core.errors import ClaimkitError
from claimkit.core.lightclass import lightclass
from claimkit.store.workspace import Workspace

TRACE_PREFIX = "CK"
_TYPE = re.compile(r"^[A-Z0-9]{1,2}$")


@lightclass(frozen=True)
class Planned:
    client: str
    payer: str
    rank: str
    member_id: str
    service_date: date
    service_type: str
    inquiry: object  # x12_270.Inquiry (trace filled in when written)


@lightclass
class RequestResult:
    path: Path
    control: int = 0
    planned: list[Planned] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # 'client: why'
    usage: str = ""

    @property
    def clients(self) -> list[str]:
        return list(dict.fromkeys(p.client for p in self.planned))

    def to_json(self) -> dict:
        return {"file": str(self.path), "control_number": f"{self.control:09d}", "usage": self.usage,
                "inquiries": [{"client": p.client, "payer": p.payer, "rank": p.rank, "member_id": p.member_id,
                               "service_date": p.service_date.isoformat(), "service_type": p.service_type,
                               "trace": p.inquiry.trace} for p in self.planned],
                "skipped": self.skipped}


def service_types(ws: Workspace, given: list[str] | None = None) -> list[str]:
    """The service types to ask: given on the command line, else practice.toml [edi] eligibility_service_types."""
    from claimkit.eligibility.codes import THERAPY_SERVICE_TYPES, known_service_type

    if given:
        raw, where = given, "--service-type"
    else:
        raw = re.split(r"[,\s]+", str(ws.practice.edi.get("eligibility_service_types", "")).strip())
        where = "practice.toml [edi] eligibility_service_types"
    out = []
    for value in raw:
        code = value.strip().upper()
        if not code:
            continue
        if not _TYPE.match(code) or not known_service_type(code):
            raise ClaimkitError(f"{where} '{value}' is not a service type claimkit knows; use one of"
                                f" {', '.join(THERAPY_SERVICE_TYPES)} (MH = mental health)")
        if code not in out:
            out.append(code)
    return out or [THERAPY_SERVICE_TYPES[0]]


def next_sessions(ws: Workspace, today: date, until: date | None = None) -> dict[str, date]:
    """client -> the date of their next session on or after today (up to `until`)."""
    sql = "SELECT client, MIN(date) FROM sessions WHERE status != 'void' AND date >= ?"
    args = [today.isoformat()]
    if until is not None:
        sql += " AND date <= ?"
        args.append(until.isoformat())
    return {c: date.fromisoformat(d) for c, d in ws.conn.execute(sql + " GROUP BY client", args)}


def plan(ws: Workspace, *, clients: list[str] = (), upcoming: int | None = None, all_active: bool = False,
         types: list[str] | None = None, today: date | None = None) -> tuple[list[Planned], list[str]]:
    """The inquiries to write and the clients left out (with why)."""
    from claimkit.eligibility.x12_270 import Inquiry, Person

    today = today or date.today()
    if sum(bool(x) for x in (clients, upcoming is not None, all_active)) != 1:
        raise ClaimkitError("choose who to ask about: CLIENT..., --upcoming DAYS or --all-active")
    if upcoming is not None and not 0 <= upcoming <= 365:
        raise ClaimkitError(f"--upcoming {upcoming}: give a number of days from 0 to 365")
    kinds = service_types(ws, types)
    named = bool(clients)
    if named:
        ids = list(dict.fromkeys(clients))
        for cid in ids:
            ws.client(cid)  # an unknown id: one line naming it
        nxt = next_sessions(ws, today)
    elif upcoming is not None:
        nxt = next_sessions(ws, today, today + timedelta(days=upcoming))
        ids = sorted(nxt)
    else:
        nxt = next_sessions(ws, today)
        ids = [c.id for c in ws.clients() if c.status == "active"]
    planned: list[Planned] = []
    skipped: list[str] = []
    for cid in ids:
        client = ws.client(cid)
        day = nxt.get(cid, today)
        policies = [p for p in client.policies if p.cost_sharing != "self_pay" and p.in_force(day)]
        if not policies:
            skipped.append(f"{cid}: no insurance billed on {day} (self-pay or no policy in force)")
            continue
        for pol in policies:
            payer = ws.payers.get(pol.payer)
            if payer is None:
                raise ClaimkitError(f"clients/{cid}.toml: policy payer '{pol.payer}' is not in payers.toml; add it with"
                                    f" 'claimkit payer add {pol.payer} --name NAME'")
            if not payer.payer_id.strip():
                raise ClaimkitError(f"payers.toml [payer.{payer.id}] payer_id is not set: the inquiry for {cid} needs"
                                    f" {payer.name}'s electronic payer ID from your clearinghouse's payer list;"
                                    " add payer_id = \"...\" there")
            if not pol.member_id.strip():
                skipped.append(f"{cid}: the {pol.rank} policy with {pol.payer} has no member ID (copy it from the card"
                               f" into clients/{cid}.toml)")
                continue
            me = Person(client.last, client.first, client.middle, client.dob, client.sex or "")
            if pol.relationship == "self" or pol.insured is None:
                subscriber, dependent = me, None
            else:
                ins = pol.insured
                subscriber, dependent = Person(ins.last, ins.first, ins.middle, ins.dob, ins.sex or ""), me
            for kind in kinds:
                inq = Inquiry("", payer.name, payer.payer_id.strip(), pol.member_id.strip(), subscriber, day, kind,
                              dependent, pol.relationship)
                planned.append(Planned(cid, pol.payer, pol.rank, pol.member_id.strip(), day, kind, inq))
    if not planned:
        why = "; ".join(skipped) if skipped else "no client matches"
        raise ClaimkitError(f"nothing to ask: {why}")
    return planned, skipped


def provider(ws: Workspace):
    from claimkit.core.records import npi_valid
    from claimkit.eligibility.x12_270 import Provider

    p = ws.practice
    if p.billing.npi and npi_valid(p.billing.npi) and (p.billing.name or p.name):
        return Provider(p.billing.npi, p.billing.name or p.name)
    if p.provider.npi and npi_valid(p.provider.npi):
        return Provider(p.provider.npi, "", p.provider.last, p.provider.first)
    raise ClaimkitError("practice.toml [billing] npi is not set or not a valid NPI: the payer identifies you by it;"
                        " set it with 'claimkit practice edit'")


def write_request(ws: Workspace, out: Path, *, clients: list[str] = (), upcoming: int | None = None,
                  all_active: bool = False, types: list[str] | None = None, test: bool = False,
                  today: date | None = None, when: datetime | None = None) -> RequestResult:
    """Write the 270 file and record its inquiries in one transaction."""
    import dataclasses

    from claimkit.claims.export_837p import edi_settings, envelope
    from claimkit.eligibility.x12_270 import write_270
    from claimkit.store.home import write_output
    from claimkit.store.ledger import next_counter, now_iso

    edi_settings(ws.practice.edi)  # a missing setting fails before anything else
    prov = provider(ws)
    planned, skipped = plan(ws, clients=list(clients), upcoming=upcoming, all_active=all_active, types=types, today=today)
    result = RequestResult(out, skipped=skipped)
    written = False
    try:
        with ws.transaction() as conn:
            control = next_counter(conn, "isa")
            first = next_counter(conn, "eligibility-trace")
            conn.execute("UPDATE counters SET value = ? WHERE name = 'eligibility-trace'", (first + len(planned) - 1,))
            done = []
            for i, p in enumerate(planned):
                trace = f"{TRACE_PREFIX}{first + i:08d}"
                done.append(dataclasses.replace(p, inquiry=dataclasses.replace(p.inquiry, trace=trace)))
            env = envelope(ws, control, test, when)
            text = write_270([p.inquiry for p in done], prov, env, tax_id=ws.practice.billing.tax_id)
            write_output(out, text.encode("ascii", "replace"))
            written = True
            now = now_iso()
            conn.executemany(
                "INSERT INTO eligibility_inquiries (trace, client, payer, member_id, rank, service_type, service_date, file,"
                " control_number, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(p.inquiry.trace, p.client, p.payer, p.member_id, p.rank, p.service_type, p.service_date.isoformat(),
                  str(out), f"{control:09d}", now) for p in done])
            result.control, result.planned, result.usage = control, done, env.usage
    except BaseException:
        if written:
            try:
                out.unlink()
            except OSError:
                pass
        raise
    return result
