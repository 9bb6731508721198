"""init, practice, fee, payer: the records people keep in TOML (clients: cli/client.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from claimkit.cli.apps import app, fee_app, payer_app, practice_app, rate_app
from claimkit.cli.output import complete_payer, parse_amount, print_json, say, state, table, workspace
from claimkit.cli.prompting import ask, terminal
from claimkit.core import inputs
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
    written = {"tax_id": tax_id or ""}  # how the tax ID was written: 123-45-6789 suggests (and must be) an SSN

    def typed_tax_id(value: str, flag: str) -> str:
        written["tax_id"] = value.strip()
        return inputs.tax_id(value, flag)

    fields = [("practice_name", "--practice-name", "Practice name (as billed, box 33)", inputs.required_text),
              ("provider_first", "--provider-first", "Your first name", inputs.text),
              ("provider_last", "--provider-last", "Your last name", inputs.text),
              ("credentials", "--credentials", "Credentials (LPC, LCSW, ...)", inputs.text),
              ("npi", "--npi", "Billing NPI (10 digits)", inputs.npi),
              ("tax_id", "--tax-id", "Tax ID (EIN 12-3456789 or SSN 123-45-6789)", typed_tax_id),
              ("tax_id_type", "--tax-id-type", "Tax ID type",
               lambda v, f: inputs.tax_id_type(v, f, written=written["tax_id"])),
              ("taxonomy", "--taxonomy", "Taxonomy code (like 101YP2500X)", inputs.taxonomy),
              ("address", "--address", "Billing street address (no PO box)", inputs.text),
              ("city", "--city", "City", inputs.text), ("state", "--state", "State (2 letters)", inputs.state),
              ("zip", "--zip", "ZIP+4 (like 78701-1234)", inputs.zip_code), ("phone", "--phone", "Phone", inputs.phone)]
    checked_only = [("license", "--license", inputs.text), ("license_state", "--license-state", inputs.state),
                    ("rendering_npi", "--rendering-npi", inputs.npi)]
    for key, flag, _, check in fields:  # what is on the command line is checked before anything is asked
        if values[key] is not None:
            values[key] = check(values[key], flag)
    for key, flag, check in checked_only:
        if values[key] is not None:
            values[key] = check(values[key], flag)
    for key, flag, prompt, check in fields:
        if values[key] is None and (key == "practice_name" or terminal(ctx)):
            values[key] = ask(ctx, None, flag, prompt, check, required=key == "practice_name",
                              choices=["ein", "ssn"] if key == "tax_id_type" else None,
                              default=inputs.tax_id_type_for(written["tax_id"]) if key == "tax_id_type" else None)
    values["tax_id_type"] = values["tax_id_type"] or inputs.tax_id_type_for(written["tax_id"])
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
    addr = {k: v for k, v in {"street": address and inputs.text(address, "--address"), "city": city and inputs.text(city, "--city"),
                              "state": state_ and inputs.state(state_, "--state"),
                              "zip": zip_ and inputs.zip_code(zip_, "--zip")}.items() if v}
    phone = phone and inputs.phone(phone, "--phone")
    name = ask(ctx, name, "--name", "Payer name (as on the claim)", inputs.required_text)
    if type_ not in PAYER_TYPES:
        raise ClaimkitError(f"--type '{type_}': use one of {', '.join(PAYER_TYPES)}")
    if telehealth_modifier.upper() not in ("95", "GT", "93", "NONE"):
        raise ClaimkitError(f"--telehealth-modifier '{telehealth_modifier}': use 95, GT, 93 or none")
    if telehealth_pos not in ("02", "10"):
        raise ClaimkitError(f"--telehealth-pos '{telehealth_pos}': use 02 or 10")
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
