"""Settings: a TOML file, overridden by the environment, validated at start."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Language = Literal["zh-Hans", "zh-Hant", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-Hans", "zh-Hant", "en")
DEFAULT_DATABASE_URL = "sqlite:///linli.db"


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line for the operator."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GeneralSettings(_Section):
    """Settings that apply everywhere."""

    timezone: str = "Asia/Shanghai"
    default_language: Language = "zh-Hans"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone such as Asia/Shanghai") from exc
        return value


class DatabaseSettings(_Section):
    """Where the data lives."""

    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _looks_like_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("a database URL such as sqlite:///linli.db")
        return value


class TelegramSettings(_Section):
    """The Telegram bot."""

    token: str = ""
    base_url: str = ""


class SchedulerSettings(_Section):
    """The live scheduler."""

    tick_seconds: float = Field(default=20.0, gt=0, le=3600)


class Settings(_Section):
    """Every setting of Linli."""

    general: GeneralSettings = GeneralSettings()
    database: DatabaseSettings = DatabaseSettings()
    telegram: TelegramSettings = TelegramSettings()
    scheduler: SchedulerSettings = SchedulerSettings()

    @property
    def zone(self) -> ZoneInfo:
        """The community's time zone."""
        return ZoneInfo(self.general.timezone)


ENVIRONMENT_OVERRIDES: dict[str, tuple[str, str]] = {
    "LINLI_DATABASE_URL": ("database", "url"),
    "LINLI_TELEGRAM_TOKEN": ("telegram", "token"),
    "LINLI_TELEGRAM_BASE_URL": ("telegram", "base_url"),
    "LINLI_TIMEZONE": ("general", "timezone"),
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
