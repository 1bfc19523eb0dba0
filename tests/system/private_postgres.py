"""A PostgreSQL instance of the test's own (initdb in a temporary folder, a free port on
127.0.0.1, trust auth), so a fault test can stop and start it without touching the shared
cluster other tests use."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.system.servers import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE = "minuteserv"
COMMAND_TIMEOUT_SECONDS = 60


def binaries_missing() -> list[str]:
    return [name for name in ("initdb", "pg_ctl", "createdb") if not (PG_BIN / name).exists()]


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root; as root, run its tools as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PostgresCommandFailed(Exception):
    pass


class PrivatePostgres:
    def __init__(self) -> None:
        # Not under pytest's tmp_path: that folder is private to root and `postgres` must enter.
        self.root = Path(tempfile.mkdtemp(prefix="minuteserv-pg-"))
        self.data = self.root / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    def _run(self, tool: str, *args: str) -> None:
        ran = subprocess.run(  # noqa: S603 - fixed tools and arguments
            [*_as_postgres(), str(PG_BIN / tool), *args],
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )
        if ran.returncode != 0:
            raise PostgresCommandFailed(f"{tool} {' '.join(args)}: {ran.stderr.strip()}")

    def create(self) -> None:
        """initdb, start, and create the empty application database."""
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-o", options, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        """Stop the server if it runs, and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
