"""init, practice, fee, payer, client: the records people keep in TOML."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import List, Optional

import typer

from claimkit.cli.apps import app, client_app, fee_app, payer_app, policy_app, practice_app, rate_app
from claimkit.cli.output import (ask, complete_client, complete_payer, interactive, parse_amount, parse_date,
                                 print_json, say, state, table, workspace)
from claimkit.core.errors import ClaimkitError
from claimkit.core.money import dollars, fmt

Opt = typer.Option


@app.command()
def init(
    ctx: typer.Context,
    practice_name: Optional[str] = Opt(None, "--practice-name", help="Practice name as billed (box 33)."),
    provider_first: Optional[str] = Opt(None, "--provider-first", help="Your first name (box 31)."),
    provider_last: Optional[str] = Opt(None, "--provider-last", help="Your last name (box 31)."),
    credentials: Optional[str] = Opt(None, "--credentials", help="e.g. LPC, LCSW, LMFT, PhD."),
    npi: Optional[str] = Opt(None, "--npi", help="Billing NPI (box 33a)."),
    tax_id: Optional[str] = Opt(None, "--tax-id", help="EIN or SSN (box 25)."),
    tax_id_type: Optional[str] = Opt(None, "--tax-id-type", help="ein or ssn."),
    taxonomy: Optional[str] = Opt(None, "--taxonomy", help="Provider taxonomy code, e.g. 101YP2500X."),
    license: Optional[str] = Opt(None, "--license", help="State license number (superbills)."),
    license_state: Optional[str] = Opt(None, "--license-state", help="License state, e.g. TX."),
    address: Optional[str] = Opt(None, "--address", help="Billing street address (no PO box)."),
    city: Optional[str] = Opt(None, "--city"),
    state_: Optional[str] = Opt(None, "--state", help="Two-letter state code."),
    zip_: Optional[str] = Opt(None, "--zip", help="ZIP+4, e.g. 78701-1234."),
    phone: Optional[str] = Opt(None, "--phone", help="Billing phone (box 33)."),
    rendering_npi: Optional[str] = Opt(None, "--rendering-npi", help="Your individual NPI when --npi is an organisation's."),
    yes: bool = Opt(False, "--yes", "-y", help="Don't prompt; missing values stay blank."),
) -> None:
    """Create a new practice home (folder 0700, files 0600) with practice.toml, payers.toml and clients/.

    Example: claimkit init --practice-name "Calm Waters Counseling" --provider-first Pat --provider-last Example --credentials LPC --npi 1234567893 --tax-id 12-3456789 --yes
    """
    from claimkit.records.practice import init_home
    from claimkit.store.home import resolve_home

    if yes:
        state(ctx).yes = True
    home = resolve_home(state(ctx).home)
    values = {"practice_name": practice_name, "provider_first": provider_first, "provider_last": provider_last,
              "credentials": credentials, "npi": npi, "tax_id": tax_id, "tax_id_type": tax_id_type, "taxonomy": taxonomy,
              "license": license, "license_state": license_state, "address": address, "city": city, "state": state_,
              "zip": zip_, "phone": phone, "rendering_npi": rendering_npi}
    prompts = [("practice_name", "--practice-name", "Practice name", None), ("provider_first", "--provider-first", "Your first name", None),
               ("provider_last", "--provider-last", "Your last name", None), ("credentials", "--credentials", "Credentials (LPC, LCSW, ...)", None),
               ("npi", "--npi", "Billing NPI (10 digits)", None), ("tax_id", "--tax-id", "Tax ID (EIN or SSN)", None),
               ("tax_id_type", "--tax-id-type", "Tax ID type", ["ein", "ssn"]), ("taxonomy", "--taxonomy", "Taxonomy code", None),
               ("address", "--address", "Billing street address", None), ("city", "--city", "City", None),
               ("state", "--state", "State (2 letters)", None), ("zip", "--zip", "ZIP+4", None), ("phone", "--phone", "Phone", None)]
    if interactive(ctx):
        for key, flag, prompt, choices in prompts:
            values[key] = ask(ctx, values[key], flag, prompt, choices=choices, default="ein" if key == "tax_id_type" else "", required=False)
    values["practice_name"] = ask(ctx, values["practice_name"], "--practice-name", "Practice name")
    values = {k: (v or "") for k, v in values.items()}
    practice = init_home(home, values)
    say(f"Created practice '{practice.name}' in {home}")
    say("Next: claimkit payer add ID --name NAME, then claimkit client add, then claimkit session add.")


# --- practice ---------------------------------------------------------------------------------------

@practice_app.command("show")
def practice_show(ctx: typer.Context, json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Show the practice settings.

    Example: claimkit practice show --json
    """
    ws = workspace(ctx)
    p = ws.practice
    if json_:
        print_json(p.to_data())
        return
    b, r = p.billing, p.provider
    rows = [("Practice", p.name), ("Billing NPI (33a)", b.npi), ("Tax ID (25)", f"{b.tax_id} ({b.tax_id_type.upper()})"),
            ("Taxonomy (33b)", b.taxonomy), ("Address (33)", b.address.one_line()), ("Phone (33)", b.phone),
            ("Provider (31)", r.display_name), ("Individual NPI (24J)", r.npi or "same as billing"),
            ("License", f"{r.license} {r.license_state}".strip()), ("Default POS", p.defaults.pos),
            ("Home", str(ws.home))]
    rows += [(f"Fee {cpt}", dollars(amount)) for cpt, amount in p.fees.items()]
    table(None, ["Setting", "Value"], rows)


def _edit_file(path: Path, apply) -> None:
    """Open a copy in $EDITOR; validate after saving; an invalid edit is refused and the file stays as it was."""
    import subprocess

    from claimkit.records.practice import editor_command
    from claimkit.store import scratch

    home = path.parent.parent if path.parent.name == "clients" else path.parent
    scratch.sweep(home)
    tmp = scratch.new_path(home, f"{path.stem}.toml")  # inside the home (0700 folder, 0600): never in /tmp
    try:
        scratch.write_private(tmp, path.read_bytes())
        before = Path(tmp).read_bytes()
        try:
            rc = subprocess.call([*editor_command(), tmp])
        except FileNotFoundError:
            raise ClaimkitError(f"editor '{editor_command()[0]}' not found; set $EDITOR (e.g. EDITOR=nano)") from None
        if rc != 0:
            raise ClaimkitError(f"the editor exited with code {rc}; nothing was changed")
        after = Path(tmp).read_bytes()
        if after == before:
            say("No changes.")
            return
        try:
            apply(after)
        except ClaimkitError as exc:
            raise ClaimkitError(f"edit refused, {path.name} unchanged: {exc.message}") from None
        say(f"Saved {path.name}.")
    finally:
        Path(tmp).unlink(missing_ok=True)


@practice_app.command("edit")
def practice_edit(ctx: typer.Context) -> None:
    """Open practice.toml in $EDITOR; it is validated when you save, and an invalid edit changes nothing.

    Example: EDITOR=nano claimkit practice edit
    """
    from claimkit.records.practice import replace_practice_file

    ws = workspace(ctx)
    _edit_file(ws.home / "practice.toml", lambda raw: replace_practice_file(ws, raw))


# --- fees ----------------------------------------------------------------------------------------------

@fee_app.command("set")
def fee_set(ctx: typer.Context, cpt: str = typer.Argument(..., help="CPT code, e.g. 90837."),
            amount: str = typer.Argument(..., help="Your full fee, e.g. 180.00.")) -> None:
    """Set your standard fee for a CPT code (what a session is charged unless --fee says otherwise).

    Example: claimkit fee set 90837 180.00
    """
    from claimkit.records.practice import set_fee

    value = parse_amount(amount, "AMOUNT")
    set_fee(workspace(ctx), cpt, value)
    say(f"Standard fee for {cpt.upper()}: {dollars(value)}")


@fee_app.command("list")
def fee_list(ctx: typer.Context, json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List your standard fees.

    Example: claimkit fee list
    """
    fees = workspace(ctx).practice.fees
    if json_:
        print_json({cpt: fmt(v) for cpt, v in fees.items()})
        return
    table("Standard fees", ["CPT", "Fee"], [(c, dollars(v)) for c, v in fees.items()], right=["Fee"])


# --- payers ----------------------------------------------------------------------------------------------

PAYER_TYPES = ["commercial", "medicare", "medicaid", "tricare", "champva", "group", "feca", "other"]


@payer_app.command("add")
def payer_add(
    ctx: typer.Context,
    payer_id: str = typer.Argument(..., metavar="ID", help="Short id you will type, e.g. acme."),
    name: Optional[str] = Opt(None, "--name", help="Payer name as on the claim."),
    edi_id: Optional[str] = Opt(None, "--payer-id", help="Electronic payer ID (for 837P/ERA)."),
    type_: str = Opt("commercial", "--type", help="commercial|medicare|medicaid|tricare|champva|other (box 1)."),
    address: Optional[str] = Opt(None, "--address", help="Claims mailing address."),
    city: Optional[str] = Opt(None, "--city"),
    state_: Optional[str] = Opt(None, "--state"),
    zip_: Optional[str] = Opt(None, "--zip"),
    timely_filing_days: int = Opt(90, "--timely-filing-days", help="Days after the session a claim may be filed."),
    telehealth_modifier: str = Opt("95", "--telehealth-modifier", help="95|GT|93|none: added to telehealth sessions."),
    telehealth_pos: str = Opt("10", "--telehealth-pos", help="02|10: place of service for telehealth."),
    requires_taxonomy: bool = Opt(False, "--requires-taxonomy", help="Payer wants the taxonomy code (33b/24J)."),
    requires_auth: bool = Opt(False, "--requires-auth", help="Payer requires prior authorization (box 23)."),
    phone: Optional[str] = Opt(None, "--phone", help="Provider services phone (shown on the work list)."),
    box29: bool = Opt(False, "--box29-includes-patient-paid", help="Box 29 (amount paid) includes what the client paid."),
    appeal_days: Optional[int] = Opt(None, "--appeal-days", help="Days after a denial to appeal (default: Medicare 120, others 180)."),
) -> None:
    """Add an insurance payer.

    Example: claimkit payer add acme --name "Acme Health Plan" --payer-id 60054 --type commercial --timely-filing-days 90
    """
    from claimkit.records.practice import add_payer

    ws = workspace(ctx)
    name = ask(ctx, name, "--name", "Payer name")
    if type_ not in PAYER_TYPES:
        raise ClaimkitError(f"--type '{type_}': use one of {', '.join(PAYER_TYPES)}")
    if telehealth_modifier.upper() not in ("95", "GT", "93", "NONE"):
        raise ClaimkitError(f"--telehealth-modifier '{telehealth_modifier}': use 95, GT, 93 or none")
    if telehealth_pos not in ("02", "10"):
        raise ClaimkitError(f"--telehealth-pos '{telehealth_pos}': use 02 or 10")
    addr = {k: v for k, v in {"street": address, "city": city, "state": (state_ or "").upper() or None, "zip": zip_}.items() if v}
    payer = add_payer(ws, {"id": payer_id, "name": name, "payer_id": edi_id, "type": type_, "address": addr or None,
                           "timely_filing_days": timely_filing_days,
                           "telehealth_modifier": "none" if telehealth_modifier.lower() == "none" else telehealth_modifier.upper(),
                           "telehealth_pos": telehealth_pos, "requires_taxonomy": requires_taxonomy, "requires_auth": requires_auth,
                           "phone": phone, "box29_includes_patient_paid": box29, "appeal_days": appeal_days})
    say(f"Added payer {payer.id}: {payer.name}. Next: claimkit payer rate set {payer.id} CPT AMOUNT")


@payer_app.command("edit")
def payer_edit(
    ctx: typer.Context,
    payer_id: str = typer.Argument(..., metavar="PAYER", help="The payer's id.", autocompletion=complete_payer),
    name: Optional[str] = Opt(None, "--name", help="Payer name as on the claim."),
    edi_id: Optional[str] = Opt(None, "--payer-id", help="Electronic payer ID (for 837P/ERA)."),
    type_: Optional[str] = Opt(None, "--type", help="commercial|medicare|medicaid|tricare|champva|group|feca|other (box 1)."),
    address: Optional[str] = Opt(None, "--address", help="Claims mailing address: street."),
    address2: Optional[str] = Opt(None, "--address2", help="Second address line (suite, PO box); '' clears it."),
    city: Optional[str] = Opt(None, "--city"),
    state_: Optional[str] = Opt(None, "--state", help="Two-letter state code."),
    zip_: Optional[str] = Opt(None, "--zip", help="ZIP or ZIP+4."),
    phone: Optional[str] = Opt(None, "--phone", help="Provider services phone; '' clears it."),
    timely_filing_days: Optional[int] = Opt(None, "--timely-filing-days", help="Days after the session a claim may be filed."),
    telehealth_modifier: Optional[str] = Opt(None, "--telehealth-modifier", help="95|GT|93|none: added to telehealth sessions."),
    telehealth_pos: Optional[str] = Opt(None, "--telehealth-pos", help="02|10: place of service for telehealth."),
    requires_taxonomy: Optional[bool] = Opt(None, "--requires-taxonomy/--no-requires-taxonomy", help="Payer wants the taxonomy code (33b/24J)."),
    requires_auth: Optional[bool] = Opt(None, "--requires-auth/--no-requires-auth", help="Payer requires prior authorization (box 23)."),
    box29: Optional[bool] = Opt(None, "--box29-includes-patient-paid/--no-box29-includes-patient-paid",
                                help="Box 29 (amount paid) includes what the client paid."),
    appeal_days: Optional[str] = Opt(None, "--appeal-days", help="Days after a denial to appeal, or 'default' (Medicare 120, others 180)."),
) -> None:
    """Change a payer's settings; only the options given change. The payer is checked as a whole before payers.toml
    is rewritten, so a bad value changes nothing.

    Example: claimkit payer edit acme --appeal-days 65 --timely-filing-days 90 --no-requires-taxonomy
    """
    from claimkit.appeals.deadlines import appeal_window, window_source
    from claimkit.records.practice import edit_payer

    changes: dict = {"name": name, "payer_id": edi_id, "street": address, "street2": address2, "city": city,
                     "state": state_, "zip": zip_, "phone": phone, "timely_filing_days": timely_filing_days,
                     "telehealth_pos": telehealth_pos, "requires_taxonomy": requires_taxonomy,
                     "requires_auth": requires_auth, "box29_includes_patient_paid": box29}
    changes = {k: v for k, v in changes.items() if v is not None}
    if type_ is not None:
        if type_ not in PAYER_TYPES:
            raise ClaimkitError(f"--type '{type_}': use one of {', '.join(PAYER_TYPES)}")
        changes["type"] = type_
    if telehealth_modifier is not None:
        if telehealth_modifier.upper() not in ("95", "GT", "93", "NONE"):
            raise ClaimkitError(f"--telehealth-modifier '{telehealth_modifier}': use 95, GT, 93 or none")
        changes["telehealth_modifier"] = "none" if telehealth_modifier.lower() == "none" else telehealth_modifier.upper()
    if telehealth_pos is not None and telehealth_pos not in ("02", "10"):
        raise ClaimkitError(f"--telehealth-pos '{telehealth_pos}': use 02 or 10")
    if appeal_days is not None:
        if appeal_days.strip().lower() == "default":
            changes["appeal_days"] = None
        elif appeal_days.strip().isdigit() and 1 <= int(appeal_days) <= 3650:
            changes["appeal_days"] = int(appeal_days)
        else:
            raise ClaimkitError(f"--appeal-days '{appeal_days}': give a number of days from 1 to 3650, or 'default'")
    p = edit_payer(workspace(ctx), payer_id, changes)
    say(f"Changed payer {p.id} ({', '.join(k.replace('_', ' ') for k in changes)}); appeal window {appeal_window(p)} days"
        f" ({window_source(p)}). See: claimkit payer show {p.id}")


@payer_app.command("list")
def payer_list(ctx: typer.Context, json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List payers.

    Example: claimkit payer list --json
    """
    payers = workspace(ctx).payers
    if json_:
        print_json([p.to_data() for p in payers.values()])
        return
    table("Payers", ["ID", "Name", "Payer ID", "Type", "Filing days", "Telehealth", "Rates"],
          [(p.id, p.name, p.payer_id, p.type, p.timely_filing_days, f"POS {p.telehealth_pos} + {p.telehealth_modifier}", len(p.rates))
           for p in payers.values()])


@payer_app.command("show")
def payer_show(ctx: typer.Context, payer_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_payer),
               json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """Show one payer with its contracted rates.

    Example: claimkit payer show acme
    """
    from claimkit.appeals.deadlines import appeal_window, window_source

    p = workspace(ctx).payer(payer_id)
    if json_:
        print_json({**p.to_data(), "appeal_window_days": appeal_window(p)})
        return
    table(p.name, ["Setting", "Value"], [("ID", p.id), ("Payer ID", p.payer_id), ("Type (box 1)", p.type),
          ("Address", p.address.one_line()), ("Timely filing", f"{p.timely_filing_days} days"),
          ("Telehealth", f"POS {p.telehealth_pos}, modifier {p.telehealth_modifier}"),
          ("Requires taxonomy", "yes" if p.requires_taxonomy else "no"), ("Requires auth", "yes" if p.requires_auth else "no"),
          ("Phone", p.phone), ("Box 29 includes client payments", "yes" if p.box29_includes_patient_paid else "no"),
          ("Appeal window", f"{appeal_window(p)} days ({window_source(p)})")])
    _rates_table(p)


def _rates_table(p) -> None:
    table(f"{p.name}: contracted rates", ["CPT", "Modifier", "Allowed"],
          [(k.partition(":")[0], k.partition(":")[2], dollars(v)) for k, v in p.rates.items()], right=["Allowed"])


@rate_app.command("set")
def rate_set(ctx: typer.Context, payer_id: str = typer.Argument(..., metavar="PAYER", autocompletion=complete_payer),
             cpt: str = typer.Argument(...), amount: str = typer.Argument(...),
             modifier: Optional[str] = Opt(None, "--modifier", help="Rate applies only with this modifier.")) -> None:
    """Set a payer's contracted (allowed) rate for a CPT code.

    Example: claimkit payer rate set acme 90837 120.00
    """
    from claimkit.records.practice import set_rate

    value = parse_amount(amount, "AMOUNT")
    p = set_rate(workspace(ctx), payer_id, cpt, value, modifier)
    say(f"{p.name} allows {dollars(value)} for {cpt.upper()}{' with ' + modifier.upper() if modifier else ''}")


@rate_app.command("list")
def rate_list(ctx: typer.Context, payer_id: str = typer.Argument(..., metavar="PAYER", autocompletion=complete_payer),
              json_: bool = Opt(False, "--json", help="Print JSON.")) -> None:
    """List a payer's contracted rates.

    Example: claimkit payer rate list acme
    """
    p = workspace(ctx).payer(payer_id)
    if json_:
        print_json({k: fmt(v) for k, v in p.rates.items()})
        return
    _rates_table(p)


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
    if insured_sex is not None and insured_sex.upper() not in ("M", "F", "X"):
        raise ClaimkitError(f"--insured-sex '{insured_sex}': use M, F or X")
    from claimkit.records.practice import policy_data

    return policy_data({
        "payer": payer, "member_id": member_id, "group": group, "plan_name": plan_name, "relationship": relationship,
        "insured_first": insured_first, "insured_last": insured_last,
        "insured_dob": parse_date(insured_dob, "--insured-dob"), "insured_sex": insured_sex.upper() if insured_sex else None,
        "insured_street": insured_address, "insured_city": insured_city,
        "insured_state": insured_state.upper() if insured_state else None, "insured_zip": insured_zip,
        "effective": parse_date(effective, "--effective"), "end": parse_date(end, "--end"),
        "copay": parse_amount(copay, "--copay"), "coinsurance": coinsurance.rstrip("%") if coinsurance else None,
        "self_pay": self_pay, "deductible": parse_amount(deductible, "--deductible"),
        "deductible_met": parse_amount(deductible_met, "--deductible-met"),
        "deductible_met_on": date.today() if deductible_met else None,
        "oop_max": parse_amount(oop_max, "--oop-max"), "plan_year_start": plan_year_start,
        "copay_after_deductible": copay_after_deductible or None, "secondary": secondary,
    })


POLICY_HELP = "Policy"


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
    first = ask(ctx, first, "--first", "First name")
    last = ask(ctx, last, "--last", "Last name")
    dob = ask(ctx, dob, "--dob", "Date of birth (YYYY-MM-DD)")
    sex = ask(ctx, sex, "--sex", "Sex", choices=["M", "F", "X"])
    if sex.upper() not in ("M", "F", "X"):
        raise ClaimkitError(f"--sex '{sex}': use M, F or X")
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
    values = {"id": client_id, "first": first, "last": last, "middle": middle, "dob": parse_date(dob, "--dob"), "sex": sex.upper(),
              "address": {k: v for k, v in {"street": address, "city": city, "state": state_.upper() if state_ else None, "zip": zip_}.items() if v} or None,
              "phone": phone, "email": email, "dx": list(dx)}
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
) -> None:
    """Add an insurance policy (primary, or --secondary) to a client.

    Example: claimkit client policy add jdoe --payer bluepeak --member-id BP99887766 --coinsurance 20 --deductible 500 --secondary
    """
    from claimkit.records.practice import add_policy

    ws = workspace(ctx)
    payer = ask(ctx, payer, "--payer", "Payer id", choices=sorted(ws.payers) or None)
    policy = _policy_options(payer, member_id, group, plan_name, relationship, insured_first, insured_last, insured_dob,
                             insured_sex, insured_address, insured_city, insured_state, insured_zip, effective, end, copay,
                             coinsurance, self_pay, deductible, deductible_met, oop_max, plan_year_start,
                             copay_after_deductible, secondary)
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

    ws = workspace(ctx)
    c = ws.client(client_id)
    benefits = latest(ws.conn, [c.id])
    if json_:
        print_json({**c.to_data(), "benefits": {payer: {"as_of": s.as_of.isoformat(), "source_file": s.source_file,
                                                        **s.snapshot.to_data()} for (_, payer), s in benefits.items()}})
        return
    rows = [("Name", c.display_name), ("DOB", c.dob.isoformat()), ("Sex", c.sex), ("Address", c.address.one_line()),
            ("Phone", c.phone), ("Email", c.email), ("Diagnoses", ", ".join(c.dx)), ("Status", c.status)]
    for p in c.policies:
        span = f"{p.effective or '…'} to {p.end or '…'}"
        rows.append((f"{p.rank.title()} policy", f"{p.payer} member {p.member_id}, {_sharing(p)}, {p.relationship}, {span}"))
        if p.oop_max is not None:
            rows.append(("", f"out-of-pocket max {dollars(p.oop_max)}, plan year from {p.plan_year_start}"))
        found = benefits.get((c.id, p.payer))
        if found is not None:
            rows.append(("", f"271 of {found.as_of}: {describe(found.snapshot)} (claimkit client benefits {c.id})"))
    for a in c.authorizations:
        rows.append(("Authorization", f"{a.number} {a.payer} {a.visits or '-'} visits {a.start or ''}..{a.end or ''}"))
    table(f"Client {c.id}", ["Field", "Value"], rows)


@client_app.command("edit")
def client_edit(ctx: typer.Context, client_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_client)) -> None:
    """Open the client's TOML in $EDITOR; validated when you save, an invalid edit changes nothing.

    Example: EDITOR=nano claimkit client edit jdoe
    """
    from claimkit.records.practice import replace_client_file
    from claimkit.store.files import client_path

    ws = workspace(ctx)
    ws.client(client_id)
    _edit_file(client_path(ws.home, client_id), lambda raw: replace_client_file(ws, client_id, raw))


@client_app.command("discharge")
def client_discharge(ctx: typer.Context, client_id: str = typer.Argument(..., metavar="ID", autocompletion=complete_client),
                     on: Optional[str] = Opt(None, "--date", help="Discharge date (default today).")) -> None:
    """Mark a client discharged (kept on file; hidden from client list unless --all).

    Example: claimkit client discharge jdoe --date 2026-11-30
    """
    from claimkit.records.practice import discharge_client

    c = discharge_client(workspace(ctx), client_id, parse_date(on, "--date") or date.today())
    say(f"Discharged {c.id} on {c.discharged}.")
