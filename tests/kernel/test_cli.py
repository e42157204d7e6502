"""The operator's command line: db, grid and role commands, and config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.support.postgres_server import PostgresServer


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_db_upgrade_then_grid_add_and_show(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    code, out, _ = _run("db", "upgrade", "--db", url)
    assert code == 0 and "revision" in out
    code, out, _ = _run("grid", "add", "文化路街道/红旗里社区/1号院/3号楼/2单元", "--db", url)
    assert code == 0 and out.startswith("unit: ")
    code, out, _ = _run("grid", "show", "1号院", "--db", url)
    assert code == 0
    assert out.splitlines() == ["1号院  [estate]", "  3号楼  [building]", "    2单元  [unit]"]


def test_role_grant_makes_the_first_secretary_and_revoke_takes_it_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    _run("grid", "add", "文化路街道/红旗里社区", "--db", url)
    code, out, _ = _run("role", "grant", "console:u1", "secretary", "红旗里社区", "--db", url)
    assert code == 0 and "granted" in out
    code, _, err = _run("role", "grant", "console:u1", "书记", "红旗里社区", "--db", url)
    assert code == 2 and "already" in err
    code, out, _ = _run("role", "revoke", "console:u1", "secretary", "红旗里社区", "--db", url)
    assert code == 0 and "revoked" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["role", "grant", "u1", "secretary", "红旗里社区"], "identity must be"),
        (["role", "grant", "console:u1", "king", "红旗里社区"], 'There is no role "king"'),
        (["role", "grant", "console:u1", "secretary", "文化路街道"], "held at a community"),
        (["role", "grant", "console:u1", "secretary", "火星"], "cannot find the place"),
        (["grid", "add", "a/b/c/d/e/f/g"], "at most 6 levels"),
    ],
)
def test_operator_mistakes_get_one_clear_line(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    _run("grid", "add", "文化路街道/红旗里社区", "--db", url)
    code, _, err = _run(*args, "--db", url)
    assert code == 2 and expected in err and err.count("\n") == 1


def test_a_bad_config_stops_with_one_line_naming_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[general]\ntimezone = "Nowhere/Else"\n', encoding="utf-8")
    code, _, err = _run("grid", "show", "--config", str(config))
    assert code == 2
    assert err.startswith(f"linli: {config}: [general] timezone: expected an IANA time zone")


@pytest.mark.postgres
def test_an_unmigrated_postgresql_is_refused_with_the_command_to_run(
    postgres_server: PostgresServer,
) -> None:
    postgres_server.execute("CREATE DATABASE linli_cli_unmigrated")
    url = postgres_server.url("linli_cli_unmigrated")
    code, _, err = _run("grid", "show", "--db", url)
    assert code == 2 and "linli db upgrade" in err
    code, _, _ = _run("db", "upgrade", "--db", url)
    assert code == 0
    code, _, err = _run("grid", "add", "文化路街道", "--db", url)
    assert code == 0, err
