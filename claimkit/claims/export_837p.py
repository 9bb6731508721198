"""Electronic claims: choose claims, check them, write one 837P interchange and record it, all or nothing.

The `[edi]` section of practice.toml names who sends the file and to whom (keys in `EDI_KEYS`; practice.edi is a
plain `dict[str, str]`, so they are checked here, each missing or wrong one as a one-line error naming
`practice.toml [edi] <key>`). Each payer's electronic payer ID is `payer_id` in payers.toml.

`export_837p` runs in one ledger transaction: build the claims (new ones from sessions, secondary ones from a
primary's remittance, or existing ones by id), run the same check rules as for paper (errors refuse the export
unless `force`), take the next interchange control number, write the file, then record the claims as sent
(`sent_via = '837p'`, `control_number`, `rendered_file`, `rendered_at`, like a rendered claim). If anything fails
after the file was written, the file is removed: no file goes out that the ledger does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Sequence

from claimkit.core.codes import SUPERSEDED
from claimkit.core.entries import ClaimSnapshot
from claimkit.core.errors import ChecksFailed, ClaimkitError
from claimkit.store.ledger import rows_for_ids
from claimkit.store.workspace import Workspace

# key -> what it is (for the error that names a missing one)
EDI_KEYS = {
    "submitter_name": "your practice's name as the clearinghouse has it (1000A NM103)",
    "submitter_id": "the submitter ID the clearinghouse gave you (1000A NM109, and ISA06/GS02 unless set apart)",
    "contact_name": "who the clearinghouse calls about a file (1000A PER02)",
    "contact_phone": "that person's phone, 10 digits (1000A PER04)",
    "receiver_name": "the clearinghouse's name (1000B NM103)",
    "receiver_id": "the clearinghouse's receiver ID from its companion guide (1000B NM109, and ISA08/GS03 unless set apart)",
}
EDI_OPTIONAL = {
    "usage": "P (production, the default) or T (test): ISA15",
    "contact_email": "an email for the clearinghouse (1000A PER06)",
    "isa_sender_qualifier": "ISA05, default ZZ",
    "isa_sender_id": "ISA06 when it differs from submitter_id (at most 15 characters)",
    "isa_receiver_qualifier": "ISA07, default ZZ",
    "isa_receiver_id": "ISA08 when it differs from receiver_id (at most 15 characters)",
    "gs_sender_id": "GS02 when it differs from the ISA sender id",
    "gs_receiver_id": "GS03 when it differs from the ISA receiver id",
    "ack_requested": "1 to ask for a TA1 acknowledgment (ISA14), default 0",
    "wait_999_days": "days after sending a file before 'todo' asks where its 999 is, default 2",
    "wait_277ca_days": "days after sending a claim before 'todo' asks where its 277CA is, default 7",
    "eligibility_service_types": "service types a 270 eligibility inquiry asks about (EQ01), e.g. \"MH\" or \"MH, CF\"",
}
_HOW = "add it under [edi] in practice.toml ('claimkit practice edit'; see docs/clearinghouse.md)"


def _bad(key: str, why: str) -> ClaimkitError:
    return ClaimkitError(f"practice.toml [edi] {key} {why}")


def edi_settings(edi: dict[str, str]) -> dict[str, str]:
    """The [edi] section checked: every required key set, no unknown key, values the envelope can carry."""
    for key, what in EDI_KEYS.items():
        if not str(edi.get(key, "")).strip():
            raise _bad(key, f"is not set: {what}; {_HOW}")
    unknown = sorted(set(edi) - set(EDI_KEYS) - set(EDI_OPTIONAL))
    if unknown:
        raise _bad(unknown[0], f"is not a setting claimkit knows (known: {', '.join([*EDI_KEYS, *EDI_OPTIONAL])})")
    out = {k: str(v).strip() for k, v in edi.items()}
    from claimkit.core.identifiers import EDI_ID_KEYS, edi_id

    for key in EDI_ID_KEYS:
        try:
            edi_id(out.get(key, ""))
        except ValueError as exc:
            raise _bad(key, str(exc)) from None
    for key, fallback in (("isa_sender_id", "submitter_id"), ("isa_receiver_id", "receiver_id")):
        value = out.get(key) or out[fallback]
        if len(value.replace(" ", "")) > 15:
            name = key if out.get(key) else fallback
            raise _bad(name, f"'{value}' is longer than the 15 characters ISA allows; set {key} to the (shorter) ID in"
                             " the clearinghouse's companion guide")
    for key in ("gs_sender_id", "gs_receiver_id"):
        if len(out.get(key, "").replace(" ", "")) > 15:
            raise _bad(key, f"'{out[key]}' is longer than the 15 characters GS allows")
    from claimkit.claims.x12_837p import ISA_QUALIFIERS

    for key in ("isa_sender_qualifier", "isa_receiver_qualifier"):
        value = out.setdefault(key, "ZZ").upper() or "ZZ"
        if value not in ISA_QUALIFIERS:
            raise _bad(key, f"'{value}' is not an ISA qualifier: use one of {', '.join(ISA_QUALIFIERS)} (usually ZZ)")
        out[key] = value
    phone = re.sub(r"\D", "", out["contact_phone"])
    if len(phone) == 11 and phone.startswith("1"):
        phone = phone[1:]
    if len(phone) != 10:
        raise _bad("contact_phone", f"'{out['contact_phone']}' is not a 10-digit phone number; write it like \"5125550100\"")
    out["contact_phone"] = phone
    usage = out.get("usage", "P").upper() or "P"
    if usage not in ("T", "P"):
        raise _bad("usage", f"'{out['usage']}': use T (test files while the clearinghouse tests your setup) or P (production)")
    out["usage"] = usage
    ack = out.get("ack_requested", "0")
    if ack not in ("0", "1"):
        raise _bad("ack_requested", f"'{ack}': use \"1\" to ask for a TA1 acknowledgment, \"0\" not to")
    out["ack_requested"] = ack
    for key in ("wait_999_days", "wait_277ca_days"):
        if key in out and not (out[key].isdigit() and 1 <= int(out[key]) <= 365):
            raise _bad(key, f"'{out[key]}': give a number of days from 1 to 365 ('claimkit x12 setup --{key.replace('_', '-')} N')")
    return out


def envelope(ws: Workspace, control: int, test: bool, when: datetime | None = None):
    from claimkit.claims.x12_837p import Envelope

    s = edi_settings(ws.practice.edi)
    return Envelope(
        submitter_name=s["submitter_name"], submitter_id=s["submitter_id"], contact_name=s["contact_name"],
        contact_phone=s["contact_phone"], contact_email=s.get("contact_email", ""), receiver_name=s["receiver_name"],
        receiver_id=s["receiver_id"], isa_sender_qualifier=s["isa_sender_qualifier"], isa_sender_id=s.get("isa_sender_id", ""),
        isa_receiver_qualifier=s["isa_receiver_qualifier"], isa_receiver_id=s.get("isa_receiver_id", ""),
        gs_sender_id=s.get("gs_sender_id", ""), gs_receiver_id=s.get("gs_receiver_id", ""),
        usage="T" if test else s["usage"], ack_requested=s["ack_requested"] == "1", control=control,
        when=when or datetime.now())


def with_payer_ids(ws: Workspace, snapshots: Sequence[ClaimSnapshot]) -> list[ClaimSnapshot]:
    """Snapshots whose payers have an electronic payer ID: one built before payer_id was set takes today's value
    from payers.toml (the ID routes the claim; it prints on no form). No ID at all is an error naming the payer."""
    out = []
    for snap in snapshots:
        update = {}
        for name in ("billed", "other"):
            policy = getattr(snap, name)
            if policy is None or policy.payer.payer_id.strip():
                continue
            current = ws.payers.get(policy.payer.id)
            found = current.payer_id.strip() if current is not None else ""
            if not found:
                raise ClaimkitError(f"payers.toml [payer.{policy.payer.id}] payer_id is not set: claim {snap.claim_id} needs"
                                    f" {policy.payer.name}'s electronic payer ID from your clearinghouse's payer list;"
                                    f" add payer_id = \"...\" there")
            update[name] = policy.replace(payer=policy.payer.replace(payer_id=found))
        out.append(snap.replace(**update) if update else snap)
    return out


@dataclass
class Export:
    path: Path
    control: int = 0
    claims: list[ClaimSnapshot] = field(default_factory=list)
    findings: list = field(default_factory=list)
    test: bool = False
    usage: str = ""  # ISA15 as written: T or P
    written: bool = False
    resent: list[str] = field(default_factory=list)  # rejected claims rebuilt and sent again as originals


def check_snapshots(ws: Workspace, snapshots: Sequence[ClaimSnapshot]) -> list:
    """The check rules on each claim about to go out (what `cms1500 render` runs)."""
    from claimkit.checks import check_claim_snapshots

    return check_claim_snapshots(snapshots, ws)


def load_claims(ws: Workspace, claim_ids: Sequence[str]) -> list[ClaimSnapshot]:
    """Existing claims by id, in the order given (each once), read in batches; an unknown id is an error naming it,
    and so is a claim that was replaced or voided (its correction is what goes out)."""
    from claimkit.core.errors import NotFound

    ids = list(dict.fromkeys(c.strip().upper() for c in claim_ids))
    found: dict[str, tuple[str, str]] = {}
    for cid, status, snapshot in rows_for_ids(ws.conn, "SELECT id, status, snapshot FROM claims WHERE id IN ({ids})", ids):
        found[cid] = (status, snapshot)
    out = []
    for cid in ids:
        if cid not in found:
            raise NotFound(f"no claim '{cid}': see 'claimkit claim list'")
        status, snapshot = found[cid]
        if status in SUPERSEDED:
            newer = ws.conn.execute("SELECT id FROM claims WHERE original_claim = ? ORDER BY created DESC, id DESC LIMIT 1",
                                    (cid,)).fetchone()
            hint = f"; send {newer[0]}, which {status} it" if newer else ""
            raise ClaimkitError(f"--claim {cid}: the claim was {status}{hint}")
        try:
            out.append(ClaimSnapshot.from_json(snapshot))
        except ValueError as exc:
            raise ClaimkitError(f"claim {cid}: its stored snapshot is unreadable ({exc.__class__.__name__}); restore the"
                                " ledger from a backup") from None
    return out


def export_837p(ws: Workspace, out: Path, *, claim_ids: Sequence[str] = (), sessions=None, secondary_of: Sequence[str] = (),
                test: bool = False, force: bool = False, when: datetime | None = None) -> Export:
    """Write claims as one 837P file and record them as sent, in one transaction.

    One of: `claim_ids` (existing claims, as they were built), `sessions` (unbilled sessions become new claims) or
    `secondary_of` (primary claim ids whose remittance is posted: new claims to the secondary payer)."""
    from claimkit.claims import build, followup
    from claimkit.claims.x12_837p import write_837p
    from claimkit.store.ledger import next_counter, now_iso
    from claimkit.store.scratch import PendingOutput

    if sum(bool(x) for x in (claim_ids, sessions, secondary_of)) != 1:
        raise ClaimkitError("nothing to send: choose claims, sessions or primary claims for the secondary payer")
    edi_settings(ws.practice.edi)  # a missing setting fails before anything is built
    result = Export(out, test=test)
    pending = PendingOutput(ws.home, out)  # the file appears under its name only after the claims are recorded sent

    layout = {}

    def emit(snapshots: list[ClaimSnapshot]) -> str:
        from claimkit.acks.layout import layout_of

        ready = with_payer_ids(ws, snapshots)
        result.findings = check_snapshots(ws, ready)
        if any(f.is_error for f in result.findings) and not force:
            raise ChecksFailed(result.findings, "exported")
        control = next_counter(ws.conn, "isa")
        env = envelope(ws, control, test, when)
        text = write_837p(ready, env)
        layout["x"] = layout_of(text)  # what a 999 will point at: control numbers and segment positions
        pending.write(text.encode("ascii", "replace"))
        result.control, result.claims, result.usage, result.written = control, ready, env.usage, True
        return str(out)

    def mark_sent(conn, snapshots) -> None:  # same transaction as the claims and the control number
        from claimkit.acks.history import add_event
        from claimkit.acks.layout import record_export

        now = now_iso()
        export_id = record_export(conn, str(out), result.usage, layout["x"], now)
        control = f"{result.control:09d}"
        for s in snapshots:
            again = s.claim_id in result.resent
            add_event(conn, s.claim_id, now, "sent", file=str(out), control=control, now=now, data={"export": export_id},
                      detail=(f"sent again as an original claim (frequency 1) with a new snapshot after its rejection, in {out.name}"
                              if again else f"sent in {out.name}") + f" (interchange {control}"
                      + (", test" if result.usage == "T" else "") + ")")
        conn.executemany("UPDATE claims SET sent_via = '837p', control_number = ?, rendered_file = ?, rendered_at = ?"
                         " WHERE id = ?", [(f"{result.control:09d}", str(out), now, s.claim_id) for s in snapshots])

    try:
        if claim_ids:
            snaps = load_claims(ws, claim_ids)
            with ws.transaction() as conn:
                from claimkit.acks.resend import rebuild, rejected_ids

                rejected = rejected_ids(conn, [s.claim_id for s in snaps])
                if rejected:  # never adjudicated: rebuilt from today's data, same id, frequency 1
                    snaps = [rebuild(ws, conn, s, when.date() if when else None) if s.claim_id in rejected else s
                             for s in snaps]
                    result.resent = sorted(rejected)
                emit(snaps)
                mark_sent(conn, snaps)
        elif secondary_of:
            build.issue_claims(ws, lambda conn: [followup.build_secondary(ws, cid, conn=conn) for cid in secondary_of], emit,
                                  after=mark_sent)
        else:
            build.issue_claims(ws, lambda conn: build.build_claims(ws, sessions, conn=conn), emit, after=mark_sent)
    except BaseException:
        pending.discard()  # the ledger rolled back: no file of unrecorded claims
        raise
    pending.publish()
    return result
