"""`claimkit doctor`: is the practice home healthy and private? Each check is a plain result, reported together."""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from claimkit.store.ledger import SCHEMA_VERSION, ledger_path

SYNCED_MARKERS = ("dropbox", "onedrive", "google drive", "googledrive", "icloud", "mobile documents", "box sync", "nextcloud",
                  "owncloud", "pcloud", "syncthing", "mega")


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warning | error
    detail: str

    def as_dict(self) -> dict:
        return {"check": self.name, "status": self.status, "detail": self.detail}


def run(home: Path) -> list[Check]:
    out = [Check("home", "ok" if (home / "practice.toml").is_file() else "error", str(home))]
    if not home.is_dir():
        return [Check("home", "error", f"{home} does not exist; run 'claimkit init'")]
    out.append(_permissions(home))
    out.append(_synced(home))
    out.append(_readable_parents(home))
    out.extend(_ledger(home))
    out.append(_backup(home))
    return out


def _permissions(home: Path) -> Check:
    loose = []
    for p in [home, *home.rglob("*")]:
        try:
            mode = stat.S_IMODE(p.lstat().st_mode)
        except OSError:
            continue
        want = 0o700 if p.is_dir() else 0o600
        if mode & 0o077:
            loose.append(f"{p.relative_to(home) if p != home else '.'} ({oct(mode)[2:]}, want {oct(want)[2:]})")
    if loose:
        return Check("permissions", "error", f"{len(loose)} readable by others: {', '.join(loose[:5])}; fix with chmod -R go-rwx {home}")
    return Check("permissions", "ok", "folder 0700, files 0600")


def _synced(home: Path) -> Check:
    lowered = str(home).lower()
    hit = next((m for m in SYNCED_MARKERS if m in lowered), None)
    if hit:
        return Check("synced folder", "warning", f"the home is inside a synced folder ({hit}): client records leave this machine; keep it elsewhere and sync encrypted backups instead")
    return Check("synced folder", "ok", "not inside a known sync folder")


def _readable_parents(home: Path) -> Check:
    for parent in home.parents:
        try:
            mode = stat.S_IMODE(parent.stat().st_mode)
        except OSError:
            continue
        if mode & 0o002 and not mode & stat.S_ISVTX:
            return Check("parent folders", "warning", f"{parent} is writable by everyone: another user could replace your practice folder")
    return Check("parent folders", "ok", "no world-writable parent")


def _ledger(home: Path) -> list[Check]:
    path = ledger_path(home)
    if not path.exists():
        return [Check("ledger", "error", "ledger.db is missing; restore it from a backup")]
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        conn.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):  # another command is writing: not damage
            return [Check("ledger", "warning", "ledger.db is busy with another claimkit command; run doctor again when it has finished")]
        return [Check("ledger", "error", f"ledger.db cannot be read ({exc}); restore it from a backup")]
    except sqlite3.DatabaseError as exc:
        return [Check("ledger", "error", f"ledger.db cannot be read ({exc}); restore it from a backup")]
    schema = Check("schema", "ok" if version == SCHEMA_VERSION else ("warning" if version < SCHEMA_VERSION else "error"),
                   f"version {version}" + ("" if version == SCHEMA_VERSION else f" (this claimkit: {SCHEMA_VERSION}; it upgrades on the next write)" if version < SCHEMA_VERSION else " (newer than this claimkit: upgrade claimkit)"))
    return [schema, Check("integrity", "ok" if integrity == "ok" else "error", integrity if integrity != "ok" else "PRAGMA integrity_check ok"),
            _money(path)]


def _money(path: Path) -> Check:
    """The money invariant of every ERA on file (remittance/invariant.py), read in one moment."""
    from claimkit.remittance.invariant import in_ledger

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("BEGIN")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            broken = in_ledger(conn) if {"remittances", "remit_claims", "suspense"} <= tables else []
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return Check("remittances", "error", f"the remittances cannot be read ({exc})")
    if broken:
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        return Check("remittances", "error", f"{broken[0]}{more}; restore ledger.db from a backup taken before it, or"
                                             " report it: the postings no longer say what the payer said")
    return Check("remittances", "ok", "every ERA posted to the cent: claims paid = CLP04, charge = paid + adjustments +"
                                      " client share, payments = BPR02")


def _backup(home: Path) -> Check:
    from claimkit.store.backup import last_backup

    info = last_backup(home)
    if not info:
        return Check("last backup", "warning", "never: run 'claimkit backup -o /somewhere/safe.tar.gz'")
    try:
        age = (datetime.now().astimezone() - datetime.fromisoformat(info["last_backup"])).days
    except (KeyError, ValueError):
        return Check("last backup", "warning", "unknown")
    where = info.get("path", "")
    gone = "" if not where or Path(where).exists() else " (that file is gone)"
    return Check("last backup", "ok" if age <= 7 and not gone else "warning", f"{info['last_backup']} ({age} days ago) to {where}{gone}")


def home_is_world_readable(home: Path) -> bool:
    return bool(stat.S_IMODE(os.stat(home).st_mode) & 0o077)
