"""Settings: a TOML file, overridden by the environment, validated at start; composes features'."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from sqlalchemy.engine import make_url

from bot.services.common.settings import Section
from bot.services.deliberation.settings import DeliberationSettings as DeliberationSettings
from bot.services.volunteering.settings import VolunteeringSettings as VolunteeringSettings

Language = Literal["zh-Hans", "zh-Hant", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-Hans", "zh-Hant", "en")
DEFAULT_DATABASE_URL = "sqlite:///linli.db"
# Used when no secret is configured: fine for the console and tests, never for production.
DEVELOPMENT_SECRET = "linli-development-secret-not-for-production"


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


class GeneralSettings(Section):
    """Settings that apply everywhere."""

    timezone: str = "Asia/Shanghai"
    default_language: Language = "zh-Hans"
    data_dir: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone such as Asia/Shanghai") from exc
        return value


class DatabaseSettings(Section):
    """Where the data lives."""

    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _looks_like_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("a database URL such as sqlite:///linli.db")
        return value


class TelegramSettings(Section):
    """The Telegram bot."""

    token: str = ""
    base_url: str = ""
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: str = ""
    admin_cache_seconds: float = Field(default=300.0, ge=0)
    poll_interval: float = Field(default=0.0, ge=0, le=60)


class WeChatSettings(Section):
    """The WeChat account, reached through a Wechaty puppet service; cautious sending."""

    endpoint: str = ""
    token: str = ""
    min_seconds_per_room: float = Field(default=3.0, ge=0, le=3600)
    max_per_minute: int = Field(default=20, ge=1, le=600)
    jitter_seconds: float = Field(default=1.0, ge=0, le=60)

    @field_validator("endpoint")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if value and not (host and port.isdigit() and 0 < int(port) < 65536):
            raise ValueError("host:port, such as 127.0.0.1:8788")
        return value


class SchedulerSettings(Section):
    """The live scheduler."""

    tick_seconds: float = Field(default=20.0, gt=0, le=3600)


_QUIET_SPAN = re.compile(r"((?:[01]\d|2[0-3]):[0-5]\d)-((?:[01]\d|2[0-3]):[0-5]\d)")


class DeliverySettings(Section):
    """What the database keeps of delivery: handled updates, sent messages, buttons."""

    # Telegram redelivers unconfirmed updates within a day; a week covers any restart.
    keep_updates_days: int = Field(default=7, ge=2, le=3650)
    keep_sent_days: int = Field(default=30, ge=1, le=3650)
    keep_buttons_days: int = Field(default=90, ge=1, le=3650)
    # Private pushes wait out these hours (in the community's time zone); "" for none.
    quiet_hours: str = "21:30-07:30"

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_span(cls, value: str) -> str:
        span = _QUIET_SPAN.fullmatch(value)
        if value and (span is None or span.group(1) == span.group(2)):
            raise ValueError('two different times of day such as "21:30-07:30", or "" for none')
        return value


class SecuritySettings(Section):
    """Secrets the server keeps."""

    secret: str = ""


class Settings(Section):
    """Every setting of Linli."""

    general: GeneralSettings = GeneralSettings()
    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    wechat: WeChatSettings = WeChatSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    delivery: DeliverySettings = DeliverySettings()
    security: SecuritySettings = SecuritySettings()
    deliberation: DeliberationSettings = DeliberationSettings()
    volunteering: VolunteeringSettings = VolunteeringSettings()

    @property
    def zone(self) -> ZoneInfo:
        """The community's time zone."""
        return ZoneInfo(self.general.timezone)

    @property
    def secret(self) -> bytes:
        """The server's secret (keys anonymous ballots); a fixed development value when unset."""
        return (self.security.secret or DEVELOPMENT_SECRET).encode()

    @property
    def data_path(self) -> Path:
        """Where files (result charts) go: data_dir, else linli-data beside the SQLite file."""
        if self.general.data_dir:
            return Path(self.general.data_dir)
        url = make_url(self.database.url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).parent / "linli-data"
        return Path("linli-data")

    @property
    def received_path(self) -> Path:
        """Where pictures and files received from WeChat are kept (see PruneReceivedFiles)."""
        return self.data_path / "wechat-files"


ENVIRONMENT_OVERRIDES: dict[str, tuple[str, str]] = {
    "LINLI_DATABASE_URL": ("database", "url"),
    "LINLI_TELEGRAM_TOKEN": ("telegram", "token"),
    "LINLI_TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "LINLI_TELEGRAM_WEBHOOK_SECRET": ("telegram", "webhook_secret"),
    # Several workers behind one proxy: each listens on a port of its own.
    "LINLI_TELEGRAM_WEBHOOK_URL": ("telegram", "webhook_url"),
    "LINLI_TELEGRAM_WEBHOOK_PORT": ("telegram", "webhook_port"),
    # The Wechaty standard names first, so that Linli's own names win when both are set.
    "WECHATY_PUPPET_SERVICE_ENDPOINT": ("wechat", "endpoint"),
    "WECHATY_PUPPET_SERVICE_TOKEN": ("wechat", "token"),
    "LINLI_WECHAT_ENDPOINT": ("wechat", "endpoint"),
    "LINLI_WECHAT_TOKEN": ("wechat", "token"),
    "LINLI_TIMEZONE": ("general", "timezone"),
    "LINLI_SECRET": ("security", "secret"),
}


def load_settings(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[tuple[str, str], str] | None = None,
) -> Settings:
    """Read `path` (or built-in defaults), apply the environment and explicit overrides."""
    environ = os.environ if environ is None else environ
    source = str(path) if path else "defaults"
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for variable, (section, key) in ENVIRONMENT_OVERRIDES.items():
        if environ.get(variable):
            raw.setdefault(section, {})[key] = environ[variable]
    for (section, key), value in (overrides or {}).items():
        raw.setdefault(section, {})[key] = value
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_first_problem(source, exc)) from None


def _first_problem(source: str, exc: ValidationError) -> str:
    error = exc.errors()[0]
    location = [str(part) for part in error["loc"]]
    section, key = (location[0], ".".join(location[1:])) if len(location) > 1 else ("", location[0])
    where = f"[{section}] {key}" if section else key
    if error["type"] == "extra_forbidden":
        return f"{source}: {where}: unknown setting"
    if error["type"] == "missing":
        return f"{source}: {where}: missing"
    message = str(error["msg"])
    if error["type"] == "value_error":
        message = "expected " + message.removeprefix("Value error, ")
    return f"{source}: {where}: {message} (got {error.get('input')!r})"
