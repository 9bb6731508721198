"""TOML <-> records. Every problem names the file, the line and the key, and says how to fix it.

A file is validated with its pydantic schema only when its bytes changed since the last validation; the
validated data is cached in one file (home/.cache/validated.json, 0600, written at exit) and rebuilt as plain records without importing
pydantic, which keeps `session add` and friends fast.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

try:  # the C module behind hashlib.blake2b: importing hashlib also loads OpenSSL (~3 ms on every command)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter without it
    from hashlib import blake2b

from claimkit import __version__
from claimkit.core.errors import ClaimkitError, Finding, NotFound, Source
from claimkit.core.records import Client, Payer, Practice, Record
from claimkit.store.home import DIR_MODE, atomic_write

MAX_TOML_BYTES = 2_000_000
CACHE_DIR = ".cache"

PRACTICE_HEADER = """\
# claimkit practice settings. Safe to edit by hand: claimkit validates this file every time it reads it.
# Amounts are text in quotes ("180.00"); dates are YYYY-MM-DD. 'claimkit practice edit' opens it in $EDITOR.
# [billing] is box 25/33 of the CMS-1500 (who gets paid), [provider] is the treating therapist (box 31, 24J),
# [fees] are your standard (full) fees per CPT code, [defaults] the place of service and signature settings.
"""
PAYERS_HEADER = """\
# claimkit payers: one [payer.ID] table each, with its contracted (allowed) rates per CPT in [payer.ID.rates]
# ("90837" = "120.00", or "90837:95" for a rate that applies with a modifier). Edit by hand or with
# 'claimkit payer add' / 'claimkit payer edit' / 'claimkit payer rate set'.
"""
CLIENT_HEADER = """\
# claimkit client record. Protected health information: keep this folder private.
# Edit with 'claimkit client edit ID' (validated when you save). Dates are YYYY-MM-DD, amounts "25.00".
"""


class ProblemError(ClaimkitError):
    """A home file that cannot be read; carries the finding so `check` can list it instead of stopping."""

    def __init__(self, finding: Finding):
        super().__init__(f"{finding.source}: {finding.message}; {finding.fix}" if finding.fix else f"{finding.source}: {finding.message}")
        self.finding = finding


def _rel(home: Path, path: Path) -> str:
    try:
        return str(path.relative_to(home))
    except ValueError:
        return str(path)


def parse_toml(raw: bytes, label: str) -> dict[str, Any]:
    if len(raw) > MAX_TOML_BYTES:
        raise ProblemError(Finding("file-too-large", "error", f"file is {len(raw):,} bytes, more than a claimkit file can be", fix="restore it from a backup", source=Source(label)))
    import tomllib

    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors write one) is not part of the TOML
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ProblemError(Finding("file-encoding", "error", "is not valid UTF-8 text", fix="save it as UTF-8", source=Source(label, line))) from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ProblemError(Finding("toml-syntax", "error", "values are nested too deeply to be a claimkit file", fix="restore it from a backup", source=Source(label))) from None
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else None
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg).rstrip(".")
        raise ProblemError(Finding("toml-syntax", "error", f"TOML syntax error: {msg}", fix="correct the line (e.g. quote text values)", source=Source(label, line))) from None


def _key_line(text: str, loc: tuple) -> int | None:
    """The line of the key `loc` names: looked for after the headers of its tables ([provider] before npi), so
    [provider] npi is not reported at [billing] npi's line."""
    names = [str(p) for p in loc if isinstance(p, str)]
    start = 0
    for table in names[:-1]:
        m = re.compile(rf"^[ \t]*\[+[^\]\n]*\b{re.escape(table)}\b[^\]\n]*\]+", re.M).search(text, start)
        if m:
            start = m.end()
    for begin in dict.fromkeys((start, 0)):
        for name in reversed(names):
            m = (re.compile(rf"^[ \t]*\"?{re.escape(name)}\"?[ \t]*=", re.M).search(text, begin)
                 or re.compile(rf"^[ \t]*\[+[^\]\n]*\b{re.escape(name)}\b[^\]\n]*\]+", re.M).search(text, begin))
            if m:
                return text[: m.start()].count("\n") + 1
    return None


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validate(model_name: str, data: dict[str, Any], label: str, text: str = "", prefix: tuple = ()) -> Any:
    """Validate with the pydantic schema of that name; the first problem becomes a finding naming file, line, key."""
    from pydantic import ValidationError

    from claimkit.core import schema

    try:
        return getattr(schema, model_name).model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = prefix + tuple(err["loc"]) + tuple(getattr((err.get("ctx") or {}).get("error"), "keys", ()))
        msg = err["msg"]
        msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
        if err["type"] == "extra_forbidden":
            msg = "is not a known setting (misspelt?)"
        elif err["type"] == "missing":
            msg = "is required"
        key = _loc(loc)
        raise ProblemError(
            Finding("toml-value", "error", f"{key}: {msg}" if key else msg, fix="fix the value in the file", source=Source(label, _key_line(text, loc)))
        ) from None


def _plain(value: Any) -> Any:
    """Record -> TOML-writable: drop None and empty values, Decimal as text, keep dates native."""
    if isinstance(value, Record):
        import dataclasses

        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if hasattr(value, "model_dump"):  # a schema model
        value = value.to_record()
        return _plain(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _plain(v)
            if v is None or v == "" or v == {} or v == []:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value
    return value


def dump_model(record: Any) -> dict[str, Any]:
    return _plain(record)


def write_toml(path: Path, header: str, data: dict[str, Any], cache: tuple[Path, str, Any] | None = None) -> None:
    """Write atomically; with `cache` (home, label, validated plain data) also remember it as validated."""
    import tomli_w

    raw = (header + "\n" + tomli_w.dumps(data)).encode("utf-8")
    atomic_write(path, raw)
    if cache is not None:
        home, label, plain = cache
        _remember(home, label, _cache_key(raw), plain)


# --- the three kinds of file -------------------------------------------------------------------------

def practice_path(home: Path) -> Path:
    return home / "practice.toml"


def payers_path(home: Path) -> Path:
    return home / "payers.toml"


def clients_dir(home: Path) -> Path:
    return home / "clients"


def client_path(home: Path, client_id: str) -> Path:
    """The file of a client id; an id that is not one ('../practice') is refused before any path is made of it."""
    from claimkit.core.records import ID_RE, check_id

    if not ID_RE.match(client_id or ""):
        try:
            check_id(client_id, "client id")
        except ValueError as exc:
            raise ClaimkitError(str(exc)) from None
    return clients_dir(home) / f"{client_id}.toml"


# the modules whose validators the cache stands for: the pydantic models and the checks they call
VALIDATOR_MODULES = ("schema.py", "records.py", "amounts.py", "identifiers.py")


@functools.cache
def _schema_stamp() -> bytes:
    """Changes when a validator changes (a new release, or a developer's edit of core/schema.py, core/records.py,
    core/amounts.py or core/identifiers.py), so cached validations expire."""
    from claimkit.core import records

    core = Path(records.__file__).parent
    stamps = []
    for name in VALIDATOR_MODULES:
        try:
            stamps.append(str((core / name).stat().st_mtime_ns))
        except OSError:
            stamps.append("")
    return f"|{__version__}|{'|'.join(stamps)}".encode()


def _cache_key(raw: bytes) -> str:
    return blake2b(raw + _schema_stamp(), digest_size=16).hexdigest()


BUNDLE = "validated.json"  # {label: [key, plain data]} for every home file validated so far
_BUNDLES: dict[str, dict[str, Any]] = {}  # home -> {"entries": ..., "changed": set of labels}


def _read_bundle(home: str) -> dict[str, Any]:
    """The cache file's entries; empty when it is missing or unreadable (the files are validated again)."""
    try:
        with open(os.path.join(home, CACHE_DIR, BUNDLE), "rb") as fh:
            entries = json.loads(fh.read())
    except (OSError, ValueError):
        return {}
    return entries if isinstance(entries, dict) else {}


def _bundle(home: Path) -> dict[str, Any]:
    """The home's cache of validated files, read once per process: one JSON file rather than one per client
    (a check or an 837P export reads hundreds of client files)."""
    key = str(home)
    found = _BUNDLES.get(key)
    if found is None:
        found = _BUNDLES[key] = {"entries": _read_bundle(key), "changed": set()}
    return found


def _cached(home: Path, label: str, key: str) -> Any:
    entry = _bundle(home)["entries"].get(label)
    return entry[1] if isinstance(entry, list) and len(entry) == 2 and entry[0] == key else None


def _remember(home: Path, label: str, key: str, data: Any) -> None:
    bundle = _bundle(home)
    bundle["entries"][label] = [key, data]
    if not bundle["changed"]:
        _flush_at_exit()
    bundle["changed"].add(label)


@functools.cache
def _flush_at_exit() -> None:
    import atexit

    atexit.register(flush_cache)


def flush_cache() -> None:
    """Write what this process validated into each home's cache (merged with what other processes wrote
    meanwhile). Called at exit; a process killed first only leaves the next run more to validate."""
    for key, bundle in _BUNDLES.items():
        if not bundle["changed"]:
            continue
        folder = Path(key) / CACHE_DIR
        disk = _read_bundle(key)
        for label in bundle["changed"]:
            disk[label] = bundle["entries"][label]
        # forget clients whose files are gone (their data must not linger)
        clients = folder.parent / "clients"
        disk = {k: v for k, v in disk.items() if not k.startswith("clients/") or (clients / k[len("clients/"):]).is_file()}
        try:
            if not folder.is_dir():
                folder.mkdir(mode=DIR_MODE, exist_ok=True)
            atomic_write(folder / BUNDLE, json.dumps(disk, separators=(",", ":")))
            for old in folder.glob("*.toml.json"):  # one file per home file, as claimkit 0.1 cached them
                old.unlink()
        except OSError:  # a read-only home still works, only slower
            pass
        bundle["changed"] = set()


def _read(path: Path, label: str, missing: Exception | None = None) -> bytes:
    """A home file's bytes. `missing` (e.g. NotFound for a client id) is raised when there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO would block open() for a writer
        with open(fd, "rb", closefd=True) as fh:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(21, "Is a directory")
            if not stat.S_ISREG(mode):  # /dev/zero or a pipe in its place would be read forever
                raise ProblemError(Finding("file-not-regular", "error", "is not a regular file (a device, a pipe or a"
                                           " socket)", fix="put the file itself there or restore it from a backup",
                                           source=Source(label)))
            size = os.fstat(fd).st_size
            if size > MAX_TOML_BYTES:
                raise ProblemError(Finding("file-too-large", "error", f"file is {size:,} bytes, more than a claimkit file"
                                           " can be", fix="restore it from a backup", source=Source(label)))
            return fh.read(MAX_TOML_BYTES + 1)  # more is refused as too large by parse_toml
    except OSError as exc:
        absent = isinstance(exc, FileNotFoundError) or (missing is not None and isinstance(exc, (IsADirectoryError, NotADirectoryError)))
        if absent and missing is not None:
            raise missing from None
        if absent:
            raise ProblemError(Finding("file-missing", "error", "file is missing", fix="run 'claimkit init' or restore it from a backup", source=Source(label))) from None
        raise ProblemError(Finding("file-unreadable", "error", f"cannot read it ({exc.strerror})", fix="check the file's permissions", source=Source(label))) from None


def _load(home: Path, path: Path, label: str, validate_raw, raw: bytes | None = None) -> Any:
    """Plain validated data for a file: from the cache when its bytes are unchanged, else validated now."""
    if raw is None:
        raw = _read(path, label)
    key = _cache_key(raw)
    data = _cached(home, label, key)
    if data is None:
        data = validate_raw(raw)
        _remember(home, label, key, data)
    return data


def _validate_practice(raw: bytes) -> dict:
    data = parse_toml(raw, "practice.toml")
    return validate("Practice", data, "practice.toml", raw.decode("utf-8", "replace")).model_dump(mode="json")


def load_practice(home: Path) -> Practice:
    return Practice.from_data(_load(home, practice_path(home), "practice.toml", _validate_practice))


def save_practice(home: Path, practice: Any) -> None:
    write_toml(practice_path(home), PRACTICE_HEADER, dump_model(practice), _validated(home, "practice.toml", practice))


def load_payers(home: Path) -> dict[str, Payer]:
    data = _load(home, payers_path(home), "payers.toml", _validate_payers)
    return {pid: Payer.from_data(body) for pid, body in data.items()}


def _validate_payers(raw: bytes) -> dict:
    data = parse_toml(raw, "payers.toml")
    text = raw.decode("utf-8", "replace")
    table = data.get("payer", {})
    extra = set(data) - {"payer"}
    if extra or not isinstance(table, dict):
        key = sorted(extra)[0] if extra else "payer"
        raise ProblemError(Finding("toml-value", "error", f"{key}: payers.toml holds only [payer.ID] tables", fix="move it under a [payer.ID] table", source=Source("payers.toml", _key_line(text, (key,)))))
    payers = {}
    for pid, body in table.items():
        if not isinstance(body, dict):
            raise ProblemError(Finding("toml-value", "error", f"payer.{pid}: must be a table [payer.{pid}]", fix="fix the file", source=Source("payers.toml", _key_line(text, (pid,)))))
        payers[pid] = validate("Payer", {"id": pid, **body}, "payers.toml", text, prefix=("payer", pid)).model_dump(mode="json")
    return payers


def save_payers(home: Path, payers: dict[str, Any]) -> None:
    data = {"payer": {pid: {k: v for k, v in dump_model(p).items() if k != "id"} for pid, p in sorted(payers.items())}}
    plain = {pid: p.to_data() for pid, p in sorted(payers.items())} if all(isinstance(p, Record) for p in payers.values()) else None
    write_toml(payers_path(home), PAYERS_HEADER, data, (home, "payers.toml", plain) if plain is not None else None)


def load_client(home: Path, client_id: str) -> Client:
    path = client_path(home, client_id)
    label = f"clients/{client_id}.toml"
    raw = _read(path, label, NotFound(f"no client '{client_id}': see 'claimkit client list', or add it with 'claimkit client add {client_id} ...'"))
    return Client.from_data(_load(home, path, label, lambda raw: _validate_client(raw, label, client_id), raw))


def parse_client(raw: bytes, label: str, expected_id: str | None = None) -> Client:
    """Validate a client file's bytes (e.g. after an edit) into a record."""
    return Client.from_data(_validate_client(raw, label, expected_id))


def _validate_client(raw: bytes, label: str, expected_id: str | None) -> dict:
    data = parse_toml(raw, label)
    text = raw.decode("utf-8", "replace")
    client = validate("Client", data, label, text)
    if expected_id and client.id != expected_id:
        raise ProblemError(Finding("toml-value", "error", f"id: '{client.id}' does not match the file name '{expected_id}'", fix=f"set id = \"{expected_id}\"", source=Source(label, _key_line(text, ("id",)))))
    return client.model_dump(mode="json")


def client_ids(home: Path) -> list[str]:
    folder = clients_dir(home)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.toml") if not p.name.startswith("."))


def save_client(home: Path, client: Any) -> None:
    write_toml(client_path(home, client.id), CLIENT_HEADER, dump_model(client), _validated(home, f"clients/{client.id}.toml", client))


def _validated(home: Path, label: str, record: Any) -> tuple[Path, str, Any] | None:
    """Records built by claimkit were validated on the way in: cache their data with the file just written."""
    return (home, label, record.to_data()) if isinstance(record, Record) else None
