"""The application factory: lifespan resources, middleware, error handlers, routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from minuteserv import health
from minuteserv.addresses.router import router as addresses_router
from minuteserv.auth.router import router as auth_router
from minuteserv.catalog.router import router as catalog_router
from minuteserv.contact.router import router as contact_router
from minuteserv.core import handlers
from minuteserv.core.config import Settings, load_settings
from minuteserv.core.db import create_engine, create_sessionmaker
from minuteserv.core.middleware import (
    BodySizeLimitMiddleware,
    MetricsMiddleware,
    RequestIdMiddleware,
)
from minuteserv.core.ratelimit import RateLimiter, create_storage
from minuteserv.integrations.sms import create_sms_provider
from minuteserv.users.router import router as users_router

API_PREFIX = "/api/v1"


def api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    for router in (auth_router, users_router, catalog_router, addresses_router, contact_router):
        api.include_router(router)
    return api


def create_app(
    settings: Settings | None = None, sessionmaker: async_sessionmaker[AsyncSession] | None = None
) -> FastAPI:
    """Build the app. Tests pass their own settings and sessionmaker; `serve` passes neither."""
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        if sessionmaker is None:
            engine = create_engine(settings.database_url)
            app.state.sessionmaker = create_sessionmaker(engine)
        app.state.sms = create_sms_provider(settings)
        try:
            yield
        finally:
            await app.state.sms.aclose()
            if engine is not None:
                await engine.dispose()

    app = FastAPI(
        title="Minuteserv API",
        version="1.0.0",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.sessionmaker = sessionmaker
    app.state.rate_limiter = RateLimiter(create_storage(settings.redis_url))
    handlers.install(app)
    app.include_router(health.router)
    app.include_router(api_router())
    _add_middleware(app, settings)
    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    """Added innermost first: the request id wraps everything, so even a 413 carries one."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestIdMiddleware)
