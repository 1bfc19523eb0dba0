"""Settings from the environment (and an optional `.env`); the names are part of the contract."""

from datetime import time
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import RateLimitItem, parse_many
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_JWT_SECRET = "dev-only-secret-change-me-before-production"  # noqa: S105 - refused when APP_ENV=production
MIN_PRODUCTION_SECRET_LENGTH = 32
RAZORPAY_PUBLIC_API = "https://api.razorpay.com"


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SmsProviderName(StrEnum):
    CONSOLE = "console"
    FILE = "file"
    MSG91 = "msg91"
    TWILIO = "twilio"


SMS_PROVIDER_CREDENTIALS = {
    SmsProviderName.MSG91: ("msg91_auth_key", "msg91_template_id"),
    SmsProviderName.TWILIO: ("twilio_account_sid", "twilio_auth_token", "twilio_from_number"),
}


class GatewayName(StrEnum):
    RAZORPAY = "razorpay"
    SIMULATED = "simulated"


class ConfigError(Exception):
    """A setting is malformed or unsafe; the message is one line naming the variable."""


def _async_database_url(value: str) -> str:
    """Accept the URL shapes people paste (`postgres://`, `postgresql://`); pick async drivers."""
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(f"not a database URL ({exc})") from None
    backend = url.get_backend_name()
    if backend == "postgresql" or url.drivername == "postgres":
        url = url.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError("only postgresql:// and sqlite:// URLs are supported")
    return url.render_as_string(hide_password=False)


def _rate_limit(value: str) -> str:
    if value.strip():
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"not a rate limit like '5/hour': {value!r}") from None
    return value.strip()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    app_env: AppEnv = AppEnv.DEVELOPMENT
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    database_url: str = "sqlite+aiosqlite:///./var/minuteserv.db"
    database_pool_size: int = Field(20, ge=1, le=500)
    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_ttl_seconds: int = Field(7 * 24 * 3600, gt=0)
    jwt_issuer: str = "minuteserv"

    payment_gateway: GatewayName | None = None
    razorpay_key_id: str = ""
    razorpay_key_secret: str = ""
    razorpay_webhook_secret: str = ""
    razorpay_api_base: str = RAZORPAY_PUBLIC_API
    gateway_timeout_seconds: float = Field(10.0, gt=0)

    sms_provider: SmsProviderName = SmsProviderName.CONSOLE
    sms_outbox: str = "./var/sms-outbox.jsonl"
    sms_timeout_seconds: float = Field(10.0, gt=0)
    msg91_auth_key: str = ""
    msg91_template_id: str = ""
    msg91_api_base: str = "https://control.msg91.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_api_base: str = "https://api.twilio.com"

    redis_url: str = ""
    cors_origins: Annotated[list[str], NoDecode] = []
    seed_demo_data: bool | None = None
    tax_rate: Decimal = Field(Decimal("0.18"), ge=0, le=1)
    partner_share: Decimal = Field(Decimal("0.70"), ge=0, le=1)
    slot_start: time = time(8, 0)
    slot_end: time = time(20, 0)
    slot_step_minutes: int = Field(30, gt=0, le=240)
    timezone: str = "Asia/Kolkata"
    preview_ttl_seconds: int = Field(900, gt=0)
    payment_hold_seconds: int = Field(900, gt=0)
    free_cancel_hours: int = Field(2, ge=0)
    late_cancel_fee_percent: Decimal = Field(Decimal(20), ge=0, le=100)
    travel_buffer_minutes: int = Field(30, ge=0, le=240)
    min_lead_minutes: int = Field(60, ge=0)
    max_days_ahead: int = Field(30, gt=0, le=365)
    worker_interval_seconds: float = Field(15.0, gt=0)
    embedded_worker: bool | None = None
    max_body_bytes: int = Field(65536, gt=0)

    otp_ttl_seconds: int = Field(300, gt=0)
    otp_max_attempts: int = Field(5, gt=0)
    otp_resend_cooldown_seconds: int = Field(30, ge=0)

    rate_limit_api: str = "100/15minutes"
    rate_limit_otp_per_ip: str = "20/hour"
    rate_limit_otp_per_phone: str = "5/hour"
    rate_limit_admin_login: str = "10/15minutes"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return _async_database_url(value)

    @field_validator(
        "rate_limit_api",
        "rate_limit_otp_per_ip",
        "rate_limit_otp_per_phone",
        "rate_limit_admin_login",
    )
    @classmethod
    def _rate_limits(cls, value: str) -> str:
        return _rate_limit(value)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("razorpay_api_base", "msg91_api_base", "twilio_api_base")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _slot_window(self) -> Self:
        if self.slot_start >= self.slot_end:
            raise ValueError("SLOT_START must be before SLOT_END")
        return self

    @model_validator(mode="after")
    def _sms_credentials(self) -> Self:
        for name in SMS_PROVIDER_CREDENTIALS.get(self.sms_provider, ()):
            if not getattr(self, name):
                raise ValueError(
                    f"{name.upper()} must be set when SMS_PROVIDER={self.sms_provider}"
                )
        return self

    @cached_property
    def gateway(self) -> GatewayName:
        if self.payment_gateway is not None:
            return self.payment_gateway
        return GatewayName.RAZORPAY if self.razorpay_key_id else GatewayName.SIMULATED

    @cached_property
    def seeds_demo_data(self) -> bool:
        if self.seed_demo_data is not None:
            return self.seed_demo_data
        return self.app_env == AppEnv.DEVELOPMENT

    @cached_property
    def runs_embedded_worker(self) -> bool:
        """Background jobs inside `serve`: on by default for the embedded SQLite set-up."""
        return self.embedded_worker if self.embedded_worker is not None else self.is_sqlite

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @cached_property
    def database(self) -> URL:
        return make_url(self.database_url)

    def rate_limit(self, value: str) -> list[RateLimitItem]:
        """Parse one of the RATE_LIMIT_* values; an empty value means no limit."""
        return parse_many(value) if value else []

    def unsafe_for_production(self) -> list[str]:
        """Why these settings must not serve real customers (empty when they may)."""
        problems = []
        if self.jwt_secret == DEFAULT_JWT_SECRET or len(self.jwt_secret) < 32:
            problems.append(
                f"JWT_SECRET must be set to at least {MIN_PRODUCTION_SECRET_LENGTH} characters"
            )
        if self.sms_provider in (SmsProviderName.CONSOLE, SmsProviderName.FILE):
            problems.append(
                f"SMS_PROVIDER={self.sms_provider} only prints codes; use msg91 or twilio"
            )
        if self.gateway == GatewayName.SIMULATED:
            problems.append("PAYMENT_GATEWAY=simulated takes no money; set the Razorpay keys")
        return problems


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    variable = "_".join(str(part) for part in first["loc"]).upper() or "settings"
    message = first["msg"].removeprefix("Value error, ")
    return f"{variable}: {message}"


def load_settings(**overrides: object) -> Settings:
    """Read and check the settings; raise ConfigError with one line naming the variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(f"invalid configuration: {_describe(error)}") from None
    if settings.app_env == AppEnv.PRODUCTION and (problems := settings.unsafe_for_production()):
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
    return settings
