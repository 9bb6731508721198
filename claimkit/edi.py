"""Electronic claims: choose claims, check them, write one 837P interchange and record it, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Sequence

from claimkit.core.entries import ClaimSnapshot
from claimkit.core.errors import ChecksFailed, ClaimkitError
from claimkit.workspace import Workspace

EDI_KEYS = ("submitter_name", "submitter_id", "contact_name", "contact_phone", "receiver_name", "receiver_id")
EDI_OPTIONAL = ("sender_qualifier", "sender_id", "receiver_qualifier", "receiver_isa_id", "usage")


@dataclass
class Export:
    path: Path
    control: int
    claims: list[ClaimSnapshot]
    findings: list


def envelope(ws: Workspace, control: int, test: bool):
    from claimkit.x12.claim837 import Envelope

    edi = ws.practice.edi
    for key in EDI_KEYS:
        if not edi.get(key):
            raise ClaimkitError(f"practice.toml [edi] {key} is not set: add your clearinghouse's values with 'claimkit practice"
                                f" edit' (keys: {', '.join(EDI_KEYS)}; see docs/clearinghouse.md)")
    unknown = set(edi) - set(EDI_KEYS) - set(EDI_OPTIONAL)
    if unknown:
        raise ClaimkitError(f"practice.toml [edi] {sorted(unknown)[0]} is not a known setting (misspelt?)")
    usage = "T" if test else edi.get("usage", "P").upper()
    if usage not in ("T", "P"):
        raise ClaimkitError(f"practice.toml [edi] usage '{usage}': use T (test) or P (production)")
    return Envelope(**{k: edi[k] for k in EDI_KEYS}, **{k: edi[k] for k in EDI_OPTIONAL if k in edi and k != "usage"},
                    usage=usage, control=control, when=datetime.now())


def export_837p(ws: Workspace, out: Path, *, claim_ids: Sequence[str] = (), sessions=None, test: bool = False,
                force: bool = False) -> Export:
    """Write claims as one 837P file. Existing claims (--claim) keep their ids; sessions become new claims."""
    from claimkit import claims as claimlib
    from claimkit.store.home import write_output
    from claimkit.store.ledger import next_counter
    from claimkit.x12.claim837 import write_837p

    result = Export(out, 0, [], [])

    def emit(snapshots: list[ClaimSnapshot]) -> str:
        from claimkit.checks import check_claim_snapshot

        findings = [f for s in snapshots for f in check_claim_snapshot(s, ws)]
        result.findings = findings
        if any(f.is_error for f in findings) and not force:
            raise ChecksFailed(findings, "exported")
        control = next_counter(ws.conn, "isa")
        write_output(out, write_837p(list(snapshots), envelope(ws, control, test)).encode())
        result.control, result.claims = control, list(snapshots)
        return str(out)

    def mark_sent(conn, snapshots) -> None:  # in the same transaction as the claims and the control number
        for snap in snapshots:
            conn.execute("UPDATE claims SET sent_via = '837p', control_number = ?, rendered_file = ?,"
                         " rendered_at = datetime('now') WHERE id = ?", (f"{result.control:09d}", str(out), snap.claim_id))

    if claim_ids:
        snaps = [claimlib.get_claim(ws, cid)[1] for cid in claim_ids]
        with ws.transaction() as conn:
            emit(snaps)
            mark_sent(conn, snaps)
    else:
        if not sessions:
            raise ClaimkitError("nothing to send: no unbilled insurance sessions were selected")
        claimlib.issue_claims(ws, lambda conn: claimlib.build_claims(ws, sessions, conn=conn), emit, after=mark_sent)
    return result
