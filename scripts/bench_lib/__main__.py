"""Command line of scripts/bench (run through it: it prepares .venv first)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import signal
import sys

from .hass import BenchError
from .report import table
from .run import Bench, Options

ROOT = Path(__file__).resolve().parents[2]


def parse_args() -> argparse.Namespace:
    defaults = Options()
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "Measure the integration in a real Home Assistant process against "
            "the simulated Dinstar gateways: push latency and bursts, polling "
            "cost against rest + template, set-up, start-up and sending."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--interval",
        type=int,
        default=defaults.interval,
        help="poll interval in s, for both gsm_gateway and rest (default %(default)s)",
    )
    parser.add_argument(
        "--cycles",
        type=int,
        default=defaults.cycles,
        help="poll cycles measured per configuration (default %(default)s)",
    )
    parser.add_argument(
        "--pushes",
        type=int,
        default=defaults.pushes,
        help="sequential pushes for the latency (default %(default)s)",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=defaults.burst,
        help="messages in each burst (default %(default)s)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary Home Assistant folder"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args()
    if not 1 <= args.interval <= 60 or not 2 <= args.cycles <= 100:
        parser.error("--interval must be 1..60 and --cycles 2..100")
    if not 1 <= args.pushes <= 10_000 or not 1 <= args.burst <= 1_500:
        parser.error("--pushes must be 1..10000 and --burst 1..1500")
    return args


async def _main(options: Options) -> dict[str, object]:
    bench = Bench(options, ROOT)
    task = asyncio.current_task()
    assert task is not None
    # Ctrl+C and SIGTERM cancel the run, so that the cleanup in Bench.run runs
    # (also where SIGINT came in ignored, as for a background job of a script).
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, task.cancel)
    return await bench.run()


def main() -> int:
    args = parse_args()
    options = Options(
        interval=args.interval,
        cycles=args.cycles,
        pushes=args.pushes,
        burst=args.burst,
        keep=args.keep,
        progress=not args.quiet,
    )
    try:
        results = asyncio.run(_main(options))
    except BenchError as err:
        print(f"bench: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt, asyncio.CancelledError:
        print(
            "bench: interrupted; Home Assistant and the simulators stopped",
            file=sys.stderr,
        )
        return 130
    print(json.dumps(results, indent=2) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
