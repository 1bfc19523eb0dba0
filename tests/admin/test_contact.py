import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.contact.models import ContactStatus, ContactSubmission
from tests.factories import ago, reload, save

SUBMISSIONS = "/api/v1/admin/contact-submissions"


async def create_submission(session: AsyncSession, **fields: object) -> ContactSubmission:
    fields.setdefault("name", "John Doe")
    fields.setdefault("email", "john@example.com")
    fields.setdefault("message", "Please call me back.")
    return await save(session, ContactSubmission(**fields))


async def test_list_shows_submissions_newest_first_with_every_field(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    older = await create_submission(session, created_at=ago(days=1))
    newer = await create_submission(
        session, phone="+919876543210", status=ContactStatus.RESOLVED, created_at=ago(hours=1)
    )

    response = await client.get(SUBMISSIONS, headers=support_auth)

    assert response.status_code == 200
    data = response.json()["data"]
    assert [item["id"] for item in data["contact_submissions"]] == [str(newer.id), str(older.id)]
    assert data["contact_submissions"][0] == {
        "id": str(newer.id),
        "name": "John Doe",
        "email": "john@example.com",
        "phone": "+919876543210",
        "message": "Please call me back.",
        "status": "resolved",
        "created_at": newer.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert data["pagination"] == {"page": 1, "limit": 20, "total": 2, "pages": 1}


async def test_list_filters_by_status_and_pages(
    client: httpx.AsyncClient, session: AsyncSession, support_auth: dict[str, str]
) -> None:
    for hours in (3, 2, 1):
        await create_submission(session, name=f"new {hours}", created_at=ago(hours=hours))
    await create_submission(session, status=ContactStatus.IN_PROGRESS)

    response = await client.get(f"{SUBMISSIONS}?status=new&limit=2&page=2", headers=support_auth)

    data = response.json()["data"]
    assert [item["name"] for item in data["contact_submissions"]] == ["new 3"]
    assert data["pagination"] == {"page": 2, "limit": 2, "total": 3, "pages": 2}


async def test_list_with_an_unknown_status_is_a_422(
    client: httpx.AsyncClient, support_auth: dict[str, str]
) -> None:
    response = await client.get(f"{SUBMISSIONS}?status=closed", headers=support_auth)

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "status"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (ContactStatus.NEW, ContactStatus.IN_PROGRESS),
        (ContactStatus.IN_PROGRESS, ContactStatus.RESOLVED),
        (ContactStatus.RESOLVED, ContactStatus.NEW),
    ],
)
async def test_support_moves_a_submission_to_any_status(
    client: httpx.AsyncClient,
    session: AsyncSession,
    support_auth: dict[str, str],
    before: ContactStatus,
    after: ContactStatus,
) -> None:
    submission = await create_submission(session, status=before)

    response = await client.patch(
        f"{SUBMISSIONS}/{submission.id}", json={"status": after.value}, headers=support_auth
    )

    assert response.status_code == 200
    assert response.json()["data"]["status"] == after.value
    stored = await reload(session, ContactSubmission, submission.id)
    assert stored is not None and stored.status == after


@pytest.mark.parametrize("body", [{"status": "closed"}, {}, {"status": "new", "note": "x"}])
async def test_an_invalid_status_update_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    support_auth: dict[str, str],
    body: dict[str, str],
) -> None:
    submission = await create_submission(session, status=ContactStatus.IN_PROGRESS)

    response = await client.patch(f"{SUBMISSIONS}/{submission.id}", json=body, headers=support_auth)

    assert response.status_code == 422
    stored = await reload(session, ContactSubmission, submission.id)
    assert stored is not None and stored.status == ContactStatus.IN_PROGRESS


async def test_status_update_of_an_unknown_submission_is_a_404(
    client: httpx.AsyncClient, support_auth: dict[str, str]
) -> None:
    response = await client.patch(
        f"{SUBMISSIONS}/{uuid.uuid4()}", json={"status": "resolved"}, headers=support_auth
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CONTACT_SUBMISSION_NOT_FOUND"
