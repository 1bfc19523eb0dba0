"""Admin: partners. Staff read them; only admins create and change them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from minuteserv.admin.dependencies import AdminOnly, AnyStaff, actor_of
from minuteserv.bookings.availability import slot_rules
from minuteserv.core import clock
from minuteserv.core.db import SessionDep
from minuteserv.core.deps import SettingsDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.pagination import PageQuery
from minuteserv.partners import admin_service
from minuteserv.partners.schemas import (
    PartnerCreate,
    PartnerOut,
    PartnerPage,
    PartnerUpdate,
    PartnerUpdated,
)

router = APIRouter(prefix="/partners", tags=["admin-partners"])


@router.get("", response_model=Envelope[PartnerPage], responses=error_responses(401, 403, 422))
async def list_partners(
    _: AnyStaff,
    session: SessionDep,
    settings: SettingsDep,
    page: PageQuery,
    is_active: bool | None = None,
    is_available: bool | None = None,
    category: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> Envelope[PartnerPage]:
    """Partners by name, each with today's load (its live bookings dated today)."""
    found = await admin_service.list_partners(
        session,
        is_active=is_active,
        is_available=is_available,
        category=category,
        page=page,
        now=clock.now(),
        zone=settings.zone,
    )
    return Envelope(data=found)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Envelope[PartnerOut],
    responses=error_responses(401, 403, 409, 422),
)
async def create_partner(
    _: AdminOnly, body: PartnerCreate, session: SessionDep
) -> Envelope[PartnerOut]:
    """Add a partner; the server gives them a unique `partner_code`."""
    partner = await admin_service.create_partner(session, form=body)
    return Envelope(data=PartnerOut.model_validate(partner))


@router.patch(
    "/{partner_id}",
    response_model=Envelope[PartnerUpdated],
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_partner(
    admin: AdminOnly,
    partner_id: uuid.UUID,
    body: PartnerUpdate,
    session: SessionDep,
    settings: SettingsDep,
    reassign: Annotated[
        bool, Query(description="Move upcoming bookings the change would strand")
    ] = False,
) -> Envelope[PartnerUpdated]:
    """Change a partner. Deactivating, making unavailable or narrowing the categories of a
    partner with upcoming bookings they could no longer serve is a 409, unless `reassign`
    (query or body) is true: then each moves to the best other free partner or is unassigned."""
    updated = await admin_service.update_partner(
        session,
        partner_id=partner_id,
        changes=body,
        reassign=reassign or body.reassign,
        actor=actor_of(admin),
        rules=slot_rules(settings),
        now=clock.now(),
    )
    return Envelope(data=updated)
