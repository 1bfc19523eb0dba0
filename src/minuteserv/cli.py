"""The `minuteserv` command: serve, migrate, seed-demo, create-admin, worker."""

import asyncio
import copy
import logging.config
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
import typer
import uvicorn
from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import NullPool
from uvicorn.config import LOGGING_CONFIG

from minuteserv.auth.models import AdminRole, AdminUser
from minuteserv.core import migrations
from minuteserv.core.config import ConfigError, Settings, load_settings
from minuteserv.core.db import create_engine, create_sessionmaker, session_scope
from minuteserv.core.passwords import MIN_PASSWORD_LENGTH, hash_password
from minuteserv.demo import DEMO_ADMIN_EMAIL, DemoSeed, seed_demo_data
from minuteserv.integrations.notifier import ConsoleNotifier
from minuteserv.integrations.payments import create_gateway
from minuteserv.worker.runner import run_forever, run_once

CONFIG_ERROR_EXIT = 2
DATABASE_ERROR_EXIT = 1
_EMAIL = TypeAdapter(EmailStr)

T = TypeVar("T")

cli = typer.Typer(
    help="Minuteserv backend: an at-home beauty and salon service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def main() -> None:
    cli()


# --- Commands -------------------------------------------------------------------------------


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind [default: HOST]")] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port to bind [default: PORT]")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Apply migrations, seed the demo data once (SEED_DEMO_DATA), then serve HTTP."""
    settings = _load_settings()
    _run(settings, lambda engine: _prepare(engine, seed=settings.seeds_demo_data))
    uvicorn.run(
        "minuteserv.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=_log_config(),
    )


@cli.command()
def migrate() -> None:
    """Bring the database at DATABASE_URL up to the latest migration."""
    settings = _load_settings()
    _run(settings, migrations.upgrade)
    typer.echo(f"Database {_shown(settings)} is at the latest migration.")


@cli.command("seed-demo")
def seed_demo() -> None:
    """Apply migrations and add the demo data, unless the database already has a catalog."""
    settings = _load_settings()
    _run(settings, lambda engine: _prepare(engine, seed=True))


def _checked_email(email: str) -> str:
    """The same rule as admin login (which would refuse anything else), lower-cased."""
    try:
        return _EMAIL.validate_python(email.strip()).lower()
    except ValidationError as error:
        raise typer.BadParameter(error.errors()[0]["msg"]) from None


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise typer.BadParameter(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    return password


@cli.command("create-admin")
def create_admin(
    email: Annotated[
        str, typer.Option(callback=_checked_email, help="Login email (stored lower case)")
    ],
    name: Annotated[str, typer.Option(help="Name shown in the admin panel")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            callback=_checked_password,
            help=f"At least {MIN_PASSWORD_LENGTH} characters; prompted for when left out",
        ),
    ],
    role: Annotated[AdminRole, typer.Option(case_sensitive=False)] = AdminRole.ADMIN,
) -> None:
    """Create an admin, or reset the password, name and role of an existing one."""
    settings = _load_settings()

    async def save(engine: AsyncEngine) -> bool:
        async with session_scope(create_sessionmaker(engine)) as session:
            return await _save_admin(session, email=email, password=password, name=name, role=role)

    created = _run(settings, save)
    if created:
        typer.echo(f"Created {role} {email}.")
    else:
        typer.echo(f"{email} already existed: its password, name and role were updated.")


@cli.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run every job once, then exit")] = False,
) -> None:
    """Run the background jobs: reconcile payments, expire unpaid bookings, refund late
    captures, purge dead OTPs and previews. Any number of workers may run at once."""
    settings = _load_settings()
    logging.config.dictConfig(_log_config())
    _run(settings, lambda engine: _work(engine, settings, once=once))


async def _work(engine: AsyncEngine, settings: Settings, *, once: bool) -> None:
    sessionmaker = create_sessionmaker(engine)
    gateway = create_gateway(settings)
    notifier = ConsoleNotifier()
    try:
        if once:
            report = await run_once(
                sessionmaker, gateway=gateway, notifier=notifier, settings=settings
            )
            typer.echo(f"Worker tick: {report}")
        else:
            await run_forever(sessionmaker, gateway=gateway, notifier=notifier, settings=settings)
    finally:
        await gateway.aclose()


# --- Helpers --------------------------------------------------------------------------------


def _load_settings() -> Settings:
    """The settings, or exit 2 with the one-line reason (no traceback for a typo in the env)."""
    try:
        return load_settings()
    except ConfigError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(CONFIG_ERROR_EXIT) from None


def _run(settings: Settings, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run `work` against the configured database; exit 1 with one line if it is unreachable."""
    _ensure_sqlite_folder(settings)

    async def with_engine() -> T:
        engine = create_engine(settings.database_url, poolclass=NullPool)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(with_engine())
    except (OSError, sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        reason = str(error).splitlines()[0]
        typer.echo(f"cannot use the database {_shown(settings)}: {reason}", err=True)
        raise typer.Exit(DATABASE_ERROR_EXIT) from None


def _ensure_sqlite_folder(settings: Settings) -> None:
    """SQLite creates its file but not the folder (the default file lives in ./var/)."""
    path = settings.database.database
    if settings.is_sqlite and path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def _prepare(engine: AsyncEngine, *, seed: bool) -> None:
    await migrations.upgrade(engine)
    if seed:
        async with session_scope(create_sessionmaker(engine)) as session:
            added = await seed_demo_data(session)
        _report_seed(added)


def _report_seed(added: DemoSeed | None) -> None:
    if added is None:
        typer.echo("Demo data already present; nothing added.")
        return
    promo = f", promo code {added.promo_code}" if added.promo_code else ""
    typer.echo(
        f"Demo data added: {added.services} services in {added.categories} categories, "
        f"{added.partners} partners in Kolkata{promo}."
    )
    if added.admin_password is not None:
        typer.echo(f"Demo admin: {DEMO_ADMIN_EMAIL}  password: {added.admin_password}")
        typer.echo(
            "  (shown only now; reset it with `minuteserv create-admin "
            f"--email {DEMO_ADMIN_EMAIL} --name 'Demo Admin'`)"
        )


async def _save_admin(
    session: AsyncSession, *, email: str, password: str, name: str, role: AdminRole
) -> bool:
    """Create the admin or update the existing one (re-activated); True when created."""
    admin = await session.scalar(sa.select(AdminUser).where(AdminUser.email == email))
    created = admin is None
    if admin is None:
        admin = AdminUser(email=email)
        session.add(admin)
    admin.password_hash = hash_password(password)
    admin.name = name
    admin.role = role
    admin.is_active = True
    await session.flush()
    return created


def _shown(settings: Settings) -> str:
    return settings.database.render_as_string(hide_password=True)


def _log_config() -> dict[str, Any]:
    """Uvicorn's logging plus the app's loggers (the console SMS provider prints OTPs there)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["app"] = {
        "()": "uvicorn.logging.DefaultFormatter",
        "fmt": "%(levelprefix)s %(name)s: %(message)s",
    }
    config["handlers"]["app"] = {
        "formatter": "app",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["minuteserv"] = {"handlers": ["app"], "level": "INFO", "propagate": False}
    # httpx logs request URLs at INFO, and SMS gateways carry the code in the query string.
    config["loggers"]["httpx"] = {"handlers": ["app"], "level": "WARNING", "propagate": False}
    return config
