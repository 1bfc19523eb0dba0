"""Requests to an operation named by (METHOD, path template), and the envelope every answer is."""

import uuid
from typing import Any

import httpx

from tests.security.document import Operation, operations


def url_of(path: str, ids: dict[str, uuid.UUID]) -> str:
    """The template filled with the given ids, and fresh random UUIDs for the rest."""
    filled = path
    while "{" in filled:
        name = filled[filled.index("{") + 1 : filled.index("}")]
        filled = filled.replace(f"{{{name}}}", str(ids.get(name, uuid.uuid4())))
    return filled


async def call(
    client: httpx.AsyncClient,
    operation: Operation,
    headers: dict[str, str],
    *,
    ids: dict[str, uuid.UUID] | None = None,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """One request; an operation that reads a body gets `body` (an empty object by default)."""
    method, path = operation
    takes_body = "requestBody" in operations()[operation]
    json_body = (body if body is not None else {}) if takes_body else None
    return await client.request(method, url_of(path, ids or {}), headers=headers, json=json_body)


def assert_envelope(response: httpx.Response) -> dict[str, Any]:
    """Every answer is the envelope: data on success, an error with code and message if not."""
    payload: dict[str, Any] = response.json()
    if response.is_success:
        assert payload["success"] is True and "data" in payload, payload
    else:
        assert payload["success"] is False, payload
        assert {"code", "message", "details"} <= payload["error"].keys(), payload
    return payload
