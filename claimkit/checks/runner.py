"""Which records `claimkit check` looks at, and in what context each rule runs.

Default: the practice, every payer, every active client (or one with unbilled sessions) and every unbilled
session with its same-day siblings. `--all` adds discharged clients, billed sessions and built claims.
Home files that cannot be read become findings (with file and line) instead of stopping the run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from claimkit.checks import Context, all_rules, run_scope
from claimkit.core.codes import NOT_STANDING, sql_list
from claimkit.core.errors import Finding, NotFound
from claimkit.core.money import from_cents
from claimkit.store.ledger import rows_for_ids

if TYPE_CHECKING:  # pragma: no cover
    from claimkit.core.entries import ClaimSnapshot
    from claimkit.core.records import Client
    from claimkit.sessions.sessions import SessionRow
    from claimkit.store.workspace import Workspace

T = TypeVar("T")
LETTERS = "ABCDEFGHIJKL"
# claims in these states no longer stand for their sessions (a corrected or resent claim takes over)
DEAD_CLAIM_STATES = NOT_STANDING


def _problem(exc: Exception) -> Finding:
    """A home file that cannot be read, as a finding naming the file and line."""
    f: Finding = exc.finding  # type: ignore[attr-defined]
    where = str(f.source) if f.source else ""
    label = f.source.file if f.source and f.source.file else "home"
    return Finding(rule=f.rule, severity=f.severity, message=f"{where}: {f.message}" if where else f.message,
                   box=f.box, subject=label, fix=f.fix, source=f.source)


def _load(findings: list[Finding], fn: Callable[[], T]) -> T | None:
    from claimkit.store.files import ProblemError

    try:
        return fn()
    except ProblemError as exc:
        findings.append(_problem(exc))
        return None


SESSION_COLUMNS = ("id, client, date, cpt, units, minutes, modifiers, pos, dx, fee_cents, payer, allowed_cents, cost_sharing,"
                   " note, status, void_reason, created")


_AMOUNTS: dict[int, Decimal] = {}


def _fewest_day_rows() -> int:
    """The fewest sessions on one day that any day rule needs (a pair rule needs two): days with fewer are skipped."""
    return min((r.min_rows for r in all_rules("day")), default=1)


def _cents(value: int | None) -> Decimal | None:
    """Cents as a Decimal; a practice charges a handful of distinct fees, so each is made once."""
    if value is None:
        return None
    found = _AMOUNTS.get(value)
    if found is None:
        found = _AMOUNTS[value] = Decimal(value).scaleb(-2)
    return found


class Row:
    """A session as the rules see it: the fields of `claimkit.sessions.sessions.SessionRow` (which rules accept as well),
    built straight from the ledger's tuples without its estimate: a check reads thousands of them."""

    __slots__ = ("id", "client", "date", "cpt", "units", "minutes", "modifiers", "pos", "dx", "fee", "payer", "allowed",
                 "cost_sharing", "note", "status", "void_reason", "created", "claim_id")

    def __init__(self, id, client, date, cpt, units, minutes, modifiers, pos, dx, fee, payer, allowed, cost_sharing,
                 note="", status="unbilled", void_reason=None, created="", claim_id=None):
        self.id, self.client, self.date, self.cpt, self.units, self.minutes = id, client, date, cpt, units, minutes
        self.modifiers, self.pos, self.dx, self.fee, self.payer, self.allowed = modifiers, pos, dx, fee, payer, allowed
        self.cost_sharing, self.note, self.status, self.void_reason = cost_sharing, note, status, void_reason
        self.created, self.claim_id = created, claim_id

    def __repr__(self) -> str:
        return f"Row(session {self.id}, {self.client}, {self.date}, {self.cpt})"


def _session_rows(ws: "Workspace", where: str = "", args: Iterable = (), ids: Iterable | None = None) -> list[Row]:
    """Non-void sessions, date order (with `ids`: `where` holds `{ids}`, read a batch of ids at a time, date order
    within each batch)."""
    sql = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE status != 'void'" + (f" AND {where}" if where else "") + " ORDER BY date, id"
    cur = ws.conn.cursor()
    cur.row_factory = None
    fromiso = date.fromisoformat
    found = rows_for_ids(cur, sql, ids, before=list(args)) if ids is not None else cur.execute(sql, list(args))
    return [Row(sid, client, fromiso(day), cpt, units, minutes, tuple(m for m in mods.split(",") if m) if mods else (), pos,
                tuple(d for d in dx.split(",") if d) if dx else (), _cents(fee), payer, _cents(allowed), sharing, note, status,
                void_reason, created)
            for (sid, client, day, cpt, units, minutes, mods, pos, dx, fee, payer, allowed, sharing, note, status, void_reason,
                 created) in found]


def _live_claims_by_session(ws: "Workspace", session_ids: Iterable[int | None]) -> dict[int, list[tuple[str, str, str]]]:
    """session id -> [(claim id, rank, frequency)] of the claims that still stand for it (not void, replaced or voided)."""
    ids = sorted({sid for sid in session_ids if sid is not None})
    out: dict[int, list[tuple[str, str, str]]] = {}
    sql = ("SELECT cl.session_id, c.id, c.rank, c.frequency FROM claim_lines cl JOIN claims c ON c.id = cl.claim_id"
           " WHERE cl.session_id IN ({ids}) AND c.frequency != '8'"
           f" AND c.status NOT IN ({sql_list(DEAD_CLAIM_STATES)})"
           " AND NOT EXISTS (SELECT 1 FROM claims o WHERE o.original_claim = c.id)")
    for sid, cid, rank, freq in rows_for_ids(ws.conn, sql, ids):
        out.setdefault(sid, []).append((cid, rank, freq))
    return out


def _gfes(ws: "Workspace") -> dict:
    """The practice's Good Faith Estimates per client (one small query; none when the ledger cannot be read)."""
    from claimkit.core.errors import ClaimkitError
    from claimkit.gfe.watch import standings

    try:
        return standings(ws.conn)
    except (ClaimkitError, sqlite3.Error, ValueError, KeyError):
        return {}


class _Benefits:
    """The latest 271 snapshot per (client, payer), read from the ledger once, when a rule first asks."""

    def __init__(self, ws: "Workspace"):
        self.ws = ws
        self._latest: dict | None = None

    def get(self, client: str, payer: str):
        if self._latest is None:
            from claimkit.eligibility.store import latest

            self._latest = latest(self.ws.conn)
        return self._latest.get((client, payer))


class _Run:
    def __init__(self, ws: "Workspace", today: date):
        self.ws = ws
        self.today = today
        self.findings: list[Finding] = []
        self.practice = _load(self.findings, lambda: ws.practice)
        self.payers = _load(self.findings, lambda: ws.payers)
        self.clients: dict[str, "Client"] = {}
        self.broken_clients: set[str] = set()
        self.memo: dict = {}
        self.gfes = _gfes(ws)
        self._base: dict | None = None
        from claimkit.catalog.icd10cm import home_folder, home_sets

        self.codesets = home_sets(home_folder(ws.home))  # reads nothing until a diagnosis is looked up

    @property
    def ok(self) -> bool:
        return self.practice is not None and self.payers is not None

    def ctx(self, **kw) -> Context:
        """A context for one rule scope: the run's shared fields plus `kw` (a dict copy, not a dataclass
        __init__ with its factories: a run builds one per session)."""
        base = self._base
        if base is None:
            base = self._base = dict(Context(today=self.today, practice=self.practice, payers=self.payers or {},
                                             clients=self.clients, memo=self.memo, gfes=self.gfes,
                                             codesets=self.codesets, benefits=_Benefits(self.ws)).__dict__)
        ctx = object.__new__(Context)
        d = ctx.__dict__
        d.update(base)
        for key, value in kw.items():
            if key not in base:
                raise TypeError(f"Context has no field {key!r}")
            d[key] = value
        return ctx

    def client(self, cid: str) -> "Client | None":
        if cid in self.clients:
            return self.clients[cid]
        if cid in self.broken_clients:
            return None
        try:
            found = _load(self.findings, lambda: self.ws.client(cid))
        except NotFound:
            found = None
            self.findings.append(Finding("client-missing", "error", f"sessions name client '{cid}' but clients/{cid}.toml is missing",
                                         box="2", subject=f"client {cid}", fix="restore the client file from a backup"))
        if found is None:
            self.broken_clients.add(cid)
        else:
            self.clients[cid] = found
        return found

    # --- scopes ---
    def practice_rules(self, targets: Iterable["SessionRow"] = ()) -> None:
        """Practice rules; `targets` (the sessions this run checks) let a rule summarise across them."""
        if self.practice is not None:
            self.findings += run_scope("practice", self.ctx(history=tuple(targets)), "practice")

    def payer_rules(self, payer_ids: Iterable[str] | None = None) -> None:
        if not self.ok:
            return
        billed = {p.payer for c in self.clients.values() for p in c.policies if p.cost_sharing != "self_pay"}
        for pid in sorted(payer_ids if payer_ids is not None else self.payers):
            payer = self.payers.get(pid)
            if payer is not None:
                self.findings += run_scope("payer", self.ctx(payer_record=payer, payer_billed=pid in billed), f"payer {pid}")

    def client_rules(self, client: "Client") -> None:
        if self.ok:
            self.findings += run_scope("client", self.ctx(client=client), f"client {client.id}")

    def session_rules(self, targets: list["SessionRow"], history: dict[str, list["SessionRow"]]) -> None:
        """Session rules on each target (with its same-day siblings), then day rules on days with several sessions."""
        if not self.ok:
            return
        hist = {cid: tuple(history.get(cid, ())) for cid in {r.client for r in targets}}
        days: dict[tuple[str, date], list] = {}
        for rows in hist.values():
            for r in rows:
                days.setdefault((r.client, r.date), []).append(r)
        days_t = {k: tuple(v) for k, v in days.items()}
        for row in targets:
            client = self.client(row.client)
            if client is None:
                continue
            ctx = self.ctx(client=client, session=row, day=days_t.get((row.client, row.date)) or (row,),
                           history=hist.get(row.client, ()), pending=row.status == "unbilled")
            self.findings += run_scope("session", ctx, f"client {row.client} / session {row.id}")
        fewest = _fewest_day_rows()
        done: set[tuple[str, date]] = set()
        for row in targets:
            key = (row.client, row.date)
            client = self.clients.get(row.client)
            day = days_t.get(key) or (row,)
            if key in done or client is None or len(day) < fewest:
                continue
            done.add(key)
            ctx = self.ctx(client=client, day=day, history=hist.get(row.client, ()),
                           pending=any(r.status == "unbilled" for r in day))
            self.findings += run_scope("day", ctx, f"client {row.client} / {row.date.isoformat()}")

    def claim_rules(self, snapshot: "ClaimSnapshot", *, pages: int | None = None, total=None, pending: bool = True,
                    status: str | None = None, live: dict[int, list[tuple[str, str, str]]] | None = None,
                    histories: dict[str, tuple["SessionRow", ...]] | None = None) -> None:
        """The claim's own rules, then its lines through the session and day rules. `live` and `histories` (the
        claims standing for each session, each client's sessions) may be read beforehand for a batch of claims."""
        if not self.ok:
            return
        if live is None:
            live = _live_claims_by_session(self.ws, (line.session_id for line in snapshot.lines))
        client = self.client(snapshot.patient_client_id)
        subject = f"client {snapshot.patient_client_id} / claim {snapshot.claim_id}"
        elsewhere: dict[int, str] = {}
        if snapshot.frequency == "1":
            for line in snapshot.lines:
                for cid, rank, freq in live.get(line.session_id or -1, ()):
                    if cid != snapshot.claim_id and rank == snapshot.rank and freq == "1":
                        elsewhere[line.session_id] = cid
        ctx = self.ctx(client=client, claim=snapshot, claim_pages=pages, claim_total=total, claim_status=status,
                       billed_elsewhere=elsewhere, pending=pending)
        self.findings += run_scope("claim", ctx, subject)
        if client is None:
            return
        # the claim's lines, as printed, through the session and day rules
        history = histories.get(client.id, ()) if histories is not None else tuple(_session_rows(self.ws, "client = ?", (client.id,)))
        by_id = {r.id: r for r in history}
        rows = line_rows(snapshot, by_id)
        for line, row in zip(snapshot.lines, rows):
            ctx = self.ctx(client=client, session=row, day=tuple(r for r in rows if r.date == row.date), history=history,
                           pending=pending)
            self.findings += run_scope("session", ctx, f"{subject} / line {line.line_no}")
        fewest = _fewest_day_rows()
        for day in sorted({r.date for r in rows}):
            same_day = tuple(r for r in rows if r.date == day)
            if len(same_day) < fewest:
                continue
            ctx = self.ctx(client=client, day=same_day, history=history, pending=pending)
            self.findings += run_scope("day", ctx, f"{subject} / {day.isoformat()}")


def line_rows(snapshot: "ClaimSnapshot", sessions_by_id: dict[int, "SessionRow"]) -> list["SessionRow"]:
    """A claim's service lines as session rows (dx resolved through the 24E pointers) for the session rules."""
    rows = []
    for line in snapshot.lines:
        dx = tuple(snapshot.dx[LETTERS.index(p)] for p in line.dx_pointers
                   if p in LETTERS and LETTERS.index(p) < len(snapshot.dx))
        src = sessions_by_id.get(line.session_id) if line.session_id is not None else None
        rows.append(Row(
            id=line.session_id or 0, client=snapshot.patient_client_id, date=line.date_from, cpt=line.cpt, units=line.units,
            minutes=src.minutes if src else None, modifiers=tuple(line.modifiers), pos=line.pos, dx=dx, fee=line.charge,
            payer=snapshot.billed.payer.id, allowed=None, cost_sharing=src.cost_sharing if src else None, note="",
            status="billed", void_reason=None, created="", claim_id=snapshot.claim_id))
    return rows


def _claim_rows(ws: "Workspace", where: str = "", args: Iterable = ()) -> list[sqlite3.Row]:
    sql = "SELECT * FROM claims" + (f" WHERE {where}" if where else "") + " ORDER BY created, id"
    return list(ws.conn.execute(sql, list(args)))


def _check_claim_row(run: _Run, row: sqlite3.Row) -> None:
    from claimkit.core.entries import ClaimSnapshot, SnapshotError

    try:
        snap = ClaimSnapshot.from_json(row["snapshot"])
    except SnapshotError as exc:
        run.findings.append(Finding("claim-snapshot", "error", f"claim {row['id']}'s stored snapshot is unreadable ({exc})", box="26",
                                    subject=f"client {row['client']} / claim {row['id']}",
                                    fix="rebuild the claim; do not edit the ledger by hand"))
        return
    keys = row.keys()
    sent = any(row[k] for k in ("rendered_at", "sent_via") if k in keys)
    run.claim_rules(snap, pages=row["pages"], total=from_cents(row["total_cents"]), pending=not sent, status=row["status"])


def run_checks(ws: "Workspace", *, client: str | None = None, session_ids: Iterable[int] | None = None,
               claim_ids: Iterable[str] | None = None, all: bool = False, today: date | None = None) -> list[Finding]:
    """Check the practice and what is about to be billed (or, with ids, just those sessions/claims)."""
    run = _Run(ws, today or date.today())
    session_ids = list(session_ids or [])
    claim_ids = list(claim_ids or [])
    if client is not None and client not in ws.client_ids():
        raise NotFound(f"no client '{client}': see 'claimkit client list'")
    if session_ids or claim_ids:
        _run_ids(run, ws, session_ids, claim_ids)
        return run.findings
    where, args = ("client = ?", [client]) if client else ("", [])
    ids = [client] if client is not None else ws.client_ids()
    if not run.ok:
        run.practice_rules()
        for cid in ids:  # still report every unreadable client file
            run.client(cid)
        return run.findings
    first_unbilled = dict(ws.conn.execute(
        "SELECT client, MIN(date) FROM sessions WHERE status = 'unbilled'" + (f" AND {where}" if where else "") + " GROUP BY client", args))
    checked: list["Client"] = []
    for cid in ids:
        c = run.client(cid)
        if c is not None and (all or client is not None or c.status == "active" or cid in first_unbilled):
            checked.append(c)
    for cid in sorted(set(first_unbilled) - set(ids)):  # sessions whose client file is gone
        run.client(cid)
    if all:
        rows = _session_rows(ws, where, args)
    elif first_unbilled:
        # look back far enough for same-day pairs and for counting authorization visits
        since = min(date.fromisoformat(d) for d in first_unbilled.values())
        for cid in first_unbilled:
            c = run.clients.get(cid)
            for a in (c.authorizations if c else ()):
                since = min(since, a.start or date.min)
        rows = _session_rows(ws, " AND ".join(w for w in (where, "date >= ?") if w), [*args, since.isoformat()])
    else:
        rows = []
    targets = rows if all else [r for r in rows if r.status == "unbilled"]
    history: dict[str, list] = {}
    for r in rows:
        history.setdefault(r.client, []).append(r)
    run.practice_rules(targets)
    used = {p.payer for c in checked for p in c.policies}
    run.payer_rules(None if client is None else sorted(used))
    by_client: dict[str, list] = {}
    for r in targets:
        by_client.setdefault(r.client, []).append(r)
    for c in checked:
        run.client_rules(c)
        run.session_rules(by_client.get(c.id, []), history)
    if all:
        for row in (_claim_rows(ws, "client = ?", (client,)) if client else _claim_rows(ws)):
            _check_claim_row(run, row)
    return run.findings


def _run_ids(run: _Run, ws: "Workspace", session_ids: list[int], claim_ids: list[str]) -> None:
    rows = []
    for sid in session_ids:
        r = ws.conn.execute("SELECT id FROM sessions WHERE id = ?", (sid,)).fetchone()
        if r is None:
            raise NotFound(f"--session {sid}: no session {sid}; see 'claimkit session list'")
    claim_rows = []
    for cid in claim_ids:
        found = _claim_rows(ws, "id = ?", (cid,))
        if not found:
            raise NotFound(f"--claim {cid}: no claim {cid}; see 'claimkit claim list'")
        claim_rows += found
    if session_ids:
        all_rows = _session_rows(ws, "client IN (SELECT client FROM sessions WHERE id IN ({}))".format(",".join("?" * len(session_ids))),
                                 session_ids)
        by_id = {r.id: r for r in all_rows}
        voided = [sid for sid in session_ids if sid not in by_id]
        for sid in voided:
            run.findings.append(Finding("session-void", "warning", f"session {sid} is void; it will not be billed", box="24A",
                                        subject=f"session {sid}", fix="nothing to do, or record the session again"))
        rows = [by_id[sid] for sid in session_ids if sid in by_id]
        clients = [run.client(cid) for cid in sorted({r.client for r in rows})]
        run.practice_rules(rows)
        if not run.ok:
            return
        history: dict[str, list] = {}
        for r in all_rows:
            history.setdefault(r.client, []).append(r)
        for c in clients:
            if c is not None:
                run.client_rules(c)
        run.payer_rules(sorted({r.payer for r in rows if r.payer}))
        run.session_rules(rows, history)
    for row in claim_rows:
        _check_claim_row(run, row)


def check_session(ws: "Workspace", session_id: int, *, today: date | None = None) -> list[Finding]:
    """The findings of one session and its same-day siblings (what `session add` prints under its summary)."""
    found = ws.conn.execute("SELECT client FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if found is None:
        raise NotFound(f"no session {session_id}: see 'claimkit session list'")
    run = _Run(ws, today or date.today())
    if not run.ok:
        return run.findings
    client = found[0]
    history = {client: _session_rows(ws, "client = ?", (client,))}
    run.session_rules([row for row in history[client] if row.id == session_id], history)
    return run.findings


def check_claim_snapshot(snapshot: "ClaimSnapshot", ws: "Workspace", *, today: date | None = None) -> list[Finding]:
    """Check a built claim before it is printed or sent: the snapshot's own values, line by line."""
    run = _Run(ws, today or date.today())
    if not run.ok:
        return run.findings
    run.claim_rules(snapshot, pending=True, status=_claim_statuses(ws, [snapshot.claim_id]).get(snapshot.claim_id))
    return run.findings


def check_claim_snapshots(snapshots: "Iterable[ClaimSnapshot]", ws: "Workspace", *, today: date | None = None) -> list[Finding]:
    """`check_claim_snapshot` on a batch (what a render or an 837P export of many claims runs): one run, the
    practice and client files read once, the claims standing for the lines and the clients' sessions read in a
    few queries instead of two per claim."""
    snapshots = list(snapshots)
    run = _Run(ws, today or date.today())
    if not run.ok or not snapshots:
        return run.findings
    live = _live_claims_by_session(ws, (line.session_id for snap in snapshots for line in snap.lines))
    clients = sorted({snap.patient_client_id for snap in snapshots})
    histories: dict[str, list] = {}
    for row in _session_rows(ws, "client IN ({ids})", ids=clients):
        histories.setdefault(row.client, []).append(row)
    frozen = {cid: tuple(rows) for cid, rows in histories.items()}
    statuses = _claim_statuses(ws, [snap.claim_id for snap in snapshots])
    _rules_check_runs(run, snapshots, frozen)
    for snap in snapshots:
        run.claim_rules(snap, pending=True, status=statuses.get(snap.claim_id), live=live, histories=frozen)
    return run.findings


def _rules_check_runs(run: _Run, snapshots: list["ClaimSnapshot"], histories: dict[str, tuple]) -> None:
    """The practice, payer and client rules `check` runs on these claims' sessions, so that what goes out is what
    `check` passed (a client named with a line break was an error in check and went out in the render)."""
    rows = [r for snap in snapshots for r in line_rows(snap, {h.id: h for h in histories.get(snap.patient_client_id, ())})]
    run.practice_rules(rows)
    run.payer_rules(sorted({snap.billed.payer.id for snap in snapshots if snap.billed.payer.id}))
    for cid in sorted({snap.patient_client_id for snap in snapshots}):
        client = run.client(cid)
        if client is not None:
            run.client_rules(client)


def _claim_statuses(ws: "Workspace", claim_ids: list[str]) -> dict[str, str]:
    """The ledger status of the claims already recorded (a re-render or resend); claims being built have none."""
    return dict(rows_for_ids(ws.conn, "SELECT id, status FROM claims WHERE id IN ({ids})", claim_ids))


__all__ = ["Row", "run_checks", "check_session", "check_claim_snapshot", "check_claim_snapshots", "line_rows"]
