"""Real `minuteserv serve` processes on 127.0.0.1, each on a free port, logging to a file.

The environment a process gets is built from one mapping of settings, and the same mapping
gives the test the `Settings` it needs to mint tokens and sign callbacks, so the two never
disagree.
"""

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from minuteserv.core.config import Settings, load_settings
from tests.conftest import TEST_JWT_SECRET

MINUTESERV = Path(sys.executable).parent / "minuteserv"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARACTERS = 4000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_variables(database_url: str, workdir: Path, **overrides: str) -> dict[str, str]:
    """The settings of a served test app: nothing seeded, no embedded worker, no API limit."""
    return {
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": TEST_JWT_SECRET,
        "SMS_PROVIDER": "file",
        "SMS_OUTBOX": str(workdir / "sms-outbox.jsonl"),
        "PAYMENT_GATEWAY": "simulated",
        "SEED_DEMO_DATA": "false",
        "EMBEDDED_WORKER": "false",
        "RATE_LIMIT_API": "",
        "REDIS_URL": "",
        **overrides,
    }


def settings_of(variables: Mapping[str, str]) -> Settings:
    """The settings a process started with `variables` reads."""
    return load_settings(
        _env_file=None, **{name.lower(): value for name, value in variables.items()}
    )


def process_environment(variables: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any inherited Minuteserv setting, plus `variables`."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in Settings.model_fields
    }
    return {**inherited, **variables}


class ServerDidNotStart(Exception):
    pass


@dataclass
class ServedApp:
    url: str
    process: asyncio.subprocess.Process
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARACTERS:]

    def client(self, *, timeout: float = 10.0) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=timeout)


async def _wait_until_healthy(app: ServedApp) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_SECONDS
    async with app.client(timeout=2.0) as client:
        while loop.time() < deadline:
            if app.process.returncode is not None:
                raise ServerDidNotStart(f"minuteserv serve exited:\n{app.log_tail()}")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise ServerDidNotStart(f"no answer in {START_TIMEOUT_SECONDS}s:\n{app.log_tail()}")


async def _stop(app: ServedApp) -> None:
    if app.process.returncode is not None:
        return
    app.process.terminate()
    try:
        await asyncio.wait_for(app.process.wait(), STOP_TIMEOUT_SECONDS)
    except TimeoutError:
        app.process.kill()
        await app.process.wait()


@asynccontextmanager
async def served(variables: Mapping[str, str], workdir: Path) -> AsyncIterator[ServedApp]:
    """One `minuteserv serve` process, healthy on entry, stopped (killed if need be) on exit."""
    if not MINUTESERV.exists():
        raise ServerDidNotStart(f"the minuteserv command is not installed next to {sys.executable}")
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            MINUTESERV,
            *("serve", "--host", "127.0.0.1", "--port", str(port)),
            cwd=workdir,  # no `.env` or `./var` of the repository
            env=process_environment(variables),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=asyncio.subprocess.STDOUT,
        )
    app = ServedApp(f"http://127.0.0.1:{port}", process, log_path)
    try:
        await _wait_until_healthy(app)
        yield app
    finally:
        await _stop(app)


@asynccontextmanager
async def served_many(
    count: int, variables: Mapping[str, str], workdir: Path
) -> AsyncIterator[list[ServedApp]]:
    """`count` processes with the same settings, started at once. The database must be
    migrated already: each process applies the migrations at start, and only no-ops may race.
    """
    async with AsyncExitStack() as stack:
        async with asyncio.TaskGroup() as starting:
            tasks = [
                starting.create_task(stack.enter_async_context(served(variables, workdir)))
                for _ in range(count)
            ]
        yield [task.result() for task in tasks]
