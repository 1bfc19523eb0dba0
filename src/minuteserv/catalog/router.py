"""The public catalog: no token needed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from minuteserv.catalog.schemas import Catalog
from minuteserv.catalog.service import CatalogCache
from minuteserv.core.envelope import Envelope

router = APIRouter(prefix="/services", tags=["catalog"])


async def catalog_cache(request: Request) -> CatalogCache:
    """The app's cache, made on first use (its sessionmakers exist once the app runs). It
    only reads, so without a transaction."""
    state = request.app.state
    if getattr(state, "catalog_cache", None) is None:
        state.catalog_cache = CatalogCache(state.reading_sessionmaker)
    cache: CatalogCache = state.catalog_cache
    return cache


@router.get("/catalog", response_model=Envelope[Catalog])
async def get_catalog(cache: Annotated[CatalogCache, Depends(catalog_cache)]) -> Response:
    """Active services grouped by category."""
    return Response(await cache.response_body(), media_type="application/json")
