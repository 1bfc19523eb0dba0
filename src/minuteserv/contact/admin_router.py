"""Admin: contact submissions. Any staff member reads them and moves them along."""

import uuid

from fastapi import APIRouter

from minuteserv.admin.dependencies import AnyStaff
from minuteserv.contact import service
from minuteserv.contact.models import ContactStatus
from minuteserv.contact.schemas import (
    ContactStatusUpdate,
    ContactSubmissionOut,
    ContactSubmissionPage,
)
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses
from minuteserv.core.pagination import PageQuery

router = APIRouter(prefix="/contact-submissions", tags=["admin-contact"])


@router.get(
    "", response_model=Envelope[ContactSubmissionPage], responses=error_responses(401, 403, 422)
)
async def list_submissions(
    _: AnyStaff, session: SessionDep, page: PageQuery, status: ContactStatus | None = None
) -> Envelope[ContactSubmissionPage]:
    """Messages from the contact form, newest first."""
    return Envelope(data=await service.list_submissions(session, status=status, page=page))


@router.patch(
    "/{submission_id}",
    response_model=Envelope[ContactSubmissionOut],
    responses=error_responses(401, 403, 404, 422),
)
async def set_status(
    _: AnyStaff, submission_id: uuid.UUID, body: ContactStatusUpdate, session: SessionDep
) -> Envelope[ContactSubmissionOut]:
    """Set a submission's status: new, in_progress or resolved."""
    submission = await service.set_status(session, submission_id=submission_id, status=body.status)
    return Envelope(data=ContactSubmissionOut.model_validate(submission))
