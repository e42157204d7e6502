"""The console chat, driven as a subprocess through --jsonl, in both styles."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import ConsoleChat, InputError, Interactive
from bot.app import bootstrap, prepare_database
from bot.clock import VirtualClock
from bot.config import Settings
from bot.db import Database
from bot.services.community import roles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from models import Role
from tests.support.console import NOW, run_console
from tests.support.driver import GRID


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A SQLite file with the test grid in it, and u1 the secretary of 红旗里社区."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    database: Database = prepare_database(url)
    with database.transaction() as session:
        for path in GRID:
            add_path(session, path)
        now = datetime.fromisoformat(NOW)
        secretary = ensure_identity(session, "console", "u1", "张三", now).resident
        scope = roles.Scope(place=resolve_place(session, "红旗里社区"))
        roles.grant(session, now, secretary, Role.SECRETARY, scope, roles.OPERATOR)
    database.dispose()
    return url


SETUP: list[Any] = [
    {"chat": "g1", "title": "1号院邻里圈", "admins": ["u1"]},
    {"chat": "g1", "from": "u1", "name": "张三", "text": "/bind 1号院"},
    {"chat": "g1", "from": "u2", "name": "李四", "text": "登记 3-2-301"},
]


def test_buttons_style_registers_with_a_press_and_answers_privately(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            *SETUP,
            {"chat": "g1", "from": "u2", "press": [2, "同意并登记"]},
            {"chat": "g1", "from": "u2", "text": "/me"},
            {"from": "u2", "text": "/lang en"},
        ],
    )
    assert [o.get("id") for o in out] == [1, 2, 3, None, 4, 5, 6]
    assert out[0]["chat"] == "g1" and "已绑定" in out[0]["text"]
    assert out[1]["buttons"] == [["同意并登记"]]
    assert out[2]["to"] == "u2" and "登记好了" in out[2]["text"] and "buttons" not in out[2]
    assert out[3] == {"toast": "李四，详情已私聊发给您。", "to": "u2", "at": NOW}
    assert out[4]["to"] == "u2" and "3号楼/2单元/301" in out[4]["text"]
    assert out[5]["chat"] == "g1" and "详情已私聊发给您" in out[5]["text"]
    assert out[6] == {
        "id": 6,
        "to": "u2",
        "text": "Done: I will speak English with you.",
        "at": NOW,
    }


def test_text_style_has_no_buttons_and_numbered_choices_to_type(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            *SETUP,
            {"chat": "g1", "from": "u2", "press": [2, "同意并登记"]},
            {"chat": "g1", "from": "u2", "text": "登记 3-2-301 同意"},
        ],
        "--style",
        "text",
    )
    assert all("buttons" not in o for o in out)
    # What to type is said once, with no numbered line repeating it.
    assert out[1]["text"].count("「登记 3-2-301 同意」") == 1 and "1. " not in out[1]["text"]
    assert out[2] == {
        "error": "line 4: there are no buttons in text style; type the answer instead"
    }
    assert "登记好了" in out[3]["text"]


def test_bad_lines_are_reported_and_the_run_goes_on(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            "this is not json",
            {"nothing": "here"},
            {"from": "u1"},
            {"chat": "g1", "from": "u1", "press": [99, "同意"]},
            {"clock": "yesterday"},
            {"clock": "2026-11-22T10:00:00+08:00"},
            {"chat": "g1", "admins": "u1"},
            [1, 2],
            {"from": "u1", "text": "/help"},
        ],
    )
    errors = [o["error"] for o in out if "error" in o]
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in range(1, 9)]
    assert "not JSON" in errors[0] and "no message 99" in errors[3]
    assert "cannot go back" in errors[5]
    assert "您在私聊中可以使用" in out[-1]["text"]


def test_lone_surrogates_and_control_characters_in_ids_are_bad_lines(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            r'{"chat":"g1","from":"u1","text":"\ud800"}',
            r'{"from":"u\udc00","text":"/help"}',
            r'{"from":"u1","text":"/help","name":"\ud83d"}',
            {"from": "u\u0000", "text": "/help"},
            {"chat": "g\u0007", "from": "u1", "text": "/help"},
            {"from": "u" * 129, "text": "/help"},
            {"from": "u1", "text": "/help"},
        ],
    )
    errors = [o.get("error", "") for o in out[:6]]
    assert [e.split(":")[0] for e in errors] == [f"line {n}" for n in range(1, 7)]
    assert all("lone surrogate" in e for e in errors[:3])
    assert "from must not hold control characters" in errors[3]
    assert "chat must not hold control characters" in errors[4]
    assert "at most 128 characters" in errors[5]
    assert len(out) == 7 and "您在私聊中可以使用" in out[6]["text"]


def test_a_press_on_a_missing_button_label_is_an_error_that_changes_nothing(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            *SETUP,
            {"chat": "g1", "from": "u2", "press": [2, "不存在"]},
            {"chat": "g1", "from": "u1", "text": "/members"},
        ],
    )
    assert "has no button labelled" in out[2]["error"]
    assert "已登记 0 户、0 人" in out[3]["text"]
    assert "还没有人登记" in out[4]["text"] and out[4]["to"] == "u1"


def test_the_clock_moves_forward_and_language_flag_sets_the_default(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            {"clock": "2026-11-24T07:00:00+08:00"},
            {"from": "u1", "text": "/help"},
        ],
        "--lang",
        "zh-Hant",
    )
    assert out[0]["at"] == "2026-11-24T07:00:00+08:00"
    assert "您在私聊中可以使用" in out[0]["text"] and "幫助" in out[0]["text"]


def test_membership_events_welcome_and_leave(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            *SETUP[:2],
            {"chat": "g1", "joined": "u3", "name": "王五"},
            {"chat": "g1", "left": "u3"},
            {"chat": "g1", "from": "u1", "text": "成员"},
        ],
    )
    assert "欢迎 王五" in out[1]["text"]
    assert out[3]["to"] == "u1" and "张三" in out[3]["text"]
    assert not any("王五" in o["text"] for o in out[2:])


def test_restarting_on_the_same_database_keeps_everything(db_url: str) -> None:
    run_console(db_url, [*SETUP, {"chat": "g1", "from": "u2", "text": "登记 3-2-301 同意"}])
    out = run_console(
        db_url, [{"chat": "g1", "admins": ["u1"]}, {"chat": "g1", "from": "u1", "text": "成员"}]
    )
    assert out[1]["to"] == "u1" and "李四（3号楼/2单元/301）" in out[1]["text"]


def test_the_interactive_console_speaks_as_users_in_chats_and_presses_buttons(
    db_url: str,
) -> None:
    clock = VirtualClock(datetime.fromisoformat(NOW))
    app = bootstrap(Settings(), clock, db=Database(db_url))
    out = io.StringIO()
    session = Interactive(ConsoleChat(app, clock), out, user="u1", name="张三")
    for line in [
        ":chat g1 1号院邻里圈",
        ":admins u1",
        "/bind 1号院",
        ":user u2 李四",
        "登记 3-2-301",
        ":press 2 1",
        ":private",
        "/me",
        ":nonsense",
    ]:
        assert session.handle(line)
    assert session.prompt() == "[私聊 private] 李四> "
    assert not session.handle(":quit")
    shown = out.getvalue()
    assert "#1 [g1] 10:00" in shown and "[同意并登记]" in shown
    assert "登记好了" in shown and "[private → u2]" in shown
    assert "? unknown or incomplete" in shown
    app.close()


def test_a_user_without_a_name_keeps_the_name_the_database_knows(db_url: str) -> None:
    run_console(db_url, [{"from": "u2", "name": "李四", "text": "/start"}])
    out = run_console(db_url, [{"from": "u2", "text": "/me"}, {"from": "u9", "text": "/me"}])
    assert out[0]["text"].startswith("李四") and out[1]["text"].startswith("u9")


def test_a_picture_goes_with_a_notice_and_a_missing_one_is_a_bad_line(
    db_url: str, tmp_path: Path
) -> None:
    poster = tmp_path / "海报.jpg"
    poster.write_bytes(b"\xff\xd8 jpeg")
    out = run_console(
        db_url,
        [
            *SETUP,
            {"from": "u1", "image": str(tmp_path / "none.jpg"), "text": "通知 全部 | 义诊"},
            {"from": "u1", "image": str(poster), "text": "通知 全部 | 周六义诊"},
            {"from": "u2", "image": str(poster)},
            {"from": "u1", "text": "确认发送 1"},
        ],
    )
    assert [o["error"] for o in out if "error" in o] == ["line 4: image: no such file"]
    assert any("附件：一张图片（海报.jpg）" in o.get("text", "") for o in out)
    assert any("请用文字说一下是哪里" in o.get("text", "") for o in out if o.get("to") == "u2")
    [posted] = [o for o in out if o.get("chat") == "g1" and "image" in o]
    assert posted["image"] == str(poster.resolve()) and "周六义诊" in posted["caption"]


def test_a_reply_to_a_notice_message_is_its_receipt_and_a_bad_reply_to_a_bad_line(
    db_url: str,
) -> None:
    clock = VirtualClock(datetime.fromisoformat(NOW))
    app = bootstrap(Settings(), clock, db=Database(db_url))
    chat = ConsoleChat(app, clock)
    for event in [
        *SETUP,
        {"chat": "g1", "from": "u2", "text": "登记 3-2-301 同意"},
        {"from": "u1", "text": "通知 全部 | 明天停水 | 回执"},
    ]:
        chat.process(event)
    [posted] = [o for o in chat.process({"from": "u1", "text": "确认发送 1"}) if "chat" in o]
    assert "明天停水" in posted["text"]
    assert chat.process({"chat": "g1", "from": "u2", "text": "好的"}) == []
    with pytest.raises(InputError, match="reply_to must be the id of a bot message"):
        chat.process({"chat": "g1", "from": "u2", "text": "好的", "reply_to": 99})
    [acked] = chat.process({"chat": "g1", "from": "u2", "text": "好的", "reply_to": posted["id"]})
    assert acked["to"] == "u2" and "已收到您的回执（通知 1）" in acked["text"], acked
    app.close()
