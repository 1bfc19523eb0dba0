"""The public catalog: no token needed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from minuteserv.catalog.schemas import Catalog
from minuteserv.catalog.service import CatalogCache, catalog_cache
from minuteserv.core.envelope import Envelope

router = APIRouter(prefix="/services", tags=["catalog"])


@router.get("/catalog", response_model=Envelope[Catalog])
async def get_catalog(cache: Annotated[CatalogCache, Depends(catalog_cache)]) -> Response:
    """Active services grouped by category."""
    return Response(await cache.response_body(), media_type="application/json")
