from fastapi import APIRouter

from minuteserv.admin import dashboard
from minuteserv.admin.dependencies import AnyStaff
from minuteserv.admin.schemas import Dashboard
from minuteserv.core import clock
from minuteserv.core.db import ReaderDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.envelope import Envelope, error_responses

router = APIRouter(tags=["admin-dashboard"])


@router.get("/dashboard", response_model=Envelope[Dashboard], responses=error_responses(401, 403))
async def get_dashboard(
    _: AnyStaff, reader: ReaderDep, settings: SettingsDep
) -> Envelope[Dashboard]:
    """Booking counts, revenue, partners, the newest bookings and the last 30 days' revenue."""
    return Envelope(data=await dashboard.overview(reader, now=clock.now(), zone=settings.zone))
