"""`python -m bench [--only imports|dynamo|fanout|transfer|memory|compliance] [--sizes 1000,20000] [--runs 7]
[--recipients 200] [--deadlines 1000,100000] [--due 100]`: every benchmark, tables, results."""

from __future__ import annotations

import argparse
import sys
import time

from bench.common import ROOT, write


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, comma separated")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", choices=["imports", "dynamo", "fanout", "transfer", "memory", "compliance"],
                        help="run one benchmark")
    parser.add_argument("--sizes", type=_sizes, default=[1000, 20000], help="cases in the service (dynamo)")
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters per import measurement")
    parser.add_argument("--recipients", type=int, default=200, help="recipients of the fan-out's notification")
    parser.add_argument("--deadlines", type=_sizes, default=[1000, 100000], help="deadlines held (compliance)")
    parser.add_argument("--due", type=int, default=100, help="deadlines due among them (compliance)")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    started = time.perf_counter()
    failed = False
    if args.only in (None, "imports"):
        from bench import imports

        path = write("imports", imports.run(runs=args.runs))
        print(f"-> {path.relative_to(ROOT)}")
    if args.only in (None, "dynamo"):
        from bench import dynamo

        result = dynamo.run(sizes=args.sizes)
        path = write("dynamodb", result)
        print(f"-> {path.relative_to(ROOT)}")
        if result["scans"]:
            print(f"FAILED: {result['scans']} Scan request(s) on request paths", file=sys.stderr)
            failed = True
        if result["problems"]:
            print(f"FAILED: {len(result['problems'])} problem(s), listed above", file=sys.stderr)
            failed = True
    if args.only in (None, "transfer"):
        from bench import transfer

        path = write("transfer", transfer.run(runs=3))
        print(f"-> {path.relative_to(ROOT)}")
    if args.only in (None, "fanout"):
        from bench import fanout

        result = fanout.run(recipients=args.recipients)
        path = write("fanout", result)
        print(f"-> {path.relative_to(ROOT)}")
        if result.get("problem"):
            print(f"FAILED: {result['problem']}", file=sys.stderr)
            failed = True
    if args.only in (None, "memory"):
        from bench import memory

        result = memory.run()
        path = write("memory", result)
        print(f"-> {path.relative_to(ROOT)}")
        if not result["within_budget"]:
            print(f"FAILED: the local server peaked at {result['peak_server_mb']} MB, over its budget", file=sys.stderr)
            failed = True
    if args.only in (None, "compliance"):
        from bench import compliance

        result = compliance.run(sizes=args.deadlines, due=args.due)
        path = write("compliance", result)
        print(f"-> {path.relative_to(ROOT)}")
        for problem in result["problems"]:
            print(f"FAILED: {problem}", file=sys.stderr)
            failed = True
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
