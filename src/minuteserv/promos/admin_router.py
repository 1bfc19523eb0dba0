"""Admin: promo codes. Staff read them; only admins create, change and deactivate them."""

import uuid

from fastapi import APIRouter, status

from minuteserv.admin.dependencies import AdminOnly, AnyStaff
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.pagination import PageQuery
from minuteserv.promos import admin_service
from minuteserv.promos.schemas import PromoCreate, PromoOut, PromoPage, PromoUpdate

router = APIRouter(prefix="/promo-codes", tags=["admin-promo-codes"])


@router.get("", response_model=Envelope[PromoPage], responses=error_responses(401, 403, 422))
async def list_promos(
    _: AnyStaff, session: SessionDep, page: PageQuery, is_active: bool | None = None
) -> Envelope[PromoPage]:
    """Promo codes, newest first."""
    return Envelope(data=await admin_service.list_promos(session, is_active=is_active, page=page))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Envelope[PromoOut],
    responses=error_responses(401, 403, 409, 422),
)
async def create_promo(_: AdminOnly, body: PromoCreate, session: SessionDep) -> Envelope[PromoOut]:
    """Add a promo code; it is stored upper case and must be unique."""
    promo = await admin_service.create_promo(session, form=body)
    return Envelope(data=PromoOut.model_validate(promo))


@router.patch(
    "/{promo_id}",
    response_model=Envelope[PromoOut],
    responses=error_responses(401, 403, 404, 409, 422),
)
async def update_promo(
    _: AdminOnly, promo_id: uuid.UUID, body: PromoUpdate, session: SessionDep
) -> Envelope[PromoOut]:
    """Change a promo code's terms; the usage limit may not drop below its uses."""
    promo = await admin_service.update_promo(session, promo_id=promo_id, changes=body)
    return Envelope(data=PromoOut.model_validate(promo))


@router.delete(
    "/{promo_id}",
    response_model=Envelope[PromoOut],
    responses=error_responses(401, 403, 404, 422),
)
async def deactivate_promo(
    _: AdminOnly, promo_id: uuid.UUID, session: SessionDep
) -> Envelope[PromoOut]:
    """Deactivate a promo code (it is kept: bookings name it)."""
    promo = await admin_service.deactivate_promo(session, promo_id=promo_id)
    return Envelope(data=PromoOut.model_validate(promo))
