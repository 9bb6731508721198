"""The command groups, created here so each command module can add to them without importing each other."""

from __future__ import annotations

import typer

from claimkit.cli.errors import ClaimkitGroup

SETTINGS = {"help_option_names": ["-h", "--help"]}


def group(name: str, help: str, hidden: bool = False) -> typer.Typer:
    return typer.Typer(name=name, help=help, cls=ClaimkitGroup, no_args_is_help=True, context_settings=SETTINGS,
                       rich_markup_mode="rich", hidden=hidden)


app = typer.Typer(
    name="claimkit",
    help="Insurance billing for solo therapists: sessions, CMS-1500 claims, superbills, ERAs and balances, offline.",
    cls=ClaimkitGroup,
    no_args_is_help=True,
    context_settings=SETTINGS,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
practice_app = group("practice", "Show or edit the practice settings (practice.toml).")
fee_app = group("fee", "Your standard (full) fee per CPT code.")
payer_app = group("payer", "Insurance payers and their contracted rates.")
rate_app = group("rate", "Contracted (allowed) rates per CPT for one payer.")
client_app = group("client", "Clients, their insurance policies and diagnoses.")
policy_app = group("policy", "A client's insurance policies.")
session_app = group("session", "Record, list and void sessions.")
payment_app = group("payment", "Payments from clients.")
claim_app = group("claim", "Claims built from sessions.")
cms1500_app = group("cms1500", "The CMS-1500 claim form: render PDFs, explain boxes, calibrate printing.")
superbill_app = group("superbill", "Superbills for out-of-network and self-pay clients.")
era_app = group("era", "Electronic remittances (X12 835): import and match.")
eob_app = group("eob", "Paper EOBs: post what the payer paid, by hand or from a CSV.")
codes_app = group("codes", "Codes: ICD-10-CM diagnoses by code-set year, adjustment reason and remark codes (CARC/RARC).")
code_app = group("code", "Moved to 'claimkit codes'.", hidden=True)  # the old name of 'codes icd', kept as an alias
report_app = group("report", "Balances, aging, deductibles and payer reports.")
statement_app = group("statement", "Patient statements.")
x12_app = group("x12", "Electronic claims (837P) for clearinghouse upload, and what comes back (999, 277CA, 835).")
gfe_app = group("gfe", "Good Faith Estimates for self-pay and uninsured clients (No Surprises Act).")
appeal_app = group("appeal", "Appeal denied claims: letters, deadlines and answers.")
import_app = group("import", "Switch in from another tool: clients, past sessions, opening balances, old 837P files.")
eligibility_app = group("eligibility", "Eligibility: 270 inquiries for the clearinghouse, 271 answers into clients' benefits.")

payer_app.add_typer(rate_app)
client_app.add_typer(policy_app)
GROUPS = (practice_app, fee_app, payer_app, client_app, session_app, payment_app, claim_app, cms1500_app,
          superbill_app, era_app, eob_app, codes_app, code_app, report_app, statement_app, x12_app, appeal_app,
          import_app, gfe_app, eligibility_app)


_mounted: set[int] = set()


def mount_groups() -> None:
    """Add each group that has commands (after the command modules registered theirs), once."""
    for sub in GROUPS:
        if id(sub) not in _mounted and (sub.registered_commands or sub.registered_groups):
            app.add_typer(sub)
            _mounted.add(id(sub))
