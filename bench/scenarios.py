"""The scenarios, as data: what each one requests, its pgbench twin and the issue's target.

A route that does not exist (yet) is no crash: its 404s are counted as errors in the table.
"""

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from bench import workload
from bench.config import ROOT
from bench.workload import Request, Workload

RequestSource = Callable[[Workload], Iterable[Request] | Awaitable[list[Request]]]


@dataclass(frozen=True, slots=True)
class Target:
    """The issue's targets (one server process, 32 connections, two cores)."""

    min_rate: float | None = None
    max_p99_ms: float | None = None

    def describe(self, unit: str) -> str:
        parts = []
        if self.min_rate is not None:
            parts.append(f">= {self.min_rate:g} {unit}")
        if self.max_p99_ms is not None:
            parts.append(f"p99 < {self.max_p99_ms:g} ms")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    requests: RequestSource
    target: Target
    single_use: bool = False
    """Every request may be sent once (a preview books once): warm-up gets its own."""
    honest_conflicts: bool = False
    """409 SLOT_UNAVAILABLE is an honest answer (the slot was taken), not an error."""
    counts_created: bool = False
    """The rate that matters is of 201s (bookings made), not of all answers."""

    @property
    def pgbench_script(self) -> str:
        return str(ROOT / "pgbench" / f"{self.name}.sql")

    @property
    def unit(self) -> str:
        return "bookings/s" if self.counts_created else "req/s"


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario("catalog", workload.catalog_requests, Target(2000, 30)),
        Scenario("prepare", workload.prepare_requests, Target(300)),
        Scenario(
            "confirm",
            workload.prepare_previews,
            Target(300),
            single_use=True,
            honest_conflicts=True,
            counts_created=True,
        ),
        Scenario("bookings_list", workload.bookings_list_requests, Target(1000, 40)),
        Scenario("booking_detail", workload.booking_detail_requests, Target(1000, 40)),
        Scenario("admin_dashboard", workload.admin_dashboard_requests, Target(None, 50)),
        Scenario("admin_bookings", workload.admin_bookings_requests, Target()),
    )
}
RSS_TARGET_MB = 200
