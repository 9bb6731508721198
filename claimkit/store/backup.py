"""Backups of the practice home: one archive (ledger via SQLite's online backup API, TOML files, imported code
lists) with a manifest of SHA-256 checksums; optional passphrase encryption (scrypt + Fernet, `cryptography`).

Restores verify every checksum before writing anything, and only into a new or empty folder.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from claimkit import __version__
from claimkit.core.errors import ClaimkitError
from claimkit.store import home as homes
from claimkit.store.ledger import SCHEMA_VERSION, ledger_path

MAGIC = b"CLAIMKIT-BACKUP-ENC1\n"
MANIFEST = "manifest.json"
STATE_FILE = "backup.json"  # in the home: when and where the last backup went
MAX_MEMBER = 2 * 1024**3
SKIP_DIRS = {".cache", ".tmp", "backups"}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    files: int
    size: int
    created: str
    encrypted: bool
    schema_version: int


def _home_files(home: Path) -> list[Path]:
    out = []
    for p in sorted(home.rglob("*")):
        rel = p.relative_to(home)
        if p.is_dir() or rel.parts[0] in SKIP_DIRS or p.name.startswith(".") or p.name.startswith("ledger.db") or p.name == STATE_FILE:
            continue
        out.append(p)
    return out


def _ledger_copy(home: Path) -> bytes:
    """A consistent copy of the ledger while others may be writing (sqlite3 backup API), made in memory: no copy of
    the client data is ever written outside the home. Stored as a one-file (rollback-journal) database."""
    src = sqlite3.connect(ledger_path(home))
    dst = sqlite3.connect(":memory:")
    try:
        src.backup(dst)
        data = bytearray(dst.serialize())
    finally:
        dst.close()
        src.close()
    if len(data) >= 20 and data[18:20] == b"\x02\x02":  # file format WAL -> legacy (rollback journal)
        data[18:20] = b"\x01\x01"
    return bytes(data)


def _derive(passphrase: str, salt: bytes) -> bytes:
    import base64

    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode("utf-8"))
    return base64.urlsafe_b64encode(key)


def _encrypt(data: bytes, passphrase: str) -> bytes:
    try:
        from cryptography.fernet import Fernet
    except ImportError:
        raise ClaimkitError("encrypted backups need the 'cryptography' package: pip install cryptography") from None
    salt = os.urandom(16)
    return MAGIC + salt + Fernet(_derive(passphrase, salt)).encrypt(data)


def _decrypt(blob: bytes, passphrase: str | None, name: str) -> bytes:
    if passphrase is None:
        raise ClaimkitError(f"{name} is encrypted: give its passphrase (--passphrase-file FILE, or you will be asked)")
    try:
        from cryptography.fernet import Fernet, InvalidToken
    except ImportError:
        raise ClaimkitError("encrypted backups need the 'cryptography' package: pip install cryptography") from None
    salt, token = blob[len(MAGIC): len(MAGIC) + 16], blob[len(MAGIC) + 16:]
    try:
        return Fernet(_derive(passphrase, salt)).decrypt(token)
    except InvalidToken:
        raise ClaimkitError(f"{name}: wrong passphrase, or the archive is damaged") from None


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(len(MAGIC)) == MAGIC


def default_backup_path(home: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return home / "backups" / f"claimkit-backup-{stamp}.tar.gz"


def create_backup(home: Path, out: Path | None = None, passphrase: str | None = None) -> BackupInfo:
    homes.require_home(home)
    out = out or default_backup_path(home)
    if out == default_backup_path(home) or out.parent == home / "backups":
        homes.make_private_dir(out.parent)
    members: dict[str, bytes] = {"ledger.db": _ledger_copy(home)}
    for p in _home_files(home):
        members[str(p.relative_to(home))] = p.read_bytes()
    created = datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")
    manifest = {
        "format": 1, "claimkit": __version__, "schema_version": SCHEMA_VERSION, "created": created,
        "files": {name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, data in sorted(members.items())},
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in [(MANIFEST, json.dumps(manifest, indent=2).encode())] + sorted(members.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o600, 0
            tar.addfile(info, io.BytesIO(data))
    blob = buf.getvalue()
    if passphrase:
        blob = _encrypt(blob, passphrase)
    from claimkit.store.scratch import write_output

    write_output(home, out, blob)
    homes.atomic_write(home / STATE_FILE, json.dumps({"last_backup": created, "path": str(out)}))
    return BackupInfo(out, len(members), len(blob), created, bool(passphrase), SCHEMA_VERSION)


def read_backup(path: Path, passphrase: str | None = None) -> tuple[dict, dict[str, bytes]]:
    """Open and verify an archive: every file present with its checksum. Raises ClaimkitError naming the problem."""
    name = path.name
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise ClaimkitError(f"{path}: no such file") from None
    if blob.startswith(MAGIC):
        blob = _decrypt(blob, passphrase, name)
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            for m in tar:
                if not m.isfile() or m.name.startswith(("/", "..")) or ".." in Path(m.name).parts:
                    raise ClaimkitError(f"{name}: unexpected entry '{m.name}'; this is not a claimkit backup")
                if m.size > MAX_MEMBER:
                    raise ClaimkitError(f"{name}: entry '{m.name}' is too large for a claimkit backup")
                fh = tar.extractfile(m)
                members[m.name] = fh.read() if fh else b""
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ClaimkitError(f"{name}: the archive is damaged ({exc}); use another backup") from None
    if MANIFEST not in members:
        raise ClaimkitError(f"{name}: no manifest.json; this is not a claimkit backup")
    try:
        manifest = json.loads(members.pop(MANIFEST))
        files = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise ClaimkitError(f"{name}: manifest.json is damaged; use another backup") from None
    for fname, meta in files.items():
        if fname not in members:
            raise ClaimkitError(f"{name}: {fname} is listed in the manifest but missing; use another backup")
        if hashlib.sha256(members[fname]).hexdigest() != meta.get("sha256"):
            raise ClaimkitError(f"{name}: {fname} fails its checksum (the archive is damaged); use another backup")
    extra = set(members) - set(files)
    if extra:
        raise ClaimkitError(f"{name}: {sorted(extra)[0]} is not in the manifest; the archive was altered")
    if "ledger.db" not in members or "practice.toml" not in members:
        raise ClaimkitError(f"{name}: ledger.db or practice.toml is missing; this is not a complete claimkit backup")
    return manifest, members


def restore_backup(path: Path, target: Path, passphrase: str | None = None) -> BackupInfo:
    manifest, members = read_backup(path, passphrase)
    if manifest.get("schema_version", 0) > SCHEMA_VERSION:
        raise ClaimkitError(f"{path.name} was made by a newer claimkit (schema {manifest['schema_version']}); upgrade claimkit to restore it")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ClaimkitError(f"{target} is not empty; restore into a new or empty folder (--home DIR)")
    homes.make_private_dir(target.parent) if not target.parent.exists() else None
    _sweep_restores(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".restore-{os.getpid()}-", dir=target.parent))  # beside the target, 0700
    try:
        os.chmod(staging, homes.DIR_MODE)
        for name, data in members.items():
            dest = staging / name
            homes.make_private_dir(dest.parent)
            homes.atomic_write(dest, data)
        conn = sqlite3.connect(staging / "ledger.db")
        try:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if ok == "ok":  # the archive holds it in rollback-journal mode; the restored home uses WAL from the start
                conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        if ok != "ok":
            raise ClaimkitError(f"{path.name}: the ledger in the archive fails SQLite's integrity check; use another backup")
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BackupInfo(target, len(members), 0, manifest.get("created", ""), is_encrypted(path), manifest.get("schema_version", 0))


def _sweep_restores(folder: Path) -> None:
    """A restore killed midway left its staging folder (.restore-PID-XXXX) beside the target: remove it."""
    import shutil

    from claimkit.store.scratch import _alive

    for p in folder.glob(".restore-*"):
        pid = p.name.split("-")[1] if p.name.count("-") >= 2 else ""
        if pid.isdigit() and not _alive(int(pid)) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def last_backup(home: Path) -> dict | None:
    try:
        return json.loads((home / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
