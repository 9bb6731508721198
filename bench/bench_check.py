"""Issue 3 benchmark: `claimkit check` as a whole process over a large practice (200 clients, 2,000 unbilled sessions).

Budget: median under 2x the import floor (`python -c "import typer, rich, pydantic"`) plus the ICD-10-CM table load,
all measured in the same run. Two practices are timed:

* "typical": built here through the library (init_home, add_payer, set_rate, add_client, add_session): 200 clients
  with realistic policies (copay, coinsurance with deductible, a parent as the insured, Medicaid with an
  authorization), 2,000 unbilled sessions over the last 10 weeks (office and telehealth), a dozen planted defects;
* "stress": the shared bench/large_practice.py home (20,000 sessions, newest 2,000 unbilled) whose synthetic data
  trips about 1,600 findings (55 minutes on every code, digits in names): the cost of reporting many findings.

    python bench/bench_check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from timing import FLOOR, claimkit, machine, median_time  # noqa: E402

ICD_LOAD = [sys.executable, "-c", "from claimkit import catalog; catalog.icd10('F41.1')"]
CATALOG_IMPORT = [sys.executable, "-c", "from claimkit import catalog"]

FIRST = "Avery Blake Casey Devon Emery Finley Harper Jordan Kendall Logan Morgan Parker Quinn Reese Rowan Sawyer Taylor Winter".split()
LAST = "Testcase Mockwell Specimen Fictional Example Placeholder Sampleton Dummyfield Notreal Madeup".split()
SESSION_CODES = (("90837", 55), ("90837", 58), ("90834", 45), ("90834", 50), ("90832", 30))


def build_typical(home: Path, clients: int = 200, per_client: int = 10, seed: int = 11) -> int:
    """A realistic large practice through the library; returns the number of sessions written."""
    from claimkit.records import practice as P
    from claimkit.sessions.sessions import NewSession, add_session
    from claimkit.store.workspace import Workspace

    rnd = random.Random(seed)
    P.init_home(home, {"practice_name": "Testwell Counseling", "provider_first": "Testy", "provider_last": "McTestface",
                       "credentials": "LPC", "npi": "1234567893", "tax_id": "991234567", "taxonomy": "101YP2500X",
                       "license": "LPC-0001", "license_state": "TX", "address": "100 Example St", "city": "Austin",
                       "state": "TX", "zip": "78701-1234", "phone": "5125550100"})
    ws = Workspace(home)
    for cpt, fee in (("90791", "200.00"), ("90832", "110.00"), ("90834", "150.00"), ("90837", "180.00"), ("90785", "25.00")):
        P.set_fee(ws, cpt, Decimal(fee))
    payers = (("acme", "commercial", {"telehealth_modifier": "95"}), ("bluepeak", "commercial", {"requires_taxonomy": True,
              "telehealth_modifier": "GT", "telehealth_pos": "02"}), ("northstar", "group", {}),
              ("statecare", "medicaid", {"requires_auth": True, "timely_filing_days": 365}))
    for pid, kind, extra in payers:
        P.add_payer(ws, {"id": pid, "name": f"{pid.title()} Health", "payer_id": pid.upper(), "type": kind,
                         "address": {"street": "PO Box 100", "city": "Dallas", "state": "TX", "zip": "75201-0100"}, **extra})
        for cpt, rate in (("90791", "140.00"), ("90832", "70.00"), ("90834", "95.00"), ("90837", "120.00")):
            P.set_rate(ws, pid, cpt, Decimal(rate))
    today = date.today()
    start = today - timedelta(days=7 * per_client)
    written = 0
    for i in range(clients):
        cid = f"c{i:03d}"
        pid = payers[i % 4][0]
        values = {"id": cid, "first": FIRST[i % len(FIRST)], "last": LAST[(i // len(FIRST)) % len(LAST)],
                  "dob": date(1960 + i % 45, 1 + i % 12, 1 + i % 28), "sex": "FM"[i % 2],
                  "address": {"street": f"{100 + i} Sample Rd", "city": "Austin", "state": "TX", "zip": "78704"},
                  "dx": [("F41.1", "F33.1", "F43.23", "F90.0")[i % 4]]}
        policy = {"payer": pid, "member_id": f"{pid[:3].upper()}{100000 + i}", "effective": date(today.year - 1, 1, 1)}
        policy |= {"copay": Decimal("25.00")} if i % 2 == 0 else {"coinsurance": Decimal(20), "deductible": Decimal("500.00")}
        if i % 10 == 3:  # a minor on a parent's plan
            values["dob"] = date(today.year - 12, 3, 3)
            policy |= {"relationship": "child", "insured_first": "Pat", "insured_last": values["last"],
                       "insured_dob": date(1980, 5, 5), "insured_sex": "F", "insured_address": values["address"]["street"],
                       "insured_city": "Austin", "insured_state": "TX", "insured_zip": "78704"}
        if pid == "statecare":
            values["authorizations"] = [{"number": f"AUTH{i:05d}", "payer": pid, "visits": 24, "start": start - timedelta(days=7),
                                         "end": today + timedelta(days=180), "cpts": ["90832", "90834", "90837"]}]
        P.add_client(ws, values, P.policy_data(policy))
        for k in range(per_client):
            day = start + timedelta(days=7 * k + i % 5)
            cpt, minutes = ("90791", 60) if k == 0 else SESSION_CODES[rnd.randrange(len(SESSION_CODES))]
            pos = ("02" if pid == "bluepeak" else "10") if rnd.random() < 0.3 else None
            add_session(ws, NewSession(client=cid, day=day, cpt=cpt, minutes=minutes, pos=pos))
            written += 1
    # planted defects: the kind check exists to catch
    defects = [NewSession(client="c001", day=start + timedelta(days=8), cpt="90837", minutes=40),
               NewSession(client="c002", day=start + timedelta(days=15), cpt="90834", minutes=45, dx=["Z63.0", "F41.1"]),
               NewSession(client="c005", day=start + timedelta(days=22), cpt="90834", minutes=45, modifiers=["95"]),
               NewSession(client="c006", day=start + timedelta(days=36), cpt="90785")]
    for new in defects:
        add_session(ws, new)
        written += 1
    ws.close()
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), a.runs)


def run(tmp: Path, runs: int) -> None:
    typical = tmp / "typical"
    n = build_typical(typical)
    from large_practice import build as build_stress

    stress = tmp / "stress"
    build_stress(stress, clients=200, sessions=20000, unbilled=2000)
    # bytecode caching on, as in an installed claimkit (a PYTHONDONTWRITEBYTECODE=1 shell would recompile every run)
    env = {"PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": ""}
    for home in (typical, stress):  # the first run validates the TOML files and fills the cache
        median_time(claimkit("check"), {**env, "CLAIMKIT_HOME": str(home)}, runs=1)
    floor = median_time(FLOOR, runs=runs)
    icd = max(0.0, median_time(ICD_LOAD, env, runs=runs) - median_time(CATALOG_IMPORT, env, runs=runs))
    budget = 2 * floor + icd
    print(f"machine: {machine()}")
    print(f"import floor (typer, rich, pydantic): {floor * 1000:.0f} ms")
    print(f"ICD-10-CM table load (first lookup after importing the catalog): {icd * 1000:.0f} ms")
    print(f"budget = 2 x floor + ICD load: {budget * 1000:.0f} ms")
    for label, home, what in (("typical", typical, f"200 clients, {n:,} unbilled sessions"),
                              ("stress", stress, "200 clients, 2,000 unbilled of 20,000 sessions")):
        e = {**env, "CLAIMKIT_HOME": str(home)}
        found = json.loads(subprocess.run(claimkit("check", "--json"), env={**os.environ, **e}, capture_output=True,
                                          text=True).stdout)
        print(f"{label}: {len(found)} findings ({', '.join(sorted({f['rule'] for f in found}))})")
        for args in (("check",), ("check", "--json")):
            t = median_time(claimkit(*args), e, runs=runs)
            print(f"{label} ({what}): claimkit {' '.join(args)}: {t * 1000:.0f} ms = {t / floor:.2f}x floor, "
                  f"{'within' if t <= budget else 'OVER'} budget")


if __name__ == "__main__":
    main()
