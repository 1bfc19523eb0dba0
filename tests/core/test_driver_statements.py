"""Statements run by `driver_rows` on a request's connection (confirm's reads, locks and
writes): inside that connection's transaction, with SQLAlchemy's processing of parameters, and
with a refused row reported as SQLAlchemy reports it."""

import pytest
import sqlalchemy as sa

from minuteserv.core.reader import driver_rows, insert_record, insert_records
from minuteserv.partners.models import Partner
from tests.conftest import TestDatabase
from tests.factories import create_partner, reload

TRANSACTION_ID = sa.text("SELECT txid_current() AS id")


@pytest.mark.postgresql_only
async def test_the_first_statement_of_a_request_opens_its_transaction(
    committing_database: TestDatabase,
) -> None:
    """SQLAlchemy sends BEGIN lazily, with its own first statement: a write sent by the driver
    before any would otherwise commit on its own, and survive a rollback."""
    partner = Partner(partner_code="PT-DRIVER-1", name="Rina", phone_number="+919700000001")
    async with committing_database.sessionmaker() as session:
        connection = await session.connection()
        await insert_record(connection, with_every_column(partner))
        driver_ids = {(await driver_rows(connection, TRANSACTION_ID))[0]["id"] for _ in range(2)}
        sqlalchemy_id = await connection.scalar(TRANSACTION_ID)
        await session.rollback()

    async with committing_database.sessionmaker() as session:
        assert await reload(session, Partner, partner.id) is None
    assert driver_ids == {sqlalchemy_id}


@pytest.mark.postgresql_only
async def test_a_write_on_a_connection_of_its_own_is_kept_once_committed(
    committing_database: TestDatabase,
) -> None:
    """On a connection outside any session, the driver's write joins the transaction that
    SQLAlchemy commits, rather than one SQLAlchemy does not know of."""
    partner = Partner(partner_code="PT-DRIVER-4", name="Tania", phone_number="+919700000004")
    engine = committing_database.sessionmaker.kw["bind"]
    async with engine.connect() as connection:
        await insert_record(connection, with_every_column(partner))
        await connection.commit()

    async with committing_database.sessionmaker() as session:
        assert await reload(session, Partner, partner.id) is not None


async def test_parameters_go_to_the_database_as_sqlalchemy_would_send_them(
    database: TestDatabase,
) -> None:
    """JSON, booleans and numbers written by the driver read back through the ORM as written."""
    partner = Partner(
        partner_code="PT-DRIVER-2",
        name="Mou",
        phone_number="+919700000002",
        service_categories=["Facial", "Waxing"],
        rating=4.25,
        is_available=False,
    )
    async with database.sessionmaker() as session:
        await insert_record(await session.connection(), with_every_column(partner))
        await session.commit()

    async with database.sessionmaker() as session:
        stored = await reload(session, Partner, partner.id)
    assert stored is not None
    assert (stored.service_categories, stored.rating, stored.is_available) == (
        ["Facial", "Waxing"],
        4.25,
        False,
    )


async def test_a_row_the_database_refuses_is_an_integrity_error_on_a_sound_connection(
    database: TestDatabase,
) -> None:
    async with database.sessionmaker() as session:
        taken = await create_partner(session)
    twin = Partner(partner_code=taken.partner_code, name="Twin", phone_number="+919700000003")

    async with database.sessionmaker() as session:
        with pytest.raises(sa.exc.IntegrityError):
            await insert_record(await session.connection(), with_every_column(twin))
        await session.rollback()
        still = await driver_rows(
            await session.connection(),
            sa.select(Partner.name).where(Partner.id == sa.bindparam("id")),
            {"id": taken.id},
        )

    assert [row["name"] for row in still] == [taken.name]


# The condition's parameter is named like a column of the update's table, which must not
# change it.
CODE_UNUSED = ~sa.exists(
    sa.select(Partner.id).where(Partner.partner_code == sa.bindparam("partner_code"))
)
RENAME = sa.update(Partner).where(Partner.id == sa.bindparam("renamed")).values(name="Renamed")


@pytest.mark.parametrize("condition_holds", [True, False])
async def test_records_are_written_together_only_if_their_condition_holds(
    database: TestDatabase, condition_holds: bool
) -> None:
    """`insert_records` writes every row and runs its update when the condition holds, and
    none of it when it does not, saying which; the update takes only its own parameters."""
    async with database.sessionmaker() as session:
        existing = await create_partner(session)
    pair = [
        with_every_column(Partner(partner_code=f"PT-PAIR-{n}", name="Pair", phone_number=phone))
        for n, phone in enumerate(("+919700000005", "+919700000006"))
    ]
    code = "PT-NOBODY" if condition_holds else existing.partner_code

    async with database.sessionmaker() as session:
        written = await insert_records(
            await session.connection(),
            pair,
            only_if=CODE_UNUSED,
            then=RENAME,
            params={"partner_code": code, "renamed": existing.id},
        )
        await session.commit()

    async with database.sessionmaker() as session:
        stored = [await reload(session, Partner, partner.id) for partner in pair]
        renamed = await reload(session, Partner, existing.id)
    assert written is condition_holds
    assert [partner is not None for partner in stored] == [condition_holds] * 2
    assert renamed is not None
    assert (renamed.name == "Renamed", renamed.partner_code) == (
        condition_holds,
        existing.partner_code,
    )


@pytest.mark.postgresql_only
async def test_records_written_together_refuse_a_value_too_long_rather_than_cut_it(
    database: TestDatabase,
) -> None:
    """The rows are selected from cast parameters; a cast to VARCHAR(15) would cut a phone
    number to fit, where the insert itself refuses it."""
    too_long = with_every_column(
        Partner(partner_code="PT-LONG", name="Long", phone_number="+91970000000712345")
    )

    async with database.sessionmaker() as session:
        with pytest.raises(sa.exc.DataError, match="too long"):
            await insert_records(
                await session.connection(),
                [too_long],
                only_if=CODE_UNUSED,
                params={"partner_code": "PT-NOBODY"},
            )


def with_every_column(partner: Partner) -> Partner:
    """`insert_record` writes each column as set: give the ones the ORM would default."""
    for column in Partner.__table__.columns:
        if getattr(partner, column.key) is None and column.default is not None:
            default = column.default.arg  # type: ignore[attr-defined]
            setattr(partner, column.key, default(None) if callable(default) else default)
    return partner
