"""Run every benchmark at its default size, one after another, and time each and the whole."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench import report

# In the README's order; each prints its own figures and the command that reproduces them.
BENCHMARKS = (
    "core_throughput",
    "votes",
    "scheduler_tick",
    "telegram_throughput",
    "points",
    "requests",
    "notices",
    "street",
    "workers",
    "claims",
)


def main() -> None:
    """Run the benchmarks named (all by default); a failed one is reported and the rest run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=", ".join(BENCHMARKS))
    names = parser.parse_args().names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)}")
    times: list[tuple[str, float, int]] = []
    began = time.perf_counter()
    for name in names:
        print(f"\n=== bench.{name}", flush=True)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        times.append((name, time.perf_counter() - start, done.returncode))
    print("\n=== time taken")
    print(report.environment())
    rows = [("benchmark", "seconds", "")]
    rows += [(f"bench.{n}", f"{s:.0f}", "" if rc == 0 else f"failed ({rc})") for n, s, rc in times]
    rows.append(("all", f"{time.perf_counter() - began:.0f}", ""))
    report.print_table(rows, left=1)
    if any(rc for _, _, rc in times):
        sys.exit(1)


if __name__ == "__main__":
    main()
