"""The Telegram emulator, driven by python-telegram-bot's own Bot over real HTTP."""

from __future__ import annotations

import asyncio
import struct
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChatAdministrators,
    CallbackQuery,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatAction, MessageEntityType
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.support.telegram_emulator import DEFAULT_TOKEN, RateLimit, TelegramEmulator

T = TypeVar("T")
BOT_ID = 123456
ALICE = 1001
BOB = 1002
GROUP = -4001
SUPERGROUP = -1002000000001
CHANNEL = -1003000000001
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("加入", callback_data="join:7")]])
PNG = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 64, 32) + b"\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x04\x00\x00\xff\xc0" + struct.pack(">HBHH", 11, 8, 20, 30) + bytes(6)


def _bot(emulator: TelegramEmulator, token: str = DEFAULT_TOKEN) -> Bot:
    return Bot(token, base_url=f"{emulator.url}/bot", base_file_url=f"{emulator.url}/file/bot")


def run(emulator: TelegramEmulator, scenario: Callable[[Bot], Awaitable[T]]) -> T:
    """Runs a scenario with an initialised Bot talking to the emulator."""

    async def main() -> T:
        async with _bot(emulator) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def _retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after as seconds, whichever type this PTB setting returns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value if isinstance(value, int) else value.total_seconds()


def _declare(emulator: TelegramEmulator) -> None:
    emulator.declare_user(ALICE, "Alice", username="alice_w")
    emulator.declare_user(BOB, "Bob", language_code=None)
    emulator.declare_group(GROUP, "红旗里3号楼", admins=[ALICE])


@pytest.fixture
def emulator() -> Iterator[TelegramEmulator]:
    with TelegramEmulator(rate_limits=False) as emu:
        _declare(emu)
        yield emu


def test_get_me_is_parsed_by_ptb(emulator: TelegramEmulator) -> None:
    me = run(emulator, lambda bot: bot.get_me())
    assert (me.id, me.username, me.first_name, me.is_bot) == (BOT_ID, "LinliBot", "Linli", True)
    assert me.can_join_groups is True
    assert me.can_read_all_group_messages is True
    assert me.supports_inline_queries is False
    assert [method for method, _ in emulator.calls()] == ["getMe", "getMe"]


def test_send_message_with_html_and_keyboard_round_trips(emulator: TelegramEmulator) -> None:
    emulator.send_text(ALICE, "/start")
    html = "  <b>你好</b>, Alice &amp; 邻居 😀 <i>欢迎</i>\n"

    message = run(
        emulator,
        lambda bot: bot.send_message(ALICE, html, parse_mode="HTML", reply_markup=KEYBOARD),
    )

    assert isinstance(message, Message)
    assert message.text == "你好, Alice & 邻居 😀 欢迎"
    assert list(message.parse_entities().values()) == ["你好", "欢迎"]
    assert [e.type for e in message.entities] == [MessageEntityType.BOLD, MessageEntityType.ITALIC]
    assert message.text_html == "<b>你好</b>, Alice &amp; 邻居 😀 <i>欢迎</i>"
    assert message.reply_markup == KEYBOARD
    assert message.from_user is not None and message.from_user.id == BOT_ID
    assert (message.chat.id, message.chat.type) == (ALICE, "private")
    assert abs(message.date.timestamp() - time.time()) < 5
    [record] = emulator.sent(ALICE)
    assert record["message_id"] == message.message_id
    assert (record["text"], record["plain"], record["parse_mode"]) == (html, message.text, "HTML")
    assert record["reply_markup"] == KEYBOARD.to_dict()


def test_text_length_counts_utf16_units_after_html(emulator: TelegramEmulator) -> None:
    emulator.send_text(ALICE, "/start")

    async def scenario(bot: Bot) -> None:
        await bot.send_message(ALICE, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
        for text in ("a" * 4097, "😀" * 2049):
            with pytest.raises(BadRequest, match=r"(?i)message is too long"):
                await bot.send_message(ALICE, text)
        with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
            await bot.send_message(ALICE, " <b> </b> ", parse_mode="HTML")

    run(emulator, scenario)
    assert len(emulator.sent(ALICE)) == 1


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<b>bold", 'can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("你<br>好", 'unsupported start tag "br" at byte offset 3'),
        ("1 < 2", 'unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'character "&" at byte offset 4 is not part of an entity'),
        ("a&nbsp;b", 'character "&" at byte offset 1'),
        ('<span class="x">s</span>', 'tag "span" must have class "tg-spoiler"'),
        ("x</b>", "unexpected end tag at byte offset 1"),
        ('<a href="https://x.org">x', "can't find end tag"),
    ],
)
def test_malformed_html_is_rejected(emulator: TelegramEmulator, html: str, detail: str) -> None:
    emulator.send_text(ALICE, "/start")

    async def scenario(bot: Bot) -> BadRequest:
        with pytest.raises(BadRequest) as error:
            await bot.send_message(ALICE, html, parse_mode="HTML")
        return error.value

    message = run(emulator, scenario).message.lower()
    assert message.startswith("can't parse entities: ")
    assert detail in message
    assert emulator.sent() == []


@pytest.mark.parametrize("data", ["x" * 65, "邻" * 22, ""])
def test_callback_data_is_limited_to_64_bytes(emulator: TelegramEmulator, data: str) -> None:
    emulator.send_text(ALICE, "/start")
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data=data)]])
    fits = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="邻" * 21)]])

    async def scenario(bot: Bot) -> None:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(ALICE, "hi", reply_markup=too_long)
        await bot.send_message(ALICE, "hi", reply_markup=fits)

    run(emulator, scenario)
    assert len(emulator.sent(ALICE)) == 1


def test_flood_limits_answer_retry_after() -> None:
    with TelegramEmulator() as emulator:
        _declare(emulator)
        emulator.send_text(ALICE, "/start")
        emulator.send_text(BOB, "/start")
        emulator.group_limit = RateLimit(2, 60.0)

        async def scenario(bot: Bot) -> list[RetryAfter]:
            errors = []
            await bot.send_message(ALICE, "one")
            with pytest.raises(RetryAfter) as private:
                await bot.send_message(ALICE, "two")
            errors.append(private.value)
            await bot.send_message(GROUP, "a")
            with pytest.raises(RetryAfter) as same_second:
                await bot.send_message(GROUP, "too soon")
            errors.append(same_second.value)
            emulator.chat_limit = RateLimit(10, 1.0)
            await bot.send_message(GROUP, "b")
            with pytest.raises(RetryAfter) as group:
                await bot.send_message(GROUP, "c")
            errors.append(group.value)
            emulator.global_limit = RateLimit(3, 60.0)
            with pytest.raises(RetryAfter) as overall:
                await bot.send_message(BOB, "first to Bob")
            errors.append(overall.value)
            return errors

        private, same_second, group, overall = [_retry_seconds(e) for e in run(emulator, scenario)]
        assert private == same_second == 1
        assert 55 <= group <= 60
        assert 55 <= overall <= 60
        assert [r["plain"] for r in emulator.sent()] == ["one", "a", "b"]


def test_kicked_blocked_and_unstarted_chats_are_forbidden(emulator: TelegramEmulator) -> None:
    emulator.send_text(BOB, "/start")
    emulator.kick_bot(GROUP)
    emulator.block_bot(BOB)

    async def scenario(bot: Bot) -> tuple[Update, ...]:
        with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
            await bot.send_message(GROUP, "hi")
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(BOB, "hi")
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await bot.send_message(ALICE, "hi")
        return await bot.get_updates()

    updates = run(emulator, scenario)
    changes = [u.my_chat_member for u in updates if u.my_chat_member is not None]
    assert [
        (c.chat.id, c.from_user.id, c.old_chat_member.status, c.new_chat_member.status)
        for c in changes
    ] == [(GROUP, ALICE, "member", "kicked"), (BOB, BOB, "member", "kicked")]
    assert all(c.new_chat_member.user.id == BOT_ID for c in changes)
    assert emulator.sent() == []


@pytest.mark.parametrize("token", ["999:WRONG-token-abcdefghij", "not-a-token"])
def test_unknown_token_is_invalid(emulator: TelegramEmulator, token: str) -> None:
    async def scenario() -> None:
        async with _bot(emulator, token):
            pass

    with pytest.raises(InvalidToken):
        asyncio.run(scenario())
    assert emulator.calls() == []


def test_long_poll_wakes_for_a_queued_command(emulator: TelegramEmulator) -> None:
    text = "/join@LinliBot 3号楼 😀 @alice_w"

    async def scenario(bot: Bot) -> tuple[tuple[Update, ...], float]:
        asyncio.get_running_loop().call_later(0.1, emulator.send_text, ALICE, text)
        started = time.monotonic()
        updates = await bot.get_updates(timeout=10)
        return updates, time.monotonic() - started

    updates, elapsed = run(emulator, scenario)
    assert elapsed < 3
    [update] = updates
    message = update.message
    assert message is not None and message.text == text
    assert message.from_user is not None and message.from_user.id == ALICE
    assert message.chat.type == "private"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        (MessageEntityType.BOT_COMMAND, 0, 14),
        (MessageEntityType.MENTION, 22, 8),
    ]
    assert list(message.parse_entities().values()) == ["/join@LinliBot", "@alice_w"]


def test_offset_confirms_and_drops_older_updates(emulator: TelegramEmulator) -> None:
    for n in range(3):
        emulator.send_text(ALICE, f"m{n}")

    async def scenario(bot: Bot) -> list[list[str | None]]:
        first = await bot.get_updates()
        again = await bot.get_updates(offset=first[1].update_id, limit=1)
        rest = await bot.get_updates(offset=first[1].update_id)
        after = await bot.get_updates(offset=first[-1].update_id + 1)
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        return [
            [u.message.text if u.message else None for u in b] for b in (first, again, rest, after)
        ]

    assert run(emulator, scenario) == [["m0", "m1", "m2"], ["m1"], ["m1", "m2"], []]


def test_allowed_updates_are_honoured(emulator: TelegramEmulator) -> None:
    emulator.send_text(ALICE, "hello")
    emulator.kick_bot(GROUP)

    async def scenario(bot: Bot) -> tuple[tuple[Update, ...], tuple[Update, ...]]:
        chosen = await bot.get_updates(allowed_updates=["my_chat_member"])
        emulator.send_text(ALICE, "hello again")
        emulator.bot_added(GROUP, ALICE)
        later = await bot.get_updates(offset=chosen[-1].update_id + 1)
        return chosen, later

    chosen, later = run(emulator, scenario)
    assert [u.my_chat_member is not None for u in chosen] == [True]
    assert [u.my_chat_member is not None for u in later] == [True]


def test_press_produces_a_callback_query_answered_once(emulator: TelegramEmulator) -> None:
    start = emulator.send_text(ALICE, "/start")
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("3号楼", callback_data="b:3"),
                InlineKeyboardButton("4号楼", callback_data="b:4"),
            ]
        ]
    )

    async def scenario(bot: Bot) -> tuple[Message, str, CallbackQuery]:
        sent = await bot.send_message(ALICE, "选楼", reply_markup=keyboard)
        with pytest.raises(ValueError, match="no callback button"):
            emulator.press(ALICE, sent.message_id, "5号楼")
        query_id = emulator.press(ALICE, sent.message_id, "4号楼")
        updates = await bot.get_updates()
        query = updates[-1].callback_query
        assert query is not None
        assert await bot.answer_callback_query(query.id, text="已选择", show_alert=True)
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query.id)
        with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
            await bot.answer_callback_query("4000000000000000999")
        return sent, query_id, query

    sent, query_id, query = run(emulator, scenario)
    assert start != sent.message_id
    assert (query.id, query.data, query.from_user.id) == (query_id, "b:4", ALICE)
    assert query.chat_instance
    assert isinstance(query.message, Message)
    assert query.message.message_id == sent.message_id
    assert query.message.reply_markup == keyboard
    [answer] = emulator.answers()
    assert (answer["callback_query_id"], answer["text"], answer["show_alert"]) == (
        query_id,
        "已选择",
        True,
    )
    assert (answer["user_id"], answer["data"]) == (ALICE, "b:4")


def test_dropped_connection_is_a_network_error(emulator: TelegramEmulator) -> None:
    async def scenario(bot: Bot) -> int:
        emulator.drop_connections(1)
        with pytest.raises(NetworkError):
            await bot.get_me()
        return (await bot.get_me()).id

    assert run(emulator, scenario) == BOT_ID


def test_commands_are_recorded_per_scope_and_language(emulator: TelegramEmulator) -> None:
    groups = BotCommandScopeAllGroupChats()

    async def scenario(bot: Bot) -> tuple[tuple[BotCommand, ...], tuple[BotCommand, ...]]:
        await bot.set_my_commands([("start", "开始"), ("help", "帮助")])
        await bot.set_my_commands(
            [BotCommand("join", "加入圈子")], scope=groups, language_code="zh"
        )
        admins = BotCommandScopeChatAdministrators(GROUP)
        await bot.set_my_commands([("grid", "管理楼栋")], scope=admins)
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([("Start!", "开始")])
        with pytest.raises(BadRequest, match=r"(?i)invalid language code"):
            await bot.set_my_commands([("start", "开始")], language_code="zh-hans")
        in_groups = await bot.get_my_commands(scope=groups, language_code="zh")
        assert await bot.delete_my_commands()
        return in_groups, await bot.get_my_commands()

    in_groups, default = run(emulator, scenario)
    assert in_groups == (BotCommand("join", "加入圈子"),)
    assert default == ()
    assert emulator.commands() == {
        ("all_group_chats", "zh"): [{"command": "join", "description": "加入圈子"}],
        (f"chat_administrators:{GROUP}", ""): [{"command": "grid", "description": "管理楼栋"}],
    }


def test_edits_and_deletes(emulator: TelegramEmulator) -> None:
    start = emulator.send_text(ALICE, "/start")

    async def scenario(bot: Bot) -> tuple[Message | bool, Message | bool]:
        with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
            await bot.send_message(ALICE, "v1", reply_to_message_id=start + 100)
        sent = await bot.send_message(
            ALICE, "<b>v1</b>", parse_mode="HTML", reply_markup=KEYBOARD, reply_to_message_id=start
        )
        assert sent.reply_to_message is not None and sent.reply_to_message.text == "/start"
        target = sent.message_id
        edited = await bot.edit_message_text(
            "v2", reply_markup=KEYBOARD, chat_id=ALICE, message_id=target
        )
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "v2", reply_markup=KEYBOARD, chat_id=ALICE, message_id=target
            )
        cleared = await bot.edit_message_reply_markup(chat_id=ALICE, message_id=target)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(chat_id=ALICE, message_id=target)
        assert await bot.delete_message(ALICE, sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(ALICE, sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("v3", chat_id=ALICE, message_id=target)
        return edited, cleared

    edited, cleared = run(emulator, scenario)
    assert isinstance(edited, Message) and isinstance(cleared, Message)
    assert (edited.text, edited.reply_markup) == ("v2", KEYBOARD)
    assert edited.edit_date is not None
    assert (cleared.text, cleared.reply_markup) == ("v2", None)
    [record] = emulator.sent(ALICE)
    assert (record["text"], record["reply_markup"], record["deleted"]) == ("v2", None, True)
    assert record["reply_to"] == start
    assert [e["method"] for e in record["edits"]] == ["editMessageText", "editMessageReplyMarkup"]


def test_chat_information(emulator: TelegramEmulator) -> None:
    emulator.declare_group(SUPERGROUP, "幸福家园", admins=[ALICE, BOB, BOT_ID], kind="supergroup")

    async def scenario(bot: Bot) -> tuple[tuple[ChatMember, ...], ChatFullInfo, list[str]]:
        admins = await bot.get_chat_administrators(SUPERGROUP)
        chat = await bot.get_chat(SUPERGROUP)
        statuses = [
            (await bot.get_chat_member(GROUP, user)).status for user in (ALICE, BOB, BOT_ID)
        ]
        assert await bot.send_chat_action(GROUP, ChatAction.TYPING)
        with pytest.raises(BadRequest, match=r"(?i)no administrators in the private chat"):
            await bot.get_chat_administrators(ALICE)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.get_chat(-4999)
        return admins, chat, statuses

    admins, chat, statuses = run(emulator, scenario)
    assert [type(a) for a in admins] == [
        ChatMemberOwner,
        ChatMemberAdministrator,
        ChatMemberAdministrator,
    ]
    assert [a.user.id for a in admins] == [ALICE, BOB, BOT_ID]
    assert (chat.id, chat.type, chat.title) == (SUPERGROUP, "supergroup", "幸福家园")
    assert statuses == ["creator", "left", "member"]


def test_migrated_group_answers_with_the_new_id(emulator: TelegramEmulator) -> None:
    emulator.migrate_to_supergroup(GROUP, SUPERGROUP)

    async def scenario(bot: Bot) -> tuple[tuple[Update, ...], Message]:
        with pytest.raises(ChatMigrated) as error:
            await bot.send_message(GROUP, "hi")
        assert error.value.new_chat_id == SUPERGROUP
        return await bot.get_updates(), await bot.send_message(SUPERGROUP, "hi")

    updates, sent = run(emulator, scenario)
    messages = [u.message for u in updates if u.message is not None]
    assert [(m.chat.id, m.migrate_to_chat_id, m.migrate_from_chat_id) for m in messages] == [
        (GROUP, SUPERGROUP, None),
        (SUPERGROUP, None, GROUP),
    ]
    assert sent.chat.type == "supergroup"


def test_photo_and_document_uploads(emulator: TelegramEmulator) -> None:
    emulator.send_text(ALICE, "/start")
    csv = "楼栋,单元\n".encode()

    async def scenario(bot: Bot) -> list[Message]:
        photo = await bot.send_photo(ALICE, PNG, caption="<b>楼栋</b>图", parse_mode="HTML")
        jpeg = await bot.send_photo(ALICE, JPEG)
        document = await bot.send_document(ALICE, csv, filename="residents.csv", caption="导出")
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await bot.send_photo(ALICE, b"not an image")
        with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
            await bot.send_photo(ALICE, document.document.file_id if document.document else "")
        again = await bot.send_photo(ALICE, photo.photo[-1].file_id)
        return [photo, jpeg, document, again]

    photo, jpeg, document, again = run(emulator, scenario)
    assert (photo.photo[-1].width, photo.photo[-1].height) == (64, 32)
    assert (jpeg.photo[-1].width, jpeg.photo[-1].height) == (30, 20)
    assert photo.caption == "楼栋图"
    assert [e.type for e in photo.caption_entities] == [MessageEntityType.BOLD]
    assert document.document is not None
    assert (document.document.file_name, document.document.file_size) == ("residents.csv", len(csv))
    assert document.caption == "导出"
    assert again.photo[-1].file_id == photo.photo[-1].file_id
    records = emulator.sent(ALICE)
    assert [r["kind"] for r in records] == ["photo", "photo", "document", "photo"]
    assert (records[2]["file_name"], records[2]["file_data"]) == ("residents.csv", csv)
    assert records[0]["file_data"] == PNG


def test_user_side_events_parse_as_updates(emulator: TelegramEmulator) -> None:
    emulator.declare_group(CHANNEL, "公告", admins=[ALICE], kind="channel")
    first = emulator.send_text(ALICE, "大家好", GROUP)
    emulator.send_text(BOB, "收到 @Alice", GROUP, reply_to=first, mentions=[ALICE])
    emulator.edit_text(ALICE, GROUP, first, "大家好！")
    emulator.member_joins(GROUP, BOB)
    emulator.member_leaves(GROUP, BOB)
    emulator.kick_bot(GROUP)
    emulator.send_text(ALICE, "the bot cannot see this", GROUP)
    emulator.bot_added(GROUP, ALICE)
    emulator.channel_post(CHANNEL, "停水通知")
    injected = emulator.inject(
        {
            "update_id": 1,
            "message": {"message_id": 999, "date": 0, "chat": {"id": 5, "type": "private"}},
        }
    )

    updates = run(emulator, lambda bot: bot.get_updates())

    assert updates[-1].update_id == injected
    assert [u.update_id for u in updates] == sorted(u.update_id for u in updates)
    greeting, reply, edit, join, leave, kicked, added, added_message, post, raw = updates
    assert greeting.message is not None and greeting.message.chat.type == "group"
    assert reply.message is not None and reply.message.reply_to_message is not None
    assert reply.message.reply_to_message.message_id == first
    [mention] = reply.message.entities
    assert mention.type == MessageEntityType.TEXT_MENTION and mention.user is not None
    assert (mention.user.id, reply.message.parse_entity(mention)) == (ALICE, "@Alice")
    assert edit.edited_message is not None and edit.edited_message.text == "大家好！"
    assert join.message is not None and [u.id for u in join.message.new_chat_members] == [BOB]
    assert leave.message is not None and leave.message.left_chat_member is not None
    assert leave.message.left_chat_member.id == BOB
    assert kicked.my_chat_member is not None and added.my_chat_member is not None
    assert added.my_chat_member.old_chat_member.status == "kicked"
    assert added.my_chat_member.new_chat_member.status == "member"
    assert added_message.message is not None
    assert [u.id for u in added_message.message.new_chat_members] == [BOT_ID]
    assert post.channel_post is not None and post.channel_post.text == "停水通知"
    assert post.channel_post.sender_chat is not None and post.channel_post.sender_chat.id == CHANNEL
    assert raw.message is not None and raw.message.message_id == 999


def test_fail_next_and_unknown_methods(emulator: TelegramEmulator) -> None:
    async def scenario(bot: Bot) -> float:
        emulator.fail_next("GETME", 429, "Too Many Requests: retry after 3", retry_after=3)
        with pytest.raises(RetryAfter) as error:
            await bot.get_me()
        await bot.get_me()
        emulator.fail_next("sendChatAction", 502, "Bad Gateway")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_chat_action(GROUP, ChatAction.TYPING)
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("frobnicate")
        return _retry_seconds(error.value)

    assert run(emulator, scenario) == 3
    assert [method for method, _ in emulator.calls()][-1] == "frobnicate"
    assert emulator.calls("sendchataction")[0][1] == {"chat_id": GROUP, "action": "typing"}


def test_second_poller_and_webhook_conflict(emulator: TelegramEmulator) -> None:
    async def main() -> None:
        async with _bot(emulator) as one, _bot(emulator) as two:
            first = asyncio.create_task(one.get_updates(timeout=5))
            await asyncio.to_thread(emulator.wait_for, lambda e: len(e.calls("getUpdates")) == 1)
            assert await two.get_updates() == ()
            with pytest.raises(Conflict, match="terminated by other getUpdates request"):
                await first
            assert await one.set_webhook("https://linli.example/hook")
            with pytest.raises(Conflict, match="webhook is active"):
                await one.get_updates()
            assert (await one.get_webhook_info()).url == "https://linli.example/hook"
            emulator.send_text(ALICE, "pending")
            assert await one.delete_webhook(drop_pending_updates=True)
            assert await one.get_updates() == ()

    asyncio.run(main())


def test_wait_for_dumps_the_traffic_on_timeout(emulator: TelegramEmulator) -> None:
    emulator.send_text(ALICE, "/start")
    run(emulator, lambda bot: bot.send_message(ALICE, "hello there"))

    emulator.wait_for(lambda e: len(e.sent(ALICE)) == 1, timeout=1)
    with pytest.raises(AssertionError, match="hello there"):
        emulator.wait_for(lambda e: len(e.sent()) == 2, timeout=0.1)


def test_application_long_polls_and_replies(emulator: TelegramEmulator) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_html("<b>欢迎</b>", reply_markup=KEYBOARD)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("好的")

    async def main() -> None:
        app = (
            ApplicationBuilder()
            .token(DEFAULT_TOKEN)
            .base_url(f"{emulator.url}/bot")
            .base_file_url(f"{emulator.url}/file/bot")
            .build()
        )
        app.add_handler(CommandHandler("start", start))
        app.add_handler(CallbackQueryHandler(pressed))
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(timeout=5)
            emulator.send_text(ALICE, "/start")
            await asyncio.to_thread(emulator.wait_for, lambda e: len(e.sent(ALICE)) == 1)
            emulator.press(ALICE, emulator.sent(ALICE)[0]["message_id"], "加入")
            await asyncio.to_thread(emulator.wait_for, lambda e: len(e.answers()) == 1)
            await app.updater.stop()
            await app.stop()

    asyncio.run(main())
    [record] = emulator.sent(ALICE)
    assert (record["plain"], record["parse_mode"]) == ("欢迎", "HTML")
    assert emulator.answers()[0]["text"] == "好的"
