"""`client benefits --apply`: the latest 271's cost sharing written into the client's policy, validated, atomic."""

from __future__ import annotations

from collections.abc import Callable

from claimkit.core.errors import ClaimkitError
from claimkit.store.workspace import Workspace


def apply_latest(ws: Workspace, client_id: str, confirm: Callable[[list], bool]) -> list[tuple[str, list[str]]]:
    """For each policy with a 271 on file whose values differ from the file: show (`confirm(changes)`), then write.
    Returns [(payer, [fields written])]. Nothing is written when `confirm` says no or validation fails."""
    from claimkit.eligibility.policy import applied_policy, compare
    from claimkit.eligibility.store import latest
    from claimkit.records.practice import model
    from claimkit.core.records import Client
    from claimkit.store import files

    client = ws.client(client_id)
    snaps = latest(ws.conn, [client.id])
    if not snaps:
        raise ClaimkitError(f"no 271 on file for {client.id}: nothing to apply; import one with 'claimkit eligibility import FILE'")
    policies = [p.to_data() for p in client.policies]
    done: list[tuple[str, list[str]]] = []
    pending = []
    for i, pol in enumerate(client.policies):
        stored = snaps.get((client.id, pol.payer))
        if stored is None or stored.snapshot.status == "rejected":
            continue
        changes = [c for c in compare(pol, stored) if not c.same]
        if changes:
            pending.append((i, pol, changes))
    if not pending:
        return []
    if not confirm([c for _, _, cs in pending for c in cs]):
        return []
    for i, pol, changes in pending:
        policies[i] = applied_policy(pol, changes)
        done.append((pol.payer, [c.field for c in changes]))
    updated = model(Client, {**client.to_data(), "policies": policies}, f"clients/{client.id}.toml")
    with ws.lock():
        files.save_client(ws.home, updated)
    ws.forget()
    return done
