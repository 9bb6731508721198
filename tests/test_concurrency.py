"""Several claimkit processes at once: different ERAs imported and claims rendered together; every write lands
exactly once and nobody sees "database is locked" (writers wait, bounded, for each other)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835
from conftest import PRACTICE_ARGS, Cli

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _has_open(pid: int, path: str) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == path for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # the process ended, or an fd closed while we looked
        return False


def _all_waiting_for_the_lock(ps: list[subprocess.Popen], home: Path, timeout: float = 120) -> None:
    """A barrier, not a sleep: returns once every process has the home's write lock file open (it is inside
    write_lock, past its own checks, waiting for the lock the test holds) or has already ended."""
    import time

    lock = str((home / ".lock").resolve())
    deadline = time.monotonic() + timeout
    while not all(p.poll() is not None or _has_open(p.pid, lock) for p in ps):
        assert time.monotonic() < deadline, "the processes never reached the write lock"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def busy_template(tmp_path_factory) -> Path:
    """8 clients with 3 sessions each; clients 0-3 billed on claims CK00001-CK00004 (one per client). Built once."""
    work = tmp_path_factory.mktemp("busy")
    home = work / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("fee set 90837 180")
    cli.ok("payer add acme --name Acme --payer-id 11111")
    cli.ok("payer rate set acme 90837 120")
    for n in range(8):
        cli.ok(f"client add c{n} --first Busy --last Testcase{n} --dob 1990-01-01 --sex F --dx F41.1 --payer acme --member-id B{n}"
               " --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")
        for d in ("2026-10-01", "2026-10-08", "2026-10-15"):
            cli.ok(f"session add c{n} --date {d} --cpt 90837 --minutes 55")
    for n in range(4):
        cli.ok(f"cms1500 render --client c{n} --force -o {work / f'first-{n}.pdf'}")
    return home


@pytest.fixture
def busy(busy_template, tmp_path):
    """A copy of the busy practice for one test: (cli, home, the test's own folder)."""
    home = tmp_path / "home"
    shutil.copytree(busy_template, home, symlinks=True)
    return Cli(home), home, tmp_path


def _era(home: Path, claim: str, trace: str, control: int) -> str:
    conn = sqlite3.connect(home / "ledger.db")
    snap = json.loads(conn.execute("SELECT snapshot FROM claims WHERE id = ?", (claim,)).fetchone()[0])
    lines = tuple(LineOutcome("90837", (), D("180.00"), D("95.00"), date.fromisoformat(ln["date_from"]), ln["line_control"], D("120.00"),
                              (("CO", "45", D("60.00")), ("PR", "3", D("25.00")))) for ln in snap["lines"])
    return write_835(Remit("Acme", "11111", "Testwell", "1234567893", trace, date(2026, 11, 20),
                           (ClaimOutcome(claim, "1", f"P{control}", snap["patient"]["last"], snap["patient"]["first"],
                                         snap["billed"]["member_id"], lines),),
                           control=control))


@pytest.mark.parametrize("procs", [2, 4])
def test_imports_and_renders_at_once(busy, procs):
    cli, home, tmp = busy
    cmds = []
    for n in range(procs // 2):
        f = tmp / f"era-{n}.835"
        f.write_text(_era(home, f"CK0000{n + 1}", f"TR{n}", n + 1))
        cmds.append(["era", "import", str(f)])
        cmds.append(["cms1500", "render", "--client", f"c{4 + n}", "--force", "-o", str(tmp / f"r-{n}.pdf")])
    ps = [subprocess.Popen([sys.executable, "-m", "claimkit", "--home", str(home), "--yes", *c], env=ENV,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    for p in ps:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, err
        assert "locked" not in err and "busy" not in err
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = procs // 2
    assert conn.execute("SELECT COUNT(*) FROM remittances").fetchone()[0] == n
    assert conn.execute("SELECT COUNT(*) FROM postings WHERE source = 'era' AND kind = 'insurance_paid'").fetchone()[0] == 3 * n
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE source = 'era' AND kind = 'insurance_paid'").fetchone()[0] == 28500 * n
    assert conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 4 + n
    assert len({r[0] for r in conn.execute("SELECT id FROM claims")}) == 4 + n
    assert conn.execute("SELECT COUNT(*) FROM sessions WHERE status = 'billed'").fetchone()[0] == 3 * (4 + n)


def test_same_era_imported_by_three_at_once(busy):
    """Three terminals importing the same file: each checked 'already imported?' before waiting for the ledger, so
    the ones that waited ended in 'unexpected IntegrityError' (exit 1). One posts it; the others say it was imported."""
    from claimkit.store.home import write_lock

    cli, home, tmp = busy
    f = tmp / "era.835"
    f.write_text(_era(home, "CK00001", "TR1", 1))
    with write_lock(home):  # all three get past the first check and then wait here
        ps = [subprocess.Popen([sys.executable, "-m", "claimkit", "--home", str(home), "era", "import", str(f)], env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        _all_waiting_for_the_lock(ps, home)
    results = [(p.returncode, out, err) for p in ps for out, err in [p.communicate(timeout=180)]]
    assert [(code, err) for code, _, err in results] == [(0, "")] * 3
    assert sorted("already imported" in out for _, out, _ in results) == [False, True, True]
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE source = 'era' AND kind = 'insurance_paid'").fetchone()[0] == 28500


def test_same_era_item_matched_by_two_at_once(busy):
    """'era match ITEM CLAIM' from two terminals at once: both saw the item open before waiting for the ledger, and
    both posted it (the claim paid twice). One posts it; the other is told it was already matched."""
    from claimkit.store.home import write_lock

    cli, home, tmp = busy
    f = tmp / "stray.835"
    f.write_text(_era(home, "CK00001", "TR1", 1).replace("CLP*CK00001*", "CLP*ZZZ999*").replace("MI*B", "MI*NOBODY"))
    cli.ok(f"era import {f}")
    with write_lock(home):
        ps = [subprocess.Popen([sys.executable, "-m", "claimkit", "--home", str(home), "era", "match", "1", "CK00001"], env=ENV,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        _all_waiting_for_the_lock(ps, home)
    results = sorted((p.returncode, err) for p in ps for _, err in [p.communicate(timeout=180)])
    assert results == [(0, ""), (2, "error: item 1 was already matched to claim CK00001\n")]
    conn = sqlite3.connect(home / "ledger.db")
    assert conn.execute("SELECT SUM(amount_cents) FROM postings WHERE source = 'era' AND kind = 'insurance_paid'").fetchone()[0] == 28500
