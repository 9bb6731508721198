"""The cache of validated home files (home/.cache/validated.json): one file, private, keyed by each file's bytes,
written when a process exits; a hand edit is seen at once and a deleted client's data does not linger."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from claimkit.store import files


def _bundle(home: Path) -> dict:
    return json.loads((home / ".cache" / files.BUNDLE).read_bytes())


def _run(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "claimkit", "--home", str(home), *args], capture_output=True, text=True,
                          env={**os.environ, "CLAIMKIT_HOME": str(home)})


def test_one_private_cache_file_written_at_exit(practice, home):
    practice.ok("client add tess --first Tess --last Testcase --dob 1990-01-02 --sex F --dx F41.1"
                " --payer acme --member-id ACM123 --copay 25.00")
    proc = _run(home, "check", "--json")  # reads the practice, the payers and every client
    assert proc.returncode == 1 and "address has no street" in proc.stdout, proc.stderr  # no street on record: a finding
    cached = _bundle(home)
    assert {"practice.toml", "payers.toml", "clients/tess.toml"} <= set(cached)
    assert cached["clients/tess.toml"][1]["last"] == "Testcase"
    assert stat.S_IMODE((home / ".cache" / files.BUNDLE).stat().st_mode) == 0o600
    assert list((home / ".cache").glob("*.toml.json")) == []


def test_a_hand_edit_is_read_not_the_cached_copy(practice, home):
    practice.ok("client add tess --first Tess --last Testcase --dob 1990-01-02 --sex F --dx F41.1"
                " --payer acme --member-id ACM123 --copay 25.00")
    assert _run(home, "client", "show", "tess").returncode == 0
    path = home / "clients" / "tess.toml"
    path.write_text(path.read_text().replace('last = "Testcase"', 'last = "Editedname"'))
    proc = _run(home, "client", "show", "tess")
    assert proc.returncode == 0 and "Editedname" in proc.stdout and "Testcase" not in proc.stdout
    assert _bundle(home)["clients/tess.toml"][1]["last"] == "Editedname"


def test_deleted_clients_and_old_per_file_caches_are_dropped(practice, home):
    for cid in ("tess", "toby"):
        practice.ok(f"client add {cid} --first {cid.title()} --last Testcase --dob 1990-01-02 --sex F --dx F41.1"
                    " --payer acme --member-id ACM123 --copay 25.00")
    assert _run(home, "client", "list").returncode == 0
    legacy = home / ".cache" / "clients__toby.toml.json"
    legacy.write_text('{"key": "x", "data": {"last": "Testcase"}}')
    (home / "clients" / "toby.toml").unlink()
    path = home / "clients" / "tess.toml"
    path.write_text(path.read_text().replace('last = "Testcase"', 'last = "Changed"'))  # something to write back
    assert _run(home, "client", "show", "tess").returncode == 0
    cached = _bundle(home)
    assert "clients/toby.toml" not in cached and "clients/tess.toml" in cached
    assert not legacy.exists()


def test_a_broken_cache_file_is_ignored_and_rewritten(practice, home):
    practice.ok("client add tess --first Tess --last Testcase --dob 1990-01-02 --sex F --dx F41.1"
                " --payer acme --member-id ACM123 --copay 25.00")
    (home / ".cache").mkdir(exist_ok=True)
    (home / ".cache" / files.BUNDLE).write_bytes(b"\x00not json[")
    proc = _run(home, "client", "show", "tess")
    assert proc.returncode == 0 and "Testcase" in proc.stdout
    assert _bundle(home)["clients/tess.toml"][1]["first"] == "Tess"


def test_the_cache_stamp_covers_every_validator_module(monkeypatch, tmp_path):
    """A changed records.py, amounts.py or identifiers.py (whose validators the cache stands for) expires the cache,
    not only schema.py: the key of the same bytes changes when any of them changes, and every core module
    schema.py imports is one of them."""
    import re

    from claimkit.core import records

    assert files.VALIDATOR_MODULES == ("schema.py", "records.py", "amounts.py", "identifiers.py")
    source = (Path(records.__file__).parent / "schema.py").read_text()
    imported = set(re.findall(r"from claimkit\.core\.(\w+) import", source)) | {
        name for group in re.findall(r"from claimkit\.core import ([\w, ]+)", source) for name in group.split(", ")}
    assert {f"{m}.py" for m in imported} <= set(files.VALIDATOR_MODULES), imported
    core = Path(records.__file__).parent
    keys = []
    real_stat = Path.stat
    for changed in (None, *files.VALIDATOR_MODULES):
        def fake_stat(self, *args, changed=changed, **kwargs):
            st = real_stat(self, *args, **kwargs)
            if changed is not None and self == core / changed:
                return os.stat_result((*st[:8], st.st_mtime + 1, st.st_ctime))
            return st

        monkeypatch.setattr(Path, "stat", fake_stat)
        files._schema_stamp.cache_clear()
        keys.append(files._cache_key(b"name = 'x'"))
    monkeypatch.undo()
    files._schema_stamp.cache_clear()
    assert len(set(keys)) == 1 + len(files.VALIDATOR_MODULES)
