from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.contact.models import ContactStatus, ContactSubmission
from tests.factories import reload

CONTACT = "/api/v1/contact"


def contact_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "John Doe",
        "email": "john@example.com",
        "phone": "98765 43210",
        "message": "I need help with my booking.",
    }
    body.update(overrides)
    return {field: value for field, value in body.items() if value is not None}


async def count_submissions(session: AsyncSession) -> int:
    count = await session.scalar(sa.select(sa.func.count()).select_from(ContactSubmission))
    await session.commit()
    return count or 0


async def test_contact_stores_the_message_as_new_and_thanks_the_sender(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(CONTACT, json=contact_body(name="  John Doe "))

    assert response.status_code == 201
    data = response.json()["data"]
    assert data == {"id": data["id"], "message": "Thank you for contacting us"}
    stored = await reload(session, ContactSubmission, data["id"])
    assert stored is not None
    assert (stored.name, stored.email, stored.phone, stored.message, stored.status) == (
        "John Doe",
        "john@example.com",
        "+919876543210",
        "I need help with my booking.",
        ContactStatus.NEW,
    )


async def test_contact_without_a_phone_is_stored_with_none(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(CONTACT, json=contact_body(phone=None))

    assert response.status_code == 201
    stored = await reload(session, ContactSubmission, response.json()["data"]["id"])
    assert stored is not None and stored.phone is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(contact_body(name=None), "name", id="name-missing"),
        pytest.param(contact_body(name=" "), "name", id="name-blank"),
        pytest.param(contact_body(name="x" * 256), "name", id="name-too-long"),
        pytest.param(contact_body(email="john@"), "email", id="email-invalid"),
        pytest.param(contact_body(email=None), "email", id="email-missing"),
        pytest.param(contact_body(phone="12345"), "phone", id="phone-invalid"),
        pytest.param(contact_body(phone="+498001234567890"), "phone", id="phone-too-long"),
        pytest.param(contact_body(phone=9876543210), "phone", id="phone-a-number"),
        pytest.param(contact_body(message=None), "message", id="message-missing"),
        pytest.param(contact_body(message=" \n\t "), "message", id="message-blank"),
        pytest.param(contact_body(message="x" * 5001), "message", id="message-too-long"),
        pytest.param(contact_body(subject="Hi"), "subject", id="unknown-field"),
        pytest.param({}, "name", id="empty-body"),
    ],
)
async def test_contact_with_an_invalid_body_is_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    response = await client.post(CONTACT, json=body)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert field in {detail["field"] for detail in response.json()["error"]["details"]}
    assert await count_submissions(session) == 0


async def test_contact_accepts_a_message_of_exactly_5000_characters(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await client.post(CONTACT, json=contact_body(message="x" * 5000))

    assert response.status_code == 201
    assert await count_submissions(session) == 1
