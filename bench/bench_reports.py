"""Issue 6 benchmark: `report balances` and `report aging` over a ledger of 100,000 postings, as whole processes.

Budget: the median of `report balances` and of `report aging` under 2x of `python -c "import typer, rich, pydantic"`
measured in the same run (the --json, --as-of and --by statement variants are shown beside them). Each report runs
all its queries in one read transaction on one connection (issue 15 item 13: one moment of the ledger); the ledger
is measured as a user has it (no ANALYZE here that claimkit does not run itself, issue 24 item 1).

The ledger: bench/large_practice.py's 200 clients and 20,000 sessions over ten years (the newest 200 unbilled),
then with direct SQL what claims/ and remittance/ write: one claim per client and month, a remittance for every
claim older than 45 days (its remit_claims record and status, and insurance_paid, contractual CO-45, patient_resp
copay/deductible/coinsurance; every 40th claim denied whole, which posts nothing; every 97th reversed and
corrected), a client payment for most adjudicated sessions (half of them tied to the session), a few statements,
and unattached payments to make exactly 100,000 postings.

    python bench/bench_reports.py [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from large_practice import build  # noqa: E402
from timing import FLOOR, claimkit, machine, median_time  # noqa: E402

TARGET_POSTINGS = 100_000
BUDGET = 2.0
BUDGETED = ("report balances", "report aging")  # the budget; the other cases are shown for information


def add_remittances(home: Path, today: date, seed: int = 11) -> int:
    """Claims, remittances, payments and statements on top of large_practice's sessions; returns the postings count."""
    rnd = random.Random(seed)
    conn = sqlite3.connect(home / "ledger.db")
    now = f"{today.isoformat()}T09:00:00+00:00"
    cutoff = (today - timedelta(days=45)).isoformat()
    with conn:
        rows = conn.execute("SELECT id, client, date, fee_cents, allowed_cents, payer, cost_sharing, cpt FROM sessions"
                            " WHERE status = 'billed' ORDER BY client, date, id").fetchall()
        groups: dict[tuple[str, str], list] = {}
        for r in rows:
            groups.setdefault((r[1], r[2][:7]), []).append(r)
        postings = []
        remits: dict[tuple[str, str], int] = {}
        n = 0
        for (client, month), sessions in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            n += 1
            cid = f"CK{n:05d}"
            last = max(s[2] for s in sessions)
            created = (date.fromisoformat(last) + timedelta(days=3)).isoformat()
            conn.execute("INSERT INTO claims (id, client, payer, status, total_cents, snapshot, created) VALUES (?,?,?,?,?,?,?)",
                         (cid, client, sessions[0][5], "billed", sum(s[3] for s in sessions), "{}", f"{created}T10:00:00+00:00"))
            conn.executemany("INSERT INTO claim_lines (claim_id, line_no, session_id, date, cpt, charge_cents) VALUES (?,?,?,?,?,?)",
                             [(cid, i, s[0], s[2], s[7], s[3]) for i, s in enumerate(sessions, start=1)])
            if last >= cutoff:
                continue  # not answered yet
            paid_on = (date.fromisoformat(created) + timedelta(days=rnd.randrange(12, 40))).isoformat()
            if paid_on > today.isoformat():
                continue
            # what remittance/ records: the claim's status, its remittance record, and (unless denied whole) postings
            denied = n % 40 == 0
            payer_id = sessions[0][5]
            if (payer_id, paid_on) not in remits:
                remits[(payer_id, paid_on)] = conn.execute(
                    "INSERT INTO remittances (source, payer_key, trace, date, amount_cents, created) VALUES (?,?,?,?,0,?)",
                    ("era", payer_id, f"TRN-{payer_id}-{paid_on}", paid_on, now)).lastrowid
            conn.execute("UPDATE claims SET status = ? WHERE id = ?", ("denied" if denied else "paid", cid))
            conn.execute("INSERT INTO remit_claims (remittance_id, claim_id, account, status_code, charge_cents, paid_cents,"
                         " reasons, date) VALUES (?,?,?,?,?,?,?,?)",
                         (remits[(payer_id, paid_on)], cid, cid, "4" if denied else "1", sum(s[3] for s in sessions),
                          0 if denied else sum(s[4] for s in sessions), "CO-50" if denied else "CO-45", paid_on))
            if denied:  # a claim denied whole (CLP02 4) posts nothing: it stays outstanding
                continue
            for sid, _, dos, fee, allowed, payer, sharing, _cpt in sessions:
                common = (client, sid, cid, payer)
                pr_reason, pr = ("copay", 2500) if sharing == "copay" else (
                    ("deductible", allowed) if dos[5:7] in ("01", "02") else ("coinsurance", allowed // 5))
                lines = [("insurance_paid", "", allowed - pr), ("contractual", "CO-45", fee - allowed), ("patient_resp", pr_reason, pr)]
                for kind, reason, cents in lines:
                    postings.append((paid_on, *common, kind, reason, cents, "era", f"T{n}"))
                if n % 97 == 0:  # reversed and corrected
                    for kind, reason, cents in lines:
                        postings.append((paid_on, *common, kind, reason, -cents, "era", f"R{n}"))
                        postings.append((paid_on, *common, kind, reason, cents, "era", f"C{n}"))
                if rnd.random() < 0.9:
                    postings.append((paid_on, client, sid if rnd.random() < 0.5 else None, None, None, "patient_paid", "card",
                                     pr, "payment", ""))
        conn.executemany("INSERT INTO postings (date, client, session_id, claim_id, payer, kind, reason, amount_cents, source,"
                         f" source_ref, created) VALUES (?,?,?,?,?,?,?,?,?,?,'{now}')", postings)
        count = conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
        extra = []
        for k in range(max(0, TARGET_POSTINGS - count)):
            day = (today - timedelta(days=rnd.randrange(1, 3650))).isoformat()
            extra.append((day, f"c{rnd.randrange(200):03d}", "patient_paid", "cash", rnd.randrange(1, 50) * 100, "payment", now))
        conn.executemany("INSERT INTO postings (date, client, kind, reason, amount_cents, source, created) VALUES (?,?,?,?,?,?,?)", extra)
        conn.executemany("INSERT INTO statements (client, date, amount_cents, file) VALUES (?,?,?,?)",
                         [(f"c{i:03d}", (today - timedelta(days=20 + i % 60)).isoformat(), 5000, "") for i in range(0, 200, 3)])
        count = conn.execute("SELECT COUNT(*) FROM postings").fetchone()[0]
    conn.close()
    return count


def as_a_user_has_it(home: Path, env: dict) -> None:
    """No ANALYZE of the bench's own: the ledger gets the statistics claimkit itself leaves behind, which a
    command that wrote gathers as it closes (store/ledger.py close -> PRAGMA optimize): a session added today,
    as a therapist's last command before looking at a report would be."""
    import subprocess

    subprocess.run(claimkit("session", "add", "c000", "--date", date.today().isoformat(), "--cpt", "90837",
                            "--minutes", "55"), env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--keep", help="Build the ledger in this (new) folder and keep it.")
    a = ap.parse_args()
    scratch = None if a.keep else Path(tempfile.mkdtemp(prefix="claimkit-bench-"))
    home = Path(a.keep) if a.keep else scratch / "home"
    today = date.today()
    build(home, 200, 20000, unbilled=200)
    count = add_remittances(home, today)
    env = {"CLAIMKIT_HOME": str(home), "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    as_a_user_has_it(home, env)
    # one warm-up run fills the validated-file cache (home/.cache), as any earlier command would have
    median_time(claimkit("report", "balances"), env, runs=1)
    floor = median_time(FLOOR, runs=a.runs)
    cases = [("report balances", ("report", "balances")),
             ("report balances --json", ("report", "balances", "--json")),
             ("report balances --as-of (a year ago)", ("report", "balances", "--as-of", (today - timedelta(days=365)).isoformat())),
             ("report aging", ("report", "aging")),
             ("report aging --by statement", ("report", "aging", "--by", "statement"))]
    print(f"machine: {machine()}")
    print(f"ledger: {count:,} postings, 20,000 sessions, 200 clients")
    print(f"import floor (typer, rich, pydantic): {floor * 1000:.0f} ms")
    worst = 0.0
    for name, args in cases:
        t = median_time(claimkit(*args), env, runs=a.runs)
        if name in BUDGETED:
            worst = max(worst, t / floor)
        print(f"{name}: {t * 1000:.0f} ms = {t / floor:.2f}x floor" + ("" if name in BUDGETED else " (not budgeted)"))
    print(f"budget {BUDGET:.1f}x floor for {' and '.join(BUDGETED)}: {'met' if worst < BUDGET else 'NOT met'}"
          f" (worst {worst:.2f}x)")
    if scratch is not None:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
