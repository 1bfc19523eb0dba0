"""The table on stdout and bench/results/<date>.json, with the facts of the machine."""

import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.config import PROJECT, RESULTS, BenchConfig
from bench.loadgen import DatabaseFigures, HttpFigures
from bench.scenarios import RSS_TARGET_MB, Scenario
from bench.server import CpuUse

MB = 1024 * 1024
BACKLOG_WORTH_NOTING = 1.0


@dataclass(frozen=True, slots=True)
class Outcome:
    scenario: Scenario
    http: HttpFigures | None
    database: DatabaseFigures | None
    peak_rss_bytes: int
    problem: str | None = None
    backlog_seconds: float = 0.0
    """How long the server and its queries kept working after wrk stopped."""
    cpu: CpuUse | None = None

    @property
    def ratio(self) -> float | None:
        if self.http is None or self.database is None or not self.database.tps:
            return None
        return self.http.rate / self.database.tps

    @property
    def errors(self) -> int | None:
        if self.http is None:
            return None
        return self.http.errors(honest_conflicts=self.scenario.honest_conflicts)

    @property
    def target_rate(self) -> float | None:
        """The rate the target speaks of: answers, or bookings made (201) for `confirm`."""
        if self.http is None:
            return None
        if self.scenario.counts_created:
            return self.http.status.get(201, 0) / self.http.seconds
        return self.http.rate

    def misses(self) -> list[str]:
        target, http = self.scenario.target, self.http
        if http is None:
            return ["no figures"]
        if not http.requests:
            return [f"no answer within the {http.seconds:.0f} s run"]
        missed = []
        rate = self.target_rate or 0.0
        if target.min_rate is not None and rate < target.min_rate:
            missed.append(f"{rate:.0f} < {target.min_rate:g} {self.scenario.unit}")
        if target.max_p99_ms is not None and http.p99_ms >= target.max_p99_ms:
            missed.append(f"p99 {http.p99_ms:.0f} >= {target.max_p99_ms:g} ms")
        if self.scenario.counts_created and self.errors:
            missed.append(f"{self.errors} errors")
        if self.peak_rss_bytes >= RSS_TARGET_MB * MB:
            missed.append(f"RSS >= {RSS_TARGET_MB} MB")
        return missed

    def verdict(self) -> str:
        """Every scenario has the RSS target; most have a rate or a p99 one as well."""
        if self.problem:
            return "not run"
        missed = self.misses()
        return "MISSED: " + "; ".join(missed) if missed else "met"

    def notes(self) -> str:
        if self.problem:
            return self.problem
        if self.http is None:
            return ""
        status = ", ".join(f"{code}: {n}" for code, n in sorted(self.http.status.items()))
        if self.scenario.honest_conflicts:
            status += f" (409 SLOT_UNAVAILABLE: {self.http.slot_unavailable})"
        failed = {kind: n for kind, n in self.http.socket_errors.items() if n}
        status += f"; socket errors {failed}" if failed else ""
        if self.backlog_seconds >= BACKLOG_WORTH_NOTING:
            status += f"; server and database busy {self.backlog_seconds:.0f} s after wrk stopped"
        if self.database and self.database.problem:
            status += f"; pgbench: {self.database.problem.splitlines()[-1]}"
        return status


COLUMNS = (
    ("scenario", "<"),
    ("req/s", ">"),
    ("p50 ms", ">"),
    ("p99 ms", ">"),
    ("errors", ">"),
    ("RSS MB", ">"),
    ("srv CPU", ">"),
    ("pgbench tps", ">"),
    ("ratio", ">"),
    ("target", "<"),
)


def _cells(outcome: Outcome) -> list[str]:
    http, database = outcome.http, outcome.database
    rss = f"{outcome.peak_rss_bytes / MB:.0f}" if outcome.peak_rss_bytes else "-"
    cpu = f"{outcome.cpu.server_cores:.0%}" if outcome.cpu else "-"
    tps = f"{database.tps:.0f}" if database else "-"
    ratio = f"{outcome.ratio:.2f}" if outcome.ratio is not None else "-"
    if http is None:
        return [outcome.scenario.name, "-", "-", "-", "-", rss, cpu, tps, ratio, outcome.verdict()]
    rate = f"{http.rate:.0f}"
    if outcome.scenario.counts_created:
        rate = f"{outcome.target_rate:.0f}*"
    answered = http.requests > 0
    return [
        outcome.scenario.name,
        rate,
        f"{http.p50_ms:.1f}" if answered else "-",
        f"{http.p99_ms:.1f}" if answered else "-",
        str(outcome.errors),
        rss,
        cpu,
        tps,
        ratio,
        outcome.verdict(),
    ]


def table(outcomes: list[Outcome]) -> str:
    rows = [[name for name, _ in COLUMNS], *(_cells(outcome) for outcome in outcomes)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for row in rows:
        cells = [
            f"{cell:{align}{width}}"
            for cell, (_, align), width in zip(row[:-1], COLUMNS, widths, strict=False)
        ]
        lines.append("  ".join([*cells, row[-1]]))
    lines.insert(1, "-" * max(len(line) for line in lines))
    if any(outcome.scenario.counts_created for outcome in outcomes):
        lines.append("* bookings made (201) per second; req/s, p50 and p99 cover every answer")
    lines.append(
        "srv CPU: the server's CPU time per second of the wrk run (100% = one core; well under "
        "it while the machine is busy means other processes took the core)"
    )
    notes = [f"{o.scenario.name}: {o.notes()}" for o in outcomes if o.notes()]
    return "\n".join([*lines, "", "status codes:", *(f"  {note}" for note in notes)])


def _command(*args: str) -> str:
    try:
        done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError:
        return "absent"
    return (
        (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr) else ""
    )


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _load() -> list[float]:
    return [float(part) for part in Path("/proc/loadavg").read_text().split()[:3]]


def load_per_core() -> float:
    """The one-minute load average per core."""
    return _load()[0] / (os.cpu_count() or 1)


def machine(server_version: str) -> dict[str, Any]:
    packages = ("fastapi", "uvicorn", "uvloop", "httptools", "sqlalchemy", "asyncpg", "pydantic")
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_mb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // MB,
        "kernel": platform.release(),
        "os": _command("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
        "python": sys.version.split()[0],
        "postgresql": server_version,
        "wrk": _command("wrk", "--version"),
        "pgbench": _command("pgbench", "--version"),
        "packages": {name: _version(name) for name in packages},
        "git_commit": _command("git", "-C", str(PROJECT), "rev-parse", "HEAD"),
        "git_dirty": bool(_command("git", "-C", str(PROJECT), "status", "--porcelain")),
        "load_average": _load(),
    }


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def save(
    config: BenchConfig,
    outcomes: list[Outcome],
    *,
    facts: dict[str, Any],
    setup: dict[str, Any],
    started: datetime,
) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{started:%Y-%m-%d}.json"
    document = {
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "config": {
            **asdict(config.sizes),
            "connections": config.connections,
            "duration_seconds": config.duration,
            "warmup_seconds": config.warmup,
            "threads": config.threads,
            "scenarios": list(config.scenarios),
            "database": config.database,
        },
        "machine": facts | {"load_average_after": _load()},
        "setup": setup,
        "targets": {"rss_mb_below": RSS_TARGET_MB},
        "scenarios": [_scenario_json(outcome) for outcome in outcomes],
    }
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=2, default=str) + "\n")
    temporary.replace(path)
    return path


def _scenario_json(outcome: Outcome) -> dict[str, Any]:
    http = outcome.http
    return {
        "name": outcome.scenario.name,
        "target": outcome.scenario.target.describe(outcome.scenario.unit),
        "verdict": outcome.verdict(),
        "problem": outcome.problem,
        "http": None
        if http is None
        else {
            "requests": http.requests,
            "seconds": round(http.seconds, 3),
            "req_per_s": round(http.rate, 1),
            "target_rate": round(outcome.target_rate or 0, 1),
            "target_unit": outcome.scenario.unit,
            "p50_ms": http.p50_ms,
            "p90_ms": http.p90_ms,
            "p99_ms": http.p99_ms,
            "max_ms": http.max_ms,
            "errors": outcome.errors,
            "status": {str(code): n for code, n in sorted(http.status.items())},
            "slot_unavailable_409": http.slot_unavailable,
            "socket_errors": http.socket_errors,
        },
        "server_peak_rss_mb": round(outcome.peak_rss_bytes / MB, 1),
        "server_busy_after_wrk_seconds": round(outcome.backlog_seconds, 1),
        "server_cpu_cores": None if outcome.cpu is None else round(outcome.cpu.server_cores, 3),
        "machine_cpu_busy": None if outcome.cpu is None else round(outcome.cpu.machine_busy, 3),
        "pgbench": None if outcome.database is None else asdict(outcome.database),
        "ratio_http_to_pgbench": None if outcome.ratio is None else round(outcome.ratio, 3),
    }
