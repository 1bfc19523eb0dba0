"""What one bench run is asked to do: sizes, load, scenarios, where the databases are."""

import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parent
PROJECT = ROOT.parent
RESULTS = ROOT / "results"
WORK = PROJECT / "var" / "bench"
MINUTESERV = Path(sys.executable).parent / "minuteserv"
"""The service's command, installed beside the interpreter running the bench."""
DEFAULT_SCENARIOS = (
    "catalog",
    "prepare",
    "confirm",
    "bookings_list",
    "booking_detail",
    "admin_dashboard",
    "admin_bookings",
)
_DURATION = re.compile(r"^(\d+)([smh]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600}


def seconds(text: str) -> int:
    """`20s`, `2m`, `90` -> seconds (wrk's and pgbench's shared notation)."""
    match = _DURATION.match(text.strip())
    if not match or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(f"not a duration like 20s or 2m: {text!r}")
    return int(match[1]) * _SECONDS[match[2]]


@dataclass(frozen=True, slots=True)
class Sizes:
    bookings: int
    users: int
    partners: int
    services: int
    promos: int

    @property
    def heavy_users(self) -> int:
        """Users holding many bookings each (the `bookings_list` page 5 needs 50 of them)."""
        return max(1, self.users // 1000)


@dataclass(frozen=True, slots=True)
class BenchConfig:
    sizes: Sizes
    connections: int
    duration: int
    warmup: int
    threads: int
    scenarios: tuple[str, ...]
    admin_url: URL
    database: str
    port: int
    skip_seed: bool

    @property
    def database_url(self) -> URL:
        return self.admin_url.set(database=self.database)


def parse(argv: list[str] | None = None) -> BenchConfig:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Seed PostgreSQL at scale, drive each scenario with wrk, compare with pgbench.",
    )
    add = parser.add_argument
    add("--bookings", type=int, default=1_000_000)
    add("--users", type=int, default=100_000)
    add("--partners", type=int, default=500)
    add("--services", type=int, default=200)
    add("--promos", type=int, default=20)
    add("--connections", type=int, default=32, help="wrk connections and pgbench clients")
    add("--duration", type=seconds, default=20, help="per scenario, e.g. 20s")
    add(
        "--warmup",
        type=seconds,
        help="unrecorded load before each scenario [default: 2s, 1s for runs under 10s]",
    )
    add("--threads", type=int, default=2, help="wrk threads and pgbench jobs")
    add("--scenarios", default=" ".join(DEFAULT_SCENARIOS), help="space or comma separated")
    add(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL superuser connection; the bench database is created beside it",
    )
    add("--database", default="minuteserv_bench", help="dropped and recreated by the seed")
    add("--port", type=int, default=0, help="the server's port [default: a free one]")
    add("--skip-seed", action="store_true", help="reuse the database the last run seeded")
    args = parser.parse_args(argv)
    sizes = Sizes(args.bookings, args.users, args.partners, args.services, args.promos)
    if sizes.services < 8 or min(sizes.users, sizes.partners, sizes.promos, sizes.bookings) < 1:
        parser.error("need at least 8 services and one user, partner, promo code and booking")
    return BenchConfig(
        sizes=sizes,
        connections=args.connections,
        duration=args.duration,
        warmup=args.warmup if args.warmup is not None else (2 if args.duration >= 10 else 1),
        threads=args.threads,
        scenarios=tuple(name for name in re.split(r"[\s,]+", args.scenarios) if name),
        admin_url=make_url(args.admin_url),
        database=args.database,
        port=args.port,
        skip_seed=args.skip_seed,
    )
