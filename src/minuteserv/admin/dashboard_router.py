from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from minuteserv.admin.dashboard import DashboardCache
from minuteserv.admin.dependencies import AnyStaff
from minuteserv.admin.schemas import Dashboard
from minuteserv.core.envelope import Envelope, error_responses

router = APIRouter(tags=["admin-dashboard"])


async def dashboard_cache(request: Request) -> DashboardCache:
    cache: DashboardCache = request.app.state.dashboard_cache
    return cache


@router.get("/dashboard", response_model=Envelope[Dashboard], responses=error_responses(401, 403))
async def get_dashboard(
    _: AnyStaff, cache: Annotated[DashboardCache, Depends(dashboard_cache)]
) -> Response:
    """Booking counts, revenue, partners, the newest bookings and the last 30 days' revenue."""
    return Response(await cache.response_body(), media_type="application/json")
