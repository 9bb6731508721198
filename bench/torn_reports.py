"""Issue 15 item 13: do reports read one moment while the ledger is written beside them?

A stream of writes (`claimkit session add` for one client, `claimkit era import` paying one claim of another,
alternately, each its own process) runs beside a loop of `report balances` (in this process, the library call the
command makes). Every consistent moment satisfies, for the two clients:

    stream client (copay 25.00, sessions never billed): charges / 180.00 = estimated pending / 25.00
    era client (N sessions billed, paid one by one: 95.00 paid, CO-45 60.00, copay 25.00):
        client responsibility + estimated pending = N x 25.00
        charges = insurance paid + adjustments + client responsibility + insurance outstanding

A report breaking either is torn: it mixed two moments (a session's estimate shown while its fee is not yet in
charges; a 25.00 copay in neither column).

    python bench/torn_reports.py [--sessions 40] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PRACTICE = (
    "init --practice-name 'Testwell Counseling' --provider-first Testy --provider-last McTestface --credentials LPC "
    "--npi 1234567893 --tax-id 99-1234567 --tax-id-type ein --taxonomy 101YP2500X --license LPC-0001 --license-state TX "
    "--address '100 Example St' --city Austin --state TX --zip 78701-1234 --phone 5125550100 --yes")


def setup(home: Path, n: int) -> list[Path]:
    """The practice, the two clients, the era client's n claims (one session each) and the n ERA files."""
    import json
    import shlex
    import sqlite3

    from typer.testing import CliRunner

    from claimkit.cli import app
    from claimkit.remittance.x12_835_writer import ClaimOutcome, LineOutcome, Remit, write_835

    runner = CliRunner()

    def ok(cmd: str) -> str:
        res = runner.invoke(app, shlex.split(cmd), env={"CLAIMKIT_HOME": str(home), "CI": "true"}, catch_exceptions=False)
        assert res.exit_code == 0, (cmd, res.stdout, res.stderr)
        return res.stdout

    ok(PRACTICE)
    ok("fee set 90837 180.00")
    ok("payer add acme --name 'Acme Test Health' --payer-id 11111 --type commercial")
    ok("payer rate set acme 90837 120.00")
    for cid in ("stream", "era"):
        ok(f"client add {cid} --first Testy --last {cid.title()} --dob 1990-04-12 --sex F --dx F41.1 --payer acme"
           f" --member-id TST{cid.upper()} --copay 25 --address '1 Test St' --city Austin --state TX --zip 78701")
    start = date.today() - timedelta(days=n + 30)
    out = home.parent / "eras"
    out.mkdir()
    for k in range(n):
        ok(f"session add era --date {(start + timedelta(days=k)).isoformat()} --cpt 90837")
        ok(f"cms1500 render --unbilled --force -o {home.parent / 'c.pdf'}")
    conn = sqlite3.connect(home / "ledger.db")
    files = []
    for k, (claim, snap) in enumerate(conn.execute("SELECT id, snapshot FROM claims ORDER BY id").fetchall()):
        line = json.loads(snap)["lines"][0]
        out_line = LineOutcome("90837", (), D("180.00"), D("95.00"), date.fromisoformat(line["date_from"]), line["line_control"],
                               D("120.00"), (("CO", "45", D("60.00")), ("PR", "3", D("25.00"))))
        f = out / f"era{k:03d}.835"
        f.write_text(write_835(Remit("Acme Test Health", "11111", "Testwell", "1234567893", f"T{k:05d}", date.today(),
                                     (ClaimOutcome(claim, "1", f"P{k}", "Era", "Testy", "TSTERA", (out_line,)),))))
        files.append(f)
    conn.close()
    return files


def writer(home: Path, files: list[Path], done: threading.Event, counts: dict) -> None:
    env = {**os.environ, "CLAIMKIT_HOME": str(home), "PYTHONPATH": str(ROOT), "CI": "true"}
    day = date.today() - timedelta(days=10)
    try:
        for k, f in enumerate(files):
            for cmd in (["session", "add", "stream", "--date", (day + timedelta(days=k % 9)).isoformat(), "--cpt", "90837"],
                        ["era", "import", str(f)]):
                subprocess.run([sys.executable, "-m", "claimkit", *cmd], env=env, check=True, capture_output=True, timeout=120)
                counts[cmd[0]] = counts.get(cmd[0], 0) + 1
    finally:
        done.set()


def torn(report, n: int) -> str | None:
    rows = {r.client: r for r in report.clients}
    s, e = rows.get("stream"), rows.get("era")
    if s is not None and s.charges * 2500 != s.estimated_patient_pending * 18000:
        return f"stream: charges {s.charges} but estimated pending {s.estimated_patient_pending}"
    if e is None:
        return "era client missing"
    if e.patient_responsibility + e.estimated_patient_pending != n * 2500:
        return f"era: client responsibility {e.patient_responsibility} + pending {e.estimated_patient_pending} != {n * 2500}"
    if e.charges != e.insurance_paid + e.contractual_adjustments + e.patient_responsibility + e.insurance_outstanding:
        return (f"era: charges {e.charges} != paid {e.insurance_paid} + adjustments {e.contractual_adjustments} + client"
                f" {e.patient_responsibility} + outstanding {e.insurance_outstanding}")
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=40)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="torn-"))
    home = tmp / "home"
    os.environ["CLAIMKIT_HOME"] = str(home)
    files = setup(home, args.sessions)
    from claimkit.reports.balances import balances
    from claimkit.store.workspace import Workspace

    done, counts = threading.Event(), {}
    t = threading.Thread(target=writer, args=(home, files, done, counts), daemon=True)
    t0 = time.perf_counter()
    t.start()
    reports, bad = 0, []
    ws = Workspace(home)
    while not done.is_set():
        why = torn(balances(ws), args.sessions)
        reports += 1
        if why:
            bad.append(why)
    t.join()
    final = torn(balances(ws), args.sessions)
    ws.close()
    print(f"{reports} reports beside {counts.get('session', 0)} session add and {counts.get('era', 0)} era import in"
          f" {time.perf_counter() - t0:.0f} s: {len(bad)} torn ({100 * len(bad) / max(reports, 1):.1f}%)"
          f"{'; final report torn: ' + final if final else ''}")
    for why in dict.fromkeys(bad[:200]):
        print("  torn:", why)
    if args.keep:
        shutil.copytree(tmp, args.keep)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
