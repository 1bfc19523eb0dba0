import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.addresses.models import UserAddress
from minuteserv.bookings.models import Booking
from minuteserv.users.models import User
from tests.factories import ago, create_address, create_booking, reload


async def test_delete_answers_the_id_and_removes_an_unused_address(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    address = await create_address(session, user, is_default=True)

    response = await client.delete(f"/api/v1/addresses/{address.id}", headers=auth)

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"id": str(address.id), "deleted": True}}
    assert await reload(session, UserAddress, address.id) is None


async def test_deleted_address_is_not_found_afterwards(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    address = await create_address(session, user, is_default=True)
    await client.delete(f"/api/v1/addresses/{address.id}", headers=auth)

    response = await client.get(f"/api/v1/addresses/{address.id}", headers=auth)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ADDRESS_NOT_FOUND"


async def test_deleting_the_default_promotes_the_newest_other_address(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    default = await create_address(session, user, is_default=True, created_at=ago(days=1))
    older = await create_address(session, user, created_at=ago(days=3))
    newer = await create_address(session, user, created_at=ago(days=2))

    await client.delete(f"/api/v1/addresses/{default.id}", headers=auth)

    promoted, passed_over = (
        await reload(session, UserAddress, newer.id),
        await reload(session, UserAddress, older.id),
    )
    assert promoted is not None and promoted.is_default is True
    assert passed_over is not None and passed_over.is_default is False


async def test_deleting_another_address_leaves_the_default_alone(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    default = await create_address(session, user, is_default=True, created_at=ago(days=2))
    other = await create_address(session, user, created_at=ago(days=1))

    await client.delete(f"/api/v1/addresses/{other.id}", headers=auth)

    stored = await reload(session, UserAddress, default.id)
    assert stored is not None and stored.is_default is True


async def test_deleting_an_address_a_booking_uses_hides_it_and_keeps_the_booking(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    address = await create_address(session, user, is_default=True)
    booking = await create_booking(session, user, address)

    response = await client.delete(f"/api/v1/addresses/{address.id}", headers=auth)

    assert response.json() == {"success": True, "data": {"id": str(address.id), "deleted": True}}
    hidden = await reload(session, UserAddress, address.id)
    assert hidden is not None
    assert hidden.deleted_at is not None and hidden.is_default is False
    kept = await reload(session, Booking, booking.id)
    assert kept is not None and kept.address_id == address.id
    listed = await client.get("/api/v1/addresses", headers=auth)
    assert listed.json()["data"] == []


async def test_deleting_a_used_default_promotes_the_newest_other_address(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    default = await create_address(session, user, is_default=True, created_at=ago(days=2))
    other = await create_address(session, user, created_at=ago(days=1))
    await create_booking(session, user, default)

    await client.delete(f"/api/v1/addresses/{default.id}", headers=auth)

    promoted = await reload(session, UserAddress, other.id)
    assert promoted is not None and promoted.is_default is True


async def test_a_hidden_address_cannot_be_deleted_again(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth: dict[str, str]
) -> None:
    address = await create_address(session, user, is_default=True)
    await create_booking(session, user, address)
    await client.delete(f"/api/v1/addresses/{address.id}", headers=auth)

    response = await client.delete(f"/api/v1/addresses/{address.id}", headers=auth)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ADDRESS_NOT_FOUND"
