"""Issue 16.2 and 16.5: an output file appears under its name only once what it records is committed; temps of
ours live in HOME/.tmp and what a killed run left is removed on the next run."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest

from claimkit.store import ledger

CLIENT = ("client add jdoe --first Testy --last McTestface --dob 1990-04-12 --sex F --dx F41.1 --payer acme --member-id TST1"
          " --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")


@pytest.fixture
def watched(monkeypatch):
    """Each ledger transaction, at its commit, notes whether the watched files already exist."""
    seen: list[tuple[str, bool]] = []
    paths: list = []
    real = ledger.transaction

    @contextlib.contextmanager
    def transaction(home, conn):
        with real(home, conn) as c:
            yield c
            seen.extend((p.name, p.exists()) for p in paths)

    monkeypatch.setattr(ledger, "transaction", transaction)
    return paths, seen


def test_render_pdf_appears_only_after_its_claims_are_committed(practice, tmp_path, watched):
    paths, seen = watched
    practice.ok(CLIENT)
    practice.ok("session add jdoe --date 2026-10-01 --cpt 90837 --minutes 55")
    out = tmp_path / "out" / "c.pdf"
    out.parent.mkdir()
    paths.append(out)
    practice.ok(f"cms1500 render --unbilled -o {out}")
    assert ("c.pdf", True) not in seen and ("c.pdf", False) in seen
    assert out.read_bytes().startswith(b"%PDF") and [p.name for p in out.parent.iterdir()] == ["c.pdf"]


def test_statement_pdf_appears_only_after_it_is_recorded(practice, tmp_path, watched):
    paths, seen = watched
    practice.ok("client add sp --first Selfie --last Payer --dob 1980-01-01 --sex M --self-pay --address '2 Test St'"
                " --city Austin --state TX --zip 78701")
    practice.ok("session add sp --date 2026-10-01 --cpt 90837 --minutes 55")
    out = tmp_path / "s.pdf"
    paths.append(out)
    practice.ok(f"statement render sp -o {out} --date 2026-10-20")
    assert ("s.pdf", True) not in seen and ("s.pdf", False) in seen
    assert out.read_bytes().startswith(b"%PDF")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temps_of_killed_runs_are_removed_on_the_next_run(practice, home):
    pid = _dead_pid()
    scratch = home / ".tmp"
    scratch.mkdir(mode=0o700, exist_ok=True)
    stale = [scratch / f"{pid}-0badc0de-c.pdf", home / f".practice.toml.{pid}-abcd1234.tmp"]
    (home / "clients").mkdir(exist_ok=True)
    stale.append(home / "clients" / f".jdoe.toml.{pid}-abcd1234.tmp")
    live = scratch / f"{os.getpid()}-12345678-mine.pdf"  # a running process's temp stays
    for p in [*stale, live]:
        p.write_bytes(b"x")
    practice.ok("fee set 90834 150")
    assert [p for p in stale if p.exists()] == []
    assert live.exists()


def test_837p_appears_only_after_its_claims_are_recorded_sent(practice, home, tmp_path, watched):
    from test_837p_cli import write_edi

    paths, seen = watched
    write_edi(home)
    practice.ok(CLIENT)
    practice.ok("session add jdoe --date 2026-10-01 --cpt 90837 --minutes 55")
    out = tmp_path / "x" / "c.837"
    out.parent.mkdir()
    paths.append(out)
    practice.ok(f"x12 837p --unbilled -o {out}")
    assert ("c.837", True) not in seen and ("c.837", False) in seen
    assert out.read_bytes().startswith(b"ISA") and [p.name for p in out.parent.iterdir()] == ["c.837"]


def test_render_and_export_stop_on_the_errors_check_reports(practice, home, tmp_path):
    """Issue 16.14: a client named with a line break was an error in 'check' but render and export went out without
    --force ('ZE D'). 'client add' refuses such a name since 16.7 and a member ID with X12 separators since 16.15
    (tests/test_identifiers.py), so the name comes from a hand-edited client file, which loads."""
    import json

    from test_837p_cli import write_edi

    write_edi(home)
    practice.ok("client", "add", "zed", "--first", "Zed", "--last", "Testcase", "--dob", "1990-04-12", "--sex", "F",
                "--dx", "F41.1", "--payer", "acme", "--member-id", "ZC123", "--copay", "25", "--address", "1 Test St",
                "--city", "Austin", "--state", "TX", "--zip", "78701")
    path = home / "clients" / "zed.toml"
    path.write_text(path.read_text().replace('first = "Zed"', 'first = "Ze\\nd"', 1))
    practice.ok("session add zed --date 2026-10-01 --cpt 90837 --minutes 55")
    checked = practice("check --json")
    errors = {f["rule"] for f in json.loads(checked.stdout) if f["severity"] == "error"}
    assert errors, checked.stdout
    rendered = practice(f"cms1500 render --unbilled -o {tmp_path / 'c.pdf'} --json")
    assert rendered.exit_code == 1 and not (tmp_path / "c.pdf").exists()
    exported = practice(f"x12 837p --unbilled -o {tmp_path / 'c.837'}")
    assert exported.exit_code == 1 and not (tmp_path / "c.837").exists()
    problems = [f["message"] for f in json.loads(checked.stdout) if f["severity"] == "error"]
    from claimkit.cli.output import printable

    for problem in (printable(p, one_line=True) for p in problems):
        assert problem[:60] in rendered.stdout and problem[:60] in exported.stdout, (problem, rendered.stdout)
