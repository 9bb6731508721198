"""backup / restore / verify / doctor: checksums, encryption, refusals, privacy."""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import tarfile

import pytest

from conftest import Cli, ledger_rows

CLIENT = "client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST1 --copay 25"


@pytest.fixture
def filled(practice):
    practice.ok(CLIENT)
    for d in ("2026-10-01", "2026-10-08"):
        practice.ok(f"session add jdoe --date {d} --cpt 90837")
    return practice


def test_backup_restore_round_trip(filled, home, tmp_path):
    out = tmp_path / "b.tar.gz"
    assert "Backed up" in filled.ok(f"backup --no-encrypt -o {out}").stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert set(manifest["files"]) == {"ledger.db", "practice.toml", "payers.toml", "clients/jdoe.toml"}
    target = tmp_path / "restored"
    Cli(target).ok(f"restore {out}")
    assert stat.S_IMODE(target.stat().st_mode) == 0o700
    assert stat.S_IMODE((target / "clients" / "jdoe.toml").stat().st_mode) == 0o600
    assert ledger_rows(target)["sessions"] == ledger_rows(home)["sessions"]
    assert ledger_rows(target)["postings"] == ledger_rows(home)["postings"]
    assert (target / "clients" / "jdoe.toml").read_bytes() == (home / "clients" / "jdoe.toml").read_bytes()
    restored = json.loads(Cli(target).ok("session list --json").stdout)  # the restored home works
    assert [(s["client"], s["date"], s["cpt"]) for s in restored] == [("jdoe", "2026-10-01", "90837"),
                                                                       ("jdoe", "2026-10-08", "90837")]


def test_verify_and_damaged_archive_refused(filled, tmp_path):
    out = tmp_path / "b.tar.gz"
    filled.ok(f"backup --no-encrypt -o {out}")
    assert "OK, 4 files verified" in filled.ok(f"backup --verify {out}").stdout
    # rewrite the archive with one changed byte in a member: the checksum catches it
    with tarfile.open(out) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}
    members["payers.toml"] = members["payers.toml"].replace(b"Acme", b"Acmf")
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    line = filled.fails(f"backup --verify {bad}")
    assert line == "error: bad.tar.gz: payers.toml fails its checksum (the archive is damaged); use another backup"
    target = tmp_path / "r"
    assert "fails its checksum" in Cli(target).fails(f"restore {bad}")
    assert not target.exists()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(out.read_bytes()[:200])
    assert "the archive is damaged" in filled.fails(f"backup --verify {cut}")


def test_restore_refuses_non_empty_target(filled, home, tmp_path):
    out = tmp_path / "b.tar.gz"
    filled.ok(f"backup --no-encrypt -o {out}")
    line = filled.fails(f"restore {out}")
    assert line == f"error: {home} is not empty; restore into a new or empty folder (--home DIR)"


def test_encrypted_backup(filled, tmp_path):
    pytest.importorskip("cryptography")
    phrase = tmp_path / "pass.txt"
    phrase.write_text("correct horse battery\n")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the phrase\n")
    out = tmp_path / "b.enc"
    filled.ok(f"backup -o {out} --encrypt --passphrase-file {phrase}")
    assert b"McTestface" not in out.read_bytes() and not out.read_bytes().startswith(b"\x1f\x8b")
    assert "OK, 4 files verified" in filled.ok(f"backup --verify {out} --passphrase-file {phrase}").stdout
    assert "wrong passphrase" in filled.fails(f"backup --verify {out} --passphrase-file {wrong}")
    assert "b.enc is encrypted: give its passphrase" in filled.fails(f"backup --verify {out}")
    Cli(tmp_path / "r").ok(f"restore {out} --passphrase-file {phrase}")
    assert len(ledger_rows(tmp_path / "r")["sessions"]) == 2


def test_backup_is_consistent_while_writing(filled, home, tmp_path):
    conn = sqlite3.connect(home / "ledger.db")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO counters (name, value) VALUES ('uncommitted', 1)")
    out = tmp_path / "b.tar.gz"
    filled.ok(f"backup --no-encrypt -o {out}")
    conn.rollback()
    Cli(tmp_path / "r").ok(f"restore {out}")
    assert ledger_rows(tmp_path / "r")["sessions"] == ledger_rows(home)["sessions"]
    assert sqlite3.connect(tmp_path / "r" / "ledger.db").execute("SELECT COUNT(*) FROM counters WHERE name='uncommitted'").fetchone()[0] == 0


def test_doctor_reports(filled, home, tmp_path):
    res = filled("doctor --json")
    checks = {c["check"]: c for c in json.loads(res.stdout)}
    assert checks["permissions"]["status"] == "ok"
    assert checks["integrity"]["detail"] == "PRAGMA integrity_check ok"
    assert checks["last backup"]["status"] == "warning"
    assert res.exit_code == 0
    filled.ok(f"backup --no-encrypt -o {tmp_path / 'b.tar.gz'}")
    checks = {c["check"]: c for c in json.loads(filled.ok("doctor --json").stdout)}
    assert checks["last backup"]["status"] == "ok"
    (home / "payers.toml").chmod(0o644)
    res = filled("doctor --json")
    checks = {c["check"]: c for c in json.loads(res.stdout)}
    assert res.exit_code == 1 and "payers.toml (644, want 600)" in checks["permissions"]["detail"]


def test_doctor_warns_about_synced_folder(tmp_path):
    synced = tmp_path / "Dropbox" / "claimkit"
    cli = Cli(synced)
    cli.ok("init --practice-name 'Sync Test' --yes")
    checks = {c["check"]: c for c in json.loads(cli.ok("doctor --json").stdout)}
    assert checks["synced folder"]["status"] == "warning" and "dropbox" in checks["synced folder"]["detail"]


def test_restore_leaves_the_ledger_in_wal(filled, tmp_path):
    """Issue 16.1: the archive holds the ledger in rollback-journal mode; a restore switches it to WAL itself, so the
    first commands after it never race to switch it."""
    out = tmp_path / "b.tar.gz"
    filled.ok(f"backup --no-encrypt -o {out}")
    target = tmp_path / "restored"
    Cli(target).ok(f"restore {out}")
    header = (target / "ledger.db").read_bytes()[:20]
    assert header[18:20] == b"\x02\x02"  # file format: WAL
    assert not (target / "ledger.db-wal").exists() or (target / "ledger.db-wal").stat().st_size == 0


def test_backups_are_encrypted_by_default(filled, tmp_path):
    """Issue 16.6: a backup held names, DOB and member IDs in clear (zcat showed them) unless --encrypt was given."""
    out = tmp_path / "b.tar.gz"
    line = filled.fails(f"backup -o {out}")
    assert line == ("error: backups are encrypted: give the passphrase with --passphrase-file FILE or --passphrase-env"
                    " NAME (no terminal to ask on), or --no-encrypt for an archive anyone can read")
    assert not out.exists()
    filled.ok(f"backup -o {out}", env={"CLAIMKIT_BACKUP_PASSPHRASE": "correct horse battery"})
    blob = out.read_bytes()
    assert not blob.startswith(b"\x1f\x8b") and b"McTestface" not in blob and b"TST1" not in blob
    assert "OK, 4 files verified" in filled.ok(f"backup --verify {out}", env={"CLAIMKIT_BACKUP_PASSPHRASE": "correct horse battery"}).stdout
    assert filled.fails(f"backup --verify {out}") == (
        f"error: {out.name} is encrypted: give its passphrase with --passphrase-file FILE or --passphrase-env NAME"
        " (no terminal to ask on)")
    # a passphrase from a variable named by an option (scripts)
    Cli(tmp_path / "r").ok(f"restore {out} --passphrase-env MY_PHRASE", env={"MY_PHRASE": "correct horse battery"})
    assert len(ledger_rows(tmp_path / "r")["sessions"]) == 2
    assert "wrong passphrase" in Cli(tmp_path / "r2").fails(f"restore {out}", env={"CLAIMKIT_BACKUP_PASSPHRASE": "not it at all"})
    assert "--passphrase-env NOPE: the variable is not set" in Cli(tmp_path / "r3").fails(f"restore {out} --passphrase-env NOPE")


def test_no_encrypt_writes_a_clear_archive(filled, tmp_path):
    out = tmp_path / "b.tar.gz"
    said = filled.ok(f"backup --no-encrypt -o {out}").stdout
    assert "Backed up" in said and "encrypted" not in said
    with tarfile.open(out) as tar:
        assert "clients/jdoe.toml" in tar.getnames()
    assert "--no-encrypt goes without a passphrase" in filled.fails(f"backup --no-encrypt --passphrase-env X -o {tmp_path / 'c.tar.gz'}")


def test_backup_leaves_no_copy_outside_the_home(filled, home, tmp_path, monkeypatch):
    """Issue 16.5: the ledger copy was made in the system temp folder (a kill left a readable copy there)."""
    import tempfile

    sys_tmp = tmp_path / "systmp"
    sys_tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(sys_tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    out_dir = tmp_path / "usb"
    out_dir.mkdir()
    filled.ok(f"backup --no-encrypt -o {out_dir / 'b.tar.gz'}")
    assert list(sys_tmp.iterdir()) == []
    assert [p.name for p in out_dir.iterdir()] == ["b.tar.gz"]


def test_the_passphrase_asked_on_a_terminal_is_checked_as_typed(filled, tmp_path, monkeypatch):
    """The passphrase goes through the one prompting helper: too short, then two that differ, are said and asked again."""
    import getpass
    import sys

    import claimkit.cli.output as output

    monkeypatch.setattr(output, "interactive", lambda ctx: True)
    asked: list[str] = []

    def typed(prompt: str) -> str:  # getpass reads the terminal; the test types on stdin
        asked.append(prompt)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    monkeypatch.setattr(getpass, "getpass", typed)
    out = tmp_path / "b.tar.gz"
    r = filled.ok(f"backup -o {out}", input="short\ncorrect horse battery\ncorrect horse\ncorrect horse battery\n"
                                              "correct horse battery\n")
    assert "use a passphrase of at least 8 characters; try again" in r.stderr
    assert "the passphrases differ; try again" in r.stderr
    assert asked == ["Backup passphrase: ", "Backup passphrase: ", "Again: ", "Backup passphrase: ", "Again: "]
    blob = out.read_bytes()
    assert not blob.startswith(b"\x1f\x8b") and b"McTestface" not in blob
    assert "OK, 4 files verified" in filled.ok(f"backup --verify {out}",
                                                env={"CLAIMKIT_BACKUP_PASSPHRASE": "correct horse battery"}).stdout
