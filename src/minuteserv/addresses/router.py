"""The caller's addresses. An id that is malformed, unknown or someone else's is a 404."""

from fastapi import APIRouter, status

from minuteserv.addresses import service
from minuteserv.addresses.schemas import AddressDeleted, AddressIn, AddressOut
from minuteserv.auth.dependencies import CurrentUser
from minuteserv.core import clock
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses

router = APIRouter(prefix="/addresses", tags=["addresses"])


@router.get("", response_model=Envelope[list[AddressOut]], responses=error_responses(401))
async def list_addresses(user: CurrentUser, session: SessionDep) -> Envelope[list[AddressOut]]:
    """The caller's addresses, the default first, then the newest."""
    addresses = await service.list_live(session, user_id=user.id)
    return Envelope(data=[AddressOut.model_validate(address) for address in addresses])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Envelope[AddressOut],
    responses=error_responses(401, 422),
)
async def create_address(
    body: AddressIn, user: CurrentUser, session: SessionDep
) -> Envelope[AddressOut]:
    """Save an address; the first one becomes the default."""
    address = await service.create(session, user_id=user.id, data=body)
    return Envelope(data=AddressOut.model_validate(address))


@router.get(
    "/{address_id}", response_model=Envelope[AddressOut], responses=error_responses(401, 404)
)
async def get_address(
    address_id: str, user: CurrentUser, session: SessionDep
) -> Envelope[AddressOut]:
    """One of the caller's addresses."""
    address = await service.get_owned(session, user_id=user.id, address_id=address_id)
    return Envelope(data=AddressOut.model_validate(address))


@router.put(
    "/{address_id}", response_model=Envelope[AddressOut], responses=error_responses(401, 404, 422)
)
async def replace_address(
    address_id: str, body: AddressIn, user: CurrentUser, session: SessionDep
) -> Envelope[AddressOut]:
    """Replace an address's fields; `is_default: true` makes it the default."""
    address = await service.replace(session, user_id=user.id, address_id=address_id, data=body)
    return Envelope(data=AddressOut.model_validate(address))


@router.delete(
    "/{address_id}", response_model=Envelope[AddressDeleted], responses=error_responses(401, 404)
)
async def delete_address(
    address_id: str, user: CurrentUser, session: SessionDep
) -> Envelope[AddressDeleted]:
    """Delete an address; bookings made to it keep it. A deleted default passes to the newest."""
    deleted_id = await service.delete(
        session, user_id=user.id, address_id=address_id, now=clock.now()
    )
    return Envelope(data=AddressDeleted(id=deleted_id))
