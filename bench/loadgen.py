"""Running wrk (the HTTP side) and pgbench (the database's own ceiling) and reading their
figures back."""

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.config import ROOT, BenchConfig
from bench.server import pinned

LUA = ROOT / "requests.lua"
WRK_TIMEOUT = "10s"
"""A request slower than this counts as a timeout error (wrk's own default is 2 s)."""


@dataclass(frozen=True, slots=True)
class HttpFigures:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status: dict[int, int]
    slot_unavailable: int
    socket_errors: dict[str, int]

    @classmethod
    def from_wrk(cls, report: dict[str, Any]) -> "HttpFigures":
        latency = report["latency_us"]
        return cls(
            requests=report["requests"],
            seconds=report["duration_us"] / 1e6,
            p50_ms=latency["p50"] / 1000,
            p90_ms=latency["p90"] / 1000,
            p99_ms=latency["p99"] / 1000,
            max_ms=latency["max"] / 1000,
            status={int(code): count for code, count in report["status"].items()},
            slot_unavailable=report["slot_unavailable"],
            socket_errors=report["socket_errors"],
        )

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    @property
    def succeeded(self) -> int:
        return sum(count for code, count in self.status.items() if 200 <= code < 300)

    def errors(self, *, honest_conflicts: bool) -> int:
        """Answers that are neither 2xx nor (when allowed) an honest slot conflict, plus
        connections that failed or timed out."""
        honest = self.slot_unavailable if honest_conflicts else 0
        failed = sum(self.socket_errors.values())
        return sum(self.status.values()) - self.succeeded - honest + failed


def wrk(config: BenchConfig, requests: Path, seconds: int, core: int | None) -> HttpFigures:
    command = [
        "wrk",
        "--threads",
        str(config.threads),
        "--connections",
        str(config.connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        WRK_TIMEOUT,
        "--script",
        str(LUA),
        f"http://127.0.0.1:{config.port}",
        "--",
        str(requests),
        str(config.threads),
    ]
    finished = subprocess.run(  # noqa: S603 - our own command line
        pinned(command, core), capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise RuntimeError(f"wrk exited with {finished.returncode}: {finished.stderr.strip()}")
    output = finished.stdout
    found = re.search(r"^BENCH_JSON (.*)$", output, re.MULTILINE)
    if found is None:
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    return HttpFigures.from_wrk(json.loads(found[1]))


@dataclass(frozen=True, slots=True)
class DatabaseFigures:
    tps: float
    transactions: int
    failed: int
    latency_ms: float | None
    problem: str | None = None

    @classmethod
    def from_pgbench(cls, output: str, problem: str | None = None) -> "DatabaseFigures":
        def number(pattern: str) -> float | None:
            found = re.search(pattern, output, re.MULTILINE)
            return float(found[1]) if found else None

        return cls(
            tps=number(r"^tps = ([\d.]+)") or 0.0,
            transactions=int(number(r"^number of transactions actually processed: (\d+)") or 0),
            failed=int(number(r"^number of failed transactions: (\d+)") or 0),
            latency_ms=number(r"^latency average = ([\d.]+) ms"),
            problem=problem,
        )


def pgbench(
    config: BenchConfig, script: str, variables: dict[str, str | int], core: int | None
) -> DatabaseFigures:
    """The scenario's SQL at the same concurrency for the same time, prepared statements (as
    asyncpg uses), no vacuum of pgbench's own tables (it has none here)."""
    url = config.database_url
    command = [
        "pgbench",
        "--no-vacuum",
        "--client",
        str(config.connections),
        "--jobs",
        str(min(config.threads, config.connections)),
        "--time",
        str(config.duration),
        "--protocol",
        "prepared",
        "--file",
        script,
        "--host",
        url.host or "127.0.0.1",
        "--port",
        str(url.port or 5432),
        "--username",
        url.username or "postgres",
    ]
    for name, value in variables.items():
        command += ["--define", f"{name}={value}"]
    command.append(config.database)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    finished = subprocess.run(  # noqa: S603 - our own command line
        pinned(command, core), capture_output=True, text=True, env=env
    )
    problem = finished.stderr.strip()[-1000:] if finished.returncode != 0 else None
    return DatabaseFigures.from_pgbench(finished.stdout, problem)
