"""Mass assignment and excessive data exposure, over every operation in the document: no body
field the schema does not declare is accepted, and no response can carry a secret."""

from collections.abc import Iterator
from typing import Any

import httpx

from tests.security.calls import assert_envelope, call
from tests.security.document import Operation, openapi, operations
from tests.security.world import SEEDED_IDS, World

BODY_OPERATIONS = sorted(
    key for key, operation in operations().items() if "requestBody" in operation
)
# Ownership, privilege and price: nothing a client may set by adding a field.
SMUGGLED = {
    "user_id": "00000000-0000-4000-8000-000000000000",
    "role": "admin",
    "is_verified": True,
    "grand_total": 1,
    "payment_status": "paid",
}
SECRET_FIELDS = {
    "password",
    "password_hash",
    "code_hash",
    "otp",
    "otp_code",
    "secret",
    "jwt_secret",
}


def _refused_fields(response: httpx.Response) -> set[str]:
    details = assert_envelope(response)["error"]["details"]
    return {detail["field"] for detail in details if detail["type"] == "extra_forbidden"}


async def test_undeclared_body_fields_are_refused_by_every_operation(
    client: httpx.AsyncClient, world: World
) -> None:
    """A 422 naming each smuggled field, from every operation that reads a JSON body."""
    accepted: dict[Operation, Any] = {}
    for operation in BODY_OPERATIONS:
        auth = world.auth_for(operation)
        response = await call(client, operation, auth, ids=SEEDED_IDS, body=SMUGGLED)
        if response.status_code != 422 or _refused_fields(response) != SMUGGLED.keys():
            accepted[operation] = (response.status_code, response.json())
    assert accepted == {}


def _walk(fragment: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object inside a schema fragment, the fragment included."""
    if isinstance(fragment, list):
        for item in fragment:
            yield from _walk(item)
    elif isinstance(fragment, dict):
        yield fragment
        for value in fragment.values():
            yield from _walk(value)


def _response_property_names() -> set[str]:
    """The property names of every schema a response can hold, following `$ref`s."""
    components = openapi()["components"]["schemas"]
    pending = [operation["responses"] for operation in operations().values()]
    seen: set[str] = set()
    names: set[str] = set()
    while pending:
        for node in _walk(pending.pop()):
            names |= set(node.get("properties", {}))
            reference = node.get("$ref", "").rsplit("/", 1)[-1]
            if reference and reference not in seen:
                seen.add(reference)
                pending.append(components[reference])
    return names


def test_no_documented_response_carries_a_secret_field() -> None:
    """Answers are filtered through their documented models (the fuzzer checks that they
    conform), so a field no response model has never leaves the server."""
    names = _response_property_names()
    assert {"id", "token", "phone_number"} <= names  # the walk does reach the models
    assert names & SECRET_FIELDS == set()
