"""Rate limits with the `limits` library's async API: memory by default, Redis when configured."""

import time

from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from minuteserv.core.errors import RateLimited


def create_storage(redis_url: str) -> Storage:
    if not redis_url:
        return MemoryStorage()
    storage = storage_from_string("async+" + redis_url)
    assert isinstance(storage, Storage)
    return storage


class RateLimiter:
    """Hit named limits for a key; raise RateLimited (429 with Retry-After) when one is spent."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)

    async def hit(
        self, limits: list[RateLimitItem], *identifiers: str, message: str | None = None
    ) -> None:
        for item in limits:
            if not await self.strategy.hit(item, *identifiers):
                stats = await self.strategy.get_window_stats(item, *identifiers)
                raise RateLimited(int(stats.reset_time - time.time()) + 1, message)
