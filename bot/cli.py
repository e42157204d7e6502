"""The operator's command line: `linli db|grid|role|console|demo`."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from bot import demo, logs, migrate, runner
from bot.adapters.console import (
    ConsoleChat,
    console_platform,
    read_stdin,
    run_interactive,
    run_jsonl,
)
from bot.app import bootstrap, prepare_database
from bot.clock import SystemClock, VirtualClock
from bot.config import DEVELOPMENT_SECRET, LANGUAGES, ConfigError, Settings, load_settings
from bot.db import Database, make_engine
from bot.errors import DomainError
from bot.rendering import Renderer, to_plain
from bot.routing import Router
from bot.services.community import roles
from bot.services.community.grid import add_path, full_name, render_tree, resolve_place
from bot.services.community.grid_import import BadRows, GridFileError, import_grid, read_grid_file
from bot.services.community.people import ensure_identity
from bot.services.points import export as points_files
from handlers.registry import COMMANDS
from models import PlaceKind

F = TypeVar("F", bound=Callable[..., Any])


def _settings(config: str | None, db: str | None) -> Settings:
    path = config or os.environ.get("LINLI_CONFIG")
    if path is None and Path("config.toml").exists():
        path = "config.toml"
    overrides = {("database", "url"): db} if db else None
    return load_settings(Path(path) if path else None, overrides=overrides)


def common(function: F) -> F:
    """The --db and --config options every command takes."""
    function = click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False),
        help="TOML settings file (default: $LINLI_CONFIG or ./config.toml).",
    )(function)
    return click.option(
        "--db", "db", help="Database URL; overrides the config and $LINLI_DATABASE_URL."
    )(function)


def _fail(message: str) -> None:
    click.echo(f"linli: {message}", err=True)
    sys.exit(2)


def _open(config: str | None, db: str | None) -> tuple[Settings, Database]:
    try:
        settings = _settings(config, db)
        return settings, prepare_database(settings.database.url)
    except ConfigError as exc:
        _fail(str(exc))
    except migrate.SchemaNotMigrated as exc:
        _fail(
            f"the database schema is not up to date (it is at {exc}); run "
            "`linli db upgrade` with the same --db/--config first"
        )
    raise AssertionError("unreachable")


def _explain(error: DomainError) -> str:
    return to_plain(Renderer(Router(COMMANDS)).markup(error.key, error.data, "en"))


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
def main(verbose: bool) -> None:
    """Linli (邻里): neighbourhood circles on Telegram, WeChat and the console."""
    logs.configure(verbose)


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@common
def db_upgrade(config: str | None, db: str | None) -> None:
    """Migrate the database to the newest schema."""
    try:
        settings = _settings(config, db)
    except ConfigError as exc:
        _fail(str(exc))
        return
    engine = make_engine(settings.database.url)
    migrate.upgrade(engine)
    click.echo(f"database at revision {migrate.current_revision(engine)}")
    engine.dispose()


@main.group()
def grid() -> None:
    """Places of the community grid."""


@grid.command("add")
@click.argument("path")
@common
def grid_add(path: str, config: str | None, db: str | None) -> None:
    """Create a place and every missing level above it (street/community/estate/...)."""
    _, database = _open(config, db)
    try:
        with database.transaction() as session:
            place = add_path(session, path)
            click.echo(f"{place.kind.value}: {full_name(session, place)}")
    except DomainError as exc:
        _fail(_explain(exc))


@grid.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and skip the bad ones.")
@common
def grid_import(file: Path, skip_bad: bool, config: str | None, db: str | None) -> None:
    """Import places (and optionally households) from a CSV or XLSX FILE, one row per unit."""
    try:
        grid_file = read_grid_file(file)
    except GridFileError as exc:
        _fail(str(exc))
        return
    database = _open(config, db)[1]
    try:
        with database.transaction() as session:
            result = import_grid(session, grid_file, skip_bad=skip_bad)
    except BadRows as exc:
        for bad in exc.rows:
            click.echo(str(bad), err=True)
        _fail(
            f"nothing was imported: {len(exc.rows)} bad row{'' if len(exc.rows) == 1 else 's'};"
            " fix the file or pass --skip-bad"
        )
        return
    for bad in result.skipped:
        click.echo(f"skipped {bad}", err=True)
    click.echo(result.summary())


@grid.command("show")
@click.argument("path", required=False)
@common
def grid_show(path: str | None, config: str | None, db: str | None) -> None:
    """Print the grid as a tree, or the part under PATH."""
    _, database = _open(config, db)
    try:
        with database.transaction() as session:
            for line in render_tree(session, path):
                click.echo(line)
    except DomainError as exc:
        _fail(_explain(exc))


@main.group()
def points() -> None:
    """Points (积分) of a community."""


@points.command("export")
@click.option("--community", "community", required=True, help="The community's name or path.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.xlsx (ledger and balances sheets) or FILE.csv (the ledger; balances beside it).",
)
@common
def export_points(community: str, out: Path, config: str | None, db: str | None) -> None:
    """Write a community's points ledger and balances to FILE, as its extension says."""
    if out.suffix.lower() not in points_files.FORMATS:
        _fail(f"{out.name}: the file must end in .csv or .xlsx")
    settings, database = _open(config, db)
    try:
        with database.transaction() as session:
            place = resolve_place(session, community)
            if place.kind != PlaceKind.COMMUNITY:
                _fail(f"{full_name(session, place)} is a {place.kind.value}, not a community")
            done = points_files.write(session, place, settings.zone, out)
    except DomainError as exc:
        _fail(_explain(exc))
        return
    files = ", ".join(str(path) for path in done.files)
    click.echo(f"{done.entries} entries and {done.accounts} accounts written to {files}")


@main.group()
def role() -> None:
    """Roles of platform identities (how the first secretary is made)."""


def _change_role(
    grant: bool, identity: str, role_name: str, path: str, config: str | None, db: str | None
) -> None:
    platform, _, external = identity.partition(":")
    if platform not in ("telegram", "wechat", "console") or not external:
        _fail("identity must be telegram:<id>, wechat:<id> or console:<id>")
    database = _open(config, db)[1]
    now = SystemClock().now()
    try:
        with database.transaction() as session:
            wanted = roles.parse_role(role_name)
            scope = roles.scope_at(session, wanted, resolve_place(session, path))
            target = ensure_identity(session, platform, external, external, now).resident
            change = roles.grant if grant else roles.revoke
            change(session, now, target, wanted, scope, roles.OPERATOR)
    except DomainError as exc:
        _fail(_explain(exc))
    verb = "granted" if grant else "revoked"
    click.echo(f"{verb}: {identity} {wanted.value} at {path}")


@role.command("grant")
@click.argument("identity")
@click.argument("role_name", metavar="ROLE")
@click.argument("path")
@common
def role_grant(
    identity: str, role_name: str, path: str, config: str | None, db: str | None
) -> None:
    """Grant ROLE to IDENTITY (e.g. console:u1) at the place PATH."""
    _change_role(True, identity, role_name, path, config, db)


@role.command("revoke")
@click.argument("identity")
@click.argument("role_name", metavar="ROLE")
@click.argument("path")
@common
def role_revoke(
    identity: str, role_name: str, path: str, config: str | None, db: str | None
) -> None:
    """Revoke ROLE of IDENTITY at the place PATH."""
    _change_role(False, identity, role_name, path, config, db)


def _start_time(now: str | None, settings: Settings) -> datetime:
    if now is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(now)
    except ValueError:
        _fail(f"--now: not an ISO-8601 time: {now!r}")
        raise
    return when if when.tzinfo else when.replace(tzinfo=settings.zone)


@main.command()
@click.option("--jsonl", is_flag=True, help="JSON lines on stdin/stdout (docs/console-protocol.md)")
@click.option("--now", help="The virtual clock's start (ISO-8601); default: now.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Default language.")
@click.option(
    "--style",
    type=click.Choice(["buttons", "text"]),
    default="buttons",
    help="buttons (like Telegram) or text (like WeChat: numbered lines).",
)
@common
def console(
    jsonl: bool, now: str | None, lang: str | None, style: str, config: str | None, db: str | None
) -> None:
    """Chat with the bot in the terminal, on a virtual clock."""
    settings, database = _open(config, db)
    chat = _console_chat(settings, database, lang, _start_time(now, settings), style)
    app = chat.app
    try:
        if jsonl:
            run_jsonl(chat, read_stdin(), sys.stdout)
        else:
            run_interactive(chat, f"Linli console on {settings.database.url} ({style} style)")
    finally:
        app.close()


def _console_chat(
    settings: Settings, database: Database, lang: str | None, now: datetime, style: str
) -> ConsoleChat:
    clock = VirtualClock(now)
    app = bootstrap(
        settings, clock, db=database, default_language=lang, platforms=console_platform(style)
    )
    return ConsoleChat(app, clock, style)


def _require_secret(config: str | None, db: str | None) -> None:
    """Stop `linli run` unless a real secret keys the anonymous ballots."""
    try:
        secret = _settings(config, db).security.secret
    except ConfigError as exc:
        _fail(str(exc))
        return
    if not secret or secret == DEVELOPMENT_SECRET:
        _fail(
            "no LINLI_SECRET: set it to a long random string before `linli run` "
            "(only the console and the demo may use the development secret)"
        )


@main.command("run")
@click.option(
    "--platform",
    type=click.Choice(runner.PLATFORM_CHOICES),
    default="telegram",
    show_default=True,
    help="Where to serve: telegram, wechat, or all (both at once, over one database).",
)
@common
def run_command(platform: str, config: str | None, db: str | None) -> None:
    """Run the bot live until SIGTERM or Ctrl-C (log lines: linli -v run)."""
    _require_secret(config, db)
    settings, database = _open(config, db)
    try:
        asyncio.run(runner.run(settings, database, platform))
    except runner.StartError as exc:
        _fail(str(exc))


@main.command("demo")
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(demo.DEFAULT_FILE),
    show_default=True,
    help="The demo's own SQLite file; an existing non-demo file is refused.",
)
@click.option("--reset", is_flag=True, help="Seed the demo database afresh.")
@click.option("--no-console", is_flag=True, help="Seed and print the guide, then exit.")
@click.option("--now", help="The virtual clock's start (ISO-8601); default: now.")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None, help="Default language.")
@click.option(
    "--style",
    type=click.Choice(["buttons", "text"]),
    default="buttons",
    help="buttons (like Telegram) or text (like WeChat: numbered lines).",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    help="TOML settings file (default: $LINLI_CONFIG or ./config.toml).",
)
def demo_command(
    file: Path,
    reset: bool,
    no_console: bool,
    now: str | None,
    lang: str | None,
    style: str,
    config: str | None,
) -> None:
    """Seed a small demo street into its own SQLite file and chat with it in the console."""
    try:
        settings = _settings(config, demo.sqlite_url(file))
    except ConfigError as exc:
        _fail(str(exc))
        return
    start = _start_time(now, settings)
    try:
        seeded = demo.open_demo(file, start, reset=reset, zone=settings.zone)
    except demo.NotADemo as exc:
        _fail(str(exc))
        return
    click.echo(
        f"{'Seeded' if seeded else 'Reusing'} the demo database {file}"
        + ("" if seeded else " (--reset seeds it afresh)")
        + "\n"
    )
    click.echo(demo.GUIDE)
    if no_console:
        return
    chat = _console_chat(settings, prepare_database(settings.database.url), lang, start, style)
    app = chat.app
    demo.prepare_chat(chat)
    try:
        run_interactive(chat, f"\nLinli demo on {file} ({style} style)")
    finally:
        app.close()


if __name__ == "__main__":
    main()
