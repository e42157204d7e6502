"""Deliberation scenarios through `linli console --jsonl`, with the clock crossing deadlines."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import ConsoleChat, Interactive
from bot.app import bootstrap, prepare_database
from bot.clock import VirtualClock
from bot.config import Settings
from bot.db import Database
from bot.services.community import roles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from models import Role
from tests.conftest import START
from tests.support.console import run_console
from tests.support.driver import GRID

SETUP: list[dict[str, Any]] = [
    {"chat": "g1", "title": "1号院邻里圈", "admins": ["u1"]},
    {"chat": "g1", "from": "u1", "name": "张三", "text": "/bind 1号院"},
    {"chat": "g1", "from": "u2", "name": "李四", "text": "登记 3-2-301 同意"},
    {"chat": "g1", "from": "u3", "name": "王五", "text": "登记 3-2-302 同意"},
    {"chat": "g1", "from": "u4", "name": "赵六", "text": "登记 3-2-303 同意"},
    {
        "chat": "g1",
        "from": "u1",
        "text": "发起投票 是否同意增设充电桩？ | 同意 | 不同意 | 弃权 | 截止 明天 18:00 | 匿名",
    },
]


def seed(url: str) -> None:
    """The test grid, a secretary of 红旗里社区, and u1 the grid worker of 1号院 (binds g1)."""
    database = prepare_database(url)
    with database.transaction() as session:
        for path in GRID:
            add_path(session, path)
        for user, name, role, place in (
            ("sec", "王书记", Role.SECRETARY, "红旗里社区"),
            ("u1", "张三", Role.GRID_WORKER, "红旗里社区/1号院"),
        ):
            holder = ensure_identity(session, "console", user, name, START).resident
            scope = roles.Scope(place=resolve_place(session, place))
            roles.grant(session, START, holder, role, scope, roles.OPERATOR)
    database.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A seeded SQLite file."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    seed(url)
    return url


def test_a_poll_runs_to_its_deadline_with_buttons_reminders_and_a_chart(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            *SETUP,
            {"chat": "g1", "from": "u2", "press": [5, "同意"]},
            {"chat": "g1", "from": "u3", "text": "投票 2"},
            {"clock": "2026-11-23T10:05:00+08:00"},
            {"clock": "2026-11-25T09:00:00+08:00"},
            {"chat": "g1", "from": "u4", "press": [5, "同意"]},
        ],
    )
    poll = out[4]
    assert poll["id"] == 5 and poll["buttons"] == [["同意"], ["不同意"], ["弃权"]]
    assert "截止：2026-11-24 18:00" in poll["text"]
    assert out[5] == {
        "toast": "已记录您的匿名投票（#1），没有人能看到您的选择。",
        "to": "u2",
        "at": "2026-11-23T10:00:00+08:00",
    }
    assert out[6]["to"] == "u3" and "没有人能看到您的选择" in out[6]["text"]
    # Two votes on an anonymous poll are too few for the live count to change.
    assert [o["at"] for o in out if o.get("edit") == 5] == ["2026-11-24T18:00:00+08:00"]
    reminded = [o for o in out if o.get("at") == "2026-11-23T18:00:00+08:00"]
    assert [o.get("to") or o.get("chat") for o in reminded] == ["u4", "g1"]
    assert "还有 1 户未投票" in reminded[1]["text"] and "赵六" not in reminded[1]["text"]
    closing = [o for o in out if o.get("at") == "2026-11-24T18:00:00+08:00"]
    assert closing[0]["edit"] == 5 and "buttons" not in closing[0]
    assert "（已结束）" in closing[0]["text"]
    result = closing[1]
    assert Path(result["image"]).read_bytes()[:4] == b"\x89PNG"
    assert "3 户中 2 户投票（67%）" in result["caption"]
    assert "1. 同意 —— 1 票（50.0%）" in result["caption"]
    assert "no message 5 with buttons" in out[-1]["error"]


def test_text_style_votes_by_typing_and_restarting_across_the_deadline_closes_once(
    db_url: str,
) -> None:
    first = run_console(
        db_url,
        [*SETUP, {"chat": "g1", "from": "u2", "text": "投票 1 1"}],
        "--style",
        "text",
    )
    poll = first[4]
    assert "buttons" not in poll
    assert "1. 同意 —— 回复「投票 1 1」" in poll["text"]
    assert "3. 弃权 —— 回复「投票 1 3」" in poll["text"]
    assert first[5]["to"] == "u2"
    again = [{"chat": "g1", "admins": ["u1"]}, {"clock": "2026-11-30T08:00:00+08:00"}]
    after = run_console(db_url, again, "--style", "text", "--now", "2026-11-30T08:00:00+08:00")
    results = [o for o in after if "image" in o]
    assert len(results) == 1 and "最终结果" in results[0]["caption"]
    assert "1 户投票" in results[0]["caption"]
    later = [{"chat": "g1", "admins": ["u1"]}, {"clock": "2026-11-30T09:00:00+08:00"}]
    assert run_console(db_url, later, "--now", "2026-11-30T09:00:00+08:00") == []


def test_a_topic_goes_from_proposal_to_solved_in_english(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            {"chat": "g1", "title": "Estate 1", "admins": ["u1"]},
            {"chat": "g1", "from": "u1", "name": "Zhang", "text": "/bind 1号院"},
            {"chat": "g1", "from": "u2", "name": "Li", "text": "/join 3-2-301 yes"},
            {"chat": "g1", "from": "sec", "text": "/threshold 1"},
            {"chat": "g1", "from": "u2", "text": "/propose Benches by the pond"},
            {"chat": "g1", "from": "u1", "text": "/decide 1 Two benches | owner 物业 | due 3d"},
            {"clock": "2026-11-27T10:00:00+08:00"},
            {"chat": "g1", "from": "u1", "text": "/done 1"},
            {"chat": "g1", "from": "u1", "text": "/stats"},
        ],
        "--lang",
        "en",
    )
    texts = [o.get("text", "") for o in out]
    assert "on the agenda" in texts[3]
    assert [o["to"] for o in out[4:6]] == ["u1", "sec"]
    assert all("please arrange its deliberation" in text for text in texts[4:6])
    assert "Owner: 物业" in texts[6] and "Due: 2026-11-26 10:00" in texts[6]
    overdue = next(o for o in out if o.get("at") == "2026-11-26T10:00:00+08:00")
    assert overdue["to"] == "u1" and "was due 2026-11-26 10:00" in overdue["text"]
    assert "is solved" in texts[-2] and "Solved: 1" in texts[-1]
    assert "4.0 days on average" in texts[-1]


def test_the_interactive_console_shows_edits_of_earlier_messages(db_url: str) -> None:
    clock = VirtualClock(START)
    app = bootstrap(Settings(), clock, db=Database(db_url))
    out = io.StringIO()
    session = Interactive(ConsoleChat(app, clock), out, user="u1", name="张三")
    for line in [
        ":chat g1 1号院邻里圈",
        ":admins u1",
        "/bind 1号院",
        ":user u2 李四",
        "登记 3-2-301 同意",
        ":user u1",
        "发起投票 问题 | 甲 | 乙",
        ":user u2",
        ":press 3 甲",
        ":clock 2026-11-23T10:01",
    ]:
        assert session.handle(line)
    app.close()
    shown = out.getvalue()
    assert "(toast to u2) 已投票（#1）：甲" in shown
    assert "#3 (edited) [g1] 10:00" in shown and "1. 甲 —— 1 票（100%）" in shown
