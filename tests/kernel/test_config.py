"""Settings: TOML, environment overrides, and one clear line for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_config_is_valid_and_matches_the_defaults() -> None:
    assert load_settings(ROOT / "config.example.toml", environ={}) == load_settings(environ={})


def test_environment_overrides_the_file_for_secrets(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[telegram]\ntoken = "from-file"\n', encoding="utf-8")
    settings = load_settings(path, environ={"LINLI_TELEGRAM_TOKEN": "123:abc"})
    assert settings.telegram.token == "123:abc"


def test_explicit_overrides_beat_the_environment() -> None:
    settings = load_settings(
        environ={"LINLI_DATABASE_URL": "sqlite:///a.db"},
        overrides={("database", "url"): "sqlite:///b.db"},
    )
    assert settings.database.url == "sqlite:///b.db"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[general]\ntimezone = "Mars/Olympus"\n', "[general] timezone: expected an IANA"),
        ('[general]\ndefault_language = "fr"\n', "[general] default_language:"),
        ('[database]\nurl = "linli.db"\n', "[database] url: expected a database URL"),
        ('[telegram]\ntokn = "x"\n', "[telegram] tokn: unknown setting"),
        ("[scheduler]\ntick_seconds = -1\n", "[scheduler] tick_seconds:"),
        ("[general\n", "not valid TOML"),
    ],
)
def test_a_bad_key_names_the_file_the_key_and_what_is_expected(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert message.startswith(str(path))
    assert expected in message
    assert "\n" not in message


def test_a_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", environ={})
