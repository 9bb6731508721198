"""The same-work floor of bench_eligibility.py: the CLI stack's start-up and the file and rows the command writes,
with nothing of claimkit's but its tokenizer (which every reader shares).

    eligibility_floor.py request SOURCE.270 TARGET.270 LEDGER N   write the 270 text and N inquiry rows
    eligibility_floor.py import FILE.271 - LEDGER N                tokenize the 271, write N snapshot rows
"""

import hashlib
import json
import sqlite3
import sys
from pathlib import Path

import rich  # noqa: F401
import typer  # noqa: F401

mode, source, target, ledger, n = sys.argv[1], Path(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
data = source.read_bytes()
conn = sqlite3.connect(ledger, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
if mode == "request":
    Path(target).write_bytes(data)
    conn.executemany("INSERT INTO eligibility_inquiries (trace, client, payer, member_id, rank, service_type, service_date,"
                     " file, control_number, created) VALUES (?,?,?,?,?,?,?,?,?,?)",
                     [(f"FLOOR{i:08d}", f"c{i:03d}", "payer0", f"BM{i:08d}", "primary", "MH", "2026-12-06", target,
                       "000000002", "2026-12-06T00:00:00") for i in range(n)])
else:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from claimkit.x12.segments import SegmentReader

    segments = sum(1 for _ in SegmentReader(data))
    import_id = conn.execute("INSERT INTO imports (fingerprint, kind, filename, imported) VALUES (?,?,?,?)",
                             (hashlib.sha256(data).hexdigest() + "-floor", "271", source.name, "now")).lastrowid
    blob = json.dumps({"segments": segments, "in_network": {"deductible": "500", "deductible_left": "125"}})
    conn.executemany("INSERT INTO benefits (client, payer, member_id, rank, as_of, status, import_id, source_file,"
                     " matched_by, data, created) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                     [(f"c{i:03d}", "payer0", f"BM{i:08d}", "primary", "2026-12-06", "active", import_id, source.name,
                       "trace", blob, "now") for i in range(n)])
conn.execute("COMMIT")
conn.close()
