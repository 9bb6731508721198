"""Kill claimkit (SIGKILL) at random moments in an ERA import, a batch render and a settings write; afterwards the
ledger passes its integrity check, no partial import or batch exists, TOML files are the old or the new version,
and rerunning the command completes the work exactly once.

CI runs a few dozen kills; CLAIMKIT_LONG=1 runs hundreds (see docs/reliability.md).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KILLS = int(os.environ.get("CLAIMKIT_KILLS", "300" if os.environ.get("CLAIMKIT_LONG") else "12"))
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
ENV.pop("CI", None)


def claimkit(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "claimkit", "--home", str(home), "--yes", *args], env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_at_random(proc: subprocess.Popen, rnd: random.Random, upto: float) -> bool:
    """SIGKILL after a random delay within the command's usual run time; True when it was killed."""
    time.sleep(rnd.uniform(0.0, upto))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True
    proc.wait()
    return False


def integrity(home: Path) -> str:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def count(home: Path, sql: str) -> int:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def era_practice(tmp_path_factory):
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_era import build_practice

    work = tmp_path_factory.mktemp("crash-era")
    era = work / "big.835"
    subprocess.run([sys.executable, str(ROOT / "tests" / "data" / "x12" / "gen_large_835.py"), str(era), "--claims", "600",
                    "--lines", "6", "--per-st", "100"], check=True, capture_output=True)
    template = work / "template"
    build_practice(template, era)
    full = work / "full"
    shutil.copytree(template, full)
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "claimkit", "--home", str(full), "era", "import", str(era)], env=ENV, check=True,
                   capture_output=True)
    return template, era, count(full, "SELECT COUNT(*) FROM postings WHERE source = 'era'"), time.monotonic() - t0


def test_killed_era_import_posts_all_or_nothing(era_practice, tmp_path):
    template, era, expected, duration = era_practice
    rnd = random.Random(835)
    home = tmp_path / "home"
    shutil.copytree(template, home)
    killed = 0
    for _ in range(KILLS):
        proc = claimkit(home, "era", "import", str(era))
        killed += kill_at_random(proc, rnd, duration)
        assert integrity(home) == "ok"
        posted = count(home, "SELECT COUNT(*) FROM postings WHERE source = 'era'")
        imports = count(home, "SELECT COUNT(*) FROM imports")
        assert (posted, imports) in ((0, 0), (expected, 1)), "a partial import exists"
        if posted:  # it got through: start again from the clean practice
            shutil.rmtree(home)
            shutil.copytree(template, home)
    assert killed >= KILLS // 3
    done = subprocess.run([sys.executable, "-m", "claimkit", "--home", str(home), "era", "import", str(era)], env=ENV,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    again = subprocess.run([sys.executable, "-m", "claimkit", "--home", str(home), "era", "import", str(era)], env=ENV,
                           capture_output=True, text=True)
    assert "already imported" in again.stdout
    assert count(home, "SELECT COUNT(*) FROM postings WHERE source = 'era'") == expected


def test_killed_batch_render_records_all_or_nothing(tmp_path):
    from conftest import PRACTICE_ARGS, Cli

    home = tmp_path / "home"
    cli = Cli(home)
    cli.ok(PRACTICE_ARGS)
    cli.ok("fee set 90837 180")
    cli.ok("payer add acme --name Acme")
    cli.ok("payer rate set acme 90837 120")
    # the 40 clients and 120 sessions through the library the CLI calls (160 CLI runs would cost ~15 s of setup)
    from claimkit.records.practice import add_client, policy_data
    from claimkit.sessions.sessions import NewSession, add_session
    from claimkit.store.workspace import Workspace

    for n in range(40):
        ws = Workspace(home)
        add_client(ws, {"id": f"c{n:02d}", "first": "Crash", "last": f"Testcase{n:02d}", "dob": "1990-01-01", "sex": "F",
                        "dx": ["F41.1"], "address": {"street": "1 Test St", "city": "Austin", "state": "TX", "zip": "78701"}},
                   policy_data({"payer": "acme", "member_id": f"CR{n:04d}", "copay": "25"}))
        ws = Workspace(home)
        for d in ("2026-10-01", "2026-10-08", "2026-10-15"):
            add_session(ws, NewSession(client=f"c{n:02d}", day=date.fromisoformat(d), cpt="90837", minutes=55))
    assert cli.ok("session list --json").stdout.count('"client"') == 120
    template = tmp_path / "template"
    shutil.copytree(home, template)
    rnd = random.Random(1500)
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / "claims.pdf"
    probe = tmp_path / "probe"
    shutil.copytree(template, probe)
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "claimkit", "--home", str(probe), "cms1500", "render", "--unbilled", "--force", "-o",
                    str(tmp_path / "probe.pdf")], env=ENV, check=True, capture_output=True)
    duration = time.monotonic() - t0
    killed = 0
    for _ in range(KILLS):
        proc = claimkit(home, "cms1500", "render", "--unbilled", "--force", "-o", str(out))
        killed += kill_at_random(proc, rnd, duration)
        assert integrity(home) == "ok"
        claims = count(home, "SELECT COUNT(*) FROM claims")
        billed = count(home, "SELECT COUNT(*) FROM sessions WHERE status = 'billed'")
        assert (claims, billed) in ((0, 0), (40, 120)), "a partial batch was recorded"
        # issue 16.2: a PDF exists under its name only when its claims are recorded; no temp left in the folder
        assert out.exists() == bool(claims) or (claims and not out.exists()), "a PDF of unrecorded claims"
        assert [p.name for p in outdir.iterdir()] in ([], ["claims.pdf"]), list(outdir.iterdir())
        if claims:
            shutil.rmtree(home)
            shutil.copytree(template, home)
            out.unlink(missing_ok=True)
    assert killed >= KILLS // 3
    done = subprocess.run([sys.executable, "-m", "claimkit", "--home", str(home), "cms1500", "render", "--unbilled", "--force",
                           "-o", str(out)], env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert count(home, "SELECT COUNT(*) FROM claims") == 40
    again = subprocess.run([sys.executable, "-m", "claimkit", "--home", str(home), "cms1500", "render", "--unbilled", "-o",
                            str(out)], env=ENV, capture_output=True, text=True)
    assert "Nothing to bill" in again.stdout and count(home, "SELECT COUNT(*) FROM claims") == 40
    assert not (home / ".tmp").exists() or list((home / ".tmp").iterdir()) == []  # the next runs swept the kills' temps


WRITER = """
import sys
from decimal import Decimal
from pathlib import Path
from claimkit.records.practice import set_fee
from claimkit.store.workspace import Workspace
ws = Workspace(Path(sys.argv[1]))
i = 0
while True:
    i += 1
    set_fee(ws, "90837", Decimal("100.00") + i)
    ws.forget()
"""


def test_killed_toml_writes_leave_old_or_new_file(tmp_path):
    from conftest import PRACTICE_ARGS, Cli

    home = tmp_path / "home"
    Cli(home).ok(PRACTICE_ARGS)
    rnd = random.Random(7)
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(home)], env=ENV, stderr=subprocess.PIPE)
        kill_at_random(proc, rnd, 0.8)
        data = tomllib.loads((home / "practice.toml").read_text())  # never half a file
        assert data["name"] == "Testwell Counseling"
        fee = data.get("fees", {}).get("90837")
        assert fee is None or fee.endswith(".00")
    assert Cli(home).ok("fee list --json").stdout
    Cli(home).ok("fee set 90834 150")  # the next write removes the temps the kills left (issue 16.2)
    assert [p.name for p in home.iterdir() if p.name.endswith(".tmp")] == []
