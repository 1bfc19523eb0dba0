import httpx


async def test_healthz_answers_ok_with_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"status": "ok"}}
    assert len(response.headers["X-Request-ID"]) == 32


async def test_readyz_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["data"] == {"status": "ready", "database": "ok"}
