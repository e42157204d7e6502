"""The Telegram adapter: python-telegram-bot 22 updates in, rendered envelopes out."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    CallbackQuery,
    Chat,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.app import App
from bot.config import TelegramSettings
from bot.messages import ChatKind, ChatRef, Choice, Envelope, EventKind, Incoming, UserRef
from bot.outbox import ChatMoved, OutboxWorker, RetryLater, Undeliverable
from bot.rendering import to_plain
from bot.routing import Command

PLATFORM = "telegram"
MAX_TEXT = 4096
MAX_CAPTION = 1024
TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,}$")
MENU_LANGUAGES = {"zh-Hans": "", "en": "en"}
log = logging.getLogger(__name__)


class TelegramStartError(Exception):
    """The bot cannot start; the message is one line for the operator."""


def check_token(token: str) -> None:
    """Refuse a missing or malformed token before any network call."""
    if not token:
        raise TelegramStartError(
            "no Telegram token: set LINLI_TELEGRAM_TOKEN (or [telegram] token in the config)"
        )
    if not TOKEN.match(token):
        raise TelegramStartError(
            "the Telegram token is malformed: expected <digits>:<letters, digits, - and _>, "
            "as @BotFather gives it"
        )


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line boundaries into pieces of at most `limit` characters of visible text."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for part in _hard_split(line, limit):
            length = len(to_plain(part))
            if current and size + 1 + length > limit:
                pieces.append("\n".join(current))
                current, size = [], 0
            current.append(part)
            size += length + (1 if size else 0)
    if current:
        pieces.append("\n".join(current))
    return pieces or [""]


def _hard_split(line: str, limit: int) -> Iterable[str]:
    """Cut a single over-long line without breaking an HTML entity or tag."""
    while len(to_plain(line)) > limit:
        cut = limit
        while cut > 0 and (
            line.rfind("&", 0, cut) > line.rfind(";", 0, cut)
            or line.rfind("<", 0, cut) > line.rfind(">", 0, cut)
        ):
            cut -= 1
        yield line[:cut]
        line = line[cut:]
    yield line


def keyboard(rows: list[list[Choice]]) -> InlineKeyboardMarkup | None:
    """Buttons whose callback data is the choice's short token, never its text."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.token) for c in row] for row in rows]
    )


def _user(user: User) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.full_name, user.username or "")


def _chat(chat: Chat) -> ChatRef | None:
    if chat.type == Chat.PRIVATE:
        return ChatRef(PLATFORM, str(chat.id), ChatKind.PRIVATE)
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return ChatRef(PLATFORM, str(chat.id), ChatKind.GROUP, chat.title or "")
    return None


def _mentions(message: Message) -> tuple[UserRef, ...]:
    return tuple(
        _user(entity.user)
        for entity in message.entities
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None
    )


def to_incoming(update: Update, bot_id: int, bot_username: str) -> list[Incoming]:
    """The neutral events an update stands for; edits, channel posts and the like give none."""
    key = f"{PLATFORM}:{bot_id}:{update.update_id}"
    link = f"https://t.me/{bot_username}?start=me" if bot_username else ""
    common: dict[str, Any] = {"bot_username": bot_username, "private_link": link}
    if update.callback_query is not None:
        return _press(update.callback_query, key, common)
    if update.my_chat_member is not None:
        return _membership_of_bot(update.my_chat_member, bot_id, key, common)
    message = update.message
    if message is None or message.from_user is None:
        return []
    chat = _chat(message.chat)
    if chat is None:
        return []
    sender = _user(message.from_user)
    if message.migrate_to_chat_id is not None:
        return [
            Incoming(
                chat,
                sender,
                EventKind.MIGRATED,
                str(message.migrate_to_chat_id),
                delivery_key=key,
                **common,
            )
        ]
    if message.new_chat_members:
        return [
            Incoming(
                chat,
                _user(member),
                EventKind.JOINED,
                subject=_user(member),
                delivery_key=f"{key}:{number}",
                **common,
            )
            for number, member in enumerate(message.new_chat_members)
            if member.id != bot_id
        ]
    if message.left_chat_member is not None:
        if message.left_chat_member.id == bot_id:
            return []
        gone = _user(message.left_chat_member)
        return [Incoming(chat, gone, EventKind.LEFT, subject=gone, delivery_key=key, **common)]
    text = message.text or message.caption or ""
    if not text:
        return []
    reply_to = message.reply_to_message
    return [
        Incoming(
            chat,
            sender,
            EventKind.MESSAGE,
            text,
            mentions=_mentions(message),
            reply_to=_user(reply_to.from_user) if reply_to and reply_to.from_user else None,
            delivery_key=key,
            **common,
        )
    ]


def _press(query: CallbackQuery, key: str, common: dict[str, Any]) -> list[Incoming]:
    user = _user(query.from_user)
    message = query.message
    chat = _chat(message.chat) if message is not None else None
    if chat is None:
        chat = ChatRef(PLATFORM, user.user_id, ChatKind.PRIVATE)
    return [Incoming(chat, user, EventKind.PRESS, query.data or "", delivery_key=key, **common)]


def _membership_of_bot(
    change: ChatMemberUpdated, bot_id: int, key: str, common: dict[str, Any]
) -> list[Incoming]:
    if change.new_chat_member.user.id != bot_id:
        return []
    chat = _chat(change.chat)
    if chat is None:
        return []
    present = ("member", "administrator", "creator", "restricted")
    was_in = change.old_chat_member.status in present
    is_in = change.new_chat_member.status in present
    if was_in == is_in or (is_in and chat.kind == ChatKind.PRIVATE):
        return []
    event = EventKind.BOT_ADDED if is_in else EventKind.BOT_REMOVED
    return [Incoming(chat, _user(change.from_user), event, delivery_key=key, **common)]


def _retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # python-telegram-bot 22 warns that retry_after will become a timedelta; take either.
        warnings.simplefilter("ignore")
        value: int | float | timedelta = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramAdapter:
    """Feeds updates to the dispatcher and sends the outbox through the Bot API."""

    def __init__(self, app: App, bot: Bot, settings: TelegramSettings) -> None:
        self.app = app
        self.bot = bot
        self.settings = settings
        self.worker = OutboxWorker(app.db, app.clock, PLATFORM, self.send, idle_seconds=2.0)
        self._admins: dict[str, tuple[float, frozenset[str]]] = {}

    async def on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle one update: map it, dispatch it in a worker thread, answer presses."""
        await self.handle(update)

    async def handle(self, update: Update) -> None:
        """Map, dispatch and answer one update."""
        answered = False
        for incoming in to_incoming(update, self.bot.id, self.bot.username or ""):
            if incoming.chat.kind == ChatKind.GROUP and incoming.user is not None:
                admins = await self.admins(incoming.chat.chat_id)
                incoming = _with_admin(incoming, incoming.user.user_id in admins)
            envelopes = await asyncio.to_thread(self.app.dispatcher.handle, incoming)
            for envelope in envelopes:
                if envelope.toast and update.callback_query is not None:
                    answered = await self._toast(update.callback_query, envelope)
        if update.callback_query is not None and not answered:
            await self._answer(update.callback_query, None)
        self.worker.wake()

    async def admins(self, chat_id: str) -> frozenset[str]:
        """The group's owner and admins, from getChatAdministrators, cached briefly."""
        now = time.monotonic()
        cached = self._admins.get(chat_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            members = await self.bot.get_chat_administrators(int(chat_id))
            found = frozenset(str(m.user.id) for m in members)
        except TelegramError as error:
            log.warning("could not read a group's admins (%s); treating nobody as admin", error)
            found = frozenset()
        self._admins[chat_id] = (now + self.settings.admin_cache_seconds, found)
        return found

    async def _toast(self, query: CallbackQuery, envelope: Envelope) -> bool:
        text = self.app.renderer.render(
            envelope.reply, envelope.language, html_mode=False, buttons=False
        ).text
        return await self._answer(query, text[:200])

    @staticmethod
    async def _answer(query: CallbackQuery, text: str | None) -> bool:
        try:
            await query.answer(text=text)
        except TelegramError as error:
            log.info("a button press could not be answered (%s)", error)
            return False
        return True

    async def send(self, envelope: Envelope) -> str | None:
        """Send (or edit) one envelope as HTML; Telegram's refusals become outbox outcomes."""
        rendered = self.app.renderer.render(
            envelope.reply, envelope.language, html_mode=True, buttons=True
        )
        try:
            if envelope.edit:
                return await self._edit(envelope, rendered.text, keyboard(rendered.buttons))
            return await self._post(envelope, rendered.text, keyboard(rendered.buttons))
        except RetryAfter as error:
            raise RetryLater(_retry_seconds(error), "flood control") from error
        except ChatMigrated as error:
            raise ChatMoved(str(error.new_chat_id)) from error
        except Forbidden as error:
            raise Undeliverable(error.message, chat_gone=True) from error
        except BadRequest as error:
            raise Undeliverable(error.message) from error
        except NetworkError as error:
            raise RetryLater(0, f"network: {error.message}") from error

    async def _post(
        self, envelope: Envelope, text: str, markup: InlineKeyboardMarkup | None
    ) -> str:
        """A new message, split to Telegram's length with the buttons on the last piece."""
        chat_id = int(envelope.target.chat_id)
        if envelope.reply.image is not None:
            with envelope.reply.image.open("rb") as picture:
                sent = await self.bot.send_photo(
                    chat_id,
                    picture,
                    caption=split_text(text, MAX_CAPTION)[0],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            return str(sent.message_id)
        pieces = split_text(text)
        for number, piece in enumerate(pieces, start=1):
            sent = await self.bot.send_message(
                chat_id,
                piece,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if number == len(pieces) else None,
            )
        return str(sent.message_id)

    async def _edit(
        self, envelope: Envelope, text: str, markup: InlineKeyboardMarkup | None
    ) -> str:
        """Replace the text (or caption) and buttons of a message sent earlier."""
        if envelope.message_id is None:
            raise Undeliverable("no sent message to edit")
        chat_id, message_id = int(envelope.target.chat_id), int(envelope.message_id)
        try:
            if envelope.reply.image is not None:
                await self.bot.edit_message_caption(
                    chat_id,
                    message_id,
                    caption=split_text(text, MAX_CAPTION)[0],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
            else:
                await self.bot.edit_message_text(
                    split_text(text)[0],
                    chat_id,
                    message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
        except BadRequest as error:
            # Telegram refuses an edit that changes nothing; the message already shows it.
            if "not modified" not in error.message.lower():
                raise
        return envelope.message_id

    async def set_menus(self, commands: Iterable[Command]) -> None:
        """setMyCommands per language, scoped to private chats and to groups."""
        listed = list(commands)
        scopes = {
            "private": BotCommandScopeAllPrivateChats(),
            "group": BotCommandScopeAllGroupChats(),
        }
        for language, code in MENU_LANGUAGES.items():
            for menu, scope in scopes.items():
                entries = [
                    BotCommand(
                        c.name, self.app.renderer.markup("names.menu", {"name": c.name}, language)
                    )
                    for c in listed
                    if menu in c.menus
                ]
                try:
                    await self.bot.set_my_commands(entries, scope=scope, language_code=code or None)
                except TelegramError as error:
                    log.warning("could not set the %s command menu (%s)", menu, error)


def _with_admin(incoming: Incoming, admin: bool) -> Incoming:
    return replace(incoming, is_platform_admin=admin)


def build_application(settings: TelegramSettings) -> Application[Any, Any, Any, Any, Any, Any]:
    """A python-telegram-bot Application with Telegram's flood limits respected."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=30,
                overall_time_period=1,
                group_max_rate=20,
                group_time_period=60,
                max_retries=2,
            )
        )
    )
    if settings.base_url:
        base = settings.base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    return builder.build()


async def run_telegram(
    app: App,
    settings: TelegramSettings,
    stop: asyncio.Event,
    commands: Iterable[Command] = (),
    wakers: list[Callable[[], None]] | None = None,
) -> None:
    """Run the bot (long polling, or a webhook when a public URL is set) until `stop`."""
    check_token(settings.token)
    if settings.webhook_url and not settings.webhook_secret:
        raise TelegramStartError(
            "webhook mode needs a secret: set LINLI_TELEGRAM_WEBHOOK_SECRET "
            "(Telegram sends it with every request, and others cannot)"
        )
    application = build_application(settings)
    adapter = TelegramAdapter(app, application.bot, settings)
    application.add_handler(TypeHandler(Update, adapter.on_update))
    try:
        await application.initialize()
    except InvalidToken as error:
        raise TelegramStartError(f"Telegram rejected the token ({error.message})") from error
    await adapter.set_menus(commands)
    if wakers is not None:
        wakers.append(adapter.worker.wake)
    worker = asyncio.create_task(adapter.worker.run(stop))
    await application.start()
    assert application.updater is not None
    if settings.webhook_url:
        await application.updater.start_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret or None,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        await application.updater.start_polling(
            poll_interval=settings.poll_interval, allowed_updates=Update.ALL_TYPES
        )
    log.info("Telegram bot @%s is running", application.bot.username)
    try:
        await stop.wait()
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
        await worker
