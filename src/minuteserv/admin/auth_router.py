from fastapi import APIRouter, Depends

from minuteserv.admin import service
from minuteserv.admin.schemas import AdminLoginRequest, AdminOut, AdminSignedIn
from minuteserv.core import clock
from minuteserv.core.db import SessionDep
from minuteserv.core.deps import ClientIpDep, RateLimiterDep, SettingsDep
from minuteserv.core.envelope import Envelope, error_responses

router = APIRouter(prefix="/auth", tags=["admin"])


async def limit_login_attempts(
    body: AdminLoginRequest, limiter: RateLimiterDep, client_ip: ClientIpDep, settings: SettingsDep
) -> None:
    """Per email and per IP, so neither one account nor one machine can guess at speed."""
    limits = settings.rate_limit(settings.rate_limit_admin_login)
    message = "Too many sign-in attempts; try again later."
    await limiter.hit(limits, "admin-login-email", body.email.lower(), message=message)
    await limiter.hit(limits, "admin-login-ip", client_ip, message=message)


@router.post(
    "/login",
    response_model=Envelope[AdminSignedIn],
    responses=error_responses(401, 422, 429),
    dependencies=[Depends(limit_login_attempts)],
)
async def login(
    body: AdminLoginRequest, session: SessionDep, settings: SettingsDep
) -> Envelope[AdminSignedIn]:
    """Sign an admin or support agent in; unknown email and wrong password answer alike."""
    admin, token = await service.login(
        session, email=body.email, password=body.password, settings=settings, now=clock.now()
    )
    return Envelope(
        data=AdminSignedIn(
            token=token, expires_in=settings.jwt_ttl_seconds, admin=AdminOut.model_validate(admin)
        )
    )
