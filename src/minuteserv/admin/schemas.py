import datetime as dt
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from minuteserv.auth.models import AdminRole
from minuteserv.bookings.schemas import AdminBookingSummary
from minuteserv.core.money import Rupees


class AdminLoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=256)]


class AdminOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str | None
    role: AdminRole
    created_at: datetime


class AdminSignedIn(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int
    admin: AdminOut


class DashboardStats(BaseModel):
    total_bookings: int
    pending: int
    confirmed: int
    in_progress: int
    completed: int
    cancelled: int
    revenue: Rupees = Field(
        description="Grand totals of bookings paid online, or completed (cash collected)"
    )
    today_bookings: int = Field(description="Bookings dated today (TIMEZONE), any status")
    active_partners: int
    unassigned_upcoming: int = Field(
        description="Bookings not cancelled, without a partner, that have not started yet"
    )


class DayRevenue(BaseModel):
    date: dt.date
    revenue: Rupees
    bookings: int = Field(description="Bookings dated that day, any status")


class Dashboard(BaseModel):
    stats: DashboardStats
    recent_bookings: list[AdminBookingSummary] = Field(description="The 10 newest")
    revenue_by_day: list[DayRevenue] = Field(
        description="The last 30 days by booking date, oldest first, days without any at zero"
    )
