"""RevisionWatch: one read serves the callers waiting together, and no caller is answered by a
read that started before it asked (else a write committed just before could be missed)."""

import asyncio

import pytest

from minuteserv.core.revisions import RevisionWatch


class Counter:
    """A stand-in for the database row: each read returns the value it had when the read
    began, and finishes only when the test lets it."""

    def __init__(self) -> None:
        self.value = 0
        self.reads_started = 0
        self.release = asyncio.Event()
        self.fail_with: Exception | None = None

    async def read(self) -> int | None:
        seen = self.value
        self.reads_started += 1
        await self.release.wait()
        self.release.clear()
        if self.fail_with is not None:
            raise self.fail_with
        return seen


async def settled() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_callers_arriving_together_share_one_read() -> None:
    counter = Counter()
    watch = RevisionWatch(counter.read)

    callers = [asyncio.create_task(watch.current()) for _ in range(10)]
    await settled()
    counter.release.set()

    assert await asyncio.gather(*callers) == [0] * 10
    assert counter.reads_started == 1


async def test_a_caller_arriving_mid_read_waits_for_a_read_that_starts_after_it() -> None:
    counter = Counter()
    watch = RevisionWatch(counter.read)
    early = asyncio.create_task(watch.current())
    await settled()  # the first read is in flight, having seen 0

    counter.value = 1  # a write commits, then a request arrives
    late = asyncio.create_task(watch.current())
    await settled()
    counter.release.set()
    assert await early == 0
    await settled()
    counter.release.set()

    assert await late == 1
    assert counter.reads_started == 2


async def test_a_failed_read_fails_its_callers_and_the_next_call_reads_again() -> None:
    counter = Counter()
    watch = RevisionWatch(counter.read)
    counter.fail_with = ConnectionError("database gone")
    failing = [asyncio.create_task(watch.current()) for _ in range(3)]
    await settled()
    counter.release.set()

    for caller in failing:
        with pytest.raises(ConnectionError):
            await caller

    counter.fail_with, counter.value = None, 7
    recovered = asyncio.create_task(watch.current())
    await settled()
    counter.release.set()
    assert await recovered == 7


async def test_a_caller_that_goes_away_does_not_stop_the_others() -> None:
    counter = Counter()
    watch = RevisionWatch(counter.read)
    leaving, staying = (asyncio.create_task(watch.current()) for _ in range(2))
    await settled()

    leaving.cancel()
    counter.release.set()

    assert await staying == 0
    with pytest.raises(asyncio.CancelledError):
        await leaving
