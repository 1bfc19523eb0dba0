"""Which free partner gets a visit: a documented score, pure and deterministic.

score = 0.5 * nearness + 0.3 * rating / 5 + 0.2 * (1 - load / (max_load + 1))

- nearness = 1 / (1 + km / 5) by haversine distance between the partner's last known
  position and the address; 0.5 (neutral) when either has no coordinates.
- rating is the partner's 0-5 rating.
- load is how many live bookings the partner has that day (fairness: the busy get fewer).
Ties go to the lower partner id, so the same input always picks the same partner.
"""

import math
import uuid
from collections.abc import Sequence
from typing import NamedTuple

DISTANCE_WEIGHT = 0.5
RATING_WEIGHT = 0.3
LOAD_WEIGHT = 0.2
NEARNESS_HALF_KM = 5.0
NEUTRAL_NEARNESS = 0.5
EARTH_RADIUS_KM = 6371.0088


class Candidate(NamedTuple):
    """A free partner as the score sees them (a tuple: a confirm ranks hundreds)."""

    partner_id: uuid.UUID
    rating: float
    day_load: int
    lat: float | None
    lng: float | None


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def nearness(candidate: Candidate, lat: float | None, lng: float | None) -> float:
    if None in (candidate.lat, candidate.lng, lat, lng):
        return NEUTRAL_NEARNESS
    km = haversine_km(candidate.lat, candidate.lng, lat, lng)  # type: ignore[arg-type]
    return 1 / (1 + km / NEARNESS_HALF_KM)


def score(candidate: Candidate, *, lat: float | None, lng: float | None, max_load: int) -> float:
    return (
        DISTANCE_WEIGHT * nearness(candidate, lat, lng)
        + RATING_WEIGHT * min(max(candidate.rating, 0.0), 5.0) / 5
        + LOAD_WEIGHT * (1 - candidate.day_load / (max_load + 1))
    )


def rank(
    candidates: Sequence[Candidate], *, lat: float | None, lng: float | None
) -> list[Candidate]:
    """Best first."""
    max_load = max((candidate.day_load for candidate in candidates), default=0)
    return sorted(
        candidates, key=lambda c: (-score(c, lat=lat, lng=lng, max_load=max_load), c.partner_id)
    )
