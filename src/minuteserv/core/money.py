"""Money: Decimal rupees rounded half-up to paise; integer paise only at the gateway boundary."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import Field, PlainSerializer, WithJsonSchema

PAISA = Decimal("0.01")


def round_paise(amount: Decimal | int | str) -> Decimal:
    return Decimal(amount).quantize(PAISA, rounding=ROUND_HALF_UP)


def to_paise(amount: Decimal | int | str) -> int:
    return int(round_paise(amount) * 100)


def from_paise(paise: int) -> Decimal:
    return round_paise(Decimal(paise) / 100)


def rupees_number(amount: Decimal) -> float:
    """An amount as clients receive it: a JSON number in rupees."""
    return float(round_paise(amount))


Rupees = Annotated[
    Decimal,
    PlainSerializer(rupees_number, return_type=float, when_used="json"),
    WithJsonSchema({"type": "number", "examples": [331.2]}),
]
"""A Decimal amount sent to clients as a JSON number in rupees (`331.2`)."""

AmountIn = Annotated[Decimal, Field(max_digits=10, decimal_places=2)]
"""An amount a client sends: rupees with at most two decimals that fit NUMERIC(10,2)."""
