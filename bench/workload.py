"""The requests each scenario sends: one file per scenario under var/bench/, one request a line
(`METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY`), read by requests.lua; and the rows they need (checkout
previews for `confirm`, the partner lists the pgbench scripts use)."""

import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from hashlib import md5
from pathlib import Path

import asyncpg

from bench.config import BenchConfig
from bench.seed import CATEGORIES, Calendar, connected
from minuteserv.core.security import Audience, issue_token

API = "/api/v1"
POOL = 5000
"""Distinct requests per read scenario; wrk cycles through them."""
CONFIRM_RATE_CAP = 1500
"""Previews prepared per second of `confirm` load; past that, requests replay used previews
(answered 200 with the booking already made) and the report counts them apart."""
CONFIRM_FIRST_OFFSET = 8
"""`confirm` books from the day after the seeded week on, up to the 30-day horizon."""
MAX_DAYS_AHEAD = 30  # the app's default MAX_DAYS_AHEAD
EVENING_PEAK = [time(17, 0), time(17, 30), time(18, 0), time(18, 30)]
"""`confirm` asks for evening slots only, so racing requests want the same partners."""
PROMO_CODE = "BENCH{:02d}"
ISSUER = "minuteserv"  # the app's default JWT issuer
TOKEN_TTL_SECONDS = 24 * 3600


def entity_id(kind: str, n: int) -> uuid.UUID:
    """The Python twin of `bench.id(kind, n)` in the seeded database."""
    return uuid.UUID(md5(f"{kind}:{n}".encode()).hexdigest())  # noqa: S324 - an id, not a hash


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    token: str = ""
    body: str = ""

    def line(self) -> str:
        return f"{self.method}\t{self.path}\t{self.token}\t{self.body}\n"


class Tokens:
    """Bearer tokens signed with the bench server's JWT_SECRET, one per subject."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.now = datetime.now(UTC)
        self._customers: dict[int, str] = {}

    def customer(self, user: int) -> str:
        if user not in self._customers:
            subject = str(entity_id("user", user))
            self._customers[user] = self._issue(subject, "customer", Audience.CUSTOMER)
        return self._customers[user]

    def admin(self) -> str:
        return self._issue(str(entity_id("admin", 1)), "admin", Audience.ADMIN)

    def _issue(self, subject: str, role: str, audience: Audience) -> str:
        return issue_token(
            subject=subject,
            role=role,
            audience=audience,
            secret=self.secret,
            issuer=ISSUER,
            ttl_seconds=TOKEN_TTL_SECONDS,
            now=self.now,
        )


@dataclass(frozen=True, slots=True)
class Workload:
    """Everything a scenario needs to write its request file and its pgbench variables."""

    config: BenchConfig
    calendar: Calendar
    tokens: Tokens
    random: random.Random

    @property
    def busy_day(self) -> date:
        """Tomorrow: inside the seeded week, so its partners are mostly booked."""
        return self.calendar.today + timedelta(days=1)

    @property
    def confirm_first_day(self) -> date:
        return self.calendar.today + timedelta(days=CONFIRM_FIRST_OFFSET)

    @property
    def confirm_days(self) -> int:
        return MAX_DAYS_AHEAD - CONFIRM_FIRST_OFFSET + 1

    @property
    def previews(self) -> int:
        return CONFIRM_RATE_CAP * (self.config.warmup + self.config.duration)

    @property
    def warmup_previews(self) -> int:
        return CONFIRM_RATE_CAP * self.config.warmup

    def pgbench_variables(self) -> dict[str, str | int]:
        sizes = self.config.sizes
        return {
            "users": sizes.users,
            "heavy": sizes.heavy_users,
            "bookings": sizes.bookings,
            "partners": sizes.partners,
            "per_category": max(1, sizes.services // len(CATEGORIES)),
            "promos": sizes.promos,
            "previews": self.previews,
            "first_day": self.calendar.first_day.isoformat(),
            "today": self.calendar.today.isoformat(),
            "busy_day": self.busy_day.isoformat(),
            "confirm_first_day": self.confirm_first_day.isoformat(),
            "confirm_days": self.confirm_days,
            "seeded_days": (self.calendar.last_day - self.calendar.first_day).days + 1,
        }


def write(path: Path, requests: Iterable[Request]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w") as out:
        for request in requests:
            out.write(request.line())
            count += 1
    return count


def cart(category: int, m: int, per_category: int) -> list[uuid.UUID]:
    """Three services over two neighbouring categories (the pgbench `prepare` twin)."""
    second = (m + 1) % per_category
    indexes = [category + 1 + 8 * m, category + 1 + 8 * second, (category + 1) % 8 + 1 + 8 * m]
    return [entity_id("service", index) for index in dict.fromkeys(indexes)]


# --- Read scenarios -----------------------------------------------------------------------


def catalog_requests(work: Workload) -> Iterable[Request]:
    yield Request("GET", f"{API}/services/catalog")


def prepare_requests(work: Workload) -> Iterable[Request]:
    sizes, pick = work.config.sizes, work.random
    per_category = max(1, sizes.services // len(CATEGORIES))
    for _ in range(POOL):
        user = pick.randint(1, sizes.users)
        body = {
            "service_ids": [
                str(service)
                for service in cart(pick.randrange(8), pick.randrange(per_category), per_category)
            ],
            "address_id": str(entity_id("address", user)),
            "promo_code": PROMO_CODE.format(pick.randint(1, sizes.promos)),
            "booking_date": work.busy_day.isoformat(),
        }
        yield Request(
            "POST", f"{API}/checkout/prepare", work.tokens.customer(user), json.dumps(body)
        )


def bookings_list_requests(work: Workload) -> Iterable[Request]:
    for _ in range(POOL):
        user = work.random.randint(1, work.config.sizes.heavy_users)
        page = work.random.choice((1, 5))
        yield Request("GET", f"{API}/bookings?page={page}", work.tokens.customer(user))


async def booking_detail_requests(work: Workload) -> list[Request]:
    """Bookings drawn uniformly by number, each read by its owner."""
    numbers = [work.random.randint(1, work.config.sizes.bookings) for _ in range(POOL)]
    async with connected(work.config) as connection:
        rows = await connection.fetch(
            "SELECT n, bench.user_of(n) AS owner FROM unnest($1::bigint[]) n", numbers
        )
    return [
        Request(
            "GET",
            f"{API}/bookings/{entity_id('booking', row['n'])}",
            work.tokens.customer(row["owner"]),
        )
        for row in rows
    ]


def admin_dashboard_requests(work: Workload) -> Iterable[Request]:
    yield Request("GET", f"{API}/admin/dashboard", work.tokens.admin())


ADMIN_STATUSES = ("pending", "confirmed", "completed", "cancelled")


def admin_bookings_requests(work: Workload) -> Iterable[Request]:
    """A week of booking dates anywhere in the seeded year, one status (the pgbench twin)."""
    seeded_days = (work.calendar.last_day - work.calendar.first_day).days + 1
    for _ in range(POOL):
        first = work.calendar.first_day + timedelta(days=work.random.randint(0, seeded_days - 7))
        status = work.random.choice(ADMIN_STATUSES)
        query = f"date_from={first}&date_to={first + timedelta(days=6)}&status={status}"
        yield Request("GET", f"{API}/admin/bookings?{query}", work.tokens.admin())


# --- confirm --------------------------------------------------------------------------------

PREVIEW_USER = """
CREATE OR REPLACE FUNCTION bench.preview_user(j bigint) RETURNS bigint LANGUAGE sql IMMUTABLE
PARALLEL SAFE AS $$ SELECT (j * 104729 + 17) % {users} + 1 $$
"""

# $1 previews, $2 services per category, $3 first confirm day, $4 previews per day,
# $5 days open to confirm (past the last one, requests start over on the first, now full)
PREVIEWS = """
INSERT INTO checkout_previews (id, user_id, address_id, items, categories, duration_minutes,
                               subtotal, discount, tax, grand_total, partner_payout,
                               booking_date, expires_at, created_at)
SELECT bench.id('preview', j), bench.id('user', bench.preview_user(j)),
       bench.id('address', bench.preview_user(j)), jsonb_build_array(s.line),
       jsonb_build_array(s.category), s.minutes, s.cost, 0, round(s.cost * 0.18, 2),
       s.cost + round(s.cost * 0.18, 2), round(s.cost * 0.70, 2),
       $3::date + (((j - 1) / $4) % $5)::int, now() + interval '6 hours', now()
FROM generate_series(1, $1::bigint) j
JOIN bench.catalog s ON s.idx = j % 8 + 1 + 8 * ((j / 8) % $2)
"""

PREVIEW_LIST = """
SELECT j, bench.preview_user(j) AS owner, p.id, p.booking_date, p.duration_minutes
FROM generate_series(1, $1::bigint) j JOIN checkout_previews p ON p.id = bench.id('preview', j)
ORDER BY j
"""


def previews_per_day(work: Workload) -> int:
    """About what one day's evening peak can take (a partner fits one or two evening visits),
    so the tail of each day runs out of free partners and meets honest 409s."""
    return 2 * work.config.sizes.partners


async def prepare_previews(work: Workload) -> list[Request]:
    """Store the previews `confirm` books (one per request, as a client would have from
    `prepare`) and return the confirm requests, cash and online alternating."""
    sizes = work.config.sizes
    per_day = previews_per_day(work)
    async with connected(work.config) as connection:
        await connection.execute(PREVIEW_USER.format(users=sizes.users))
        await connection.execute(
            PREVIEWS,
            work.previews,
            max(1, sizes.services // len(CATEGORIES)),
            work.confirm_first_day,
            per_day,
            work.confirm_days,
        )
        rows = await connection.fetch(PREVIEW_LIST, work.previews)
    return [_confirm(work, row) for row in rows]


def _confirm(work: Workload, row: asyncpg.Record) -> Request:
    latest = datetime.combine(date.min, time(20, 0)) - timedelta(minutes=row["duration_minutes"])
    slots = [slot for slot in EVENING_PEAK if slot <= latest.time()] or [time(8, 0)]
    body = {
        "preview_id": str(row["id"]),
        "payment_method": "online" if row["j"] % 2 else "cash",
        "booking_date": row["booking_date"].isoformat(),
        "booking_time": work.random.choice(slots).strftime("%H:%M"),
    }
    return Request(
        "POST", f"{API}/checkout/confirm", work.tokens.customer(row["owner"]), json.dumps(body)
    )


# --- Database helpers the pgbench scripts use -----------------------------------------------

ELIGIBLE = """
CREATE TABLE bench.eligible AS
SELECT c, categories, array_agg(p.id ORDER BY p.id) AS ids
FROM generate_series(0, 7) c
CROSS JOIN LATERAL jsonb_build_array(($1::text[])[c + 1], ($1::text[])[(c + 1) % 8 + 1]) categories
JOIN partners p ON p.is_active AND p.is_available AND p.service_categories @> categories
GROUP BY c, categories
"""
ELIGIBLE_ONE = """
CREATE TABLE bench.eligible_one AS
SELECT c, categories, array_agg(p.id ORDER BY p.id) AS ids
FROM generate_series(0, 7) c
CROSS JOIN LATERAL jsonb_build_array(($1::text[])[c + 1]) categories
JOIN partners p ON p.is_active AND p.is_available AND p.service_categories @> categories
GROUP BY c, categories
"""
FAR_FUTURE = "CREATE SEQUENCE IF NOT EXISTS bench.far_future"
FAR_FUTURE_DAY = date(2100, 1, 1)
"""pgbench's `confirm` dates its bookings here and spaces them out (bench.far_future), so they
never overlap; they are deleted after it has run."""


DELETE_PAYMENTS = """
DELETE FROM payments WHERE booking_id IN (SELECT id FROM bookings WHERE booking_date >= $1)
"""
DELETE_BOOKINGS = "DELETE FROM bookings WHERE booking_date >= $1"


async def _delete_bookings(connection: asyncpg.Connection, *, from_day: date) -> None:
    """Bookings dated `from_day` or later, with their payments (their events cascade, their
    previews are let go)."""
    await connection.execute(DELETE_PAYMENTS, from_day)
    await connection.execute(DELETE_BOOKINGS, from_day)


async def forget_run(config: BenchConfig, calendar: Calendar) -> None:
    """Undo what earlier runs on this database added (bookings past the seeded days, every
    preview), and lay out what the pgbench scripts look up."""
    async with connected(config) as connection:
        await _delete_bookings(connection, from_day=calendar.last_day + timedelta(days=1))
        await connection.execute("DELETE FROM checkout_previews")
        for made in (ELIGIBLE, ELIGIBLE_ONE):  # made afresh: older runs had another layout
            await connection.execute(f"DROP TABLE IF EXISTS {_created_table(made)}")
            await connection.execute(made, list(CATEGORIES))
        await connection.execute(FAR_FUTURE)
        await connection.execute("VACUUM ANALYZE bookings, checkout_previews")


def _created_table(statement: str) -> str:
    return statement.split("CREATE TABLE ", 1)[1].split()[0]


async def forget_far_future(config: BenchConfig) -> None:
    async with connected(config) as connection:
        await _delete_bookings(connection, from_day=FAR_FUTURE_DAY)
