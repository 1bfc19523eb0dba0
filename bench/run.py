"""One bench run: seed, write the requests, start the server, then for each scenario a warm-up,
the measured wrk run (server memory watched) and its pgbench twin; print and save the table."""

import asyncio
import dataclasses
import inspect
import os
import random
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import loadgen, report, seed, server, workload
from bench.config import WORK, BenchConfig, parse
from bench.scenarios import SCENARIOS, Scenario
from bench.workload import Request, Tokens, Workload
from minuteserv.core.passwords import hash_password

BUSY_LOAD_PER_CORE = 0.5
RANDOM_SEED = 20261129
"""Request choices are drawn from a fixed seed, so two runs send the same requests."""


@dataclasses.dataclass(frozen=True, slots=True)
class RequestFiles:
    warmup: Path
    measured: Path
    count: int


def require_tools() -> None:
    missing = [tool for tool in ("wrk", "pgbench", "taskset") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: `make bench` installs them")


async def write_requests(work: Workload, scenario: Scenario) -> RequestFiles:
    made = scenario.requests(work)
    requests: list[Request] = list(await made if inspect.isawaitable(made) else made)
    measured = WORK / f"{scenario.name}.tsv"
    if not scenario.single_use:
        count = workload.write(measured, requests)
        return RequestFiles(measured, measured, count)
    warmup = WORK / f"{scenario.name}-warmup.tsv"
    split = work.warmup_previews
    workload.write(warmup, requests[:split] or requests[-1:])
    count = workload.write(measured, requests[split:])
    return RequestFiles(warmup, measured, count)


async def prepare(config: BenchConfig) -> tuple[Workload, seed.Seeded, dict[str, RequestFiles]]:
    if not config.skip_seed:
        today = datetime.now(ZoneInfo(seed.TIMEZONE)).date()
        await seed.seed(config, seed.Calendar(today), hash_password(secrets.token_urlsafe(16)))
    seeded = await seed.seeded(config)
    config = dataclasses.replace(config, sizes=seeded.sizes)
    await workload.forget_run(config, seeded.calendar)
    choices = random.Random(RANDOM_SEED)  # noqa: S311 - picks requests, guards nothing
    work = Workload(config, seeded.calendar, Tokens(secrets.token_urlsafe(48)), choices)
    files = {}
    for name in config.scenarios:
        files[name] = await write_requests(work, SCENARIOS[name])
        print(f"  {name:<16} {files[name].count:>7} requests written", flush=True)
    return work, seeded, files


def run_scenario(
    work: Workload,
    scenario: Scenario,
    files: RequestFiles,
    running: server.Server,
    load_core: int | None,
) -> report.Outcome:
    config = work.config
    if running.exited():
        return report.Outcome(
            scenario, None, None, 0, problem=f"the server exited; see {running.log}"
        )

    def settle() -> float:
        return running.settle(lambda: asyncio.run(_queries_running(config)))

    settle()
    running.reset_peak()
    try:
        with server.watching(running) as highest:
            if config.warmup:
                loadgen.wrk(config, files.warmup, config.warmup, load_core)
                settle()
            with server.cpu_use(running) as cpu:
                http = loadgen.wrk(config, files.measured, config.duration, load_core)
            backlog = settle()
    except (OSError, RuntimeError) as error:
        return report.Outcome(scenario, None, None, highest[0], problem=f"wrk: {error}")
    database = loadgen.pgbench(config, scenario.pgbench_script, work.pgbench_variables(), load_core)
    if scenario.single_use:
        asyncio.run(workload.forget_far_future(config))
    return report.Outcome(scenario, http, database, highest[0], backlog_seconds=backlog, cpu=cpu)


def main(argv: list[str] | None = None) -> int:
    config = parse(argv)
    unknown = [name for name in config.scenarios if name not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")
    require_tools()
    started = datetime.now(UTC)
    if (load := report.load_per_core()) > BUSY_LOAD_PER_CORE:
        print(
            f"Warning: this machine is busy (load {load:.1f} per core); other processes take "
            "CPU from the server and the figures will be lower than on a quiet machine.",
            flush=True,
        )
    if not config.port:
        config = dataclasses.replace(config, port=server.free_port())
    work, seeded, files = asyncio.run(prepare(config))
    config = work.config
    server_core, load_core = server.cores()
    if load_core is not None:  # this process samples the server: keep it off the server's core
        os.sched_setaffinity(0, {load_core})
    facts = report.machine(asyncio.run(_server_version(config)))
    outcomes = []
    print(
        f"Serving on 127.0.0.1:{config.port} (core {server_core}), load from core {load_core}: "
        f"{config.connections} connections, {config.warmup} s warm-up + {config.duration} s "
        "per scenario, then pgbench for as long.",
        flush=True,
    )
    with server.running(config, work.tokens.secret, server_core) as running:
        for name in config.scenarios:
            outcome = run_scenario(work, SCENARIOS[name], files[name], running, load_core)
            outcomes.append(outcome)
            print(f"  {name:<16} {outcome.verdict()}", flush=True)
    print()
    print(report.table(outcomes))
    path = report.save(
        config,
        outcomes,
        facts=facts,
        setup=_setup(work, seeded, server_core, load_core),
        started=started,
    )
    print(f"\nSaved {path}")
    return 0


async def _queries_running(config: BenchConfig) -> int:
    """Queries running in the bench database, other than this one."""
    async with seed.connected(config) as connection:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()",
                config.database,
            )
        )


async def _server_version(config: BenchConfig) -> str:
    async with seed.connected(config) as connection:
        return str(await connection.fetchval("SHOW server_version"))


def _setup(
    work: Workload, seeded: seed.Seeded, server_core: int | None, load_core: int | None
) -> dict[str, Any]:
    environment = server.server_environment(work.config, "<generated per run>")
    environment["DATABASE_URL"] = environment["DATABASE_URL"].split("@")[-1]
    return {
        "seed_seconds": round(seeded.seconds, 1),
        "seeded_on": seeded.calendar.today.isoformat(),
        "first_day": seeded.calendar.first_day.isoformat(),
        "last_seeded_day": seeded.calendar.last_day.isoformat(),
        "busy_day": work.busy_day.isoformat(),
        "confirm_first_day": work.confirm_first_day.isoformat(),
        "confirm_previews": work.previews,
        "confirm_previews_per_day": workload.previews_per_day(work),
        "server": f"minuteserv serve --host 127.0.0.1 --port {work.config.port} --workers 1",
        "server_environment": {k: v for k, v in environment.items() if k not in ("PATH", "HOME")},
        "server_core": server_core,
        "load_core": load_core,
        "wrk": f"--threads {work.config.threads} --connections {work.config.connections} "
        f"--timeout {loadgen.WRK_TIMEOUT}",
        "pgbench": f"--no-vacuum --client {work.config.connections} --jobs "
        f"{min(work.config.threads, work.config.connections)} --protocol prepared",
    }
