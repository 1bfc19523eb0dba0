from typing import Annotated

from fastapi import Depends, Request

from minuteserv.bookings.schedules import ScheduleCache


async def get_schedules(request: Request) -> ScheduleCache:
    schedules: ScheduleCache = request.app.state.schedules
    return schedules


SchedulesDep = Annotated[ScheduleCache, Depends(get_schedules)]
