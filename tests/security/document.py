"""The app's OpenAPI document, built once without a database (routes do not depend on one)."""

from functools import cache
from pathlib import Path
from typing import Any

from minuteserv.app import create_app
from tests.conftest import make_settings

Operation = tuple[str, str]
"""(METHOD, path template), e.g. ("GET", "/api/v1/bookings/{booking_id}")."""
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@cache
def openapi() -> dict[str, Any]:
    """The document of an app on test settings (the simulated gateway's route included)."""
    return create_app(make_settings("sqlite+aiosqlite://", Path("unused"))).openapi()


def operations() -> dict[Operation, dict[str, Any]]:
    """Every operation, keyed by (METHOD, path template)."""
    return {
        (method.upper(), path): operation
        for path, path_item in openapi()["paths"].items()
        for method, operation in path_item.items()
        if method in HTTP_METHODS
    }
