"""The signed-in customer's own account."""

from fastapi import APIRouter

from minuteserv.auth.dependencies import CurrentUser
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.users import service
from minuteserv.users.schemas import Dashboard, ProfileUpdate, UserOut

router = APIRouter(tags=["users"])


@router.get("/dashboard", response_model=Envelope[Dashboard], responses=error_responses(401))
async def get_dashboard(user: CurrentUser, session: SessionDep) -> Envelope[Dashboard]:
    """The caller's profile, live addresses and five most recent bookings."""
    return Envelope(data=await service.dashboard(session, user=user))


@router.patch("/profile", response_model=Envelope[UserOut], responses=error_responses(401, 422))
async def update_profile(
    body: ProfileUpdate, user: CurrentUser, session: SessionDep
) -> Envelope[UserOut]:
    """Change the caller's name and/or email."""
    updated = await service.update_profile(session, user=user, changes=body)
    return Envelope(data=UserOut.model_validate(updated))
