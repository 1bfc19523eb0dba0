"""Liveness, readiness and metrics, outside /api/v1."""

import sqlalchemy as sa
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Envelope[dict[str, str]])
async def healthz() -> Envelope[dict[str, str]]:
    """The process is up."""
    return Envelope(data={"status": "ok"})


@router.get("/readyz", response_model=Envelope[dict[str, str]], responses=error_responses(503))
async def readyz(request: Request) -> Envelope[dict[str, str]]:
    """The process can reach its database."""
    try:
        async with request.app.state.sessionmaker() as session:
            await session.execute(sa.text("SELECT 1"))
    except Exception as error:
        raise ServiceUnavailable("The database is unreachable.") from error
    return Envelope(data={"status": "ready", "database": "ok"})


@router.get("/metrics", response_class=Response, include_in_schema=False)
async def metrics() -> Response:
    """Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
