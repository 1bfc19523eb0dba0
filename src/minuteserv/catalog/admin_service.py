"""Admin management of the catalog. Bookings keep their own priced lines, so editing a
service never changes a past booking; a booked service is only ever deactivated."""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.bookings.models import Booking
from minuteserv.catalog.admin_schemas import (
    ServiceAdminOut,
    ServiceIn,
    ServicePage,
    ServiceRemoved,
    ServiceReplace,
)
from minuteserv.catalog.errors import ServiceNotFound
from minuteserv.catalog.models import Service
from minuteserv.core.db import dialect_name, json_array_contains
from minuteserv.core.pagination import PageRequest, count_rows


async def list_services(
    session: AsyncSession, *, category: str | None, is_active: bool | None, page: PageRequest
) -> ServicePage:
    """One page of services, inactive ones too, by category and name."""
    query = sa.select(Service)
    if category is not None:
        query = query.where(Service.category == category)
    if is_active is not None:
        query = query.where(Service.is_active == is_active)
    total = await count_rows(session, query)
    services = await session.scalars(
        page.slice(query.order_by(Service.category, Service.name, Service.id))
    )
    return ServicePage(
        services=[ServiceAdminOut.model_validate(service) for service in services],
        pagination=page.pagination(total),
    )


async def create_service(session: AsyncSession, *, form: ServiceIn) -> Service:
    """A new active service."""
    service = Service(**form.model_dump(), is_active=True)
    session.add(service)
    await session.flush()
    return service


async def replace_service(
    session: AsyncSession, *, service_id: uuid.UUID, form: ServiceReplace
) -> Service:
    """Overwrite every editable field; bookings already made keep the lines they stored."""
    service = await _get(session, service_id)
    for field, value in form.model_dump().items():
        setattr(service, field, value)
    await session.flush()
    return service


async def remove_service(session: AsyncSession, *, service_id: uuid.UUID) -> ServiceRemoved:
    """Delete a service no booking names; one that any booking names is deactivated instead."""
    service = await _get(session, service_id)
    if await is_booked(session, service_id):
        service.is_active = False
        await session.flush()
        return ServiceRemoved(id=service_id, deleted=False, deactivated=True)
    await session.delete(service)
    await session.flush()
    return ServiceRemoved(id=service_id, deleted=True, deactivated=False)


async def is_booked(session: AsyncSession, service_id: uuid.UUID) -> bool:
    """Whether any booking, in any state, has a line of this service."""
    line = json_array_contains(
        dialect_name(session), Booking.services, {"service_id": str(service_id)}
    )
    return await session.scalar(sa.select(Booking.id).where(line).limit(1)) is not None


async def _get(session: AsyncSession, service_id: uuid.UUID) -> Service:
    service = await session.get(Service, service_id, with_for_update=True)
    if service is None:
        raise ServiceNotFound()
    return service
