"""Admin: the catalog's services. Staff read them, inactive ones too; only admins change them."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from minuteserv.admin.dependencies import AdminOnly, AnyStaff
from minuteserv.catalog import admin_service
from minuteserv.catalog.admin_schemas import (
    ServiceAdminOut,
    ServiceIn,
    ServicePage,
    ServiceRemoved,
    ServiceReplace,
)
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.pagination import PageQuery

router = APIRouter(prefix="/services", tags=["admin-services"])


@router.get("", response_model=Envelope[ServicePage], responses=error_responses(401, 403, 422))
async def list_services(
    _: AnyStaff,
    session: SessionDep,
    page: PageQuery,
    category: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    is_active: bool | None = None,
) -> Envelope[ServicePage]:
    """Every service, active or not, by category and name."""
    found = await admin_service.list_services(
        session, category=category, is_active=is_active, page=page
    )
    return Envelope(data=found)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Envelope[ServiceAdminOut],
    responses=error_responses(401, 403, 422),
)
async def create_service(
    _: AdminOnly, body: ServiceIn, session: SessionDep
) -> Envelope[ServiceAdminOut]:
    """Add an active service to the catalog."""
    service = await admin_service.create_service(session, form=body)
    return Envelope(data=ServiceAdminOut.model_validate(service))


@router.put(
    "/{service_id}",
    response_model=Envelope[ServiceAdminOut],
    responses=error_responses(401, 403, 404, 422),
)
async def replace_service(
    _: AdminOnly, service_id: uuid.UUID, body: ServiceReplace, session: SessionDep
) -> Envelope[ServiceAdminOut]:
    """Replace a service's fields; past bookings keep the prices they were made at."""
    service = await admin_service.replace_service(session, service_id=service_id, form=body)
    return Envelope(data=ServiceAdminOut.model_validate(service))


@router.delete(
    "/{service_id}",
    response_model=Envelope[ServiceRemoved],
    responses=error_responses(401, 403, 404, 422),
)
async def remove_service(
    _: AdminOnly, service_id: uuid.UUID, session: SessionDep
) -> Envelope[ServiceRemoved]:
    """Delete a never-booked service; a booked one is deactivated, never deleted."""
    return Envelope(data=await admin_service.remove_service(session, service_id=service_id))
