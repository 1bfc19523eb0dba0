"""The service under test, started the production way (`minuteserv serve`, uvicorn with uvloop
and httptools, one worker), and the watch on its memory."""

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from bench.config import MINUTESERV, WORK, BenchConfig
from bench.seed import dsn

READY_TIMEOUT_SECONDS = 120
SAMPLE_SECONDS = 0.1
SETTLE_TIMEOUT_SECONDS = 300
SETTLE_INTERVAL_SECONDS = 0.5
IDLE_SHARE = 0.05
"""Idle: under 5% of a core."""


def server_environment(config: BenchConfig, jwt_secret: str) -> dict[str, str]:
    """Everything the bench server reads, and nothing from the caller's environment or `.env`
    (it runs in var/bench/), so a stray REDIS_URL or rate limit cannot change the figures."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - only a fallback for HOME
        "LANG": "C.UTF-8",
        "APP_ENV": "development",
        "DATABASE_URL": dsn(config).replace("postgresql://", "postgresql+asyncpg://", 1),
        "DATABASE_POOL_SIZE": str(config.connections),  # one connection per wrk connection
        "JWT_SECRET": jwt_secret,
        "SEED_DEMO_DATA": "false",
        "EMBEDDED_WORKER": "false",
        "PAYMENT_GATEWAY": "simulated",
        "SMS_PROVIDER": "console",
        "RATE_LIMIT_API": "",
        "RATE_LIMIT_OTP_PER_IP": "",
        "RATE_LIMIT_OTP_PER_PHONE": "",
        "RATE_LIMIT_ADMIN_LOGIN": "",
    }


def pinned(command: list[str], core: int | None) -> list[str]:
    return command if core is None else ["taskset", "-c", str(core), *command]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def cores() -> tuple[int | None, int | None]:
    """The server's core and the load generator's, when the machine has two to give."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return available[0], available[1]


class Server:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def exited(self) -> bool:
        return self.process.poll() is not None

    def processes(self) -> list[int]:
        """The server and its descendants (uvicorn's worker children, if it has any)."""
        family, found = {self.process.pid}, True
        while found:
            found = False
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit() and int(entry.name) not in family:
                    parent = _parent_of(entry)
                    if parent in family:
                        family.add(int(entry.name))
                        found = True
        return sorted(family)

    def reset_peak(self) -> None:
        """Start the peak (VmHWM) afresh at the current RSS, so each scenario has its own."""
        for pid in self.processes():
            # Where that is not permitted, the peak covers the run so far.
            with suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_rss_bytes(self) -> int:
        return sum(_status_kib(pid, "VmHWM") for pid in self.processes()) * 1024

    def rss_bytes(self, pids: list[int]) -> int:
        return sum(_status_kib(pid, "VmRSS") for pid in pids) * 1024

    def cpu_seconds(self) -> float:
        return sum(_cpu_ticks(pid) for pid in self.processes()) / os.sysconf("SC_CLK_TCK")

    def settle(self, queries_running: Callable[[], int]) -> float:
        """Wait until the server and its queries are done (requests wrk gave up on still run
        to the end after it disconnects, and would slow whatever comes next); the seconds it
        took."""
        started = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - started < SETTLE_TIMEOUT_SECONDS:
            time.sleep(SETTLE_INTERVAL_SECONDS)
            now = self.cpu_seconds()
            if now - before < IDLE_SHARE * SETTLE_INTERVAL_SECONDS and not queries_running():
                break
            before = now
        return time.monotonic() - started


def _parent_of(entry: Path) -> int | None:
    try:
        stat = (entry / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def _status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def running(config: BenchConfig, jwt_secret: str, core: int | None) -> Iterator[Server]:
    if port_taken(config.port):
        raise SystemExit(f"port {config.port} is taken: free it or pick another with --port")
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "server.log"
    command = [
        str(MINUTESERV),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(config.port),
        "--workers",
        "1",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            pinned(command, core),
            cwd=WORK,
            env=server_environment(config, jwt_secret),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, log)
    try:
        _wait_ready(server, config.port)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(server: Server, port: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.exited():
            raise SystemExit(f"the server exited; see {server.log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server was not ready in {READY_TIMEOUT_SECONDS} s; see {server.log}")


@contextmanager
def watching(server: Server) -> Iterator[list[int]]:
    """Sample the server's RSS while the block runs; the list ends up holding the highest."""
    highest = [0]
    stop = threading.Event()

    pids = server.processes()  # uvicorn starts its workers at start-up, not later

    def sample() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            highest[0] = max(highest[0], server.rss_bytes(pids))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield highest
    finally:
        stop.set()
        sampler.join()
        highest[0] = max(highest[0], server.peak_rss_bytes())


@dataclass(slots=True)
class CpuUse:
    """During a block: the server's CPU time per second (1.0 is one core's worth) and how busy
    the whole machine was (1.0 is every core)."""

    server_cores: float = 0.0
    machine_busy: float = 0.0


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over every core, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


@contextmanager
def cpu_use(server: Server) -> Iterator[CpuUse]:
    """A CpuUse filled in when the block ends."""
    use = CpuUse()
    started, server_before, (busy_before, total_before) = (
        time.monotonic(),
        server.cpu_seconds(),
        _machine_ticks(),
    )
    try:
        yield use
    finally:
        elapsed = time.monotonic() - started
        busy, total = _machine_ticks()
        use.server_cores = (server.cpu_seconds() - server_before) / elapsed
        use.machine_busy = (busy - busy_before) / max(1, total - total_before)
