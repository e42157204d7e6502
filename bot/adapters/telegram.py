"""The Telegram adapter: python-telegram-bot 22 updates in, rendered envelopes out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

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
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, ApplicationBuilder
from telegram.warnings import PTBUserWarning

from bot.adapters.ordering import ChatQueues
from bot.adapters.stopping import Stopped, unless_stopped
from bot.adapters.text import HTML_ATOM, split_text
from bot.adapters.webhook import Webhook
from bot.app import App
from bot.batching import Batches
from bot.config import TelegramSettings
from bot.db import is_sqlite
from bot.messages import (
    ChatKind,
    ChatRef,
    Choice,
    Envelope,
    EventKind,
    Incoming,
    Media,
    MediaKind,
    Replied,
    UserRef,
    platform_file,
)
from bot.outbox import ChatMoved, OutboxWorker, RetryLater, Undeliverable
from bot.pacing import FloodLimits
from bot.rendering import to_plain
from bot.routing import Command

PLATFORM = "telegram"
# Telegram's limits, in UTF-16 code units of the visible text (an emoji may count 2 or more).
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOAST = 200
TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,}$")
MENU_LANGUAGES = {"zh-Hans": "", "en": "en"}
LONG_POLL_SECONDS = 10
# On stop, a message being sent may finish for this long; then it is left for the restart.
STOP_GRACE_SECONDS = 3.0
# The adapter sends text by do_api_request (see TelegramAdapter._text), which PTB frowns on.
warnings.filterwarnings("ignore", "Please use 'Bot.sendMessage'", PTBUserWarning)
# Messages in flight at once: enough to keep Telegram's 30 a second going on a slow network.
CONCURRENCY = 30
# Threads that dispatch events at once on PostgreSQL (measured: /me 1.3-1.5x one).
POSTGRES_DISPATCH_THREADS = 4
log = logging.getLogger(__name__)
T = TypeVar("T")


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


def utf16_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(markup: str) -> int:
    """The length Telegram counts of an HTML text: its visible text, in UTF-16 code units."""
    return utf16_length(to_plain(markup))


def html_pieces(text: str, limit: int = MAX_TEXT) -> list[str]:
    """An HTML text as pieces of at most `limit` units of visible text, never cutting a tag.

    An empty text stays one empty piece: Telegram refuses it, which marks the message failed.
    """
    return split_text(text, limit, visible_length, HTML_ATOM) or [""]


def caption_and_rest(text: str) -> tuple[str, list[str]]:
    """A picture's caption, and the messages to follow it when the text is too long for one.

    A caption that does not fit becomes the text's first line (its title), and the
    whole text follows as messages, so that nothing of it is cut.
    """
    if visible_length(text) <= MAX_CAPTION:
        return text, []
    return html_pieces(text.split("\n", 1)[0], MAX_CAPTION)[0], html_pieces(text)


@dataclass(frozen=True)
class _Piece:
    """One message of a reply: a text, a picture with `text` as its caption, or a file."""

    text: str
    image: Path | None = None
    markup: InlineKeyboardMarkup | None = None
    document: Path | None = None


def _pieces(
    text: str,
    image: Path | None,
    markup: InlineKeyboardMarkup | None,
    document: Path | None = None,
) -> list[_Piece]:
    """A reply's messages in order: its picture first, if any, the buttons on the last text,
    then its file."""
    if image is None:
        pieces = [_Piece(piece) for piece in html_pieces(text)]
    else:
        caption, rest = caption_and_rest(text)
        pieces = [_Piece(caption, image)] + [_Piece(piece) for piece in rest]
    pieces[-1] = replace(pieces[-1], markup=markup)
    return pieces + ([_Piece("", document=document)] if document is not None else [])


def utf16_prefix(text: str, limit: int) -> str:
    """The start of a plain text, at most `limit` UTF-16 code units (no half emoji)."""
    return text.encode("utf-16-le")[: 2 * limit].decode("utf-16-le", errors="ignore")


def keyboard(rows: list[list[Choice]]) -> InlineKeyboardMarkup | None:
    """Buttons whose callback data is the choice's short token, never its text."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.token) for c in row] for row in rows]
    )


def _file(path: Path, files: contextlib.ExitStack) -> str | BinaryIO:
    """A file Telegram already keeps, by its id (no upload); else the local file, opened."""
    file_id = platform_file(path, PLATFORM)
    return file_id if file_id is not None else files.enter_context(path.open("rb"))


def _user(user: User) -> UserRef:
    return UserRef(PLATFORM, str(user.id), user.full_name, user.username or "")


def _chat(chat: Chat) -> ChatRef | None:
    if chat.type == Chat.PRIVATE:
        return ChatRef(PLATFORM, str(chat.id), ChatKind.PRIVATE)
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return ChatRef(PLATFORM, str(chat.id), ChatKind.GROUP, chat.title or "")
    return None


def _mentions(message: Message) -> tuple[tuple[UserRef, ...], tuple[str, ...]]:
    """The people a message mentions without a username, and each mention as written."""
    found = [
        (_user(entity.user), message.parse_entity(entity))
        for entity in message.entities
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None
    ]
    return tuple(user for user, _ in found), tuple(written for _, written in found)


def _media(message: Message) -> Media | None:
    """The picture (its largest size) or file sent with a message, by Telegram's file_id."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return Media(MediaKind.PHOTO, PLATFORM, largest.file_id, "", largest.file_size or 0)
    document = message.document
    if document is not None:
        name = document.file_name or ""
        return Media(MediaKind.FILE, PLATFORM, document.file_id, name, document.file_size or 0)
    return None


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
    return _message_events(message, chat, _user(message.from_user), bot_id, key, common)


def _message_events(
    message: Message,
    chat: ChatRef,
    sender: UserRef,
    bot_id: int,
    key: str,
    common: dict[str, Any],
) -> list[Incoming]:
    """A message's events: a migration, joins, a leave, or text."""
    if message.migrate_to_chat_id is not None:
        migrated = str(message.migrate_to_chat_id)
        return [Incoming(chat, sender, EventKind.MIGRATED, migrated, delivery_key=key, **common)]
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
    media = _media(message)
    if not text and media is None:
        return []
    reply_to = message.reply_to_message
    mentions, mentioned_as = _mentions(message)
    return [
        Incoming(
            chat,
            sender,
            EventKind.MESSAGE,
            text,
            mentions=mentions,
            mentioned_as=mentioned_as,
            reply_to=_user(reply_to.from_user) if reply_to and reply_to.from_user else None,
            replied=_replied(reply_to, bot_id),
            delivery_key=key,
            media=media,
            **common,
        )
    ]


def _replied(message: Message | None, bot_id: int) -> Replied | None:
    """The bot's own message `message` is, replied to; None for anyone else's."""
    if message is None or message.from_user is None or message.from_user.id != bot_id:
        return None
    return Replied(message_id=str(message.message_id))


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

    def __init__(
        self,
        app: App,
        bot: Bot,
        settings: TelegramSettings,
        nudge: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.bot = bot
        self.settings = settings
        self.limits = FloodLimits()
        self.worker = OutboxWorker(
            app.db,
            app.clock,
            PLATFORM,
            self.send,
            idle_seconds=2.0,
            concurrency=CONCURRENCY,
            nudge=nudge,
        )
        self._admins: dict[str, tuple[float, frozenset[str]]] = {}
        # On SQLite events are dispatched on the event loop itself: a statement there takes
        # microseconds, and a thread of their own hands the interpreter's lock to and fro
        # with the loop at each one (measured: a sixth more CPU per registration, /me half
        # as fast with several threads). Reading commands are answered at once, as a read
        # there never waits for a lock (measured: /me 1.5 times as fast). On PostgreSQL a
        # thread mostly waits for the server, so a few overlap.
        self._read_on_loop = is_sqlite(app.db.url)
        threads = 0 if self._read_on_loop else POSTGRES_DISPATCH_THREADS
        self.batches = Batches(app.dispatcher, threads)
        self.queues = ChatQueues()

    def submit(self, update: Update) -> asyncio.Task[None]:
        """Handle an update once its chat's earlier updates are handled; chats run at once.

        A group's move to a supergroup also goes before anything later in the new chat.
        """
        chat = update.effective_chat or update.effective_user
        message = update.effective_message
        moved = message.migrate_to_chat_id if message is not None else None
        also = (str(moved),) if moved is not None else ()
        key = str(chat.id) if chat else ""
        return self.queues.submit(key, partial(_handle, self, update), *also)

    async def handle(self, update: Update) -> None:
        """Map, dispatch and answer one update; its staged replies go straight to the worker,
        and so do answers to commands that only read (never stored; see Dispatcher.handle)."""
        answered = False
        # Only the worker sending this platform's outbox takes its replies straight from here.
        claim = self.worker.hand_claim
        sending = claim is not None
        for incoming in to_incoming(update, self.bot.id, self.bot.username or ""):
            if incoming.chat.kind == ChatKind.GROUP and incoming.user is not None:
                admins = await self.admins(incoming.chat.chat_id)
                incoming = _with_admin(incoming, incoming.user.user_id in admins)
            here = sending and self._read_on_loop
            envelopes = self.app.dispatcher.answer(incoming) if here else None
            if envelopes is None:
                envelopes = await self.batches.handle(incoming, claim, sending and not here)
            self.worker.take(envelopes, claimed=sending)
            for envelope in envelopes:
                if envelope.toast and update.callback_query is not None:
                    answered = await self._toast(update.callback_query, envelope)
        if update.callback_query is not None and not answered:
            await self._answer(update.callback_query, None)

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
        return await self._answer(query, utf16_prefix(text, MAX_TOAST))

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
            self.limits.hold(envelope.target.chat_id, _retry_seconds(error))
            raise RetryLater(_retry_seconds(error), "flood control") from error
        except ChatMigrated as error:
            raise ChatMoved(str(error.new_chat_id)) from error
        except Forbidden as error:
            raise Undeliverable(error.message, chat_gone=True) from error
        except BadRequest as error:
            raise Undeliverable(error.message) from error
        except NetworkError as error:
            raise RetryLater(0, f"network: {error.message}") from error
        except TelegramError as error:
            # 401/404 (the token was revoked), 409 and whatever else Telegram may answer.
            raise RetryLater(0, f"{type(error).__name__}: {error.message}") from error

    async def _post(
        self, envelope: Envelope, text: str, markup: InlineKeyboardMarkup | None
    ) -> str | None:
        """A new message in pieces, resuming after the pieces a failed try already sent.

        The row's id is the picture's when there is one, else the last text's; the worker
        records every piece's (see PartsSent).
        """
        chat_id, row = int(envelope.target.chat_id), envelope.outbox_id
        pieces = _pieces(text, envelope.reply.image, markup, envelope.reply.document)
        sent = self.worker.parts.resume(row)
        for number in range(len(sent), len(pieces)):
            async with self._turn(envelope):
                sent.append(await self._piece(chat_id, pieces[number]))
            self.worker.parts.record(row, sent[-1])
        texts = [at for at, piece in enumerate(pieces) if piece.document is None]
        return sent[0] if pieces[0].image is not None else sent[texts[-1]]

    def _turn(self, envelope: Envelope) -> AbstractAsyncContextManager[None]:
        """One request to the envelope's chat, when Telegram's flood limits let it go."""
        group = envelope.target.kind == ChatKind.GROUP
        return self.limits.turn(envelope.target.chat_id, group, envelope.bulk)

    async def _piece(self, chat_id: int, piece: _Piece) -> str:
        """Send one piece of a message; its id."""
        with contextlib.ExitStack() as files:
            if piece.document is not None:
                document = _file(piece.document, files)
                sent = await self.bot.send_document(chat_id, document, filename=piece.document.name)
            elif piece.image is not None:
                sent = await self.bot.send_photo(
                    chat_id,
                    _file(piece.image, files),
                    caption=piece.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=piece.markup,
                )
            else:
                return await self._text(chat_id, piece)
        return str(sent.message_id)

    async def _text(self, chat_id: int, piece: _Piece) -> str:
        """Send a piece of text; its id. Only the id is read of Telegram's answer: reading
        it all into a Message, as send_message does, cost a fifth of answering /me."""
        parameters = {
            "chat_id": chat_id,
            "text": piece.text,
            "parse_mode": ParseMode.HTML,
            "reply_markup": piece.markup,
        }
        try:
            answer = await self.bot.do_api_request("sendMessage", parameters)
        except EndPointNotFound as error:
            # sendMessage exists: Telegram's 404 says it rejected the token, as send_message
            # would have said.
            if isinstance(error.__cause__, InvalidToken):
                raise error.__cause__ from None
            raise
        return str(answer["message_id"])

    async def _edit(
        self, envelope: Envelope, text: str, markup: InlineKeyboardMarkup | None
    ) -> str:
        """Replace the text (or caption) and buttons of a message sent earlier."""
        if envelope.message_id is None:
            raise Undeliverable("no sent message to edit")
        chat_id, message_id = int(envelope.target.chat_id), int(envelope.message_id)
        try:
            async with self._turn(envelope):
                if envelope.reply.image is not None:
                    await self.bot.edit_message_caption(
                        chat_id,
                        message_id,
                        caption=caption_and_rest(text)[0],
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                else:
                    await self.bot.edit_message_text(
                        html_pieces(text)[0],
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
                        c.name,
                        self.app.renderer.markup(
                            f"{c.listed_in}.help_line", {"key": c.name, "menu": True}, language
                        ),
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
    """A python-telegram-bot Application; the adapter keeps Telegram's flood limits itself."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .connection_pool_size(CONCURRENCY + 8)
        .updater(None)
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
    *,
    backoff: tuple[float, float] = (1.0, 60.0),
    nudge: Callable[[], None] | None = None,
) -> None:
    """Run the bot (long polling, or a webhook when a public URL is set) until `stop`.

    Telegram out of reach, at the start or later, is retried with growing waits (`backoff`,
    in seconds), one log line each; a token Telegram rejects stops the bot. `nudge` asks
    the scheduler to tick soon (a broadcast's progress to show).
    """
    check_token(settings.token)
    if settings.webhook_url and not settings.webhook_secret:
        raise TelegramStartError(
            "webhook mode needs a secret: set LINLI_TELEGRAM_WEBHOOK_SECRET "
            "(Telegram sends it with every request, and others cannot)"
        )
    application = build_application(settings)
    adapter = TelegramAdapter(app, application.bot, settings, nudge)
    retry = _Retry(backoff, settings.base_url or "api.telegram.org")
    try:
        await _reach(stop, retry, "getMe", application.initialize)
        await adapter.set_menus(commands)
        if wakers is not None:
            wakers.append(adapter.worker.wake)
        await _serve(application, adapter, settings, stop, retry)
    except InvalidToken as error:
        raise TelegramStartError(f"Telegram rejected the token ({error.message})") from error
    except Stopped:
        pass


async def _serve(
    application: Application[Any, Any, Any, Any, Any, Any],
    adapter: TelegramAdapter,
    settings: TelegramSettings,
    stop: asyncio.Event,
    retry: _Retry,
) -> None:
    """Receive updates and send the outbox until `stop`; then stop promptly."""
    worker = asyncio.create_task(adapter.worker.run(stop))
    await application.start()
    log.info("Telegram bot @%s is running", application.bot.username)
    try:
        if settings.webhook_url:
            await _serve_webhook(adapter, settings, stop, retry)
        else:
            await poll(adapter, settings, stop, retry)
    finally:
        stop.set()
        await _finish(worker)
        await application.stop()
        await application.shutdown()


class _Retry:
    """Growing waits between attempts to reach Telegram, with one log line each."""

    def __init__(self, backoff: tuple[float, float], where: str) -> None:
        self.first, self.longest = backoff
        self.where = where
        self.delay = 0.0

    async def wait(self, stop: asyncio.Event, action: str, error: TelegramError) -> None:
        """Log the failure in one line and wait the next, longer delay (raises Stopped)."""
        self.delay = min(self.delay * 2, self.longest) if self.delay else self.first
        log.warning(
            "Telegram: %s at %s failed (%s: %s); trying again in %.3g s",
            action,
            self.where,
            type(error).__name__,
            error.message[:200],
            self.delay,
        )
        await unless_stopped(stop, asyncio.sleep(self.delay))

    def reset(self) -> None:
        """Telegram answered: the next failure waits the shortest delay again."""
        if self.delay:
            log.warning("Telegram: %s answers again", self.where)
        self.delay = 0.0


async def _reach(
    stop: asyncio.Event, retry: _Retry, action: str, call: Callable[[], Awaitable[T]]
) -> T:
    """Call the Bot API until it answers; a rejected token is raised, `stop` raises Stopped."""
    while True:
        try:
            result = await unless_stopped(stop, call())
        except InvalidToken:
            raise
        except TelegramError as error:
            await retry.wait(stop, action, error)
        else:
            retry.reset()
            return result


async def poll(
    adapter: TelegramAdapter, settings: TelegramSettings, stop: asyncio.Event, retry: _Retry
) -> None:
    """Long-poll and handle updates until `stop`, finishing the updates in hand.

    Each chat's updates are handled in order, different chats' at the same time. An
    update is confirmed to Telegram (the next offset) only once handled: those fetched
    but not handled when `stop` comes are delivered again after a restart.
    """
    bot = adapter.bot
    offset = 0
    try:
        await _reach(stop, retry, "deleteWebhook", bot.delete_webhook)
        while not stop.is_set():
            updates = await _reach(
                stop,
                retry,
                "getUpdates",
                partial(
                    bot.get_updates,
                    offset=offset or None,
                    timeout=timedelta(seconds=LONG_POLL_SECONDS),
                    allowed_updates=Update.ALL_TYPES,
                ),
            )
            handling = []
            for update in updates:
                if stop.is_set():
                    break
                handling.append(adapter.submit(update))
                offset = update.update_id + 1
            if handling:
                await asyncio.wait(handling)
            if settings.poll_interval:
                await unless_stopped(stop, asyncio.sleep(settings.poll_interval))
    except Stopped:
        pass
    if offset:
        await _confirm(bot, offset)


async def _handle(adapter: TelegramAdapter, update: Update) -> None:
    try:
        await adapter.handle(update)
    except Exception:
        log.exception("Telegram: update %d could not be handled", update.update_id)


async def _confirm(bot: Bot, offset: int) -> None:
    """Tell Telegram that the updates before `offset` are handled (best effort, briefly)."""
    with contextlib.suppress(TelegramError, TimeoutError):
        await asyncio.wait_for(
            bot.get_updates(offset=offset, limit=1, timeout=timedelta(0)), STOP_GRACE_SECONDS
        )


async def _serve_webhook(
    adapter: TelegramAdapter, settings: TelegramSettings, stop: asyncio.Event, retry: _Retry
) -> None:
    """Serve Telegram's webhook until `stop`, each request answered once its update is
    handled (see bot/adapters/webhook.py)."""
    webhook = Webhook(adapter.bot, settings.webhook_secret, adapter.submit)
    webhook.listen(settings.webhook_port, settings.webhook_listen)
    try:
        await _reach(
            stop,
            retry,
            "setWebhook",
            partial(
                adapter.bot.set_webhook,
                url=settings.webhook_url,
                secret_token=settings.webhook_secret,
                allowed_updates=Update.ALL_TYPES,
            ),
        )
        await stop.wait()
    finally:
        await webhook.stop(STOP_GRACE_SECONDS)


async def _finish(worker: asyncio.Task[None]) -> None:
    """Let the outbox worker finish the message in hand, briefly; a send still waiting
    (for the flood limits) is cancelled and its message left for the restart."""
    await asyncio.wait({worker}, timeout=STOP_GRACE_SECONDS)
    if not worker.done():
        worker.cancel()
        await asyncio.wait({worker})
