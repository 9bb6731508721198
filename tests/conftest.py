"""Shared fixtures: a real temporary practice home (real TOML files, a real SQLite ledger) and a CLI runner."""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimkit.cli import app

NPI_BILLING = "1234567893"
NPI_RENDERING = "1245319599"
NPI_OTHER = "1679576722"


class Cli:
    def __init__(self, home: Path):
        self.home = home
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        argv = list(args) if len(args) != 1 else shlex.split(args[0])
        full_env = {"CLAIMKIT_HOME": str(self.home), "CI": "true", **(env or {})}
        return self.runner.invoke(app, argv, input=input, env=full_env, catch_exceptions=False)

    def ok(self, *args: str, **kw):
        result = self(*args, **kw)
        assert result.exit_code == 0, f"{args} -> {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result

    def fails(self, *args: str, code: int = 2, **kw):
        result = self(*args, **kw)
        assert result.exit_code == code, f"{args} -> {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
        return lines[0]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("CLAIMKIT_HOME", str(path))
    return path


@pytest.fixture
def cli(home) -> Cli:
    return Cli(home)


PRACTICE_ARGS = (
    "init --practice-name 'Testwell Counseling' --provider-first Testy --provider-last McTestface --credentials LPC "
    f"--npi {NPI_BILLING} --tax-id 99-1234567 --tax-id-type ein --taxonomy 101YP2500X --license LPC-0001 --license-state TX "
    "--address '100 Example St' --city Austin --state TX --zip 78701-1234 --phone 5125550100 --yes"
)


def build_practice(cli: Cli) -> Cli:
    """A practice with standard fees and one payer (acme) with contracted rates, made through the CLI."""
    cli.ok(PRACTICE_ARGS)
    for cpt, fee in (("90791", "200.00"), ("90834", "150.00"), ("90837", "180.00")):
        cli.ok(f"fee set {cpt} {fee}")
    cli.ok("payer add acme --name 'Acme Test Health' --payer-id 11111 --type commercial --telehealth-modifier 95 --telehealth-pos 10")
    for cpt, rate in (("90791", "140.00"), ("90834", "95.00"), ("90837", "120.00")):
        cli.ok(f"payer rate set acme {cpt} {rate}")
    return cli


@pytest.fixture(scope="session")
def practice_template(tmp_path_factory) -> Path:
    """The practice home built once per test process: each test gets its own copy (bytes and modes), not a rebuild."""
    home = tmp_path_factory.mktemp("practice-template") / "home"
    build_practice(Cli(home))
    return home


def copy_home(template: Path, cli: Cli) -> Cli:
    """Give the test's home the template's files (bytes, modes and times): a home built once, used by many tests."""
    shutil.copytree(template, cli.home, symlinks=True)
    return cli


@pytest.fixture
def practice(cli, practice_template) -> Cli:
    """A practice with standard fees and one payer (acme) with contracted rates (a copy of the template home)."""
    return copy_home(practice_template, cli)


@pytest.fixture(scope="session")
def report_scenario_template(tmp_path_factory, practice_template) -> Path:
    """The report scenario of tests/test_reports.py (clients, sessions, claims, ERAs, payments, write-offs), built
    once per test process over a copy of the practice; the report, statement and todo tests each get a copy."""
    from test_reports import build

    home = tmp_path_factory.mktemp("report-scenario") / "home"
    build(copy_home(practice_template, Cli(home)))
    return home


def snapshot_files(home: Path) -> dict[str, bytes]:
    """Every file of the home and its bytes: to prove a refused command changed nothing."""
    out = {}
    for p in sorted(home.rglob("*")):
        if p.is_file() and p.name != ".lock" and not p.name.startswith("ledger.db") and ".cache" not in p.parts:
            out[str(p.relative_to(home))] = p.read_bytes()
    return out


def ledger_rows(home: Path) -> dict[str, list]:
    import sqlite3

    conn = sqlite3.connect(home / "ledger.db")
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("sessions", "postings", "claims")}
    finally:
        conn.close()


os.environ.setdefault("COLUMNS", "200")


@pytest.fixture(scope="module")
def sent_once(tmp_path_factory):
    """A practice with two claims sent in one 837P (interchange 1): for tests that import many replies."""
    home = tmp_path_factory.mktemp("sent") / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("fee set 90837 180.00")
    cli.ok("payer add acme --name 'Acme Test Health' --payer-id 11111 --type commercial")
    cli.ok("x12 setup --submitter-id TESTWELL1 --submitter-name 'Testwell Counseling' --receiver-id TESTCH"
           " --receiver-name 'Test Clearinghouse' --contact-name 'Testy McTestface' --contact-phone 5125550100")
    for cid, first in (("j", "Jay"), ("k", "Kay")):
        cli.ok(f"client add {cid} --first {first} --last Testcase --dob 1990-04-12 --sex F --dx F41.1 --payer acme"
               f" --member-id M{cid.upper()}1 --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")
        cli.ok(f"session add {cid} --date 2026-11-01 --cpt 90837 --minutes 55")
    cli.ok(f"x12 837p --unbilled -o {home.parent / 'a.837'}")
    return cli, home
