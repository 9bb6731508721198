"""The SQLite ledger: sessions, claims, postings, imports. Schema versioned with PRAGMA user_version.

Postings are the single source of truth for money; no balance is stored. Each command's writes are one
transaction (BEGIN IMMEDIATE, under the home's write lock), so a crash leaves all of it or none of it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path

from claimkit.core.errors import ClaimkitError
from claimkit.store.home import FILE_MODE, write_lock

BUSY_TIMEOUT_MS = 30_000

SCHEMA_V1 = """
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    client        TEXT NOT NULL,
    date          TEXT NOT NULL,
    cpt           TEXT NOT NULL,
    units         INTEGER NOT NULL DEFAULT 1 CHECK (units > 0),
    minutes       INTEGER,
    modifiers     TEXT NOT NULL DEFAULT '',
    pos           TEXT NOT NULL,
    dx            TEXT NOT NULL DEFAULT '',
    fee_cents     INTEGER NOT NULL CHECK (fee_cents >= 0),
    payer         TEXT,
    allowed_cents INTEGER,
    cost_sharing  TEXT,
    note          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'unbilled' CHECK (status IN ('unbilled', 'billed', 'void')),
    void_reason   TEXT,
    created       TEXT NOT NULL
);
CREATE INDEX sessions_client_date ON sessions (client, date);
CREATE INDEX sessions_status ON sessions (status);

CREATE TABLE claims (
    id                 TEXT PRIMARY KEY,
    client             TEXT NOT NULL,
    payer              TEXT NOT NULL,
    rank               TEXT NOT NULL DEFAULT 'primary',
    status             TEXT NOT NULL,
    frequency          TEXT NOT NULL DEFAULT '1',
    original_claim     TEXT REFERENCES claims (id),
    payer_claim_number TEXT,
    total_cents        INTEGER NOT NULL,
    pages              INTEGER NOT NULL DEFAULT 1,
    snapshot           TEXT NOT NULL,
    created            TEXT NOT NULL,
    rendered_file      TEXT,
    rendered_at        TEXT,
    sent_via           TEXT,
    control_number     TEXT
);
CREATE INDEX claims_client ON claims (client);

CREATE TABLE claim_lines (
    claim_id     TEXT NOT NULL REFERENCES claims (id),
    line_no      INTEGER NOT NULL,
    session_id   INTEGER REFERENCES sessions (id),
    date         TEXT NOT NULL,
    cpt          TEXT NOT NULL,
    modifiers    TEXT NOT NULL DEFAULT '',
    units        INTEGER NOT NULL DEFAULT 1,
    charge_cents INTEGER NOT NULL,
    PRIMARY KEY (claim_id, line_no)
);
CREATE INDEX claim_lines_session ON claim_lines (session_id);

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    filename    TEXT NOT NULL,
    imported    TEXT NOT NULL,
    summary     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE postings (
    id           INTEGER PRIMARY KEY,
    date         TEXT NOT NULL,
    client       TEXT,
    session_id   INTEGER REFERENCES sessions (id),
    claim_id     TEXT REFERENCES claims (id),
    payer        TEXT,
    kind         TEXT NOT NULL CHECK (kind IN ('charge', 'insurance_paid', 'contractual', 'patient_resp',
                     'patient_paid', 'refund', 'writeoff', 'provider_adj', 'other_adj')),
    reason       TEXT NOT NULL DEFAULT '',
    amount_cents INTEGER NOT NULL,
    source       TEXT NOT NULL,
    source_ref   TEXT NOT NULL DEFAULT '',
    import_id    INTEGER REFERENCES imports (id),
    note         TEXT NOT NULL DEFAULT '',
    created      TEXT NOT NULL
);
CREATE INDEX postings_client ON postings (client, date);
CREATE INDEX postings_session ON postings (session_id);
CREATE INDEX postings_claim ON postings (claim_id);

CREATE TABLE statements (
    id           INTEGER PRIMARY KEY,
    client       TEXT NOT NULL,
    date         TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    file         TEXT NOT NULL DEFAULT ''
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""

# Each entry upgrades the schema by one version; append, never edit.
# v2: reports and the estimate look postings up by kind and source
SCHEMA_V2 = """
CREATE INDEX postings_kind ON postings (kind, source, session_id)
"""

# v3: remittances (ERA payments and paper EOBs), what each said about each claim, and the suspense list
SCHEMA_V3 = """
CREATE TABLE remittances (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER REFERENCES imports (id),
    source      TEXT NOT NULL,
    payer_key   TEXT NOT NULL,
    payer_name  TEXT NOT NULL DEFAULT '',
    trace       TEXT NOT NULL,
    method      TEXT NOT NULL DEFAULT '',
    date        TEXT,
    amount_cents INTEGER NOT NULL,
    created     TEXT NOT NULL,
    UNIQUE (trace, payer_key)
);
CREATE TABLE remit_claims (
    id                 INTEGER PRIMARY KEY,
    remittance_id      INTEGER NOT NULL REFERENCES remittances (id),
    claim_id           TEXT REFERENCES claims (id),
    account            TEXT NOT NULL,
    status_code        TEXT NOT NULL,
    payer_claim_number TEXT NOT NULL DEFAULT '',
    charge_cents       INTEGER NOT NULL,
    paid_cents         INTEGER NOT NULL,
    patient_cents      INTEGER NOT NULL DEFAULT 0,
    reasons            TEXT NOT NULL DEFAULT '',
    remarks            TEXT NOT NULL DEFAULT '',
    date               TEXT
);
CREATE INDEX remit_claims_claim ON remit_claims (claim_id);
CREATE TABLE suspense (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER REFERENCES imports (id),
    remittance_id INTEGER REFERENCES remittances (id),
    kind        TEXT NOT NULL,
    account     TEXT NOT NULL DEFAULT '',
    patient     TEXT NOT NULL DEFAULT '',
    member_id   TEXT NOT NULL DEFAULT '',
    service_date TEXT,
    charge_cents INTEGER NOT NULL DEFAULT 0,
    paid_cents  INTEGER NOT NULL DEFAULT 0,
    data        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    matched_claim TEXT REFERENCES claims (id),
    created     TEXT NOT NULL
)
"""

# v4: corrected claims look up the claim they replace
SCHEMA_V4 = """
CREATE INDEX claims_original ON claims (original_claim)
"""

# v5: per-client report totals read from one covering index instead of the table
SCHEMA_V5 = """
CREATE INDEX postings_report ON postings (client, kind, claim_id, session_id, date, amount_cents)
"""

# v6: the postings table rebuilt with its kind CHECK written as OR terms. SQLite builds a lookup table for a
# constant IN list each time the CHECK runs, once per inserted row: a 10 MB ERA's 257,000 postings paid ~0.9 s
# for it. Same columns, rows, ids and indexes; the same kinds are allowed.
POSTING_KINDS = ("charge", "insurance_paid", "contractual", "patient_resp", "patient_paid", "refund", "writeoff",
                 "provider_adj", "other_adj")
SCHEMA_V6 = f"""
CREATE TABLE postings_v6 (
    id           INTEGER PRIMARY KEY,
    date         TEXT NOT NULL,
    client       TEXT,
    session_id   INTEGER REFERENCES sessions (id),
    claim_id     TEXT REFERENCES claims (id),
    payer        TEXT,
    kind         TEXT NOT NULL CHECK ({' OR '.join(f"kind = '{k}'" for k in POSTING_KINDS)}),
    reason       TEXT NOT NULL DEFAULT '',
    amount_cents INTEGER NOT NULL,
    source       TEXT NOT NULL,
    source_ref   TEXT NOT NULL DEFAULT '',
    import_id    INTEGER REFERENCES imports (id),
    note         TEXT NOT NULL DEFAULT '',
    created      TEXT NOT NULL
);
INSERT INTO postings_v6 (id, date, client, session_id, claim_id, payer, kind, reason, amount_cents, source, source_ref,
    import_id, note, created)
  SELECT id, date, client, session_id, claim_id, payer, kind, reason, amount_cents, source, source_ref, import_id, note,
    created FROM postings;
DROP TABLE postings;
ALTER TABLE postings_v6 RENAME TO postings;
CREATE INDEX postings_client ON postings (client, date);
CREATE INDEX postings_session ON postings (session_id);
CREATE INDEX postings_claim ON postings (claim_id);
CREATE INDEX postings_kind ON postings (kind, source, session_id);
CREATE INDEX postings_report ON postings (client, kind, claim_id, session_id, date, amount_cents)
"""

# v7: appeals of denied claims (appeals/), and a session's documented start and end times (HH:MM, optional)
SCHEMA_V7 = """
CREATE TABLE appeals (
    id          INTEGER PRIMARY KEY,
    claim_id    TEXT NOT NULL REFERENCES claims (id),
    letter      INTEGER NOT NULL,
    sent        TEXT NOT NULL,
    deadline    TEXT,
    reasons     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'sent' CHECK (status = 'sent' OR status = 'lost' OR status = 'withdrawn'),
    closed      TEXT,
    last_remit  INTEGER NOT NULL DEFAULT 0,
    file        TEXT NOT NULL DEFAULT '',
    created     TEXT NOT NULL
);
CREATE INDEX appeals_claim ON appeals (claim_id);
ALTER TABLE sessions ADD COLUMN start_time TEXT;
ALTER TABLE sessions ADD COLUMN end_time TEXT
"""

# switching in from another tool: sessions billed by that tool (where and when, JSON) and the claims it sent (their
# old CLM01, which the payer's 835 echoes)
SCHEMA_SWITCHING = """
ALTER TABLE sessions ADD COLUMN billed_elsewhere TEXT;
ALTER TABLE claims ADD COLUMN external_id TEXT;
CREATE INDEX claims_external ON claims (external_id) WHERE external_id IS NOT NULL
"""

# v9: what an 837P export remembers (ISA13, GS06, each ST02 and its segments, each claim's CLM and loop positions),
# each claim's submission history, and returned-file items that matched nothing
SCHEMA_V9 = """
CREATE TABLE x12_exports (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    isa13       TEXT NOT NULL,
    gs06        TEXT NOT NULL,
    usage       TEXT NOT NULL DEFAULT '',
    claims      INTEGER NOT NULL,
    ack_status  TEXT,
    ack_at      TEXT,
    created     TEXT NOT NULL
);
CREATE INDEX x12_exports_gs06 ON x12_exports (gs06);
CREATE INDEX x12_exports_isa13 ON x12_exports (isa13);
CREATE TABLE x12_export_transactions (
    export_id   INTEGER NOT NULL REFERENCES x12_exports (id),
    st02        TEXT NOT NULL,
    segments    TEXT NOT NULL,
    PRIMARY KEY (export_id, st02)
);
CREATE TABLE x12_export_claims (
    export_id    INTEGER NOT NULL REFERENCES x12_exports (id),
    claim_id     TEXT NOT NULL REFERENCES claims (id),
    st02         TEXT NOT NULL,
    clm_pos      INTEGER NOT NULL,
    first_pos    INTEGER NOT NULL,
    last_pos     INTEGER NOT NULL,
    provider_pos INTEGER NOT NULL,
    PRIMARY KEY (export_id, claim_id)
);
CREATE INDEX x12_export_claims_claim ON x12_export_claims (claim_id);
CREATE TABLE claim_events (
    id          INTEGER PRIMARY KEY,
    claim_id    TEXT NOT NULL REFERENCES claims (id),
    at          TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    file        TEXT NOT NULL DEFAULT '',
    control     TEXT NOT NULL DEFAULT '',
    import_id   INTEGER REFERENCES imports (id),
    data        TEXT NOT NULL DEFAULT '{}',
    created     TEXT NOT NULL
);
CREATE INDEX claim_events_claim ON claim_events (claim_id, id);
CREATE INDEX claim_events_kind ON claim_events (kind, status);
CREATE TABLE x12_unmatched (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER REFERENCES imports (id),
    kind        TEXT NOT NULL,
    reference   TEXT NOT NULL,
    detail      TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'open',
    created     TEXT NOT NULL
)
"""


# v10: Good Faith Estimates (claimkit/gfe): each estimate as given (JSON, never changed) and its standing
SCHEMA_GFE = """
CREATE TABLE gfes (
    id            TEXT PRIMARY KEY,
    client        TEXT NOT NULL,
    issued        TEXT NOT NULL,
    due           TEXT NOT NULL,
    start         TEXT NOT NULL,
    end           TEXT NOT NULL,
    sessions      INTEGER NOT NULL,
    total_cents   INTEGER NOT NULL,
    superseded_by TEXT REFERENCES gfes (id),
    superseded_on TEXT,
    snapshot      TEXT NOT NULL,
    created       TEXT NOT NULL
);
CREATE INDEX gfes_client ON gfes (client, start)
"""

# eligibility (issue 20): every 270 inquiry written (its trace number is what the 271 echoes), every 271 answer kept
# as a dated benefits snapshot per client policy (never overwritten), and the answers that matched no client
SCHEMA_ELIGIBILITY = """
CREATE TABLE eligibility_inquiries (
    id             INTEGER PRIMARY KEY,
    trace          TEXT NOT NULL UNIQUE,
    client         TEXT NOT NULL,
    payer          TEXT NOT NULL,
    member_id      TEXT NOT NULL DEFAULT '',
    rank           TEXT NOT NULL DEFAULT 'primary',
    service_type   TEXT NOT NULL,
    service_date   TEXT NOT NULL,
    file           TEXT NOT NULL,
    control_number TEXT NOT NULL,
    created        TEXT NOT NULL
);
CREATE INDEX eligibility_inquiries_client ON eligibility_inquiries (client, created);
CREATE TABLE benefits (
    id          INTEGER PRIMARY KEY,
    client      TEXT NOT NULL,
    payer       TEXT NOT NULL,
    member_id   TEXT NOT NULL DEFAULT '',
    rank        TEXT NOT NULL DEFAULT 'primary',
    as_of       TEXT NOT NULL,
    status      TEXT NOT NULL,
    inquiry_id  INTEGER REFERENCES eligibility_inquiries (id),
    import_id   INTEGER REFERENCES imports (id),
    source_file TEXT NOT NULL,
    matched_by  TEXT NOT NULL,
    data        TEXT NOT NULL,
    created     TEXT NOT NULL
);
CREATE INDEX benefits_client ON benefits (client, payer, as_of);
CREATE TABLE eligibility_unmatched (
    id          INTEGER PRIMARY KEY,
    import_id   INTEGER REFERENCES imports (id),
    source_file TEXT NOT NULL,
    payer_name  TEXT NOT NULL DEFAULT '',
    member_id   TEXT NOT NULL DEFAULT '',
    patient     TEXT NOT NULL DEFAULT '',
    dob         TEXT,
    trace       TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL,
    data        TEXT NOT NULL,
    created     TEXT NOT NULL
)
"""

# postings' indexes reshaped (issue 24): every posting an ERA writes pays one B-tree insert per index. postings_kind
# (kind, source, session_id) goes: the queries that used it read one client's postings (postings_report), one
# session's (postings_session) or the whole practice's (a pass over postings_report, which holds kind, date and
# amount). postings_report loses session_id, which its query (balances' sums) never read, and takes date before
# claim_id, so a client's latest payment of a kind is one step down it. tests/test_query_plans.py holds every
# report and session query's plan on a ledger without statistics.
SCHEMA_POSTINGS_INDEXES = """
DROP INDEX postings_kind;
DROP INDEX postings_report;
CREATE INDEX postings_report ON postings (client, kind, date, claim_id, amount_cents)
"""

MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [SCHEMA_V1, SCHEMA_V2, SCHEMA_V3, SCHEMA_V4, SCHEMA_V5,
                                                                 SCHEMA_V6, SCHEMA_V7, SCHEMA_SWITCHING,
                                                                 SCHEMA_V9, SCHEMA_GFE,
                                                                 SCHEMA_ELIGIBILITY, SCHEMA_POSTINGS_INDEXES]
SCHEMA_VERSION = len(MIGRATIONS)


def now_iso() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def ledger_path(home: Path) -> Path:
    return home / "ledger.db"


def connect(home: Path, *, create: bool = False) -> sqlite3.Connection:
    path = ledger_path(home)
    if not path.exists() and not create:
        raise ClaimkitError(f"{path} is missing: run 'claimkit init', or restore the ledger from a backup")
    if create and not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
        os.close(fd)
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        _use_wal(conn, path)
    except BaseException:
        conn.close()
        raise
    conn.execute("PRAGMA synchronous = NORMAL")
    _fix_modes(home)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        conn.close()
        raise ClaimkitError(
            f"{path} was written by a newer claimkit (schema {version}, this one knows {SCHEMA_VERSION}); upgrade claimkit"
        )
    if version < SCHEMA_VERSION:
        migrate(home, conn, version)
    return conn


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _use_wal(conn: sqlite3.Connection, path: Path) -> None:
    """Switch the ledger to WAL (a restored or old ledger is in rollback-journal mode). Two connections switching at
    once deadlock and one gets SQLITE_BUSY at once, without the busy handler: that is retried, never called damage;
    'restore it from a backup' is said only when SQLite's integrity check fails."""
    import time

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                break
            if time.monotonic() >= deadline:
                raise ClaimkitError("the ledger is busy with another claimkit command; wait for it to finish and run this again") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        except sqlite3.DatabaseError:
            break
    try:
        damaged = conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok"
        detail = "it fails SQLite's integrity check"
    except sqlite3.DatabaseError as exc:
        damaged, detail = True, str(exc)
    if damaged:
        raise ClaimkitError(f"{path} is not a readable claimkit ledger ({detail}); restore it from a backup")
    raise ClaimkitError(f"{path} could not be opened; run 'claimkit doctor' and try again")


def refresh_statistics(conn: sqlite3.Connection, *, everything: bool = False) -> None:
    """Let SQLite gather the planner's statistics where they are missing or stale, as it recommends doing before a
    connection that changed the database closes (PRAGMA optimize: the tables this connection used), and for every
    table after a schema change (ANALYZE); analysis_limit bounds either to a few ms on a large ledger. Without
    statistics the planner can pick an index 80x slower for some queries."""
    try:
        conn.execute("PRAGMA analysis_limit = 400")
        conn.execute("ANALYZE" if everything else "PRAGMA optimize")
    except sqlite3.OperationalError:  # busy with another writer: the next command that writes does it
        pass


def close(conn: sqlite3.Connection) -> None:
    """Close a ledger connection; one that wrote refreshes the statistics first."""
    if conn.total_changes and not conn.in_transaction:
        refresh_statistics(conn)
    conn.close()


def _fix_modes(home: Path) -> None:
    for suffix in ("-wal", "-shm"):
        p = home / f"ledger.db{suffix}"
        with contextlib.suppress(OSError):
            if p.exists() and (p.stat().st_mode & 0o077):
                os.chmod(p, FILE_MODE)


def backup_before_upgrade(home: Path, conn: sqlite3.Connection, version: int) -> Path:
    """Copy the ledger (SQLite online backup) to home/backups before changing its schema."""
    folder = home / "backups"
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / f"ledger-schema{version}-{stamp}.db"
    fd = os.open(target, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    os.close(fd)
    dst = sqlite3.connect(target)
    try:
        conn.backup(dst)
    finally:
        dst.close()
    return target


def migrate(home: Path, conn: sqlite3.Connection, version: int) -> None:
    """Upgrade an older ledger in place: after an automatic backup, all steps in one transaction."""
    with write_lock(home):
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current >= SCHEMA_VERSION:
            return
        if current > 0:
            backup_before_upgrade(home, conn, current)
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            for step in MIGRATIONS[current:]:
                if callable(step):
                    step(conn)
                else:
                    for stmt in step.split(";\n"):
                        if stmt.strip():
                            conn.execute(stmt)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
            refresh_statistics(conn, everything=True)
        except BaseException:
            conn.execute("ROLLBACK")
            raise


@contextlib.contextmanager
def transaction(home: Path, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One command's writes: all or nothing, one writer at a time (others wait, bounded)."""
    with write_lock(home):
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ClaimkitError("the ledger is busy with another claimkit command; wait for it to finish and run this again") from None
            raise
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")


def next_counter(conn: sqlite3.Connection, name: str, start: int = 1) -> int:
    row = conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
    value = start if row is None else row[0] + 1
    conn.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", (name, value))
    return value


IDS_PER_QUERY = 500  # ids bound in one IN (...): well under SQLite's variable limit (999 in older builds)


def rows_for_ids(conn: sqlite3.Connection, sql: str, ids: Iterable, before: Sequence = (), after: Sequence = ()) -> Iterator:
    """The rows of `sql` for many ids, IDS_PER_QUERY at a time: `sql` holds `{ids}` where the placeholders of one
    batch go (`... WHERE id IN ({ids})`); `before` and `after` are the parameters around them. Rows come batch by
    batch, so an ORDER BY orders within a batch only; no ids, no query."""
    ids = list(ids)
    for i in range(0, len(ids), IDS_PER_QUERY):
        batch = ids[i:i + IDS_PER_QUERY]
        yield from conn.execute(sql.replace("{ids}", ",".join("?" * len(batch))), [*before, *batch, *after])
