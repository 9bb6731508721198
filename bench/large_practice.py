"""Build a large practice for the benchmarks: 200 clients, 20,000 sessions over 10 years (real TOML + real ledger).

Sessions go into the ledger with one bulk SQL transaction (the same rows and postings `session add` writes),
so building takes seconds; the commands timed are then run as whole processes against it.

    python bench/large_practice.py DIR [--clients 200] [--sessions 20000] [--unbilled 0]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from claimkit.records import practice as P  # noqa: E402
from claimkit.store.ledger import now_iso  # noqa: E402
from claimkit.store.workspace import Workspace  # noqa: E402

CPTS = [("90837", 18000, 12000), ("90834", 15000, 9500), ("90832", 11000, 7000)]


def build(home: Path, clients: int = 200, sessions: int = 20000, unbilled: int = 0, seed: int = 7) -> Workspace:
    rnd = random.Random(seed)
    P.init_home(home, {"practice_name": "Benchmark Counseling", "provider_first": "Bench", "provider_last": "Marker",
                       "credentials": "LPC", "npi": "1234567893", "tax_id": "991234567", "taxonomy": "101YP2500X",
                       "address": "100 Example St", "city": "Austin", "state": "TX", "zip": "78701-1234", "phone": "5125550100"})
    ws = Workspace(home)
    for cpt, fee, _ in CPTS:
        P.set_fee(ws, cpt, Decimal(fee) / 100)
    for n in range(3):
        P.add_payer(ws, {"id": f"payer{n}", "name": f"Bench Payer {n}", "payer_id": f"BP{n:03d}", "timely_filing_days": 3650})
        for cpt, _, allowed in CPTS:
            P.set_rate(ws, f"payer{n}", cpt, Decimal(allowed) / 100)
    for i in range(clients):
        sharing = {"copay": Decimal("25.00")} if i % 2 == 0 else {"coinsurance": Decimal(20), "deductible": Decimal("500.00"),
                                                                  "oop_max": Decimal("3000.00")}
        policy = P.policy_data({"payer": f"payer{i % 3}", "member_id": f"BM{i:08d}", **sharing})
        P.add_client(ws, {"id": f"c{i:03d}", "first": "Bench", "last": f"Client{i:03d}", "dob": date(1970 + i % 40, 1 + i % 12, 1 + i % 28),
                          "sex": "FMX"[i % 3], "address": {"street": f"{i} Bench St", "city": "Austin", "state": "TX", "zip": "78701"},
                          "dx": ["F41.1"]}, policy)
    start = date.today() - timedelta(days=3650)
    conn = sqlite3.connect(home / "ledger.db")
    now = now_iso()
    with conn:
        for k in range(sessions):
            cid = k % clients
            day = start + timedelta(days=int(k * 3650 / sessions))
            cpt, fee, allowed = CPTS[rnd.randrange(3)]
            status = "unbilled" if k >= sessions - unbilled else "billed"
            cur = conn.execute(
                "INSERT INTO sessions (client, date, cpt, units, minutes, modifiers, pos, dx, fee_cents, payer, allowed_cents,"
                " cost_sharing, note, status, created) VALUES (?,?,?,1,55,'','11','F41.1',?,?,?,?,'',?,?)",
                (f"c{cid:03d}", day.isoformat(), cpt, fee, f"payer{cid % 3}", allowed, "copay" if cid % 2 == 0 else "coinsurance", status, now))
            conn.execute("INSERT INTO postings (date, client, session_id, payer, kind, amount_cents, source, created)"
                         " VALUES (?,?,?,?,'charge',?,'session',?)", (day.isoformat(), f"c{cid:03d}", cur.lastrowid, f"payer{cid % 3}", fee, now))
    conn.close()
    return ws


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--unbilled", type=int, default=0)
    a = ap.parse_args()
    build(Path(a.dir), a.clients, a.sessions, a.unbilled)
    print(f"built {a.dir}")
