"""Set up and change the practice's records: init, fees, payers and rates, clients and policies.

Every change is validated as a whole record before it is written (atomically), so a bad value changes nothing.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from claimkit.core import inputs
from claimkit.core.errors import ClaimkitError
from claimkit.core.records import Client, Payer, Policy, Practice, normalize_cpt, normalize_modifier, npi_valid  # noqa: F401
from claimkit.store import files, home as homes, ledger
from claimkit.store.workspace import Workspace


def model(cls, data: dict[str, Any], what: str):
    """Validate CLI input with the record's schema; the first problem becomes one line naming the option."""
    from pydantic import ValidationError

    from claimkit.core import schema

    try:
        return getattr(schema, cls.__name__).model_validate(data).to_record()
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
        msg = re.sub(r"^(Value error|Assertion failed), ", "", err["msg"])
        if err["type"] == "missing":
            msg = "is required"
        flag = ("ID" if loc == "id" else "--" + loc.split(".")[-1].replace("_", "-")) if loc else what  # id: the argument
        raise ClaimkitError(f"{what} {flag}: {msg}") from None


def init_home(path: Path, values: dict[str, Any]) -> Practice:
    """Create a new practice home (0700) with practice.toml, payers.toml, clients/ and the ledger (0600)."""
    if homes.is_home(path) or (path / "ledger.db").exists():
        raise ClaimkitError(f"{path} already holds a practice; claimkit init never overwrites one (use --home for another folder)")
    if path.exists() and not path.is_dir():
        raise ClaimkitError(f"{path} is a file, not a folder; choose another --home")
    billing_npi = inputs.npi(values.get("npi", ""), "--npi")
    rendering_npi = inputs.npi(values.get("rendering_npi", ""), "--rendering-npi")
    tax_id = inputs.tax_id(values.get("tax_id", ""), "--tax-id")
    data = {
        "name": values.get("practice_name") or "",
        "billing": {
            "name": values.get("practice_name") or "",
            "npi": billing_npi,
            "tax_id": tax_id,
            "tax_id_type": values.get("tax_id_type") or "ein",
            "taxonomy": values.get("taxonomy", ""),
            "phone": values.get("phone", ""),
            "address": {"street": values.get("address", ""), "city": values.get("city", ""),
                        "state": (values.get("state") or "").upper(), "zip": values.get("zip", "")},
        },
        "provider": {
            "first": values.get("provider_first", ""), "last": values.get("provider_last", ""),
            "credentials": values.get("credentials", ""), "npi": rendering_npi,
            "taxonomy": values.get("taxonomy", ""), "license": values.get("license", ""),
            "license_state": (values.get("license_state") or "").upper(),
        },
    }
    practice = model(Practice, data, "init")
    homes.make_private_dir(path)
    homes.make_private_dir(path / "clients")
    files.save_practice(path, practice)
    homes.atomic_write(files.payers_path(path), files.PAYERS_HEADER)
    conn = ledger.connect(path, create=True)
    conn.close()
    return practice


def edit_practice(ws: Workspace, **changes: Any) -> Practice:
    data = files.dump_model(ws.practice)
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    practice = model(Practice, data, "practice")
    with ws.lock():
        files.save_practice(ws.home, practice)
    ws.forget()
    return practice


def set_fee(ws: Workspace, cpt: str, amount: Decimal) -> Practice:
    try:
        cpt = normalize_cpt(cpt)
    except ValueError as exc:
        raise ClaimkitError(f"CPT: {exc}") from None
    fees = {**ws.practice.fees, cpt: amount}
    return edit_practice(ws, fees=dict(sorted(fees.items())))


def add_payer(ws: Workspace, values: dict[str, Any]) -> Payer:
    pid = values["id"]
    if pid in ws.payers:
        raise ClaimkitError(f"payer '{pid}' already exists; see 'claimkit payer show {pid}'")
    payer = model(Payer, {k: v for k, v in values.items() if v is not None}, "payer add")
    with ws.lock():
        payers = files.load_payers(ws.home)
        payers[pid] = payer
        files.save_payers(ws.home, payers)
    ws.forget()
    return payer


PAYER_ADDRESS = ("street", "street2", "city", "state", "zip")


def edit_payer(ws: Workspace, payer_id: str, changes: dict[str, Any]) -> Payer:
    """Change a payer's settings: the whole payer is validated before payers.toml is rewritten (atomically), so
    one bad value changes nothing. `changes` holds setting -> value; address parts by their own names; a value of
    None for `appeal_days` goes back to the payer type's default."""
    payer = ws.payer(payer_id)
    if not changes:
        raise ClaimkitError(f"payer edit {payer_id}: give at least one setting to change (see 'claimkit payer edit --help')")
    if "name" in changes and not str(changes["name"]).strip():
        raise ClaimkitError("payer edit --name: give the payer's name as it goes on the claim (it cannot be blank)")
    data = payer.to_data()
    address = dict(data.get("address") or {})
    for key, value in changes.items():
        if key in PAYER_ADDRESS:
            address[key] = value.upper() if key == "state" else value
        elif key == "appeal_days" and value is None:
            data.pop("appeal_days", None)
        else:
            data[key] = value
    data["address"] = address
    data = {k: v for k, v in data.items() if v is not None}
    updated = model(Payer, data, "payer edit")
    with ws.lock():
        payers = files.load_payers(ws.home)
        if payer_id not in payers:
            raise ClaimkitError(f"payer '{payer_id}' was removed from payers.toml meanwhile; nothing changed")
        payers[payer_id] = updated
        files.save_payers(ws.home, payers)
    ws.forget()
    return updated


def set_rate(ws: Workspace, payer_id: str, cpt: str, amount: Decimal, modifier: str | None = None) -> Payer:
    payer = ws.payer(payer_id)
    try:
        key = normalize_cpt(cpt) + (f":{normalize_modifier(modifier)}" if modifier else "")
    except ValueError as exc:
        raise ClaimkitError(f"rate: {exc}") from None
    updated = payer.replace(rates=dict(sorted({**payer.rates, key: amount}.items())))
    with ws.lock():
        payers = files.load_payers(ws.home)
        payers[payer_id] = updated
        files.save_payers(ws.home, payers)
    ws.forget()
    return updated


def policy_data(values: dict[str, Any]) -> dict[str, Any]:
    """CLI policy options -> Policy fields (insured person nested)."""
    v = {k: val for k, val in values.items() if val is not None and val != [] and val != ""}
    insured = {k[len("insured_"):]: v.pop(k) for k in list(v) if k.startswith("insured_")}
    addr = {k: insured.pop(k) for k in ("street", "city", "state", "zip") if k in insured}
    if "address" in insured:
        addr["street"] = insured.pop("address")
    if addr:
        insured["address"] = addr
    if insured:
        v["insured"] = insured
    if v.pop("self_pay", False):
        v["cost_sharing"] = "self_pay"
    elif "coinsurance" in v:
        v["cost_sharing"] = "coinsurance"
    if v.pop("secondary", False):
        v["rank"] = "secondary"
    return v


def _check_policy(ws: Workspace, policy: Policy, client_dob) -> None:
    ws.payer(policy.payer)
    if policy.relationship != "self" and policy.insured is None:
        raise ClaimkitError("--relationship is not self: give the insured's name and DOB with --insured-first, --insured-last, --insured-dob")
    if policy.cost_sharing == "copay" and policy.copay is None:
        raise ClaimkitError("policy: give its cost sharing with --copay AMOUNT, --coinsurance PERCENT or --self-pay")


def add_client(ws: Workspace, values: dict[str, Any], policy: dict[str, Any] | None) -> Client:
    cid = values["id"]
    from claimkit.core.records import check_id

    try:
        check_id(cid, "client id")
    except ValueError as exc:
        raise ClaimkitError(str(exc)) from None
    if files.client_path(ws.home, cid).exists():
        raise ClaimkitError(f"client '{cid}' already exists; see 'claimkit client show {cid}' or choose another id")
    data = {k: v for k, v in values.items() if v is not None and v != []}
    if policy:
        data["policies"] = [policy]
    client = model(Client, data, "client add")
    if client.dob > __import__("datetime").date.today():
        raise ClaimkitError(f"client add --dob {client.dob}: date of birth is in the future")
    for pol in client.policies:
        _check_policy(ws, pol, client.dob)
    with ws.lock():
        if files.client_path(ws.home, cid).exists():
            raise ClaimkitError(f"client '{cid}' already exists")
        files.save_client(ws.home, client)
    ws.forget()
    return client


def add_policy(ws: Workspace, client_id: str, policy: dict[str, Any]) -> Client:
    client = ws.client(client_id)
    pol = model(Policy, policy, "policy add")
    _check_policy(ws, pol, client.dob)
    if any(p.rank == pol.rank and p.payer == pol.payer and p.member_id == pol.member_id for p in client.policies):
        raise ClaimkitError(f"{client_id} already has this {pol.rank} policy with {pol.payer}")
    policies = [*client.policies, pol]
    order = {"primary": 0, "secondary": 1, "tertiary": 2}
    updated = model(Client, {**client.to_data(), "policies": [p.to_data() for p in sorted(policies, key=lambda p: order[p.rank])]}, "policy add")
    with ws.lock():
        files.save_client(ws.home, updated)
    ws.forget()
    return updated


def discharge_client(ws: Workspace, client_id: str, day) -> Client:
    client = ws.client(client_id)
    if client.status == "discharged":
        raise ClaimkitError(f"{client_id} is already discharged")
    updated = client.replace(status="discharged", discharged=day)
    with ws.lock():
        files.save_client(ws.home, updated)
    ws.forget()
    return updated


def validate_client_text(raw: bytes, client_id: str) -> Client:
    client = files.parse_client(raw, f"clients/{client_id}.toml", client_id)
    return client


def replace_client_file(ws: Workspace, client_id: str, raw: bytes) -> Client:
    """After `client edit`: validate the edited text, then swap it in atomically; invalid text changes nothing."""
    client = validate_client_text(raw, client_id)
    for pol in client.policies:
        ws.payer(pol.payer)
    with ws.lock():
        homes.atomic_write(files.client_path(ws.home, client_id), raw)
    ws.forget()
    return client


def replace_practice_file(ws: Workspace, raw: bytes) -> Practice:
    data = files.parse_toml(raw, "practice.toml")
    practice = files.validate("Practice", data, "practice.toml", raw.decode("utf-8", "replace")).to_record()
    with ws.lock():
        homes.atomic_write(files.practice_path(ws.home), raw)
    ws.forget()
    return practice


def editor_command() -> list[str]:
    import shlex

    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
