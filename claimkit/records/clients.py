"""A client's claim settings changed by options, never a hand edit: the onset (box 14), an accident (10a-c and the
837P's DTP*439) and a policy's referring provider (17/17b). They are the fields a hand-edited client file holds
(`onset`, `onset_qualifier`, `[accident] kind/date/state`, `[policies.referring]`); the whole client is validated
before its file is rewritten (atomically), so one bad value changes nothing."""

from __future__ import annotations

from typing import Any

from claimkit.core.errors import ClaimkitError
from claimkit.core.records import Client, Policy
from claimkit.store import files
from claimkit.store.workspace import Workspace

ACCIDENT_KINDS = ("employment", "auto", "other")  # box 10a, 10b, 10c
ACCIDENT_BOX = {"employment": "10a", "auto": "10b", "other": "10c"}
ONSET_QUALIFIERS = {"431": "onset of the current illness", "484": "last menstrual period"}
REFERRING_QUALIFIERS = {"DN": "referring", "DK": "ordering", "DQ": "supervising"}


def edit_client_settings(ws: Workspace, client_id: str, changes: dict[str, Any]) -> Client:
    """`changes` holds what the options gave: onset (a date, or None to remove it), onset_qualifier,
    accident_kind (one of ACCIDENT_KINDS, or None to remove the accident), accident_state, accident_date."""
    client = ws.client(client_id)
    if not changes:
        raise ClaimkitError(f"client edit {client_id}: give a setting to change, or no option to open the file in $EDITOR")
    data = client.to_data()
    if "onset" in changes:
        data["onset"] = changes["onset"].isoformat() if changes["onset"] else None
        if changes["onset"] is None:
            data["onset_qualifier"] = ""
    if "onset_qualifier" in changes:
        if not data.get("onset"):
            raise ClaimkitError("--onset-qualifier: the client has no onset date; give it with --onset YYYY-MM-DD")
        data["onset_qualifier"] = changes["onset_qualifier"]
    if {"accident_kind", "accident_state", "accident_date"} & set(changes):
        data["accident"] = _accident(data.get("accident"), changes)
    return _save(ws, client, data)


def _accident(current: dict | None, changes: dict[str, Any]) -> dict | None:
    if "accident_kind" in changes and changes["accident_kind"] is None:
        given = [f"--accident-{k[len('accident_'):]}" for k in ("accident_state", "accident_date") if k in changes]
        if given:
            raise ClaimkitError(f"{' and '.join(given)}: --accident none removes the accident; give one or the other")
        return None
    accident = dict(current or {})
    if not accident and "accident_kind" not in changes:
        raise ClaimkitError("the client has no accident on file: give its kind with --accident employment|auto|other")
    if "accident_kind" in changes and changes["accident_kind"] != accident.get("kind"):
        accident["kind"] = changes["accident_kind"]
        if accident["kind"] != "auto":
            accident.pop("state", None)  # only an auto accident has a state (10b)
    if "accident_date" in changes:
        accident["date"] = changes["accident_date"].isoformat()
    if "accident_state" in changes:
        if accident["kind"] != "auto":
            raise ClaimkitError(f"--accident-state is where an auto accident happened (box 10b); this one is"
                                f" '{accident['kind']}' (box {ACCIDENT_BOX[accident['kind']]})")
        accident["state"] = changes["accident_state"]
    if not accident.get("date"):
        raise ClaimkitError(f"--accident {accident['kind']}: give --accident-date YYYY-MM-DD (the 837P carries the"
                            " date of the accident, DTP*439)")
    if accident["kind"] == "auto" and not accident.get("state"):
        raise ClaimkitError("--accident auto: give --accident-state, the state where it happened (box 10b), e.g. TX")
    return accident


def pick_policy(client: Client, payer: str | None, rank: str | None) -> int:
    """The index of the one policy named by payer and/or rank (primary when neither is given)."""
    rank = rank or (None if payer else "primary")
    found = [i for i, p in enumerate(client.policies) if (payer is None or p.payer == payer) and (rank is None or p.rank == rank)]
    if len(found) == 1:
        return found[0]
    have = ", ".join(f"{p.payer} ({p.rank})" for p in client.policies) or "none"
    which = " ".join(x for x in (rank, f"with {payer}" if payer else "") if x)
    if not found:
        raise ClaimkitError(f"{client.id} has no {which} policy (policies: {have}); see 'claimkit client show {client.id}'")
    raise ClaimkitError(f"{client.id} has {len(found)} {which} policies ({have}); name one with --payer and --secondary")


def set_referring(ws: Workspace, client_id: str, index: int, referring: dict[str, str] | None) -> Client:
    """Box 17/17b of one policy: `referring` holds the changed parts (qualifier, first, middle, last, credentials,
    npi), merged into what is on file; None removes the referring provider."""
    client = ws.client(client_id)
    data = client.to_data()
    policy = data["policies"][index]
    policy["referring"] = None if referring is None else complete_referring(policy.get("referring"), referring)
    return _save(ws, client, data)


def complete_referring(current: dict | None, given: dict[str, str]) -> dict[str, str]:
    """A referring provider from what is on file and what the options changed: it needs a last name and an NPI."""
    merged = {**(current or {"qualifier": "DN"}), **given}
    if not merged.get("last"):
        raise ClaimkitError("--referring-last: give the referring provider's last name (box 17)")
    if not merged.get("npi"):
        raise ClaimkitError("--referring-npi: give the referring provider's NPI (box 17b); the claim needs it")
    return merged


def _save(ws: Workspace, client: Client, data: dict[str, Any]) -> Client:
    from claimkit.records.practice import model

    updated = model(Client, _dropped(data), "client edit")
    with ws.lock():
        if files.load_client(ws.home, client.id) != client:
            raise ClaimkitError(f"clients/{client.id}.toml changed meanwhile; nothing was written, run the command again")
        files.save_client(ws.home, updated)
    ws.forget()
    return updated


def _dropped(data: Any) -> Any:
    """Plain data without the None values the schema would refuse where a record is optional."""
    if isinstance(data, dict):
        return {k: _dropped(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_dropped(v) for v in data]
    return data


def describe_accident(client: Client) -> str:
    a = client.accident
    if a is None:
        return ""
    where = f" in {a.state}" if a.state else ""
    return f"{a.kind}{where} on {a.date or '?'} (box {ACCIDENT_BOX.get(a.kind, '10')})"


def describe_onset(client: Client) -> str:
    if client.onset is None:
        return ""
    qual = client.onset_qualifier or "431"
    return f"{client.onset} ({qual}: {ONSET_QUALIFIERS.get(qual, '')}, box 14)"


def describe_referring(policy: Policy) -> str:
    r = policy.referring
    if r is None:
        return ""
    name = " ".join(x for x in (r.first, r.middle, r.last) if x) + (f", {r.credentials}" if r.credentials else "")
    return f"{name} NPI {r.npi or '-'} ({r.qualifier} {REFERRING_QUALIFIERS.get(r.qualifier, '')}, box 17/17b)"

