"""The public contact form: no token needed."""

from fastapi import APIRouter, status

from minuteserv.contact import service
from minuteserv.contact.schemas import ContactIn, ContactReceipt
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope, error_responses

router = APIRouter(tags=["contact"])


@router.post(
    "/contact",
    status_code=status.HTTP_201_CREATED,
    response_model=Envelope[ContactReceipt],
    responses=error_responses(422),
)
async def submit_contact(body: ContactIn, session: SessionDep) -> Envelope[ContactReceipt]:
    """Send the team a message."""
    submission = await service.submit(session, form=body)
    return Envelope(data=ContactReceipt(id=submission.id))
