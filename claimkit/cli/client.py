"""client add/list/show/edit/discharge and client policy add/edit: clients, their policies and claim settings."""

from __future__ import annotations

from datetime import date
from typing import List, Optional

import typer

from claimkit.cli.apps import client_app, policy_app
from claimkit.cli.output import complete_client, complete_payer, parse_amount, parse_date, print_json, say, table, workspace
from claimkit.cli.prompting import ask
from claimkit.cli.records import _edit_file
from claimkit.core import inputs
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import dollars

Opt = typer.Option


# --- clients -------------------------------------------------------------------------------------------

def _policy_options(payer, member_id, group, plan_name, relationship, insured_first, insured_last, insured_dob, insured_sex,
                    insured_address, insured_city, insured_state, insured_zip, effective, end, copay, coinsurance, self_pay,
                    deductible, deductible_met, oop_max, plan_year_start, copay_after_deductible, secondary) -> dict:
    sharing = [n for n, v in (("--copay", copay), ("--coinsurance", coinsurance), ("--self-pay", self_pay or None)) if v is not None]
    if len(sharing) > 1:
        raise ClaimkitError(f"{' and '.join(sharing)}: a policy has one kind of cost sharing; give only one")
    if coinsurance is not None:
        try:
            pct = float(coinsurance.rstrip("%"))
        except ValueError:
            raise ClaimkitError(f"--coinsurance '{coinsurance}' is not a percent; write it like 20") from None
        if not 0 <= pct <= 100:
            raise ClaimkitError(f"--coinsurance {coinsurance}: a percent must be between 0 and 100")
    from claimkit.records.practice import policy_data

    return policy_data({
        "payer": payer, "member_id": member_id, "group": group, "plan_name": plan_name, "relationship": relationship,
        "insured_first": insured_first, "insured_last": insured_last,
        "insured_dob": insured_dob and inputs.past_day(insured_dob, "--insured-dob"),
        "insured_sex": insured_sex and inputs.sex(insured_sex, "--insured-sex"),
        "insured_street": insured_address, "insured_city": insured_city,
        "insured_state": insured_state and inputs.state(insured_state, "--insured-state"),
        "insured_zip": insured_zip and inputs.zip_code(insured_zip, "--insured-zip"),
        "effective": parse_date(effective, "--effective"), "end": parse_date(end, "--end"),
        "copay": parse_amount(copay, "--copay"), "coinsurance": coinsurance.rstrip("%") if coinsurance else None,
        "self_pay": self_pay, "deductible": parse_amount(deductible, "--deductible"),
        "deductible_met": parse_amount(deductible_met, "--deductible-met"),
        "deductible_met_on": date.today() if deductible_met else None,
        "oop_max": parse_amount(oop_max, "--oop-max"), "plan_year_start": plan_year_start,
        "copay_after_deductible": copay_after_deductible or None, "secondary": secondary,
    })


POLICY_HELP = "Policy"
REFERRING_HELP = "Referring provider (box 17/17b)"


@client_app.command("add")
def client_add(
    ctx: typer.Context,
    client_id: str = typer.Argument(..., metavar="ID", help="Short id you will type, e.g. jdoe."),
    first: Optional[str] = Opt(None, "--first"), last: Optional[str] = Opt(None, "--last"),
    middle: Optional[str] = Opt(None, "--middle"),
    dob: Optional[str] = Opt(None, "--dob", help="Date of birth YYYY-MM-DD."),
    sex: Optional[str] = Opt(None, "--sex", help="M, F or X."),
    address: Optional[str] = Opt(None, "--address"), city: Optional[str] = Opt(None, "--city"),
    state_: Optional[str] = Opt(None, "--state"), zip_: Optional[str] = Opt(None, "--zip"),
    phone: Optional[str] = Opt(None, "--phone"), email: Optional[str] = Opt(None, "--email"),
    dx: List[str] = Opt([], "--dx", help="ICD-10-CM diagnosis, repeatable, in order (e.g. --dx F41.1)."),
    payer: Optional[str] = Opt(None, "--payer", help="Payer id of the primary policy.", autocompletion=complete_payer, rich_help_panel=POLICY_HELP),
    member_id: Optional[str] = Opt(None, "--member-id", rich_help_panel=POLICY_HELP),
    group: Optional[str] = Opt(None, "--group", rich_help_panel=POLICY_HELP),
    plan_name: Optional[str] = Opt(None, "--plan-name", rich_help_panel=POLICY_HELP),
    relationship: str = Opt("self", "--relationship", help="self|spouse|child|other (box 6).", rich_help_panel=POLICY_HELP),
    insured_first: Optional[str] = Opt(None, "--insured-first", rich_help_panel=POLICY_HELP),
    insured_last: Optional[str] = Opt(None, "--insured-last", rich_help_panel=POLICY_HELP),
    insured_dob: Optional[str] = Opt(None, "--insured-dob", rich_help_panel=POLICY_HELP),
    insured_sex: Optional[str] = Opt(None, "--insured-sex", rich_help_panel=POLICY_HELP),
    insured_address: Optional[str] = Opt(None, "--insured-address", rich_help_panel=POLICY_HELP),
    insured_city: Optional[str] = Opt(None, "--insured-city", rich_help_panel=POLICY_HELP),
    insured_state: Optional[str] = Opt(None, "--insured-state", rich_help_panel=POLICY_HELP),
    insured_zip: Optional[str] = Opt(None, "--insured-zip", rich_help_panel=POLICY_HELP),
    effective: Optional[str] = Opt(None, "--effective", rich_help_panel=POLICY_HELP),
    end: Optional[str] = Opt(None, "--end", rich_help_panel=POLICY_HELP),
    copay: Optional[str] = Opt(None, "--copay", help="Copay per session.", rich_help_panel=POLICY_HELP),
    coinsurance: Optional[str] = Opt(None, "--coinsurance", help="Coinsurance percent, e.g. 20.", rich_help_panel=POLICY_HELP),
    self_pay: bool = Opt(False, "--self-pay", help="Client pays the full fee (no insurance, or out of network).", rich_help_panel=POLICY_HELP),
    deductible: Optional[str] = Opt(None, "--deductible", help="Plan-year deductible.", rich_help_panel=POLICY_HELP),
    deductible_met: Optional[str] = Opt(None, "--deductible-met", help="Deductible already met this plan year.", rich_help_panel=POLICY_HELP),
    oop_max: Optional[str] = Opt(None, "--oop-max", help="Plan-year out-of-pocket maximum.", rich_help_panel=POLICY_HELP),
    plan_year_start: str = Opt("01-01", "--plan-year-start", help="MM-DD.", rich_help_panel=POLICY_HELP),
    copay_after_deductible: bool = Opt(False, "--copay-after-deductible", rich_help_panel=POLICY_HELP),
    secondary: bool = Opt(False, "--secondary", help="This policy is the secondary one.", rich_help_panel=POLICY_HELP),
) -> None:
    """Add a client, optionally with the primary insurance policy.

    Example: claimkit client add jdoe --first Jane --last Doe --dob 1990-04-12 --sex F --address "12 Elm St" --city Austin --state TX --zip 78701 --payer acme --member-id XJ123456789 --copay 25 --dx F41.1
    """
    from claimkit.records.practice import add_client

    ws = workspace(ctx)
    address_given = {"street": (address, "--address", inputs.text), "city": (city, "--city", inputs.text),
                     "state": (state_, "--state", inputs.state), "zip": (zip_, "--zip", inputs.zip_code)}
    home_address = {k: check(v, flag) for k, (v, flag, check) in address_given.items() if v}
    phone = phone and inputs.phone(phone, "--phone")
    asked = [("--first", first, "First name", inputs.required_text), ("--last", last, "Last name", inputs.required_text),
             ("--dob", dob, "Date of birth (YYYY-MM-DD)", inputs.past_day), ("--sex", sex, "Sex", inputs.sex)]
    for flag, value, _, check in asked:  # every option checked before anything is asked
        if value is not None:
            check(value, flag)
    first, last, born, sex = (ask(ctx, value, flag, prompt, check, choices=["M", "F", "X"] if flag == "--sex" else None)
                              for flag, value, prompt, check in asked)
    if self_pay and payer is None:
        policy = None
    elif payer is None:
        if any(v is not None for v in (member_id, copay, coinsurance, deductible)):
            raise ClaimkitError("--payer is required with policy options (--member-id, --copay, ...)")
        policy = None
    else:
        policy = _policy_options(payer, member_id, group, plan_name, relationship, insured_first, insured_last, insured_dob,
                                 insured_sex, insured_address, insured_city, insured_state, insured_zip, effective, end,
                                 copay, coinsurance, self_pay, deductible, deductible_met, oop_max, plan_year_start,
                                 copay_after_deductible, secondary)
    values = {"id": client_id, "first": first, "last": last, "middle": middle, "dob": born, "sex": sex,
              "address": home_address or None, "phone": phone, "email": email, "dx": list(dx)}
    try:
        client = add_client(ws, values, policy)
    except ValueError as exc:
        raise ClaimkitError(f"client add: {exc}") from None
    pol = client.policies[0] if client.policies else None
    what = f"{pol.payer} {pol.rank} ({pol.cost_sharing.replace('_', '-')})" if pol else "self-pay"
    say(f"Added client {client.id}: {client.display_name}, {what}")


@policy_app.command("add")
def client_policy_add(
    ctx: typer.Context,
    client_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_client),
    payer: Optional[str] = Opt(None, "--payer", autocompletion=complete_payer),
    member_id: Optional[str] = Opt(None, "--member-id"), group: Optional[str] = Opt(None, "--group"),
    plan_name: Optional[str] = Opt(None, "--plan-name"), relationship: str = Opt("self", "--relationship"),
    insured_first: Optional[str] = Opt(None, "--insured-first"), insured_last: Optional[str] = Opt(None, "--insured-last"),
    insured_dob: Optional[str] = Opt(None, "--insured-dob"), insured_sex: Optional[str] = Opt(None, "--insured-sex"),
    insured_address: Optional[str] = Opt(None, "--insured-address"), insured_city: Optional[str] = Opt(None, "--insured-city"),
    insured_state: Optional[str] = Opt(None, "--insured-state"), insured_zip: Optional[str] = Opt(None, "--insured-zip"),
    effective: Optional[str] = Opt(None, "--effective"), end: Optional[str] = Opt(None, "--end"),
    copay: Optional[str] = Opt(None, "--copay"), coinsurance: Optional[str] = Opt(None, "--coinsurance"),
    self_pay: bool = Opt(False, "--self-pay"), deductible: Optional[str] = Opt(None, "--deductible"),
    deductible_met: Optional[str] = Opt(None, "--deductible-met"), oop_max: Optional[str] = Opt(None, "--oop-max"),
    plan_year_start: str = Opt("01-01", "--plan-year-start"), copay_after_deductible: bool = Opt(False, "--copay-after-deductible"),
    secondary: bool = Opt(False, "--secondary", help="This policy is the secondary one."),
    referring_first: Optional[str] = Opt(None, "--referring-first", rich_help_panel=REFERRING_HELP),
    referring_last: Optional[str] = Opt(None, "--referring-last", rich_help_panel=REFERRING_HELP),
    referring_npi: Optional[str] = Opt(None, "--referring-npi", rich_help_panel=REFERRING_HELP),
    referring_qualifier: Optional[str] = Opt(None, "--referring-qualifier", help="DN referring (the default), DK ordering,"
                                             " DQ supervising.", rich_help_panel=REFERRING_HELP),
) -> None:
    """Add an insurance policy (primary, or --secondary) to a client, with the referring provider its plan wants
    (box 17/17b; later: 'claimkit client policy edit').

    Example: claimkit client policy add jdoe --payer bluepeak --member-id BP99887766 --coinsurance 20 --deductible 500 --secondary
    """
    from claimkit.records.clients import complete_referring
    from claimkit.records.practice import add_policy

    ws = workspace(ctx)
    referring = _referring_options(referring_first, referring_last, None, None, referring_npi, referring_qualifier)
    referring = complete_referring(None, referring) if referring else None
    payer = ask(ctx, payer, "--payer", "Payer id", lambda v, f: ws.payer(v.strip()).id, choices=sorted(ws.payers) or None)
    policy = _policy_options(payer, member_id, group, plan_name, relationship, insured_first, insured_last, insured_dob,
                             insured_sex, insured_address, insured_city, insured_state, insured_zip, effective, end, copay,
                             coinsurance, self_pay, deductible, deductible_met, oop_max, plan_year_start,
                             copay_after_deductible, secondary)
    if referring:
        policy["referring"] = referring
    client = add_policy(ws, client_id, policy)
    say(f"{client.id} now has {len(client.policies)} polic{'y' if len(client.policies) == 1 else 'ies'}.")


@client_app.command("list")
def client_list(ctx: typer.Context, all_: bool = Opt(False, "--all", help="Include discharged clients."),
                json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List active clients (--all includes discharged ones).

    Example: claimkit client list --all
    """
    clients = [c for c in workspace(ctx).clients() if all_ or c.status == "active"]
    if json_:
        print_json([{"id": c.id, "name": c.display_name, "dob": c.dob.isoformat(), "status": c.status,
                     "payer": c.policies[0].payer if c.policies else None,
                     "cost_sharing": c.policies[0].cost_sharing if c.policies else "self_pay", "dx": c.dx} for c in clients])
        return
    table("Clients", ["ID", "Name", "Payer", "Cost sharing", "Dx", "Status"],
          [(c.id, c.display_name, c.policies[0].payer if c.policies else "-",
            _sharing(c.policies[0]) if c.policies else "self-pay", " ".join(c.dx), c.status) for c in clients])


def _sharing(p) -> str:
    if p.cost_sharing == "copay":
        return f"copay {dollars(p.copay)}"
    if p.cost_sharing == "coinsurance":
        ded = f", deductible {dollars(p.deductible)}" if p.deductible else ""
        return f"{p.coinsurance}%{ded}"
    return "self-pay"


@client_app.command("show")
def client_show(ctx: typer.Context, client_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_client),
                json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Show a client with policies, authorizations and diagnoses.

    Example: claimkit client show jdoe
    """
    from claimkit.eligibility.benefits import describe
    from claimkit.eligibility.store import latest
    from claimkit.records.clients import describe_accident, describe_onset, describe_referring

    ws = workspace(ctx)
    c = ws.client(client_id)
    benefits = latest(ws.conn, [c.id])
    if json_:
        print_json({**c.to_data(), "benefits": {payer: {"as_of": s.as_of.isoformat(), "source_file": s.source_file,
                                                        **s.snapshot.to_data()} for (_, payer), s in benefits.items()}})
        return
    rows = [("Name", c.display_name), ("DOB", c.dob.isoformat()), ("Sex", c.sex), ("Address", c.address.one_line()),
            ("Phone", c.phone), ("Email", c.email), ("Diagnoses", ", ".join(c.dx)), ("Status", c.status)]
    rows += [(label, value) for label, value in (("Onset (14)", describe_onset(c)), ("Accident (10)", describe_accident(c)))
             if value]
    for p in c.policies:
        span = f"{p.effective or '…'} to {p.end or '…'}"
        rows.append((f"{p.rank.title()} policy", f"{p.payer} member {p.member_id}, {_sharing(p)}, {p.relationship}, {span}"))
        if p.referring is not None:
            rows.append(("", f"referring provider {describe_referring(p)}"))
        if p.oop_max is not None:
            rows.append(("", f"out-of-pocket max {dollars(p.oop_max)}, plan year from {p.plan_year_start}"))
        found = benefits.get((c.id, p.payer))
        if found is not None:
            rows.append(("", f"271 of {found.as_of}: {describe(found.snapshot)} (claimkit client benefits {c.id})"))
    for a in c.authorizations:
        rows.append(("Authorization", f"{a.number} {a.payer} {a.visits or '-'} visits {a.start or ''}..{a.end or ''}"))
    table(f"Client {c.id}", ["Field", "Value"], rows)


@client_app.command("edit")
def client_edit(
    ctx: typer.Context,
    client_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_client),
    onset: Optional[str] = Opt(None, "--onset", help="Box 14: date of the current illness YYYY-MM-DD; '' removes it."),
    onset_qualifier: Optional[str] = Opt(None, "--onset-qualifier", help="Box 14 qualifier: 431 onset of the illness"
                                         " (the default) or 484 last menstrual period."),
    accident: Optional[str] = Opt(None, "--accident", help="Box 10a-c: the condition is related to employment, an auto"
                                  " accident or another accident; 'none' removes it."),
    accident_state: Optional[str] = Opt(None, "--accident-state", help="Box 10b: the state where the auto accident happened."),
    accident_date: Optional[str] = Opt(None, "--accident-date", help="Date of the accident YYYY-MM-DD (the 837P's DTP*439)."),
) -> None:
    """Change a client's claim settings with options (box 14 onset, box 10 accident), or with no option open the
    client's TOML in $EDITOR; either way the client is validated before the file changes, so a bad value changes
    nothing. The referring provider (box 17) belongs to a policy: 'claimkit client policy edit'.

    Example: claimkit client edit jdoe --onset 2026-09-01 --accident auto --accident-state TX --accident-date 2026-08-28
    """
    from claimkit.records.clients import ACCIDENT_KINDS, describe_accident, describe_onset, edit_client_settings

    ws = workspace(ctx)
    changes: dict = {}
    if onset is not None:
        changes["onset"] = inputs.past_day(onset, "--onset") if onset.strip().lower() not in ("", "none") else None
    if onset_qualifier is not None:
        changes["onset_qualifier"] = inputs.one_of(["431", "484"], what="431 onset, 484 last menstrual period")(
            onset_qualifier, "--onset-qualifier")
    if accident is not None:
        kind = inputs.one_of([*ACCIDENT_KINDS, "none"])(accident, "--accident")
        changes["accident_kind"] = None if kind == "none" else kind
    if accident_state is not None:
        changes["accident_state"] = inputs.state(accident_state, "--accident-state")
    if accident_date is not None:
        changes["accident_date"] = inputs.past_day(accident_date, "--accident-date")
    if changes:
        c = edit_client_settings(ws, client_id, changes)
        say(f"Changed {c.id}: onset {describe_onset(c) or 'none'}; accident {describe_accident(c) or 'none'}."
            f" See: claimkit client show {c.id}")
        return
    from claimkit.records.practice import replace_client_file
    from claimkit.store.files import client_path

    ws.client(client_id)
    _edit_file(client_path(ws.home, client_id), lambda raw: replace_client_file(ws, client_id, raw))


def _referring_options(first, last, middle, credentials, npi, qualifier) -> dict[str, str]:
    """The --referring-* options given, each checked (the NPI's check digit, the qualifier)."""
    return {k: v for k, v in {"first": first and inputs.text(first, "--referring-first"),
                              "last": last and inputs.text(last, "--referring-last"),
                              "middle": middle and inputs.text(middle, "--referring-middle"),
                              "credentials": credentials and inputs.text(credentials, "--referring-credentials"),
                              "npi": npi and inputs.npi(npi, "--referring-npi"),
                              "qualifier": qualifier and inputs.one_of(["DN", "DK", "DQ"])(qualifier, "--referring-qualifier"),
                              }.items() if v is not None}


@policy_app.command("edit")
def client_policy_edit(
    ctx: typer.Context,
    client_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_client),
    payer: Optional[str] = Opt(None, "--payer", help="The policy with this payer (default: the primary policy).",
                               autocompletion=complete_payer),
    secondary: bool = Opt(False, "--secondary", help="The secondary policy."),
    referring_first: Optional[str] = Opt(None, "--referring-first", help="Box 17: the referring provider's first name."),
    referring_last: Optional[str] = Opt(None, "--referring-last", help="Box 17: last name."),
    referring_middle: Optional[str] = Opt(None, "--referring-middle", help="Box 17: middle name (its initial prints)."),
    referring_credentials: Optional[str] = Opt(None, "--referring-credentials", help="Box 17: e.g. MD."),
    referring_npi: Optional[str] = Opt(None, "--referring-npi", help="Box 17b: the referring provider's NPI."),
    referring_qualifier: Optional[str] = Opt(None, "--referring-qualifier", help="Box 17 qualifier: DN referring (the"
                                             " default), DK ordering, DQ supervising."),
    no_referring: bool = Opt(False, "--no-referring", help="Remove the policy's referring provider."),
) -> None:
    """Set the referring provider (box 17/17b) a policy's plan wants on its claims; the client file is validated and
    rewritten atomically, and claims built afterwards print it.

    Example: claimkit client policy edit jdoe --referring-first Dana --referring-last Referrer --referring-npi 1679576722
    """
    from claimkit.records.clients import describe_referring, pick_policy, set_referring

    ws = workspace(ctx)
    given = _referring_options(referring_first, referring_last, referring_middle, referring_credentials, referring_npi,
                               referring_qualifier)
    if no_referring and given:
        raise ClaimkitError("--no-referring removes the referring provider; give it alone")
    if not no_referring and not given:
        raise ClaimkitError("client policy edit: give --referring-last and --referring-npi (or --no-referring);"
                            " see 'claimkit client policy edit --help'")
    client = ws.client(client_id)
    index = pick_policy(client, payer, "secondary" if secondary else None)
    c = set_referring(ws, client_id, index, None if no_referring else given)
    pol = c.policies[index]
    say(f"{c.id}'s {pol.rank} policy with {pol.payer}: referring provider {describe_referring(pol) or 'none'}")


@client_app.command("discharge")
def client_discharge(ctx: typer.Context, client_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_client),
                     on: Optional[str] = Opt(None, "--date", help="Discharge date (default today).")) -> None:
    """Mark a client discharged (kept on file; hidden from client list unless --all).

    Example: claimkit client discharge jdoe --date 2026-11-30
    """
    from claimkit.records.practice import discharge_client

    c = discharge_client(workspace(ctx), client_id, parse_date(on, "--date") or date.today())
    say(f"Discharged {c.id} on {c.discharged}.")
