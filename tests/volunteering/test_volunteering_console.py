"""Volunteer duty end to end: the console as a subprocess, on the virtual clock, with restarts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.app import prepare_database
from bot.services.community import roles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from models import Role
from tests.conftest import START as NOW
from tests.support.driver import GRID

START = "2026-11-23T10:00:00+08:00"
LINLI = [sys.executable, "-m", "bot.cli", "console", "--jsonl"]
PEOPLE = [
    ("u2", "李四", "301"),
    ("u3", "王五", "302"),
    ("u4", "赵六", "303"),
    ("u5", "钱七", "304"),
]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A SQLite file with the test grid in it."""
    url = f"sqlite:///{tmp_path / 'duty.db'}"
    database = prepare_database(url)
    with database.transaction() as session:
        for path in GRID:
            add_path(session, path)
        # u1 binds g1 directly, as the estate's grid worker.
        worker = ensure_identity(session, "console", "u1", "张三", NOW).resident
        estate = roles.Scope(place=resolve_place(session, "红旗里社区/1号院"))
        roles.grant(session, NOW, worker, Role.GRID_WORKER, estate, roles.OPERATOR)
    database.dispose()
    return url


def console(url: str, now: str, events: list[Any], style: str = "buttons") -> tuple[list[Any], str]:
    """Run `linli console --jsonl` once: every output line, and what it logged."""
    done = subprocess.run(
        [*LINLI, "--db", url, "--now", now, "--style", style],
        input="\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def setup(text_style: bool = False) -> list[dict[str, Any]]:
    """Bind g1, register four residents and create a rota of four shifts (#1-#4)."""
    events: list[dict[str, Any]] = [
        {"chat": "g1", "title": "1号院邻里圈", "admins": ["u1"]},
        {"chat": "g1", "from": "u1", "name": "张三", "text": "/bind 1号院"},
    ]
    for user, name, room in PEOPLE:
        events.append({"chat": "g1", "from": user, "name": name, "text": f"登记 3-2-{room} 同意"})
    rota = "门岗值守 | 2026-11-24 至 2026-11-25 08:00-12:00 每2小时 | 2人 | 2号门"
    events.append(
        {"chat": "g1", "from": "u1", "text": ("排班 " if text_style else "/shift ") + rota}
    )
    return events


def said(out: list[Any], *words: str) -> list[Any]:
    """The bot messages whose text holds every word."""
    return [o for o in out if "text" in o and all(w in o["text"] for w in words)]


def reminders(out: list[Any]) -> list[tuple[str, str, str]]:
    """(to, at, kind) of every scheduled private message and roster post; the first sign-ups
    at the start post their day's roster themselves, and later ones edit it."""
    kinds = {
        "提醒您明天值班": "day_before",
        "您的值班快开始了": "hour_before",
        "还缺人，请尽快安排": "short_alert",
        "今天和明天还缺人的值班": "short_digest",
        "【值班接龙】": "roster",
    }
    found = []
    for line in out:
        for phrase, kind in kinds.items():
            roster = kind == "roster" and "id" in line and line["at"] != START
            if phrase in line.get("text", "") and ("to" in line or roster):
                found.append((line.get("to") or line["chat"], line["at"][5:16], kind))
    return found


def test_a_rota_sign_ups_a_waitlist_promotion_and_reminders_on_the_virtual_clock(
    db_url: str,
) -> None:
    out, _ = console(
        db_url,
        START,
        [
            *setup(),
            {"chat": "g1", "from": "u2", "text": "/signup 1"},
            {"chat": "g1", "from": "u3", "text": "报名 1"},
            {"chat": "g1", "from": "u4", "text": "报名 1"},
            {"chat": "g1", "from": "u5", "text": "/shifts 2"},
            # Message 15: each registration above is told privately and noted in the group.
            {"chat": "g1", "from": "u5", "press": [15, "报名"]},
            {"chat": "g1", "from": "u2", "text": "取消报名 1"},
            {"clock": "2026-11-24T12:00:00+08:00"},
            {"chat": "g1", "from": "u1", "text": "/hours"},
        ],
    )
    made = said(out, "已排班 门岗值守 · 2号门：共 4 个班次 #1–#4")
    assert made and made[0]["buttons"] == [["查看值班表"]]
    roster_id = said(out, "【值班接龙】11月24日 周二", "1. 李四")[0]["id"]
    assert [o.get("edit") for o in said(out, "【值班接龙】11月24日 周二", "2. 王五")][:1] == [
        roster_id
    ]
    assert said(out, "赵六，#1 门岗值守", "已满，您排在候补第 1 位")
    assert said(out, "钱七，您报名成功：#2 门岗值守")
    assert said(out, "李四 已取消报名", "已由候补的 赵六 补上")
    promoted = said(out, "赵六，好消息")
    assert [(o["to"], o["at"]) for o in promoted] == [("u4", START)]
    assert reminders(out) == [
        ("u3", "11-23T19:00", "day_before"),
        ("u5", "11-23T19:00", "day_before"),
        ("u4", "11-23T19:00", "day_before"),
        ("u3", "11-24T07:30", "hour_before"),
        ("u4", "11-24T07:30", "hour_before"),
        ("g1", "11-24T07:30", "roster"),
        ("u1", "11-24T07:30", "short_digest"),
        ("u5", "11-24T09:00", "hour_before"),
    ]
    morning = said(out, "【值班接龙】11月24日 周二")[-1]
    assert "id" in morning and morning["id"] != roster_id
    assert (
        "#3 门岗值守 · 2号门 11月25日 周三 08:00–10:00 还缺 2 人" in said(out, "还缺人")[0]["text"]
    )
    assert "红旗里社区：志愿服务时长 0 小时" in out[-1]["text"]


def test_text_style_and_two_restarts_lose_nothing_and_repeat_nothing(db_url: str) -> None:
    first, _ = console(
        db_url,
        START,
        [
            *setup(text_style=True),
            {"chat": "g1", "from": "u2", "text": "报名 1 3"},
            {"chat": "g1", "from": "u3", "text": "报名 2"},
            {"chat": "g1", "from": "u4", "text": "值班表"},
            {"clock": "2026-11-23T19:00:00+08:00"},
        ],
        style="text",
    )
    assert all("buttons" not in o for o in first)
    # Text style says what to type once: the reply's own 「值班表」, no numbered line after it.
    series = said(first, "共 4 个班次")[0]["text"]
    assert "发送「值班表」查看" in series and "1. 查看值班表" not in series
    assert reminders(first) == [
        ("u2", "11-23T19:00", "day_before"),
        ("u3", "11-23T19:00", "day_before"),
    ]
    # Down from 19:00 until 07:30: the 07:00 messages are late but inside the grace window;
    # the late short-of-people alert goes in the digest due with it.
    second, _ = console(
        db_url,
        "2026-11-24T07:30:00+08:00",
        [
            {"clock": "2026-11-24T07:30:00+08:00"},
            {"chat": "g1", "from": "u2", "name": "李四", "text": "签到"},
            {"clock": "2026-11-24T08:30:00+08:00"},
        ],
        style="text",
    )
    assert reminders(second) == [
        ("g1", "11-24T07:30", "roster"),
        ("u1", "11-24T07:30", "short_digest"),
        ("u2", "11-24T07:30", "hour_before"),
    ]
    assert said(second, "李四 已签到：#1")
    # Down from 08:30 until 19:30: 09:00 is too late; 19:00 is not.
    third, logged = console(
        db_url,
        "2026-11-24T19:30:00+08:00",
        [{"clock": "2026-11-24T19:30:00+08:00"}, {"clock": "2026-11-25T08:00:00+08:00"}],
        style="text",
    )
    assert reminders(third) == [
        ("u2", "11-24T19:30", "day_before"),
        ("u2", "11-25T07:30", "hour_before"),
        ("g1", "11-25T07:30", "roster"),
        ("u1", "11-25T07:30", "short_digest"),
    ]
    assert "skipped 1 duty reminders" in logged
    assert "(hour_before 1)" in logged
