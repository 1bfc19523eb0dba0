"""Admin: customers. Any staff member lists and searches them."""

from typing import Annotated

from fastapi import APIRouter, Query

from minuteserv.admin.dependencies import AnyStaff
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.pagination import PageQuery
from minuteserv.users import service
from minuteserv.users.schemas import UserPage

router = APIRouter(prefix="/users", tags=["admin-users"])


@router.get("", response_model=Envelope[UserPage], responses=error_responses(401, 403, 422))
async def list_users(
    _: AnyStaff,
    session: SessionDep,
    page: PageQuery,
    phone: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=r"\d",
            description="A whole number matches exactly; some digits match anywhere in it",
        ),
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Part of the name or email")
    ] = None,
) -> Envelope[UserPage]:
    """Customers, newest first, each with their number of bookings."""
    return Envelope(data=await service.list_users(session, phone=phone, q=q, page=page))
