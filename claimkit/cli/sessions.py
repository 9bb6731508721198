"""session add/list/show/void and payment add: what the therapist types after each session."""

from __future__ import annotations

from datetime import date
from typing import List, Optional

import typer

from claimkit.cli.apps import payment_app, session_app
from claimkit.cli.output import (complete_client, complete_session, parse_amount, parse_date, print_json, say, table,
                                 workspace)
from claimkit.cli.prompting import ask
from claimkit.core import inputs
from claimkit.core.money import dollars

Opt = typer.Option


def summary_line(row, payer_name: str | None) -> str:
    parts = [f"Session {row.id}", row.client, row.date.isoformat(), row.cpt + (("-" + "-".join(row.modifiers)) if row.modifiers else ""),
             f"fee {dollars(row.fee)}"]
    if getattr(row, "start_time", None):
        parts.insert(4, f"{row.start_time}-{row.end_time}")
    if row.payer and row.allowed is not None:
        parts.append(f"{payer_name or row.payer} allows {dollars(row.allowed)}")
    elif row.payer:
        parts.append(f"{payer_name or row.payer}: no contracted rate")
    if row.estimate is not None:
        parts.append(f"client owes ~{dollars(row.estimate.patient)} ({row.estimate.label()})")
        if row.estimate.source:
            parts.append(row.estimate.source)
    return " · ".join(parts)


@session_app.command("add")
def session_add(
    ctx: typer.Context,
    client: str = typer.Argument(..., metavar="CLIENT", help="Client id.", autocompletion=complete_client),
    on: Optional[str] = Opt(None, "--date", help="Date of service YYYY-MM-DD."),
    cpt: Optional[str] = Opt(None, "--cpt", help="CPT code, e.g. 90837."),
    minutes: Optional[int] = Opt(None, "--minutes", help="Face-to-face minutes (checked against the CPT's time range)."),
    start: Optional[str] = Opt(None, "--start", help="Documented start time HH:MM (with --end; on no claim)."),
    end: Optional[str] = Opt(None, "--end", help="Documented end time HH:MM: checked against --minutes and the CPT's time range."),
    units: int = Opt(1, "--units", help="Units (e.g. 96127 per instrument)."),
    modifier: List[str] = Opt([], "--modifier", help="Modifier, repeatable (up to 4)."),
    pos: Optional[str] = Opt(None, "--pos", help="Place of service (default from practice.toml; 02/10 telehealth)."),
    dx: List[str] = Opt([], "--dx", help="Diagnosis, repeatable (default: the client's diagnoses)."),
    fee: Optional[str] = Opt(None, "--fee", help="Fee charged (default: your standard fee for the CPT)."),
    paid: Optional[str] = Opt(None, "--paid", help="What the client paid at the session."),
    method: str = Opt("card", "--method", help="cash|card|check|other."),
    note: str = Opt("", "--note", help="A short note (no clinical content)."),
    json_: bool = Opt(False, "--json", help="Print the session as JSON."),
) -> None:
    """Record a session: fills in fee, diagnoses, place of service, payer, allowed amount and the client's share.

    Example: claimkit session add jdoe --date 2026-11-20 --cpt 90837 --start 09:00 --end 09:55
    """
    from claimkit.sessions.sessions import NewSession, add_session, standard_fee

    ws = workspace(ctx)
    charged = parse_amount(fee, "--fee")

    def typed_cpt(value: str, flag: str) -> str:
        code = inputs.cpt(value, flag)
        if charged is None:
            standard_fee(ws.practice, code)
        return code

    day = ask(ctx, on, "--date", "Date of service (YYYY-MM-DD)", inputs.day, default=date.today().isoformat())
    cpt = ask(ctx, cpt, "--cpt", "CPT code", typed_cpt)
    added = add_session(ws, NewSession(client=client, day=day, cpt=cpt, minutes=minutes, units=units, modifiers=list(modifier),
                                       pos=pos, dx=list(dx), fee=charged, paid=parse_amount(paid, "--paid"),
                                       method=method, note=note, start=start, end=end))
    findings = _session_findings(ws, added.session.id)
    if json_:
        print_json({**added.session.as_json(), "notes": added.notes, "findings": [f.as_dict() for f in findings]})
        return
    say(summary_line(added.session, added.payer_name))
    for n in added.notes:
        say(f"  {n}")
    for f in findings:
        colour = "red" if f.is_error else "yellow"
        say(f"  [{colour}]{f.severity}[/{colour}] box {f.box}: {f.message}" + (f" — {f.fix}" if f.fix else ""))


def _session_findings(ws, session_id: int) -> list:
    try:
        from claimkit.checks import check_session
    except ImportError:  # the scrubber is optional at this layer
        return []
    return check_session(ws, session_id)


@session_app.command("list")
def session_list(
    ctx: typer.Context,
    client: Optional[str] = Opt(None, "--client", autocompletion=complete_client),
    start: Optional[str] = Opt(None, "--from", help="From date YYYY-MM-DD."),
    end: Optional[str] = Opt(None, "--to", help="To date YYYY-MM-DD."),
    unbilled: bool = Opt(False, "--unbilled", help="Only sessions not yet on a claim."),
    json_: bool = Opt(False, "--json", help="Print JSON."),
) -> None:
    """List sessions with the client's estimated share.

    Example: claimkit session list --client jdoe --from 2026-11-01 --json
    """
    from claimkit.sessions.sessions import list_sessions

    ws = workspace(ctx)
    rows = list_sessions(ws, client=client, start=parse_date(start, "--from"), end=parse_date(end, "--to"), unbilled=unbilled)
    if json_:
        print_json([r.as_json() for r in rows])
        return
    table(f"Sessions ({len(rows)})", ["ID", "Client", "Date", "CPT", "Mod", "POS", "Dx", "Fee", "Payer", "Allowed", "Client ~", "Status"],
          [(r.id, r.client, r.date, r.cpt, ",".join(r.modifiers), r.pos, ",".join(r.dx), dollars(r.fee), r.payer or "self-pay",
            dollars(r.allowed) if r.allowed is not None else "-", dollars(r.estimate.patient) if r.estimate else "-",
            "billed elsewhere" if r.billed_elsewhere else r.status + (f" {r.claim_id}" if r.claim_id else "")) for r in rows],
          right=["Fee", "Allowed", "Client ~"])


@session_app.command("show")
def session_show(ctx: typer.Context, session_id: int = typer.Argument(..., metavar="ID", autocompletion=complete_session),
                 json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Show one session.

    Example: claimkit session show 12
    """
    from claimkit.sessions.sessions import get_session

    row = get_session(workspace(ctx), session_id)
    if json_:
        print_json(row.as_json())
        return
    data = row.as_json()
    table(f"Session {row.id}", ["Field", "Value"], [(k, ", ".join(v) if isinstance(v, list) else v) for k, v in data.items()])


@session_app.command("void")
def session_void(ctx: typer.Context, session_id: int = typer.Argument(..., metavar="ID", autocompletion=complete_session),
                 reason: Optional[str] = Opt(None, "--reason", help="Why (kept with the session).")) -> None:
    """Void a session entered by mistake; it keeps its row and history, and its charge is reversed.

    Example: claimkit session void 12 --reason "entered twice"
    """
    from claimkit.sessions.sessions import void_session

    reason = ask(ctx, reason, "--reason", "Reason", inputs.required_text)
    row = void_session(workspace(ctx), session_id, reason)
    say(f"Voided session {row.id} ({row.client} {row.date} {row.cpt}): {row.void_reason}")


@payment_app.command("add")
def payment_add(ctx: typer.Context, client: str = typer.Argument(..., metavar="CLIENT", autocompletion=complete_client),
                amount: str = typer.Argument(..., help="Amount paid, e.g. 25.00."),
                on: Optional[str] = Opt(None, "--date", help="Date paid (default today)."),
                method: str = Opt("card", "--method", help="cash|card|check|other."),
                note: str = Opt("", "--note")) -> None:
    """Record a payment from a client.

    Example: claimkit payment add jdoe 25.00 --method card --date 2026-11-20
    """
    from claimkit.sessions.accounts import add_payment

    value = parse_amount(amount, "AMOUNT")
    day = parse_date(on, "--date") or date.today()
    add_payment(workspace(ctx), client, value, day, method, note)
    say(f"Recorded {dollars(value)} from {client} on {day} ({method}).")

