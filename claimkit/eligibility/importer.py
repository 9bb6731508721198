"""Importing a 271 file: read it, match each answer to an inquiry or a client, keep each as a benefits snapshot.

Matched by the trace number the 271 echoes (TRN*2 = our TRN*1), else by member ID + last name + date of birth
against the clients' billed policies. What matches nothing is stored in `eligibility_unmatched` and listed, never
dropped; so are rejections above any member (AAA at the payer or provider level: the payer refused the inquiry).
The file's fingerprint goes into `imports` in the same transaction, so importing the same bytes twice changes
nothing the second time. A file that cannot be read (not X12, not a 271, cut off) is refused, nothing changed.
"""

from __future__ import annotations

import json
from dataclasses import field
from datetime import date
from pathlib import Path

from claimkit.core.errors import ClaimkitError
from claimkit.core.nucc import ident
from claimkit.core.lightclass import lightclass
from claimkit.store.workspace import Workspace

try:  # the C module behind hashlib.sha256: importing hashlib also loads OpenSSL (a few ms per command)
    from _sha256 import sha256 as _sha256
except ImportError:  # pragma: no cover
    from hashlib import sha256 as _sha256

MAX_BYTES = 50_000_000
def _key(value: str) -> str:
    """Member IDs and names compared as the 837P and the 271 write them (core/nucc.py ident)."""
    return ident(value)


@lightclass(frozen=True)
class Stored:
    client: str
    payer: str
    as_of: date
    status: str
    matched_by: str  # trace | member
    line: str  # benefits.describe()


@lightclass
class EligibilityImport:
    file: str
    fingerprint: str
    dry_run: bool = False
    already: str = ""  # 'on DATE at HH:MM' when these bytes were imported before
    stored: list[Stored] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    answers: int = 0
    kind: str = "271"

    @property
    def summary(self) -> str:
        if self.already:
            return f"271 already imported ({self.already}); nothing changed"
        verb = "would store" if self.dry_run else "stored"
        n = len(self.stored)
        by_trace = sum(1 for s in self.stored if s.matched_by == "trace")
        parts = [f"271 with {self.answers} answer{'s' if self.answers != 1 else ''}, {verb} {n}"
                 f" benefits snapshot{'s' if n != 1 else ''}"
                 + (f" ({by_trace} by trace number, {n - by_trace} by member ID)" if n else "")]
        if self.unmatched:
            parts.append(f"{len(self.unmatched)} matched nothing (listed: 'claimkit eligibility unmatched')")
        return ", ".join(parts)

    def to_json(self) -> dict:
        return {"file": self.file, "kind": "271", "fingerprint": self.fingerprint, "dry_run": self.dry_run,
                "already_imported": bool(self.already), "answers": self.answers,
                "stored": [{"client": s.client, "payer": s.payer, "as_of": s.as_of.isoformat(), "status": s.status,
                            "matched_by": s.matched_by, "benefits": s.line} for s in self.stored],
                "unmatched": self.unmatched, "warnings": self.warnings}


def _refuse(name: str, problem) -> ClaimkitError:
    return ClaimkitError(f"{name}: {problem.message}; nothing was imported")


class _Matcher:
    """Answers to (client, policy) by trace, else member ID + last name + DOB."""

    def __init__(self, ws: Workspace, conn, traces: list[str] = ()):
        self.ws = ws
        self.conn = conn
        self._members: dict[str, list] | None = None
        self.known = set(ws.client_ids())
        self.inquiries: dict[str, tuple] = {}
        wanted = sorted(set(traces))
        for i in range(0, len(wanted), 500):  # every trace of the file in a few queries, not one per answer
            chunk = wanted[i:i + 500]
            for row in conn.execute("SELECT trace, id, client, payer, member_id, rank FROM eligibility_inquiries"
                                    f" WHERE trace IN ({','.join('?' * len(chunk))})", chunk):
                self.inquiries[row[0]] = tuple(row[1:])

    def by_trace(self, traces) -> tuple | None:
        for trace in traces:
            row = self.inquiries.get(trace)
            if row is not None and row[1] in self.known:
                return row
        return None

    def members(self) -> dict[str, list]:
        if self._members is None:
            self._members = {}
            for client in self.ws.clients():
                for pol in client.policies:
                    if pol.member_id.strip():
                        self._members.setdefault(_key(pol.member_id), []).append((client, pol))
        return self._members

    def by_member(self, answer) -> tuple | None:
        patient = answer.patient
        ids = [i for i in (_key(patient.member_id), _key(answer.subscriber.member_id)) if i]
        for mid in dict.fromkeys(ids):
            for client, pol in self.members().get(mid, ()):
                if _key(client.last) != _key(patient.last):
                    continue
                if patient.dob is not None and patient.dob != client.dob:
                    continue
                return (None, client.id, pol.payer, pol.member_id, pol.rank)
        return None


def _unmatched_row(answer, why: str) -> dict:
    p = answer.patient
    return {"payer_name": answer.payer_name, "member_id": p.member_id or answer.subscriber.member_id,
            "patient": " ".join(x for x in (p.first, p.last) if x), "dob": p.dob.isoformat() if p.dob else None,
            "trace": ",".join(answer.traces), "reason": why}


def import_file(ws: Workspace, name: str, data: bytes, *, dry_run: bool = False) -> EligibilityImport:
    """Import one 271 (bytes as read, `name` for messages). Raises ClaimkitError (nothing changed) on a file that
    cannot be read. The result's `.summary` is one line, `.to_json()` the details."""
    from claimkit.eligibility.benefits import describe, summarize
    from claimkit.eligibility.codes import aaa, followup
    from claimkit.eligibility.read_271 import read_271
    from claimkit.store.ledger import now_iso

    if len(data) > MAX_BYTES:
        raise ClaimkitError(f"{name}: {len(data):,} bytes is more than an eligibility file can be; nothing was imported")
    fingerprint = _sha256(data).hexdigest()
    result = EligibilityImport(name, fingerprint, dry_run=dry_run)
    parsed = read_271(data)
    if parsed.errors:
        raise _refuse(name, parsed.errors[0])
    result.warnings = [p.message for p in parsed.problems if p.severity != "error"]
    result.answers = len(parsed.answers)

    def work(conn) -> None:
        seen = conn.execute("SELECT imported, filename FROM imports WHERE fingerprint = ?", (fingerprint,)).fetchone()
        if seen:
            result.already = f"on {seen[0][:10]} at {seen[0][11:16]}" + ("" if seen[1] == name else f" as {seen[1]}")
            return
        matcher = _Matcher(ws, conn, [t for a in parsed.answers for t in a.traces])
        rows, lost = [], []
        for payer_name, npi, rej in parsed.rejections:
            what, todo = aaa(rej.reason)
            nxt = followup(rej.followup)
            why = f"{payer_name or 'the payer'} refused the inquiry: {what} (AAA {rej.reason}); {todo}" + (f" ({nxt})" if nxt else "")
            lost.append({"payer_name": payer_name, "member_id": "", "patient": "", "dob": None, "trace": "",
                         "reason": why})
        for answer in parsed.answers:
            found = matcher.by_trace(answer.traces)
            how = "trace"
            if found is None:
                found, how = matcher.by_member(answer), "member"
            snap = summarize(answer)
            if found is None:
                why = ("its trace number matches no inquiry and no client has this member ID, name and date of birth"
                       if answer.traces else "no client has this member ID, name and date of birth")
                if snap.rejections:
                    why += "; the payer also said: " + "; ".join(f"{w} ({c})" for c, w, _ in snap.rejections)
                lost.append(_unmatched_row(answer, why))
                continue
            inquiry_id, client, payer, member_id, rank = found
            as_of = snap.as_of or date.today()
            rows.append((client, payer, member_id, rank, as_of, snap, inquiry_id, how))
            result.stored.append(Stored(client, payer, as_of, snap.status, how, describe(snap)))
        result.unmatched = [f"{u['patient'] or 'no member'} ({u['payer_name'] or 'payer'}"
                            + (f", member {u['member_id']}" if u["member_id"] else "") + f"): {u['reason']}" for u in lost]
        if dry_run:
            return
        now = now_iso()
        import_id = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported, summary) VALUES (?,?,?,?,?)",
                                 (fingerprint, "271", name, now, "")).lastrowid
        conn.executemany(
            "INSERT INTO benefits (client, payer, member_id, rank, as_of, status, inquiry_id, import_id, source_file,"
            " matched_by, data, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(c, p, m, r, a.isoformat(), s.status, i, import_id, name, how, s.to_json(), now)
             for c, p, m, r, a, s, i, how in rows])
        conn.executemany(
            "INSERT INTO eligibility_unmatched (import_id, source_file, payer_name, member_id, patient, dob, trace, reason,"
            " data, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [(import_id, name, u["payer_name"], u["member_id"], u["patient"], u["dob"], u["trace"], u["reason"],
              json.dumps(u), now) for u in lost])
        conn.execute("UPDATE imports SET summary = ? WHERE id = ?", (result.summary, import_id))

    if dry_run:
        work(ws.conn)
    else:
        with ws.transaction() as conn:
            work(conn)
    return result


def import_path(ws: Workspace, path: Path, *, dry_run: bool = False) -> EligibilityImport:
    """`claimkit eligibility import FILE`: read the file (bounded) and import it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ClaimkitError(f"{path}: no such file") from None
    except OSError as exc:
        raise ClaimkitError(f"{path}: cannot be read ({exc.strerror})") from None
    if path.is_dir():
        raise ClaimkitError(f"{path} is a folder; give the 271 file")
    if size > MAX_BYTES:
        raise ClaimkitError(f"{path.name}: {size:,} bytes is more than an eligibility file can be; nothing was imported")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClaimkitError(f"{path}: cannot be read ({exc.strerror})") from None
    return import_file(ws, path.name, data, dry_run=dry_run)
