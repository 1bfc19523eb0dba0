"""Which free partner gets a visit: a documented score, computed by the database, so that a
confirm ranks hundreds of partners without reading them back.

score = 0.5 * nearness + 0.3 * rating / 5 + 0.2 * (1 - load / (max_load + 1))

- nearness = 1 / (1 + km / 5) by haversine distance between the partner's last known
  position and the address; 0.5 (neutral) when either has no coordinates.
- rating is the partner's 0-5 rating (a check constraint keeps it in range).
- load is how many live bookings the partner has that day (fairness: the busy get fewer), and
  max_load the highest load among the partners ranked.
Ties go to the lower partner id, so the same input always picks the same partner.
"""

from typing import Any

import sqlalchemy as sa

DISTANCE_WEIGHT = 0.5
RATING_WEIGHT = 0.3
LOAD_WEIGHT = 0.2
NEARNESS_HALF_KM = 5.0
NEUTRAL_NEARNESS = 0.5
EARTH_RADIUS_KM = 6371.0088

Number = sa.ColumnElement[Any]


def _squared(value: Number) -> Number:
    return value * value


def haversine_km(lat1: Number, lng1: Number, lat2: Number, lng2: Number) -> Number:
    radians = sa.func.radians
    along_meridian = _squared(sa.func.sin(radians(lat2 - lat1) * 0.5))
    along_parallel = _squared(sa.func.sin(radians(lng2 - lng1) * 0.5))
    a = along_meridian + sa.func.cos(radians(lat1)) * sa.func.cos(radians(lat2)) * along_parallel
    # Rounding can push antipodes a hair past 1, out of asin's domain.
    return 2 * EARTH_RADIUS_KM * sa.func.asin(sa.func.sqrt(sa.case((a > 1.0, 1.0), else_=a)))


def nearness(partner_lat: Number, partner_lng: Number, lat: Number, lng: Number) -> Number:
    unknown = sa.or_(partner_lat.is_(None), partner_lng.is_(None), lat.is_(None), lng.is_(None))
    km = haversine_km(partner_lat, partner_lng, lat, lng)
    return sa.case((unknown, NEUTRAL_NEARNESS), else_=1.0 / (1.0 + km / NEARNESS_HALF_KM))


def score(
    *,
    rating: Number,
    day_load: Number,
    partner_lat: Number,
    partner_lng: Number,
    lat: Number,
    lng: Number,
) -> Number:
    """The score of a row of partners ranked together: `day_load`'s highest is taken over
    them all (a window), so the expression belongs in a query's select list."""
    max_load = sa.func.max(day_load).over()
    return (
        DISTANCE_WEIGHT * nearness(partner_lat, partner_lng, lat, lng)
        + RATING_WEIGHT / 5 * rating
        + LOAD_WEIGHT * (1.0 - sa.cast(day_load, sa.Float) / (max_load + 1.0))
    )
