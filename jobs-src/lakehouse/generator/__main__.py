"""Command line of the generator.

python -m lakehouse.generator --out DIR --events N --days D --seed S --fault-rate R
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from lakehouse.catalogue import load_catalogue
from lakehouse.generator.core import GeneratorConfig, generate


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m lakehouse.generator", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write (created)")
    parser.add_argument("--events", type=int, default=10_000, help="clickstream events over all days")
    parser.add_argument("--days", type=int, default=3, help="daily files per source")
    parser.add_argument("--seed", type=int, default=7, help="random seed; same seed, same files")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of rows with a fault (0-0.5)")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2019, 10, 1), help="first day")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        print(
            f"generator: {args.out} is not empty; pick a new folder so old files do not mix in",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    config = GeneratorConfig(
        out=args.out,
        events=args.events,
        days=args.days,
        seed=args.seed,
        fault_rate=args.fault_rate,
        start=args.start,
    )
    manifest = generate(config, load_catalogue())
    rows = ", ".join(f"{name} {count}" for name, count in sorted(manifest.rows.items()))
    faults = sum(sum(kinds.values()) for kinds in manifest.faults.values())
    print(
        f"generator: wrote {rows} rows ({faults} faults) to {args.out} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
