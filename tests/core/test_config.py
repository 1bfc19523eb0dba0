import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from minuteserv.core.config import (
    DEFAULT_JWT_SECRET,
    AppEnv,
    ConfigError,
    GatewayName,
    Settings,
    SmsProviderName,
    load_settings,
)

MINUTESERV = Path(sys.executable).parent / "minuteserv"
SAFE_SECRET = "s" * 32
UNKNOWN_SMS_PROVIDER = (
    "invalid configuration: SMS_PROVIDER: Input should be 'console', 'file', 'msg91' or 'twilio'"
)
SAFE_PRODUCTION: dict[str, Any] = {
    "app_env": "production",
    "database_url": "postgresql://app:pw@db.example.com:5432/minuteserv",
    "jwt_secret": SAFE_SECRET,
    "sms_provider": "msg91",
    "msg91_auth_key": "key",
    "msg91_template_id": "template",
    "razorpay_key_id": "rzp_live_abc",
    "razorpay_key_secret": "secret",
    "razorpay_webhook_secret": "webhook-secret",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment; a developer's or CI's variables must not leak in."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def load(**overrides: Any) -> Settings:
    return load_settings(_env_file=None, **overrides)


def config_error(**overrides: Any) -> str:
    with pytest.raises(ConfigError) as raised:
        load(**overrides)
    return str(raised.value)


# --- Defaults and URL shapes ---------------------------------------------------------------


def test_defaults_are_the_embedded_set_up() -> None:
    settings = load()
    assert settings.app_env == AppEnv.DEVELOPMENT
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.database_url == "sqlite+aiosqlite:///./var/minuteserv.db"
    assert settings.sms_provider == SmsProviderName.CONSOLE
    assert settings.gateway == GatewayName.SIMULATED
    assert settings.seeds_demo_data is True
    assert settings.max_body_bytes == 65536
    assert settings.rate_limit_otp_per_phone == "5/hour"


def test_demo_data_is_off_by_default_outside_development() -> None:
    assert load(app_env="test").seeds_demo_data is False


def test_razorpay_key_selects_the_razorpay_gateway() -> None:
    assert load(razorpay_key_id="rzp_test_abc").gateway == GatewayName.RAZORPAY


@pytest.mark.parametrize(
    ("pasted", "used"),
    [
        ("postgres://app:pw@db:5432/ms", "postgresql+asyncpg://app:pw@db:5432/ms"),
        ("postgresql://app:pw@db/ms", "postgresql+asyncpg://app:pw@db/ms"),
        ("sqlite:///./var/x.db", "sqlite+aiosqlite:///./var/x.db"),
    ],
)
def test_pasted_urls_get_the_async_driver(pasted: str, used: str) -> None:
    assert load(database_url=pasted).database_url == used


def test_settings_come_from_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_PROVIDER", "file")
    monkeypatch.setenv("PORT", "9001")
    monkeypatch.setenv("CORS_ORIGINS", "https://minuteserv.in, https://admin.minuteserv.in")
    settings = load()
    assert settings.sms_provider == SmsProviderName.FILE
    assert settings.port == 9001
    assert settings.cors_origins == ["https://minuteserv.in", "https://admin.minuteserv.in"]


def test_empty_rate_limit_turns_that_limit_off() -> None:
    settings = load(rate_limit_api="")
    assert settings.rate_limit(settings.rate_limit_api) == []


# --- Malformed values name their variable ----------------------------------------------------


def test_malformed_database_url_is_refused() -> None:
    assert config_error(database_url="not a url").startswith(
        "invalid configuration: DATABASE_URL: not a database URL"
    )


def test_unsupported_database_is_refused() -> None:
    assert config_error(database_url="mysql://app@localhost/x") == (
        "invalid configuration: DATABASE_URL: only postgresql:// and sqlite:// URLs are supported"
    )


def test_unknown_sms_provider_is_refused_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SMS_PROVIDER", "carrier-pigeon")
    assert config_error() == UNKNOWN_SMS_PROVIDER


def test_non_number_port_is_refused() -> None:
    assert config_error(port="eighty").startswith("invalid configuration: PORT: ")


def test_port_out_of_range_is_refused() -> None:
    assert config_error(port=70000).startswith("invalid configuration: PORT: ")


@pytest.mark.parametrize("size", [0, 501])
def test_pool_size_out_of_range_is_refused(size: int) -> None:
    assert config_error(database_pool_size=size).startswith(
        "invalid configuration: DATABASE_POOL_SIZE: "
    )


@pytest.mark.parametrize(
    "variable",
    [
        "rate_limit_api",
        "rate_limit_otp_per_ip",
        "rate_limit_otp_per_phone",
        "rate_limit_admin_login",
    ],
)
def test_bad_rate_limit_is_refused(variable: str) -> None:
    assert config_error(**{variable: "lots"}) == (
        f"invalid configuration: {variable.upper()}: not a rate limit like '5/hour': 'lots'"
    )


def test_unknown_timezone_is_refused() -> None:
    assert config_error(timezone="Mars/Olympus") == (
        "invalid configuration: TIMEZONE: unknown time zone 'Mars/Olympus'"
    )


def test_config_error_is_one_line() -> None:
    assert "\n" not in config_error(database_url="not a url")


# --- Production refuses unsafe settings --------------------------------------------------------


def test_production_accepts_a_safe_combination() -> None:
    settings = load(**SAFE_PRODUCTION)
    assert settings.app_env == AppEnv.PRODUCTION
    assert settings.gateway == GatewayName.RAZORPAY


def test_production_refuses_the_default_jwt_secret() -> None:
    message = config_error(**{**SAFE_PRODUCTION, "jwt_secret": DEFAULT_JWT_SECRET})
    assert message == (
        "refusing to start in production: JWT_SECRET must be set to at least 32 characters"
    )


def test_production_refuses_a_short_jwt_secret() -> None:
    message = config_error(**{**SAFE_PRODUCTION, "jwt_secret": "s" * 31})
    assert message == (
        "refusing to start in production: JWT_SECRET must be set to at least 32 characters"
    )


@pytest.mark.parametrize("provider", ["console", "file"])
def test_production_refuses_sms_providers_that_only_print(provider: str) -> None:
    message = config_error(**{**SAFE_PRODUCTION, "sms_provider": provider})
    assert message == (
        f"refusing to start in production: SMS_PROVIDER={provider} only prints codes; "
        "use msg91 or twilio"
    )


def test_production_refuses_the_simulated_gateway() -> None:
    message = config_error(**{**SAFE_PRODUCTION, "payment_gateway": "simulated"})
    assert message == (
        "refusing to start in production: PAYMENT_GATEWAY=simulated takes no money; "
        "set the Razorpay keys"
    )


# --- Documentation -----------------------------------------------------------------------


def test_readme_documents_every_setting() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    configuration = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", configuration, flags=re.MULTILINE))
    assert documented == {name.upper() for name in Settings.model_fields}


# --- The CLI reports a bad setting in one line -------------------------------------------------


def test_cli_prints_one_line_and_exits_2_on_a_bad_setting(tmp_path: Path) -> None:
    environment = {
        key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields
    }
    result = subprocess.run(  # noqa: S603 - our own installed script
        [str(MINUTESERV), "migrate"],
        env={**environment, "SMS_PROVIDER": "carrier-pigeon"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == f"{UNKNOWN_SMS_PROVIDER}\n"
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []
