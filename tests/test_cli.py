"""The `minuteserv` command against a database of its own; `serve` and the installed script
run as real processes."""

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, TypeVar

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from minuteserv.app import create_app
from minuteserv.auth.models import AdminRole, AdminUser, OtpVerification
from minuteserv.catalog.models import Service
from minuteserv.cli import cli
from minuteserv.core import clock
from minuteserv.core.config import Settings
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.core.passwords import verify_password
from minuteserv.core.phone import normalise_phone
from minuteserv.demo import CATALOG, DEMO_ADMIN_EMAIL, DEMO_PROMO_CODE
from minuteserv.models import Base
from minuteserv.partners.models import Partner
from minuteserv.promos.models import DiscountType, PromoCode
from tests.conftest import make_settings
from tests.factories import create_service

MINUTESERV = Path(sys.executable).parent / "minuteserv"
COMMAND_TIMEOUT = 120
SERVER_START_TIMEOUT = 30
SERVER_STOP_TIMEOUT = 15
Row = TypeVar("Row")
PRINTED_PASSWORD = re.compile(r"Demo admin: admin@minuteserv\.example  password: (\S+)\n")


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def settings_environment(tmp_path: Path, **variables: str) -> dict[str, str | None]:
    """No inherited Minuteserv setting (None unsets it), the file SMS outbox, and `variables`."""
    unset: dict[str, str | None] = {name.upper(): None for name in Settings.model_fields}
    outbox = str(tmp_path / "sms-outbox.jsonl")
    return {**unset, "SMS_PROVIDER": "file", "SMS_OUTBOX": outbox, **variables}


async def minuteserv(tmp_path: Path, *args: str, **variables: str) -> Ran:
    """Run a command in this process, in a thread (it starts its own event loop), in `tmp_path`
    so that no `.env` or `./var` of the repository is used."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        environment = settings_environment(tmp_path, **variables)
        result = await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=environment)
    return Ran(result.exit_code, result.stdout, result.stderr)


def process_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """The environment for a real `minuteserv` process: `settings_environment` applied."""
    environment = {**os.environ, **settings_environment(tmp_path, **variables)}
    return {name: value for name, value in environment.items() if value is not None}


@pytest.fixture
async def session(empty_database_url: str) -> AsyncIterator[AsyncSession]:
    """A session on the database the command works on (not the shared test database)."""
    engine = create_engine(empty_database_url, poolclass=NullPool)
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


async def rows(session: AsyncSession, model: type[Row]) -> list[Row]:
    found = list((await session.scalars(sa.select(model))).all())
    await session.commit()
    return found


async def counts(session: AsyncSession) -> dict[str, int]:
    tables = {"services": Service, "partners": Partner, "promos": PromoCode, "admins": AdminUser}
    return {name: len(await rows(session, model)) for name, model in tables.items()}


# --- migrate and seed-demo ------------------------------------------------------------------


def table_names(session: Session) -> set[str]:
    return set(sa.inspect(session.connection()).get_table_names())


async def test_migrate_creates_every_table(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    ran = await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.endswith("is at the latest migration.\n")
    assert await session.run_sync(table_names) == {*Base.metadata.tables, "alembic_version"}
    assert await counts(session) == {"services": 0, "partners": 0, "promos": 0, "admins": 0}


async def test_seed_demo_adds_a_catalog_of_categories_and_tiers(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    ran = await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    assert ran.returncode == 0, ran.stderr
    tiers: dict[str, set[str]] = {}
    for service in await rows(session, Service):
        assert service.is_active and service.duration_minutes > 0
        assert service.market_price is not None and service.market_price > service.product_cost
        tiers.setdefault(service.category, set()).add(service.tier)
    assert len(tiers) >= 8
    assert all(len(names) >= 2 for names in tiers.values())


async def test_seed_demo_adds_partners_around_kolkata(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    partners = await rows(session, Partner)
    assert len(partners) >= 10
    assert len({partner.phone_number for partner in partners}) == len(partners)
    for partner in partners:
        assert normalise_phone(partner.phone_number) == partner.phone_number
        assert partner.current_lat is not None and 22.4 < partner.current_lat < 22.7
        assert partner.current_lng is not None and 88.2 < partner.current_lng < 88.5
        assert partner.service_categories and set(partner.service_categories) <= set(CATALOG)
        assert 0 < partner.rating <= 5
        assert partner.is_active and partner.is_available


async def test_seed_demo_adds_the_welcome_promo(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    [promo] = await rows(session, PromoCode)
    assert (promo.code, promo.discount_type, promo.discount_value) == (
        DEMO_PROMO_CODE,
        DiscountType.PERCENTAGE,
        10,
    )
    assert (promo.min_order_amount, promo.usage_limit, promo.used_count) == (500, 1000, 0)
    assert promo.is_active and promo.valid_until is None


async def test_seed_demo_prints_the_admin_password_it_hashed(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    ran = await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    [admin] = await rows(session, AdminUser)
    assert (admin.email, admin.role, admin.is_active) == (DEMO_ADMIN_EMAIL, AdminRole.ADMIN, True)
    assert admin.password_hash.startswith("$argon2id$")
    printed = PRINTED_PASSWORD.search(ran.stdout)
    assert printed is not None, ran.stdout
    assert verify_password(printed.group(1), admin.password_hash)
    assert "minuteserv create-admin" in ran.stdout


async def test_printed_demo_admin_can_sign_in(tmp_path: Path, empty_database_url: str) -> None:
    ran = await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    printed = PRINTED_PASSWORD.search(ran.stdout)
    assert printed is not None, ran.stdout
    credentials = {"email": DEMO_ADMIN_EMAIL, "password": printed.group(1)}
    engine = create_engine(empty_database_url, poolclass=NullPool)
    app = create_app(
        make_settings(empty_database_url, tmp_path), sessionmaker=create_sessionmaker(engine)
    )
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                response = await client.post("/api/v1/admin/auth/login", json=credentials)
    finally:
        await engine.dispose()
    assert response.status_code == 200, response.text
    assert response.json()["data"]["admin"]["email"] == DEMO_ADMIN_EMAIL


async def test_second_seed_demo_adds_nothing(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    seeded = await counts(session)
    ran = await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "Demo data already present; nothing added.\n"
    assert await counts(session) == seeded


async def test_seed_demo_leaves_a_database_with_its_own_catalog_alone(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    await create_service(session)
    ran = await minuteserv(tmp_path, "seed-demo", DATABASE_URL=empty_database_url)
    assert ran.stdout == "Demo data already present; nothing added.\n"
    assert await counts(session) == {"services": 1, "partners": 0, "promos": 0, "admins": 0}


# --- create-admin -----------------------------------------------------------------------------


async def create_admin(tmp_path: Path, url: str, *options: str) -> Ran:
    return await minuteserv(tmp_path, "create-admin", *options, DATABASE_URL=url)


async def test_create_admin_stores_a_lower_case_email_and_an_argon2id_hash(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    ran = await create_admin(
        tmp_path,
        empty_database_url,
        *("--email", " Ops@Minuteserv.IN ", "--name", "Ops", "--password", "correct horse"),
        *("--role", "support"),
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "Created support ops@minuteserv.in.\n"
    [admin] = await rows(session, AdminUser)
    assert (admin.email, admin.name, admin.role) == ("ops@minuteserv.in", "Ops", AdminRole.SUPPORT)
    assert admin.password_hash.startswith("$argon2id$")
    assert verify_password("correct horse", admin.password_hash)


async def test_create_admin_updates_the_password_of_an_existing_email(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    first = ("--email", "ops@minuteserv.in", "--name", "Ops", "--password", "first password")
    await create_admin(tmp_path, empty_database_url, *first)
    second = ("--email", "OPS@minuteserv.in", "--name", "Ops Lead", "--password", "second password")
    ran = await create_admin(tmp_path, empty_database_url, *second)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == (
        "ops@minuteserv.in already existed: its password, name and role were updated.\n"
    )
    [admin] = await rows(session, AdminUser)
    assert admin.name == "Ops Lead"
    assert verify_password("second password", admin.password_hash)
    assert not verify_password("first password", admin.password_hash)


async def test_create_admin_refuses_a_short_password(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    options = ("--email", "ops@minuteserv.in", "--name", "Ops", "--password", "123456789")
    ran = await create_admin(tmp_path, empty_database_url, *options)
    assert ran.returncode == 2
    assert "must be at least 10 characters" in ran.stderr
    assert await rows(session, AdminUser) == []


@pytest.mark.parametrize("email", ["ops at minuteserv", "ops@corp.local"])
async def test_create_admin_refuses_an_email_admin_login_would_refuse(
    tmp_path: Path, empty_database_url: str, session: AsyncSession, email: str
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    options = ("--email", email, "--name", "Ops", "--password", "long enough!")
    ran = await create_admin(tmp_path, empty_database_url, *options)
    assert ran.returncode == 2
    assert "value is not a valid email address" in ran.stderr
    assert await rows(session, AdminUser) == []


# --- Where the database lives --------------------------------------------------------------


async def test_installed_command_migrates_the_default_database_under_var(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        MINUTESERV,
        "migrate",
        cwd=tmp_path,
        env=process_environment(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT)
    assert process.returncode == 0, stderr
    assert (
        stdout == b"Database sqlite+aiosqlite:///./var/minuteserv.db is at the latest migration.\n"
    )
    assert (tmp_path / "var" / "minuteserv.db").is_file()


async def test_missing_sqlite_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "app.db"
    ran = await minuteserv(tmp_path, "migrate", DATABASE_URL=f"sqlite:///{path}")
    assert ran.returncode == 0, ran.stderr
    assert path.is_file()


async def test_unreachable_database_exits_1_with_one_line(tmp_path: Path) -> None:
    url = "postgresql://postgres:secret@127.0.0.1:1/nowhere"
    ran = await minuteserv(tmp_path, "migrate", DATABASE_URL=url)
    assert ran.returncode == 1
    assert ran.stderr.startswith(
        "cannot use the database postgresql+asyncpg://postgres:***@127.0.0.1:1/nowhere: "
    )
    assert ran.stderr.count("\n") == 1
    assert "secret" not in ran.stderr


# --- serve ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def wait_until_healthy(base_url: str, process: asyncio.subprocess.Process) -> None:
    deadline = asyncio.get_running_loop().time() + SERVER_START_TIMEOUT
    async with httpx.AsyncClient(base_url=base_url, timeout=2) as client:
        while asyncio.get_running_loop().time() < deadline:
            assert process.returncode is None, "the server exited during start-up"
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                await asyncio.sleep(0.1)
    pytest.fail(f"the server did not answer /healthz within {SERVER_START_TIMEOUT}s")


@pytest.fixture
def server_log(tmp_path: Path) -> Iterator[BinaryIO]:
    with (tmp_path / "serve.log").open("w+b") as log:
        yield log


async def test_serve_migrates_seeds_and_answers(tmp_path: Path, server_log: BinaryIO) -> None:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'var' / 'serve.db'}"
    process = await asyncio.create_subprocess_exec(
        MINUTESERV,
        *("serve", "--port", str(port)),
        cwd=tmp_path,
        env=process_environment(tmp_path, DATABASE_URL=database_url, APP_ENV="development"),
        stdout=server_log,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await wait_until_healthy(f"http://127.0.0.1:{port}", process)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            catalog = (await client.get("/api/v1/services/catalog")).json()
        assert sorted(catalog["data"]["categories"]) == sorted(CATALOG)
        process.terminate()
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert await asyncio.wait_for(process.wait(), SERVER_STOP_TIMEOUT) == -signal.SIGTERM
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    server_log.seek(0)
    output = server_log.read().decode()
    assert PRINTED_PASSWORD.search(output) is not None, output
    assert "Finished server process" in output


# --- worker ---------------------------------------------------------------------------------


async def test_worker_once_runs_the_jobs_and_exits(
    tmp_path: Path, empty_database_url: str, session: AsyncSession
) -> None:
    await minuteserv(tmp_path, "migrate", DATABASE_URL=empty_database_url)
    session.add(
        OtpVerification(
            phone_number="+919876543210",
            code_hash="0" * 64,
            expires_at=clock.now() - timedelta(days=2),
        )
    )
    await session.commit()

    ran = await minuteserv(tmp_path, "worker", "--once", DATABASE_URL=empty_database_url)

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == (
        "Worker tick: TickReport(reconciled=0, expired=0, refunded=0, purged=1)\n"
    )
    assert await rows(session, OtpVerification) == []
