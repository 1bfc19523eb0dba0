"""Messages sent through the public contact form, and their handling by staff."""

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from minuteserv.contact.errors import ContactSubmissionNotFound
from minuteserv.contact.models import ContactStatus, ContactSubmission
from minuteserv.contact.schemas import ContactIn, ContactSubmissionOut, ContactSubmissionPage
from minuteserv.core.pagination import PageRequest, count_rows


async def submit(session: AsyncSession, *, form: ContactIn) -> ContactSubmission:
    """Store a message for the team, as new."""
    submission = ContactSubmission(**form.model_dump(), status=ContactStatus.NEW)
    session.add(submission)
    await session.flush()
    return submission


async def list_submissions(
    session: AsyncSession, *, status: ContactStatus | None, page: PageRequest
) -> ContactSubmissionPage:
    """One page of submissions, newest first."""
    query = sa.select(ContactSubmission)
    if status is not None:
        query = query.where(ContactSubmission.status == status)
    total = await count_rows(session, query)
    submissions = await session.scalars(
        page.slice(query.order_by(ContactSubmission.created_at.desc(), ContactSubmission.id.desc()))
    )
    return ContactSubmissionPage(
        contact_submissions=[ContactSubmissionOut.model_validate(s) for s in submissions],
        pagination=page.pagination(total),
    )


async def set_status(
    session: AsyncSession, *, submission_id: uuid.UUID, status: ContactStatus
) -> ContactSubmission:
    """Move a submission to any status (a resolved one may be reopened)."""
    submission = await session.get(ContactSubmission, submission_id)
    if submission is None:
        raise ContactSubmissionNotFound()
    submission.status = status
    await session.flush()
    return submission
