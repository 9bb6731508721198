"""Time claimkit's 835 reader on a large generated ERA (and oxedi on the same file, if installed).

    python bench/bench_parse835.py                    # 5,000 claims x ~20 lines, about 10.7 MB
    python bench/bench_parse835.py --claims 40000 --lines 1   # 40,000 one-line claims, about 10.2 MB

The file comes from tests/data/x12/gen_large_835.py (synthetic, balanced 005010X221A1).
Prints the median of --repeat runs for: tokenizing only, tokenizing + parsing (parse_835),
and oxedi.parse (a Rust parser; `pip install oxedi` to compare; never a claimkit dependency).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimkit.remittance.era835 import parse_835  # noqa: E402
from claimkit.x12.segments import SegmentReader  # noqa: E402

GENERATOR = ROOT / "tests" / "data" / "x12" / "gen_large_835.py"


def median_time(fn, repeat: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=5000)
    ap.add_argument("--lines", type=int, default=20, help="service lines per claim (mean); 20 gives ~10 MB for 5,000")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--file", type=Path, help="time this 835 instead of generating one")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "bench.835"
            subprocess.run([sys.executable, str(GENERATOR), str(path), "--claims", str(args.claims),
                            "--lines", str(args.lines)], check=True, capture_output=True)
        data = path.read_bytes()

        t_tok, n_segments = median_time(lambda: sum(1 for _ in SegmentReader(data)), args.repeat)
        t_parse, era = median_time(lambda: parse_835(data, source=str(path)), args.repeat)
        n_lines = sum(len(c.service_lines) for c in era.claims)
        total = sum(t.amount for t in era.transactions)
        print(f"file: {len(data) / 1e6:.1f} MB, {n_segments:,} segments, {len(era.transactions)} transactions, "
              f"{len(era.claims):,} claims, {n_lines:,} service lines, BPR total {total:,.2f}, "
              f"{len(era.errors)} errors")
        print(f"claimkit tokenize only        : {t_tok:.3f} s (median of {args.repeat})")
        print(f"claimkit parse_835 (tok+parse): {t_parse:.3f} s (median of {args.repeat})")

        try:
            import oxedi  # type: ignore[import-not-found]
        except ImportError:
            print("oxedi: not installed (pip install oxedi to compare)")
            return 0
        t_ox, result = median_time(lambda: oxedi.parse(data), args.repeat)
        claims = result.count_claims() if callable(result.count_claims) else result.count_claims
        paid = result.sum_payments() if callable(result.sum_payments) else result.sum_payments
        version = getattr(oxedi, "__version__", "?")
        print(f"oxedi {version} parse             : {t_ox:.3f} s (median of {args.repeat}); "
              f"{claims:,} claims, payments {paid}, {len(result.diagnostics)} diagnostics")
        print(f"ratio claimkit / oxedi        : {t_parse / t_ox:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
