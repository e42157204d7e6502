"""`linli demo`: the seeded street, reuse, refusing real databases, and the console on it."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import ColumnElement, func, select

from bot import demo, migrate
from bot.cli import main
from bot.db import Database
from bot.services.community.grid import add_path
from models import (
    Base,
    Circle,
    CircleChat,
    CircleKind,
    Identity,
    Place,
    PlaceKind,
    Poll,
    PollStatus,
    Resident,
    Role,
    RoleGrant,
    Shift,
    SignUp,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _counts(path: Path) -> dict[str, int]:
    database = Database(demo.sqlite_url(path))
    try:
        with database.transaction() as session:

            def count(model: type[Base], *where: ColumnElement[bool]) -> int:
                return session.scalars(select(func.count()).select_from(model).where(*where)).one()

            return {
                "estates": count(Place, Place.kind == PlaceKind.ESTATE),
                "units": count(Place, Place.kind == PlaceKind.UNIT),
                "circles": count(Circle),
                "party_circles": count(Circle, Circle.kind == CircleKind.PARTY),
                "chats": count(CircleChat, CircleChat.active.is_(True)),
                "residents": count(Resident),
                "registered": count(
                    Resident, Resident.household_id.is_not(None), Resident.consent_at.is_not(None)
                ),
                "grants": count(RoleGrant),
            }
    finally:
        database.dispose()


def _fingerprint(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_seeding_creates_the_demo_street(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert demo.open_demo(path, NOW) is True
    counts = _counts(path)
    assert counts["estates"] == 3
    assert counts["circles"] == counts["chats"] == 5
    assert counts["party_circles"] == 1
    assert 30 <= counts["residents"] == counts["registered"] <= 40
    assert demo.is_demo(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]
    database = Database(demo.sqlite_url(path))
    try:
        with database.transaction() as session:
            secretary = session.scalars(
                select(RoleGrant)
                .join(Identity, Identity.resident_id == RoleGrant.resident_id)
                .where(Identity.external_id == "sec", RoleGrant.role == Role.SECRETARY)
            ).one()
            assert secretary.place is not None
            assert secretary.place.name == demo.COMMUNITY
            titles = set(session.scalars(select(CircleChat.title)))
            assert titles == {group.title for group in demo.GROUPS}
    finally:
        database.dispose()


def test_a_second_run_reuses_the_demo_and_reset_seeds_it_again(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    assert demo.open_demo(path, NOW) is True
    first = _counts(path)
    assert demo.open_demo(path, NOW) is False
    assert _counts(path) == first
    assert demo.open_demo(path, NOW, reset=True) is True
    assert _counts(path) == first


def _real_database(path: Path) -> None:
    database = Database(demo.sqlite_url(path))
    migrate.upgrade(database.engine)
    with database.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/1号院/3号楼/2单元")
    database.dispose()


def _other_schema(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute("INSERT INTO notes VALUES ('keep me')")


def _not_sqlite(path: Path) -> None:
    path.write_text("not a database", encoding="utf-8")


@pytest.mark.parametrize("make", [_real_database, _other_schema, _not_sqlite])
def test_a_file_without_the_demo_marker_is_refused_and_left_untouched(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    path = tmp_path / "linli.db"
    make(path)
    before = _fingerprint(tmp_path)
    with pytest.raises(demo.NotADemo):
        demo.open_demo(path, NOW, reset=True)
    result = CliRunner().invoke(main, ["demo", "--no-console", "--reset", "--file", str(path)])
    assert result.exit_code == 2
    assert "not a Linli demo database" in result.output
    assert _fingerprint(tmp_path) == before


def test_the_cli_seeds_and_prints_the_guide(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    args = ["demo", "--no-console", "--file", str(path), "--now", NOW.isoformat()]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert first.output.startswith(f"Seeded the demo database {path}")
    assert ":user sec" in first.output
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert second.output.startswith(f"Reusing the demo database {path}")


def test_the_secretary_lists_members_through_the_jsonl_console(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    demo.open_demo(path, NOW)
    lines = [
        {"chat": "g1", "title": "1号院邻里圈", "admins": ["u3"]},
        {"chat": "g1", "from": "sec", "name": "王秀兰", "text": "/members"},
    ]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "console",
            "--jsonl",
            "--now",
            NOW.isoformat(),
            "--db",
            demo.sqlite_url(path),
        ],
        input="".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(replies) == 2 and replies[0]["chat"] == "g1" and replies[1]["to"] == "sec"
    assert "刘建国" not in replies[0]["text"] and "已登记" in replies[0]["text"]
    assert "刘建国" in replies[1]["text"]
    assert "马文博" in replies[1]["text"]


def test_the_demo_shows_a_living_circle_with_shifts_and_an_open_poll(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    demo.open_demo(path, NOW)
    database = Database(demo.sqlite_url(path))
    try:
        with database.transaction() as session:
            shifts = session.scalars(select(Shift)).all()
            signed = session.scalars(select(SignUp)).all()
            open_polls = session.scalars(select(Poll).where(Poll.status == PollStatus.OPEN)).all()
            assert len(shifts) >= 2 and all(s.starts_at > NOW for s in shifts)
            assert len(signed) >= 2
            assert len(open_polls) == 1 and open_polls[0].closes_at > NOW
    finally:
        database.dispose()
