"""The public catalog: no token needed."""

from fastapi import APIRouter

from minuteserv.catalog import service
from minuteserv.catalog.schemas import Catalog
from minuteserv.core.db import SessionDep
from minuteserv.core.envelope import Envelope

router = APIRouter(prefix="/services", tags=["catalog"])


@router.get("/catalog", response_model=Envelope[Catalog])
async def get_catalog(session: SessionDep) -> Envelope[Catalog]:
    """Active services grouped by category."""
    return Envelope(data=await service.active_catalog(session))
