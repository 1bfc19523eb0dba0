"""Dependencies shared by every domain's routes.

They are `async def` although they never await: FastAPI runs a plain `def` dependency in its
thread pool, a hand-off that costs more than everything these do, on every request."""

from typing import Annotated

from fastapi import Depends, Request

from minuteserv.core.config import Settings
from minuteserv.core.ratelimit import RateLimiter


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
ClientIpDep = Annotated[str, Depends(client_ip)]
