"""The 835 reader alone, in-process, beside oxedi (whole process), on one file.

    python bench/bench_era_reader.py [FILE] [--repeat 5]

Prints the median of --repeat runs of: parse_835(data) (records kept), parse_835(data, on_payment=...) (the
streaming form `claimkit era import` uses; the callback does nothing), and `python -c "import oxedi; oxedi.parse(...)"`
as a whole process (interpreter start included), if oxedi is installed. Default file: /tmp/era5/large.835
(made by tests/data/x12/gen_large_835.py, 5,000 claims).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claimkit.remittance.era835 import parse_835  # noqa: E402


def median(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default="/tmp/era5/large.835", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-oxedi", action="store_true")
    args = ap.parse_args()
    data = args.file.read_bytes()
    t_full, all_full = median(lambda: parse_835(data, source="bench"), args.repeat)
    t_stream, all_stream = median(lambda: parse_835(data, source="bench", on_payment=lambda p: None), args.repeat)
    print(f"file {args.file} ({len(data) / 1e6:.1f} MB)")
    print(f"parse_835 records kept : {t_full:.3f} s  (runs {', '.join(f'{t:.3f}' for t in all_full)})")
    print(f"parse_835 on_payment   : {t_stream:.3f} s  (runs {', '.join(f'{t:.3f}' for t in all_stream)})")
    if not args.no_oxedi:
        code = f"import oxedi; oxedi.parse(open({str(args.file)!r}, 'rb').read())"

        def ox() -> None:
            subprocess.run([sys.executable, "-c", code], check=True)

        try:
            t_ox, all_ox = median(ox, args.repeat)
        except (subprocess.CalledProcessError, OSError):
            print("oxedi: not available")
            return 0
        print(f"oxedi whole process    : {t_ox:.3f} s  (runs {', '.join(f'{t:.3f}' for t in all_ox)})")
        print(f"ratio to oxedi         : {t_full / t_ox:.2f}x records kept, {t_stream / t_ox:.2f}x on_payment")
    return 0


if __name__ == "__main__":
    sys.exit(main())
