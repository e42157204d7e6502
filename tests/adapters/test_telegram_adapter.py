"""The Telegram adapter in-process: updates in, Bot API calls out, through a recording request."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot, Update

from bot.adapters.telegram import (
    TelegramAdapter,
    TelegramStartError,
    check_token,
    run_telegram,
    utf16_length,
    visible_length,
)
from bot.app import App
from bot.config import TelegramSettings
from bot.messages import ChatKind, Choice, Envelope, Reply, Target
from bot.outbox import OutboxWorker
from bot.rendering import to_plain
from handlers.registry import COMMANDS
from models import CircleChat, NoticeReceipt, OutboxMessage, OutboxPiece, OutboxState
from tests.support.driver import Driver
from tests.support.telegram_fakes import (
    BOT_ID,
    TOKEN,
    Failure,
    RecordingRequest,
    bot_membership_update,
    document_update,
    group,
    message_update,
    photo_update,
    press_update,
    service_update,
    user,
)

GROUP = -4001
OWNER = user(1001, "群主")
RESIDENT = user(1002, "李四", "lisi")
OTHER = user(1003, "王五")


class Harness:
    """An adapter on a recording bot, with helpers to feed updates and drain the outbox."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.request = RecordingRequest(admins={GROUP: [OWNER["id"]]})
        self.bot = Bot(TOKEN, request=self.request, get_updates_request=RecordingRequest())
        self.adapter = TelegramAdapter(app, self.bot, TelegramSettings(admin_cache_seconds=60))
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.bot.initialize())

    def run(self, step: Callable[[], Awaitable[Any]]) -> Any:
        """Run a coroutine on the harness's loop."""
        return self.loop.run_until_complete(step())

    def feed(self, raw: dict[str, Any]) -> list[dict[str, Any]]:
        """Handle one raw update, drain the outbox, and return the messages sent by it."""
        before = len(self.request.calls)
        update = Update.de_json(raw, self.bot)
        self.run(lambda: self.adapter.handle(update))
        self.run(self.adapter.worker.drain)
        return [params for name, params in self.request.calls[before:] if name == "sendMessage"]

    def text(self, raw: dict[str, Any]) -> str:
        """The one message sent in answer to an update."""
        sent = self.feed(raw)
        assert len(sent) == 1, sent
        return str(sent[0]["text"])

    def toasts(self) -> list[Any]:
        """Texts of every callback answer."""
        return [params.get("text") for params in self.request.sent("answerCallbackQuery")]

    def close(self) -> None:
        """Close the loop."""
        self.loop.run_until_complete(self.bot.shutdown())
        self.loop.close()


@pytest.fixture
def tg(app: App) -> Iterator[Harness]:
    """A harness on a seeded grid with a group bound by its owner, the community's secretary."""
    driver = Driver(app)
    driver.seed_grid()
    driver.grant(str(OWNER["id"]), "书记", "红旗里社区", platform="telegram")
    harness = Harness(app)
    assert "已绑定" in harness.text(message_update(OWNER, "/bind 1号院", group(GROUP)))
    yield harness
    harness.close()


def _keyboard(params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = params["reply_markup"]["inline_keyboard"]
    return rows


def test_replies_are_html_with_user_content_escaped(tg: Harness) -> None:
    odd = user(1009, "<b>&")
    tg.feed(message_update(odd, "/start"))
    sent = tg.feed(message_update(odd, "/join 3-2-301 同意", group(GROUP)))
    [mine] = [m for m in sent if m["chat_id"] == 1009]
    assert mine["parse_mode"] == "HTML"
    assert "&lt;b&gt;&amp;" in mine["text"] and "<b>1号院/3号楼/2单元/301</b>" in mine["text"]


def test_buttons_carry_short_tokens_and_a_press_runs_the_command(tg: Harness) -> None:
    tg.feed(message_update(RESIDENT, "/start"))
    ask = tg.feed(message_update(RESIDENT, "登记 3-2-301", group(GROUP)))[0]
    [[button]] = _keyboard(ask)
    assert button["text"] == "同意并登记"
    assert len(button["callback_data"].encode()) <= 64 and "登记" not in button["callback_data"]
    done = tg.text(press_update(RESIDENT, group(GROUP), 100, button["callback_data"]))
    assert "登记好了" in done
    assert tg.toasts() == ["李四，详情已私聊发给您。"]


def test_stale_foreign_and_forbidden_presses_answer_with_a_toast_and_change_nothing(
    tg: Harness,
) -> None:
    ask = tg.feed(message_update(RESIDENT, "登记 3-2-301", group(GROUP)))[0]
    token = _keyboard(ask)[0][0]["callback_data"]
    assert tg.feed(press_update(OTHER, group(GROUP), 100, token)) == []
    assert tg.feed(press_update(RESIDENT, group(GROUP), 100, "unknown-data")) == []
    assert tg.feed(press_update(RESIDENT, group(-4999, "别的群"), 100, token)) == []
    choose = tg.feed(message_update(OWNER, "/lang", group(GROUP)))[0]
    english = _keyboard(choose)[1][0]["callback_data"]
    assert tg.feed(press_update(OTHER, group(GROUP), 101, english)) == []
    toasts = tg.toasts()
    assert "给别人的" in toasts[0] and "失效" in toasts[1] and "失效" in toasts[2]
    assert "只有群管理员" in toasts[3]
    assert Driver(tg.app).household_of("1003") is None


def test_long_texts_are_split_on_line_boundaries_within_telegrams_limit(tg: Harness) -> None:
    members = [(f"居民{n:04d}" + "长" * 30, "3号楼/2单元/301") for n in range(300)]
    reply = Reply("circles.members", {"circle": "1号院", "registered": members, "unregistered": []})
    target = Target("telegram", str(GROUP), ChatKind.GROUP)
    before = len(tg.request.sent())
    tg.run(lambda: tg.adapter.send(Envelope(target, reply, "zh-Hans")))
    pieces = tg.request.sent()[before:]
    assert len(pieces) >= 3
    assert all(len(to_plain(p["text"])) <= 4096 for p in pieces)
    assert "居民0000" in pieces[0]["text"] and "居民0299" in pieces[-1]["text"]
    assert all(not p["text"].startswith("\n") for p in pieces)


def test_long_incoming_messages_get_a_polite_reply_or_are_ignored(tg: Harness) -> None:
    assert "消息太长了" in tg.text(message_update(RESIDENT, "/join " + "3" * 4097, group(GROUP)))
    assert tg.feed(message_update(RESIDENT, "啊" * 20_000, group(GROUP))) == []


def test_an_update_delivered_twice_has_one_effect(tg: Harness) -> None:
    raw = message_update(RESIDENT, "/join 3-2-301 同意", group(GROUP))
    assert "刚才的事已办好" in tg.text(raw)
    assert tg.feed(raw) == []
    with tg.app.db.transaction() as session:
        assert session.query(OutboxMessage).count() == 2


def test_private_answers_go_privately_or_point_to_a_deep_link(tg: Harness) -> None:
    pointer = tg.feed(message_update(RESIDENT, "/me", group(GROUP)))[0]
    assert pointer["chat_id"] == GROUP and "https://t.me/LinliBot?start=me" in pointer["text"]
    answer = tg.feed(message_update(RESIDENT, "/start me"))[0]
    assert answer["chat_id"] == RESIDENT["id"] and "还没有登记" in answer["text"]
    again = {
        m["chat_id"]: m["text"] for m in tg.feed(message_update(RESIDENT, "/me", group(GROUP)))
    }
    assert "还没有登记" in again[RESIDENT["id"]] and "详情已私聊发给您" in again[GROUP]


def test_a_join_nobody_can_be_told_of_waits_for_the_household_to_write_privately(
    tg: Harness,
) -> None:
    """李四 registered in the group and never opened a private chat: 王五's request cannot
    reach them, 王五 is told so, and 李四 is asked when they open the chat."""
    registered = tg.text(message_update(RESIDENT, "/join 3-2-301 同意", group(GROUP)))
    assert "刚才的事已办好" in registered
    tg.feed(message_update(OTHER, "/start"))
    asked = tg.feed(message_update(OTHER, "/join 3-2-301 同意", group(GROUP)))
    assert RESIDENT["id"] not in [m["chat_id"] for m in asked]
    [waiting] = [m for m in asked if m["chat_id"] == OTHER["id"]]
    assert "他们还没有私聊过我，等他们私聊我时会看到" in waiting["text"]
    question, welcome = tg.feed(message_update(RESIDENT, "/start"))
    assert question["chat_id"] == welcome["chat_id"] == RESIDENT["id"]
    assert question["text"].startswith("王五 想登记到您家 <b>1号院/3号楼/2单元/301</b>")
    agree = _keyboard(question)[0][0]
    assert agree["text"] == "同意"
    private = {"id": RESIDENT["id"], "type": "private", "first_name": RESIDENT["first_name"]}
    agreed = tg.feed(press_update(RESIDENT, private, 100, agree["callback_data"]))
    assert any(m["chat_id"] == OTHER["id"] and "登记好了" in m["text"] for m in agreed)


def test_admins_come_from_telegram_and_are_cached(tg: Harness) -> None:
    assert "只有社区书记或网格员" in tg.text(message_update(OTHER, "/bind 2号院", group(GROUP)))
    tg.feed(message_update(OWNER, "/members", group(GROUP)))
    assert len(tg.request.sent("getChatAdministrators")) == 1


def test_members_joining_leaving_and_the_bot_added_or_removed(tg: Harness) -> None:
    welcome = tg.text(service_update(group(GROUP), OTHER, new_chat_members=[OTHER]))
    assert "欢迎 王五" in welcome
    assert tg.feed(service_update(group(GROUP), OTHER, left_chat_member=OTHER)) == []
    greeting = tg.text(bot_membership_update(group(-4002, "新群"), OWNER, "left", "member"))
    assert "绑定" in greeting
    assert tg.feed(bot_membership_update(group(GROUP), OWNER, "member", "kicked")) == []
    with tg.app.db.transaction() as session:
        binding = session.scalar(select(CircleChat).where(CircleChat.chat_id == str(GROUP)))
        assert binding is not None and not binding.active


def test_a_supergroup_migration_moves_the_circle_to_the_new_chat_id(tg: Harness) -> None:
    tg.feed(service_update(group(GROUP), OWNER, migrate_to_chat_id=-1_001_234_567_890))
    new_chat = group(-1_001_234_567_890, kind="supergroup")
    tg.request.admins[-1_001_234_567_890] = [OWNER["id"]]
    answer = tg.text(message_update(RESIDENT, "/join 3-2-301 同意", new_chat))
    assert "刚才的事已办好" in answer


def test_a_send_to_an_upgraded_group_follows_it(tg: Harness) -> None:
    moved = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: group chat was upgraded to a supergroup chat",
        "parameters": {"migrate_to_chat_id": -1_009},
    }
    tg.request.fail_next("sendMessage", Failure(400, moved))
    tg.feed(message_update(OWNER, "/members", group(GROUP)))
    tg.run(tg.adapter.worker.drain)
    assert tg.request.sent()[-1]["chat_id"] == -1_009


def test_flood_control_postpones_and_the_message_still_goes_out(tg: Harness) -> None:
    body = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    tg.request.fail_next("sendMessage", Failure(429, body))
    assert tg.feed(message_update(OWNER, "/help", group(GROUP))) == []
    with tg.app.db.transaction() as session:
        row = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert row is not None and row.state == OutboxState.PENDING
        assert row.not_before == tg.app.clock.now() + timedelta(seconds=7)
    tg.app.clock.set(tg.app.clock.now() + timedelta(seconds=7))  # type: ignore[attr-defined]
    assert tg.run(tg.adapter.worker.drain) == 1


def test_network_errors_are_retried_with_backoff(tg: Harness) -> None:
    tg.request.fail_next("sendMessage", Failure(0))
    assert tg.feed(message_update(OWNER, "/help", group(GROUP))) == []
    tg.app.clock.set(tg.app.clock.now() + timedelta(seconds=2))  # type: ignore[attr-defined]
    assert tg.run(tg.adapter.worker.drain) == 1


def test_a_group_that_removed_the_bot_is_unbound_when_a_send_is_forbidden(tg: Harness) -> None:
    body = {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was kicked from the group chat",
    }
    tg.request.fail_next("sendMessage", Failure(403, body))
    assert tg.feed(message_update(OWNER, "/help", group(GROUP))) == []
    with tg.app.db.transaction() as session:
        row = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert row is not None and row.state == OutboxState.FAILED and "kicked" in (row.error or "")
        binding = session.scalar(select(CircleChat).where(CircleChat.chat_id == str(GROUP)))
        assert binding is not None and not binding.active


def test_edited_messages_and_channel_posts_are_ignored(tg: Harness) -> None:
    before = len(tg.request.calls)
    edited = message_update(OWNER, "/members", group(GROUP))
    edited["edited_message"] = edited.pop("message")
    tg.feed(edited)
    post = message_update(OWNER, "/members", {"id": -100777, "type": "channel", "title": "c"})
    post["channel_post"] = post.pop("message")
    tg.feed(post)
    assert tg.request.calls[before:] == []


def test_mentions_by_text_mention_and_by_username_name_a_person(tg: Harness) -> None:
    tg.feed(message_update(RESIDENT, "/join 3-2-301 同意", group(GROUP)))
    by_username = tg.text(message_update(OWNER, "/role @lisi 志愿者", group(GROUP)))
    assert "李四" in by_username and "志愿者" in by_username
    entity = {"type": "text_mention", "offset": 6, "length": 3, "user": RESIDENT}
    raw = message_update(OWNER, "/role @李四 楼长", group(GROUP))
    raw["message"]["entities"].append(entity)
    assert "楼长" in tg.text(raw)


def test_a_text_mention_without_an_at_names_the_person_and_the_amount_follows(
    tg: Harness,
) -> None:
    mary, zhang = user(1004, "Mary Lee"), user(1005, "张三")
    for person, address in ((mary, "3-2-301"), (zhang, "3-2-302")):
        tg.feed(message_update(person, f"/join {address} 同意", group(GROUP)))
    for person, text, told in (
        (mary, "加分 Mary Lee 3 扫雪", "Mary Lee 加 3 分"),
        (zhang, "加分 张三 5", "张三 加 5 分"),
    ):
        length = len(person["first_name"])
        raw = message_update(OWNER, text, group(GROUP))
        entity = {"type": "text_mention", "offset": 3, "length": length, "user": person}
        raw["message"]["entities"] = [entity]
        sent = [m["text"] for m in tg.feed(raw) if m["chat_id"] == GROUP]
        assert any(told in m for m in sent), sent


def test_command_menus_are_set_per_language_and_scope(tg: Harness) -> None:
    tg.run(lambda: tg.adapter.set_menus(COMMANDS))
    menus = {
        (params["scope"]["type"], params.get("language_code")): [
            c["command"] for c in params["commands"]
        ]
        for params in tg.request.sent("setMyCommands")
    }
    assert set(menus) == {
        ("all_private_chats", None),
        ("all_group_chats", None),
        ("all_private_chats", "en"),
        ("all_group_chats", "en"),
    }
    assert (
        "join" in menus[("all_group_chats", None)]
        and "join" not in menus[("all_private_chats", None)]
    )
    assert "start" in menus[("all_private_chats", "en")]


@pytest.mark.parametrize(
    ("token", "expected"),
    [("", "no Telegram token"), ("not-a-token", "malformed"), ("123:short", "malformed")],
)
def test_a_missing_or_malformed_token_stops_with_one_line(token: str, expected: str) -> None:
    with pytest.raises(TelegramStartError, match=expected):
        check_token(token)


def test_webhook_mode_refuses_to_start_without_a_secret(app: App) -> None:
    settings = TelegramSettings(token=TOKEN, webhook_url="https://example.org/telegram")
    with pytest.raises(TelegramStartError, match="needs a secret"):
        asyncio.run(run_telegram(app, settings, asyncio.Event()))
    assert int(TOKEN.split(":")[0]) == BOT_ID


def test_names_with_emoji_and_control_characters_are_cleaned_and_sent_safely(
    tg: Harness,
) -> None:
    odd = user(1010, "👨\u200d👩\u200d👧王\u202e奶奶\x07<i>")
    sent = tg.feed(message_update(odd, "/join 3-2-303 同意", group(GROUP)))[0]
    assert "👨\u200d👩\u200d👧王奶奶&lt;i&gt;" in sent["text"]
    assert "\u202e" not in sent["text"] and "\x07" not in sent["text"]


def test_edits_replace_the_text_of_a_sent_message_and_an_unchanged_edit_is_fine(
    tg: Harness,
) -> None:
    target = Target("telegram", str(GROUP), ChatKind.GROUP)
    reply = Reply("core.start_group")
    edit = Envelope(target, reply, "zh-Hans", key="poll:1", edit=True, message_id="321")
    assert tg.run(lambda: tg.adapter.send(edit)) == "321"
    params = tg.request.sent("editMessageText")[-1]
    assert params["message_id"] == 321 and params["chat_id"] == GROUP
    assert params["parse_mode"] == "HTML" and "帮助" in params["text"]
    same = {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is not modified: specified new message content "
        "and reply markup are exactly the same",
    }
    tg.request.fail_next("editMessageText", Failure(400, same))
    assert tg.run(lambda: tg.adapter.send(edit)) == "321"


def _stage(tg: Harness, *envelopes: Envelope) -> list[int]:
    """Put envelopes in the outbox as a handler's replies would be; their row ids."""
    with tg.app.db.transaction() as session:
        tg.app.post_office.prepare(session, list(envelopes), tg.app.clock.now(), None)
    return [e.outbox_id or 0 for e in envelopes]


def _row(tg: Harness, row_id: int) -> OutboxMessage:
    with tg.app.db.transaction() as session:
        return session.get_one(OutboxMessage, row_id)


def _to_group(reply: Reply, language: str = "zh-Hans") -> Envelope:
    return Envelope(Target("telegram", str(GROUP), ChatKind.GROUP), reply, language)


def _not_found(tg: Harness) -> None:
    body = {"ok": False, "error_code": 404, "description": "Not Found"}
    tg.request.fail_next("sendMessage", Failure(404, body))


def _conflict(tg: Harness) -> None:
    body = {"ok": False, "error_code": 409, "description": "Conflict: terminated by other request"}
    tg.request.fail_next("sendMessage", Failure(409, body))


BAD_ROWS: dict[str, tuple[Callable[[Path], Reply], Callable[[Harness], None] | None, str]] = {
    "a missing picture": (
        lambda folder: Reply("core.start_group", image=folder / "gone.png"),
        None,
        "FileNotFoundError",
    ),
    "data lacking a key": (lambda _: Reply("deliberation.closed", {}), None, "UndefinedError"),
    "the renderer's TypeError": (
        lambda _: Reply("deliberation.closed", {"number": 1, "surplus": 2}),
        None,
        "TypeError",
    ),
    "Telegram's 404": (lambda _: Reply("core.start_group"), _not_found, "InvalidToken"),
    "Telegram's 409": (lambda _: Reply("core.start_group"), _conflict, "Conflict"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_message_that_cannot_go_never_stops_the_ones_after_it(
    tg: Harness, tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    make, script, error = BAD_ROWS[case]
    bad, good = _stage(
        tg, _to_group(make(tmp_path)), _to_group(Reply("deliberation.closed", {"number": 7}))
    )
    if script is not None:
        script(tg)
    before = len(tg.request.sent())
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        assert tg.run(tg.adapter.worker.drain) == 1
        assert tg.run(tg.adapter.worker.drain) == 0
    assert [p["text"] for p in tg.request.sent()[before:]] == ["投票 #7 已结束。"]
    row = _row(tg, bad)
    assert row.state == OutboxState.PENDING and row.attempts == 1 and error in (row.error or "")
    assert row.not_before > tg.app.clock.now() and row.claimed_until is None
    assert _row(tg, good).state == OutboxState.SENT
    [line] = [r for r in caplog.records if f"message {bad} " in r.getMessage()]
    assert line.exc_info is None and "\n" not in line.getMessage() and error in line.getMessage()


def test_a_message_that_keeps_failing_is_marked_failed_with_its_reason(tg: Harness) -> None:
    [bad] = _stage(tg, _to_group(Reply("deliberation.closed", {})))
    worker = OutboxWorker(tg.app.db, tg.app.clock, "telegram", tg.adapter.send, max_attempts=3)
    for _ in range(3):
        tg.run(worker.drain)
        tg.app.clock.set(tg.app.clock.now() + timedelta(minutes=10))  # type: ignore[attr-defined]
    row = _row(tg, bad)
    assert row.state == OutboxState.FAILED and row.attempts == 3
    assert (row.error or "").startswith("UndefinedError")


def test_a_long_member_list_with_emoji_goes_out_in_pieces_telegram_accepts(
    tg: Harness,
) -> None:
    members = [(f"👵🏻王奶奶{n:03d}🌸", "3号楼/2单元/301") for n in range(400)]
    reply = Reply("circles.members", {"circle": "1号院", "registered": members, "unregistered": []})
    [row_id] = _stage(tg, _to_group(reply))
    before = len(tg.request.calls)
    tg.run(tg.adapter.worker.drain)
    calls = tg.request.calls[before:]
    assert [name for name, _ in calls if name.endswith("!")] == []
    pieces = [params["text"] for _, params in calls]
    assert len(pieces) >= 4 and all(visible_length(p) <= 4096 for p in pieces)
    text = "\n".join(pieces)
    assert [text.index(f"王奶奶{n:03d}") for n in range(400)] == sorted(
        text.index(f"王奶奶{n:03d}") for n in range(400)
    )
    assert _row(tg, row_id).state == OutboxState.SENT


def test_utf16_counts_an_emoji_as_Telegram_does() -> None:
    assert utf16_length("王") == 1 and utf16_length("👵🏻") == 4


def _result(options: int, label_length: int) -> Reply:
    data = {
        "number": 3,
        "question": "Where should the new bicycle shed go?",
        "kind": "single",
        "choose": 1,
        "per_household": True,
        "anonymous": False,
        "hidden": False,
        "changeable": False,
        "quorum": None,
        "scope": "",
        "deadline": [2026, 12, 1, 1, "20:00", False],
        "topic": None,
        "options": [
            [n, f"Option {n} " + "🚲" * label_length, 10 - n, "10"] for n in range(1, options + 1)
        ],
        "ballots": 45,
        "average": None,
        "eligible": 60,
        "voted": 45,
        "turnout": "75",
        "quorum_met": None,
        "final": True,
    }
    return Reply("deliberation.result", data)


def test_a_result_too_long_for_a_caption_goes_as_the_picture_then_the_whole_text(
    tg: Harness, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    reply = _result(10, 60)
    reply.image = chart
    [row_id] = _stage(tg, _to_group(reply, "en"))
    before = len(tg.request.calls)
    tg.run(tg.adapter.worker.drain)
    calls = tg.request.calls[before:]
    assert [name for name, _ in calls] == ["sendPhoto", "sendMessage"]
    caption, text = calls[0][1]["caption"], calls[1][1]["text"]
    assert caption == "<b>Poll #3, final result</b>: Where should the new bicycle shed go?"
    assert "Option 10" in text and "Turnout: 45 of 60 households (75%)" in text
    assert _row(tg, row_id).state == OutboxState.SENT


def test_a_result_that_fits_keeps_its_whole_text_as_the_caption(
    tg: Harness, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    reply = _result(3, 2)
    reply.image = chart
    _stage(tg, _to_group(reply, "en"))
    before = len(tg.request.calls)
    tg.run(tg.adapter.worker.drain)
    [(name, params)] = tg.request.calls[before:]
    assert name == "sendPhoto" and "Turnout: 45 of 60" in params["caption"]


def test_a_document_goes_after_its_text_as_a_file(tg: Harness, tmp_path: Path) -> None:
    ledger = tmp_path / "points.csv"
    ledger.write_text("id,amount\n1,5\n", encoding="utf-8")
    reply = Reply("points.exported_file", {"entries": 1, "accounts": 1, "file": ledger.name})
    reply.document = ledger
    [row_id] = _stage(tg, _to_group(reply, "en"))
    before = len(tg.request.calls)
    tg.run(tg.adapter.worker.drain)
    calls = tg.request.calls[before:]
    assert [name for name, _ in calls] == ["sendMessage", "sendDocument"]
    assert calls[0][1]["text"] == "The same as CSV: points.csv"
    assert _row(tg, row_id).state == OutboxState.SENT


FLOOD = {
    "ok": False,
    "error_code": 429,
    "description": "Too Many Requests: retry after 7",
    "parameters": {"retry_after": 7},
}


def _send_with_one_flood_wait(tg: Harness, reply: Reply, language: str) -> list[tuple[str, Any]]:
    """Stage the reply, flood-stop its second text piece once, retry; what went out."""
    [row_id] = _stage(tg, _to_group(reply, language))
    tg.request.fail_next("sendMessage", Failure(429, FLOOD, after=1))
    before, ids = len(tg.request.calls), len(tg.request.message_ids)
    assert tg.run(tg.adapter.worker.drain) == 0
    assert _row(tg, row_id).state == OutboxState.PENDING
    tg.app.clock.set(tg.app.clock.now() + timedelta(seconds=7))  # type: ignore[attr-defined]
    assert tg.run(tg.adapter.worker.drain) == 1
    row = _row(tg, row_id)
    sent = [(n, p) for n, p in tg.request.calls[before:] if not n.endswith("!")]
    first, last = tg.request.message_ids[ids], tg.request.message_ids[-1]
    expected = first if reply.image is not None else last
    assert row.state == OutboxState.SENT and row.sent_message_id == str(expected)
    with tg.app.db.transaction() as session:
        pieces = session.scalars(
            select(OutboxPiece.message_id)
            .where(OutboxPiece.outbox_id == row_id)
            .order_by(OutboxPiece.number)
        )
        assert list(pieces) == [str(n) for n in tg.request.message_ids[ids:]]
    assert tg.adapter.worker.parts.rows == {}
    assert [p.get("reply_markup") is not None for _, p in sent] == [False] * (len(sent) - 1) + [
        True
    ]
    return sent


def test_a_long_reply_cut_by_a_flood_wait_resumes_and_sends_each_piece_once(
    tg: Harness,
) -> None:
    members = [(f"王奶奶{n:03d}" + "🌸" * 40, "3号楼/2单元/301") for n in range(80)]
    data = {"circle": "1号院", "registered": members, "unregistered": []}
    reply = Reply("circles.members", data, [[Choice("帮助", "/help")]])
    sent = _send_with_one_flood_wait(tg, reply, "zh-Hans")
    assert [name for name, _ in sent] == ["sendMessage"] * 3
    text = "\n".join(p["text"] for _, p in sent)
    assert [text.count(f"王奶奶{n:03d}") for n in range(80)] == [1] * 80
    assert [text.index(f"王奶奶{n:03d}") for n in range(80)] == sorted(
        text.index(f"王奶奶{n:03d}") for n in range(80)
    )


def test_a_picture_and_its_text_cut_by_a_flood_wait_resume_without_repeats(
    tg: Harness, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    reply = _result(40, 60)
    reply.image, reply.choices = chart, [[Choice("Help", "/help")]]
    sent = _send_with_one_flood_wait(tg, reply, "en")
    assert [name for name, _ in sent] == ["sendPhoto", "sendMessage", "sendMessage"]
    text = "\n".join(p["text"] for _, p in sent[1:])
    assert [text.count(f"{n}. Option {n} ") for n in range(1, 41)] == [1] * 40


def test_a_photo_captioned_as_a_notice_goes_to_the_groups_by_its_file_id(tg: Harness) -> None:
    [preview] = tg.feed(photo_update(OWNER, "/notice 全部 | 明天上午停水"))
    assert "附件：一张图片" in preview["text"], preview["text"]
    before = len(tg.request.calls)
    tg.feed(message_update(OWNER, "/sendnotice 1"))
    photos = [p for name, p in tg.request.calls[before:] if name == "sendPhoto"]
    assert [(p["chat_id"], p["photo"]) for p in photos] == [(GROUP, "photo-large")]
    assert "明天上午停水" in photos[0]["caption"]


def test_shou_dao_replying_to_any_piece_of_a_long_notice_acknowledges_it(tg: Harness) -> None:
    """A picture notice too long for a caption goes as the picture, then its whole text:
    residents reply to the text, which is not the message the row's id names; the reply
    answers that notice, not the newest."""
    tg.feed(message_update(RESIDENT, "/start"))
    ask = tg.feed(message_update(RESIDENT, "登记 3-2-301", group(GROUP)))[0]
    tg.feed(press_update(RESIDENT, group(GROUP), 100, _keyboard(ask)[0][0]["callback_data"]))
    text = "明天上午停水，请提前储水。" * 76
    tg.feed(photo_update(OWNER, f"/notice 全部 | {text} | 回执 截止 明天18:00"))
    before, ids = len(tg.request.calls), len(tg.request.message_ids)
    tg.feed(message_update(OWNER, "/sendnotice 1"))
    sends = [(n, p) for n, p in tg.request.calls[before:] if n in ("sendMessage", "sendPhoto")]
    to_group = [
        (name, message_id)
        for (name, params), message_id in zip(sends, tg.request.message_ids[ids:], strict=True)
        if params["chat_id"] == GROUP
    ]
    assert [name for name, _ in to_group] == ["sendPhoto", "sendMessage"]
    (_, photo), (_, whole) = to_group
    # A newer notice: a 收到 that is not read as a reply acknowledges that one instead.
    tg.feed(message_update(OWNER, "/notice 全部 | 周六大扫除 | 回执 截止 明天18:00"))
    tg.feed(message_update(OWNER, "/sendnotice 2"))
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Linli"}
    quoted = {"message_id": whole, "date": 1_795_000_000, "chat": group(GROUP), "from": bot}
    [answer] = tg.feed(message_update(RESIDENT, "收到", group(GROUP), reply_to_message=quoted))
    assert "已收到您的回执（通知 1）" in answer["text"], answer["text"]
    with tg.app.db.transaction() as session:
        assert session.scalars(select(NoticeReceipt.notice_id)).all() == [1]
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == str(GROUP)))
        assert str(photo) in [r.sent_message_id for r in row]


def test_a_file_over_telegrams_limit_is_refused_and_nothing_goes(tg: Harness) -> None:
    too_big = document_update(OWNER, "/notice 全部 | 宣传片", "宣传片.mp4", 60 * 1024 * 1024)
    [answer] = tg.feed(too_big)
    assert "太大了" in answer["text"] and "50 MB" in answer["text"], answer["text"]
    assert not tg.request.sent("sendDocument") and not tg.request.sent("sendPhoto")


def test_a_report_keeps_its_photo_for_the_owner_and_the_group_sees_one_line(
    tg: Harness,
) -> None:
    tg.feed(message_update(OWNER, "/start"))
    sent = tg.feed(photo_update(RESIDENT, "/report 3号楼门口路灯坏了", group(GROUP)))
    assert any(p["chat_id"] == GROUP and "路灯" not in p["text"] for p in sent)
    photos = tg.request.sent("sendPhoto")
    assert [(p["chat_id"], p["photo"]) for p in photos] == [(OWNER["id"], "photo-large")]
    assert "3号楼门口路灯坏了" in photos[0]["caption"]


def test_a_photo_without_words_is_asked_about_privately_and_left_alone_in_a_group(
    tg: Harness,
) -> None:
    assert tg.feed(photo_update(RESIDENT, "", group(GROUP))) == []
    assert "请用文字说一下是哪里" in tg.text(photo_update(RESIDENT))
    assert "请用文字说一下是哪里" in tg.text(photo_update(RESIDENT, "/report", group(GROUP)))


def test_a_text_mention_and_a_typed_username_in_one_message_name_both(tg: Harness) -> None:
    mary = user(1004, "Mary Lee")
    for person, address in ((mary, "3-2-302"), (RESIDENT, "3-2-301")):
        tg.feed(message_update(person, f"/join {address} 同意", group(GROUP)))
    for text, offset, typed in (
        ("加分 @Mary Lee @lisi 3 扫雪", 4, 13),
        ("加分 @lisi @Mary Lee 3 扫雪", 10, 3),
    ):
        raw = message_update(OWNER, text, group(GROUP))
        mention = {"type": "mention", "offset": typed, "length": 5}
        entity = {"type": "text_mention", "offset": offset, "length": 8, "user": mary}
        raw["message"]["entities"] = [mention, entity]
        sent = "\n".join(m["text"] for m in tg.feed(raw) if m["chat_id"] == GROUP)
        assert "Mary Lee" in sent and "李四" in sent and "3 分" in sent, sent


def test_a_role_for_a_text_mention_and_a_typed_username_asks_for_one_at_a_time(
    tg: Harness,
) -> None:
    mary = user(1004, "Mary Lee")
    for person, address in ((mary, "3-2-302"), (RESIDENT, "3-2-301")):
        tg.feed(message_update(person, f"/join {address} 同意", group(GROUP)))
    raw = message_update(OWNER, "设角色 @Mary Lee @lisi 志愿者", group(GROUP))
    mention = {"type": "mention", "offset": 14, "length": 5}
    entity = {"type": "text_mention", "offset": 5, "length": 8, "user": mary}
    raw["message"]["entities"] = [entity, mention]
    sent = "\n".join(m["text"] for m in tg.feed(raw) if m["chat_id"] == GROUP)
    assert "请一次给一个人设角色" in sent, sent
    assert "志愿者" not in tg.text(message_update(mary, "我的"))
