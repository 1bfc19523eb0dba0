"""A fresh bench database at scale, generated inside PostgreSQL (INSERT ... SELECT over
generate_series), valid for every constraint the migrations put on the tables.

Ids are derived from row numbers (`bench.id('user', 42)` = md5 of `user:42` as a uuid), so they
look random to the indexes while pgbench scripts and the workload can name any row without a
lookup. Bookings sit on a grid that never overlaps: each partner has six start times a day, two
hours apart (08:00 to 18:00), and a visit lasts at most 90 minutes plus the 30-minute travel
buffer; booking i takes grid position (i - 1) * capacity / bookings, so the bookings spread
evenly over the partners and the year, and no two share a position.
"""

import asyncio
import json
import os
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import asyncpg

from bench.config import MINUTESERV, WORK, BenchConfig, Sizes

CATEGORIES = (
    "Facial",
    "Waxing",
    "Manicure",
    "Pedicure",
    "Threading",
    "Hair Spa",
    "Makeup",
    "Massage",
)
CATEGORIES_PER_PARTNER = 4
SLOTS_PER_DAY = 6  # the grid of BOOKINGS below: 08:00 + 2 hours x (0 to 5)
DAYS = 365
FUTURE_DAYS = 7
"""The seeded year ends a week ahead: later days (up to the 30-day horizon) are left free for
the `confirm` scenario to book."""
TIMEZONE = "Asia/Kolkata"  # the app's default TIMEZONE, which the bench server keeps
ADMIN_EMAIL = "bench-admin@minuteserv.example"


@dataclass(frozen=True, slots=True)
class Calendar:
    """The seeded year in business dates: its first day, today, and the last seeded day."""

    today: date

    @property
    def first_day(self) -> date:
        return self.today - timedelta(days=DAYS - 1 - FUTURE_DAYS)

    @property
    def last_day(self) -> date:
        return self.today + timedelta(days=FUTURE_DAYS)


def dsn(config: BenchConfig, *, admin: bool = False) -> str:
    url = config.admin_url if admin else config.database_url
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def connected(
    config: BenchConfig, *, admin: bool = False
) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(dsn(config, admin=admin))
    try:
        yield connection
    finally:
        await connection.close()


def capacity(sizes: Sizes) -> int:
    return sizes.partners * DAYS * SLOTS_PER_DAY


def check(sizes: Sizes) -> None:
    if sizes.bookings > capacity(sizes):
        raise SystemExit(
            f"{sizes.bookings} bookings do not fit {sizes.partners} partners' year "
            f"({capacity(sizes)} visits at most): add partners"
        )


async def recreate_database(config: BenchConfig) -> None:
    async with connected(config, admin=True) as connection:
        await connection.execute(f'DROP DATABASE IF EXISTS "{config.database}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{config.database}"')


def migrate(config: BenchConfig) -> None:
    """`minuteserv migrate`, the way production brings a database up to date."""
    env = {"DATABASE_URL": dsn(config), "PATH": "/usr/bin:/bin", "APP_ENV": "development"}
    WORK.mkdir(parents=True, exist_ok=True)  # run outside the project, away from its .env
    subprocess.run(  # noqa: S603 - our own command line
        [str(MINUTESERV), "migrate"], check=True, env=env, cwd=WORK, stdout=subprocess.DEVNULL
    )


def helpers(sizes: Sizes) -> list[str]:
    """The `bench` schema: id and owner functions shared by the seed, the workload and the
    pgbench scripts, and the catalog numbered the way the generator picks services."""
    return [
        "CREATE SCHEMA bench",
        "CREATE FUNCTION bench.id(kind text, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE AS $$ SELECT md5(kind || ':' || n::text)::uuid $$",
        # Every 20th booking belongs to one of the few heavy users, the rest spread over all.
        "CREATE FUNCTION bench.user_of(i bigint) RETURNS bigint LANGUAGE sql IMMUTABLE "
        f"PARALLEL SAFE AS $$ SELECT CASE WHEN i % 20 = 0 THEN (i / 20) % {sizes.heavy_users} + 1 "
        f"ELSE (i * 7919) % {sizes.users} + 1 END $$",
    ]


SERVICES = """
INSERT INTO services (id, name, category, tier, product_cost, market_price, duration_minutes,
                      is_active, created_at)
SELECT bench.id('service', s), c.category || ' ' || t.tier || ' ' || s, c.category, t.tier,
       p.cost, p.cost + 200, p.minutes, true, now() - interval '400 days'
FROM generate_series(1, $1::int) s
CROSS JOIN LATERAL (SELECT ($2::text[])[(s - 1) % 8 + 1] AS category) c
CROSS JOIN LATERAL (
    SELECT (ARRAY['Minimal', 'Classic', 'Premium'])[((s - 1) / 8) % 3 + 1] AS tier) t
CROSS JOIN LATERAL (SELECT (299 + ((s * 37) % 20) * 50)::numeric(10, 2) AS cost,
                           (ARRAY[30, 45, 60, 90])[((s - 1) / 8) % 4 + 1] AS minutes) p
"""

CATALOG_BY_INDEX = """
CREATE TABLE bench.catalog AS
SELECT s AS idx, id, name, category, tier, product_cost AS cost, duration_minutes AS minutes,
       jsonb_build_object(
           'service_id', id::text, 'name', name, 'category', category, 'tier', tier,
           'unit_price', product_cost::text, 'quantity', 1, 'line_total', product_cost::text,
           'duration_minutes', duration_minutes) AS line
FROM generate_series(1, $1::int) s JOIN services ON services.id = bench.id('service', s)
"""

PARTNERS = """
INSERT INTO partners (id, partner_code, name, phone_number, email, service_categories,
                      is_active, is_available, rating, current_lat, current_lng, created_at)
SELECT bench.id('partner', k), 'BP' || lpad(k::text, 6, '0'), 'Bench Partner ' || k,
       '+91' || (8000000000 + k), 'partner' || k || '@bench.example',
       (SELECT jsonb_agg(($2::text[])[(k - 1 + j) % 8 + 1] ORDER BY j)
        FROM generate_series(0, $3::int - 1) j),
       true, true, 3.5 + (k % 16) * 0.1,
       22.45 + (k * 13 % 1000) * 0.0002, 88.30 + (k * 29 % 1000) * 0.0002,
       now() - interval '400 days'
FROM generate_series(1, $1::int) k
"""

PROMOS = """
INSERT INTO promo_codes (id, code, discount_type, discount_value, min_order_amount, usage_limit,
                         valid_from, valid_until, is_active, created_at)
SELECT bench.id('promo', r), 'BENCH' || lpad(r::text, 2, '0'),
       CASE WHEN r % 2 = 1 THEN 'percentage' ELSE 'fixed' END,
       CASE WHEN r % 2 = 1 THEN 5 + (r % 4) * 5 ELSE 50 + r * 10 END,
       CASE WHEN r % 3 = 0 THEN 500 END,
       CASE WHEN r % 2 = 0 THEN 10000000 END,
       now() - interval '400 days', now() + interval '400 days', true, now() - interval '400 days'
FROM generate_series(1, $1::int) r
"""

USERS = """
INSERT INTO users (id, phone_number, name, email, is_verified, created_at, updated_at)
SELECT bench.id('user', n), '+91' || (9000000000 + n), 'Bench User ' || n,
       'user' || n || '@bench.example', true,
       now() - (n % 400) * interval '1 day', now() - (n % 400) * interval '1 day'
FROM generate_series(1, $1::int) n
"""

ADDRESSES = """
INSERT INTO user_addresses (id, user_id, name, address_line1, city, state, pincode, lat, lng,
                            is_default, created_at)
SELECT bench.id('address', n), bench.id('user', n), 'Home', n || ', Bench Street', 'Kolkata',
       'West Bengal', '700' || lpad((n % 100)::text, 3, '0'),
       22.45 + (n % 1000) * 0.0002, 88.30 + (n * 7 % 1000) * 0.0002, true,
       now() - (n % 400) * interval '1 day'
FROM generate_series(1, $1::int) n
"""

# $1 bookings, $2 partners, $3 capacity, $4 first day, $5 today, $6 services per category,
# $7 promo codes, $8 time zone; $9 and $10 the first and last booking number of this chunk.
BOOKINGS = """
INSERT INTO bookings (
    id, booking_number, user_id, address_id, partner_id, services, booking_date, booking_time,
    start_at, end_at, status, payment_method, payment_status, razorpay_order_id,
    razorpay_payment_id, total_price, discount, tax, grand_total, partner_payout, promo_code,
    promo_code_id, customer_name, customer_phone, customer_email, assignment_status, assigned_at,
    accepted_at, cancelled_at, cancellation_reason, refund_amount, customer_rating,
    created_at, updated_at)
SELECT
    bench.id('booking', g.i),
    'BK-' || to_char(g.day, 'YYYYMMDD') || '-' || upper(lpad(to_hex(g.i), 6, '0')),
    bench.id('user', g.u), bench.id('address', g.u), bench.id('partner', g.k),
    CASE WHEN s2.idx IS NULL THEN jsonb_build_array(s1.line)
         ELSE jsonb_build_array(s1.line, s2.line) END,
    g.day, g.slot_time, g.start_at,
    g.start_at + (s1.minutes + coalesce(s2.minutes, 0) + 30) * interval '1 minute',
    st.status, CASE WHEN g.online THEN 'online' ELSE 'cash' END, st.payment_status,
    CASE WHEN g.online THEN 'order_BENCH' || lpad(to_hex(g.i), 8, '0') END,
    CASE WHEN g.online THEN 'pay_BENCH' || lpad(to_hex(g.i), 8, '0') END,
    pr.subtotal, pr.discount, round(pr.taxable * 0.18, 2),
    pr.taxable + round(pr.taxable * 0.18, 2), round(pr.taxable * 0.70, 2),
    CASE WHEN g.promo > 0 THEN 'BENCH' || lpad(g.promo::text, 2, '0') END,
    CASE WHEN g.promo > 0 THEN bench.id('promo', g.promo) END,
    'Bench User ' || g.u, '+91' || (9000000000 + g.u), 'user' || g.u || '@bench.example',
    CASE WHEN st.status IN ('pending', 'cancelled') THEN 'assigned' ELSE 'accepted' END,
    g.created_at,
    CASE WHEN st.status NOT IN ('pending', 'cancelled')
         THEN g.created_at + interval '10 minutes' END,
    CASE WHEN st.status = 'cancelled' THEN g.created_at + interval '1 minute' END,
    CASE WHEN st.status = 'cancelled' THEN 'cancelled by customer' END,
    CASE WHEN st.status = 'cancelled'
         THEN CASE WHEN g.online THEN pr.taxable + round(pr.taxable * 0.18, 2) ELSE 0 END END,
    CASE WHEN st.status = 'completed' AND g.i % 3 = 0 THEN g.i % 5 + 1 END,
    g.created_at, g.created_at
FROM (
    SELECT i, bench.user_of(i) AS u, grid.k, grid.day, grid.slot_time,
           (grid.day + grid.slot_time) AT TIME ZONE $8 AS start_at,
           least((grid.day + grid.slot_time) AT TIME ZONE $8 - (i % 14 + 1) * interval '1 day',
                 now() - (i % 3600) * interval '1 second') AS created_at,
           grid.day < $5::date AS past, (i * 37 + 11) % 100 AS h, (i * 13 + 5) % 10 < 6 AS online,
           CASE WHEN i % 10 = 0 THEN (i / 10) % $7 + 1 ELSE 0 END AS promo,
           (grid.k - 1 + i % 4) % 8 + 1 + 8 * ((i / 4) % $6) AS s1,
           CASE WHEN i % 3 = 0 THEN (grid.k - 1 + (i + 1) % 4) % 8 + 1 + 8 * ((i / 12) % $6) END
               AS s2
    FROM generate_series($9::bigint, $10::bigint) i
    CROSS JOIN LATERAL (SELECT ((i - 1) * $3::bigint) / $1::bigint AS p) pos
    CROSS JOIN LATERAL (
        SELECT (pos.p / 6) % $2 + 1 AS k,
               $4::date + (pos.p / (6 * $2))::int AS day,
               time '08:00' + (pos.p % 6) * interval '2 hours' AS slot_time) grid
) g
JOIN bench.catalog s1 ON s1.idx = g.s1
LEFT JOIN bench.catalog s2 ON s2.idx = g.s2 AND s1.minutes + s2.minutes <= 90
CROSS JOIN LATERAL (
    SELECT s1.cost + coalesce(s2.cost, 0) AS subtotal,
           CASE WHEN g.promo > 0 THEN round((s1.cost + coalesce(s2.cost, 0)) * 0.10, 2) ELSE 0 END
               AS discount) d
CROSS JOIN LATERAL (SELECT d.subtotal, d.discount, d.subtotal - d.discount AS taxable) pr
CROSS JOIN LATERAL (
    SELECT s.status,
           CASE WHEN g.online THEN CASE WHEN s.status = 'cancelled' THEN 'refunded' ELSE 'paid' END
                WHEN s.status = 'completed' THEN 'paid' ELSE 'pending' END AS payment_status
    FROM (SELECT CASE WHEN g.h < CASE WHEN g.past THEN 8 ELSE 5 END THEN 'cancelled'
                      WHEN g.past THEN 'completed'
                      WHEN NOT g.online AND g.h < 45 THEN 'pending'
                      ELSE 'confirmed' END AS status) s
) st
"""

PAYMENTS = """
INSERT INTO payments (id, booking_id, razorpay_order_id, razorpay_payment_id, amount, status,
                      payment_method, created_at, updated_at)
SELECT gen_random_uuid(), id, razorpay_order_id, razorpay_payment_id, grand_total,
       CASE WHEN payment_status = 'refunded' THEN 'refunded' ELSE 'captured' END,
       CASE WHEN grand_total > 1500 THEN 'card' ELSE 'upi' END,
       created_at + interval '5 minutes', created_at + interval '5 minutes'
FROM bookings WHERE payment_method = 'online'
"""

PARTNER_TOTALS = """
UPDATE partners SET total_bookings = t.visits, total_earnings = t.earned
FROM (SELECT partner_id, count(*) AS visits, sum(partner_payout) AS earned
      FROM bookings WHERE status = 'completed' GROUP BY partner_id) t
WHERE partners.id = t.partner_id
"""

PROMO_USES = """
UPDATE promo_codes SET used_count = t.uses
FROM (SELECT promo_code_id, count(*) AS uses FROM bookings
      WHERE promo_code_id IS NOT NULL AND status <> 'cancelled' GROUP BY promo_code_id) t
WHERE promo_codes.id = t.promo_code_id
"""

DAY_TOTALS = """
INSERT INTO booking_day_totals
    (booking_date, status, payment_status, booking_count, grand_total_paise)
SELECT booking_date, status, payment_status, count(*), sum(grand_total * 100)::bigint
FROM bookings GROUP BY booking_date, status, payment_status
"""
PARTNER_DAYS = """
INSERT INTO partner_days (booking_date, partner_id, booking_count, busy)
SELECT booking_date, partner_id, count(*), range_agg(tstzrange(start_at, end_at, '[)'))
FROM bookings WHERE partner_id IS NOT NULL AND status <> 'cancelled'
GROUP BY booking_date, partner_id
ORDER BY booking_date, partner_id
"""
"""Each partner's day (bookings/partner_days.py), as its triggers keep it, counted in one pass;
written in date order, so a day's rows sit on a few pages."""
BOOKING_TRIGGERS = "ALTER TABLE bookings {} TRIGGER USER"
"""The triggers that keep `booking_day_totals` and `partner_days`: off while the bookings are
loaded, whose totals are then counted in one pass (a million row triggers would take far
longer)."""

ADMIN = """
INSERT INTO admin_users (id, email, password_hash, name, role, is_active)
VALUES (bench.id('admin', 1), $1, $2, 'Bench Admin', 'admin', true)
"""


BULK_TABLES = ("user_addresses", "bookings", "payments")
"""Loaded with their secondary indexes and constraints dropped, which are rebuilt afterwards
(one sorted build instead of a million index inserts and foreign key checks)."""

SECONDARY = """
SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', conrelid::regclass, conname),
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', conrelid::regclass, conname,
              pg_get_constraintdef(oid))
FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('f', 'u', 'x')
UNION ALL
SELECT format('DROP INDEX %s', indexrelid::regclass), pg_get_indexdef(indexrelid)
FROM pg_index
WHERE indrelid = $1::regclass AND NOT indisprimary
  AND NOT EXISTS (SELECT FROM pg_constraint
                  WHERE conrelid = indrelid AND conindid = indexrelid AND contype IN ('u', 'x'))
"""

CHUNK = 100_000


async def _connect(config: BenchConfig) -> asyncpg.Connection:
    connection = await asyncpg.connect(dsn(config))
    await connection.execute("SET synchronous_commit = off")
    await connection.execute("SET maintenance_work_mem = '256MB'")
    return connection


async def _in_parallel(config: BenchConfig, jobs: Sequence[tuple[str, Sequence[object]]]) -> None:
    """Run the statements on as many connections as there are cores (in any order)."""
    queue = list(reversed(jobs))

    async def worker() -> None:
        connection = await _connect(config)
        try:
            while queue:
                sql, args = queue.pop()
                await connection.execute(sql, *args)
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(max(2, os.cpu_count() or 2))))


def _chunks(total: int) -> list[tuple[int, int]]:
    return [(first, min(first + CHUNK - 1, total)) for first in range(1, total + 1, CHUNK)]


async def _timed(label: str, work: Awaitable[object], rows: int | None = None) -> None:
    started = time.monotonic()
    await work
    counted = f"{rows:>9} rows" if rows is not None else ""
    print(f"  {label:<16} {time.monotonic() - started:6.1f} s  {counted}", flush=True)


async def generate(config: BenchConfig, calendar: Calendar, password_hash: str) -> None:
    sizes = config.sizes
    connection = await _connect(config)
    try:
        for statement in helpers(sizes):
            await connection.execute(statement)
        await connection.execute(SERVICES, sizes.services, list(CATEGORIES))
        await connection.execute(CATALOG_BY_INDEX, sizes.services)
        await connection.execute(PARTNERS, sizes.partners, list(CATEGORIES), CATEGORIES_PER_PARTNER)
        await connection.execute(PROMOS, sizes.promos)
        await connection.execute(ADMIN, ADMIN_EMAIL, password_hash)
        rebuild = []
        for table in BULK_TABLES:
            for drop, create in await connection.fetch(SECONDARY, table):
                await connection.execute(drop)
                rebuild.append((create, ()))
        await connection.execute(BOOKING_TRIGGERS.format("DISABLE"))
        await _timed("users", connection.execute(USERS, sizes.users), sizes.users)
        await _timed("addresses", connection.execute(ADDRESSES, sizes.users), sizes.users)
        common = (
            sizes.bookings,
            sizes.partners,
            capacity(sizes),
            calendar.first_day,
            calendar.today,
            sizes.services // len(CATEGORIES),
            sizes.promos,
            TIMEZONE,
        )
        chunks = [(BOOKINGS, (*common, *chunk)) for chunk in _chunks(sizes.bookings)]
        await _timed("bookings", _in_parallel(config, chunks), sizes.bookings)
        await _timed("payments", connection.execute(PAYMENTS))
        await _timed("indexes", _in_parallel(config, rebuild))
        await _timed("totals", _totals(connection))
        # As autovacuum keeps a table in service: statistics, and a visibility map that lets
        # index-only scans (the slot search's) skip the table.
        await _timed("vacuum", connection.execute("VACUUM ANALYZE"))
    finally:
        await connection.close()


async def _totals(connection: asyncpg.Connection) -> None:
    await connection.execute(PARTNER_TOTALS)
    await connection.execute(PROMO_USES)
    await connection.execute(DAY_TOTALS)
    await connection.execute(PARTNER_DAYS)
    await connection.execute(BOOKING_TRIGGERS.format("ENABLE"))


async def seed(config: BenchConfig, calendar: Calendar, password_hash: str) -> None:
    """Drop, recreate, migrate and fill the bench database, and note what it holds."""
    check(config.sizes)
    started = time.monotonic()
    print(f"Seeding {config.database} ({config.sizes}):", flush=True)
    await recreate_database(config)
    migrate(config)
    print(f"  {'migrate':<16} {time.monotonic() - started:6.1f} s", flush=True)
    await generate(config, calendar, password_hash)
    took = time.monotonic() - started
    async with connected(config) as connection:
        await connection.execute(META, calendar.today, json.dumps(asdict(config.sizes)), took)
    print(f"Seeded in {took:.1f} s.", flush=True)


META = """
CREATE TABLE bench.meta AS SELECT $1::date AS today, $2::jsonb AS sizes, $3::float8 AS seconds
"""


@dataclass(frozen=True, slots=True)
class Seeded:
    calendar: Calendar
    sizes: Sizes
    seconds: float


async def seeded(config: BenchConfig) -> Seeded:
    """What the bench database was seeded with (this run or an earlier one)."""
    try:
        async with connected(config) as connection:
            row = await connection.fetchrow("SELECT today, sizes::text, seconds FROM bench.meta")
    except (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):
        raise SystemExit(
            f"{config.database} was not seeded by the bench: drop --skip-seed"
        ) from None
    return Seeded(Calendar(row["today"]), Sizes(**json.loads(row["sizes"])), row["seconds"])
