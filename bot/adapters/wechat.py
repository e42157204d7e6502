"""The WeChat adapter: a Wechaty puppet service's events in, paced plain-text messages out.

Only this module knows WeChat. It reaches the account through python-wechaty's gRPC
client for puppet services (`wechaty_puppet_service`, the optional `wechat` extra),
imported lazily so that the rest of Linli runs without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.adapters.stopping import Stopped, unless_stopped
from bot.adapters.text import split_text
from bot.app import App
from bot.config import WeChatSettings
from bot.messages import (
    ChatKind,
    ChatRef,
    Envelope,
    EventKind,
    Incoming,
    Media,
    MediaKind,
    UserRef,
)
from bot.outbox import OutboxWorker, RetryLater

if TYPE_CHECKING:
    from wechaty_puppet_service import PuppetService

PLATFORM = "wechat"
# WeChat folds long messages; residents read short ones, so long texts go out in pieces.
MAX_TEXT = 1500
# A file travels base64-encoded in one gRPC message, whose default limit is 4 MiB.
MAX_FILE_BYTES = 3_000_000
# The largest received file kept (Telegram's limit for files a bot sends).
MAX_RECEIVED_BYTES = 50 * 1024 * 1024
SEND_TIMEOUT = 30.0
MAX_DELIVERY_KEY = 96
# A mention as WeChat writes it: @ and the name, ended by a U+2005 space.
_MENTION = re.compile(r"@[^@\u2005]*(?=\u2005)")
# The SDK's loggers (one logs the token at WARNING), and hpack's, which logs gRPC headers
# (the token among them) at DEBUG.
QUIET_LOGGERS = ("PuppetService", "WechatyPuppet", "WechatyPuppetServiceConfig", "FileBox", "hpack")
log = logging.getLogger(__name__)


class WeChatStartError(Exception):
    """WeChat cannot start; the message is one line for the operator."""


class ServiceError(Exception):
    """A call to the puppet service failed; `connection` when the connection itself did."""

    def __init__(self, reason: str, connection: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection = connection


@dataclass(frozen=True)
class RoomInfo:
    """What the adapter needs of a room: its topic, owner and admins."""

    room_id: str
    topic: str
    owner_id: str
    admin_ids: frozenset[str] = frozenset()

    def is_admin(self, contact_id: str) -> bool:
        """The room's owner and admins are its platform admins."""
        return bool(contact_id) and (contact_id == self.owner_id or contact_id in self.admin_ids)


@dataclass(frozen=True)
class MessageInfo:
    """A received message, as the puppet service describes it."""

    message_id: str
    talker_id: str
    room_id: str
    text: str
    mention_ids: tuple[str, ...] = ()
    is_text: bool = True
    # A picture ("photo") or another file ("file") that can be saved; else empty.
    media_kind: str = ""


@dataclass(frozen=True)
class Account:
    """The bot's own WeChat account."""

    contact_id: str
    name: str


@dataclass(frozen=True)
class LoggedIn:
    """The account is logged in on the puppet service."""

    contact_id: str


@dataclass(frozen=True)
class LoggedOut:
    """The account logged out."""


@dataclass(frozen=True)
class ScanNeeded:
    """The puppet service waits for someone to scan a QR code with the account's phone."""

    status: str
    qrcode: str


@dataclass(frozen=True)
class Received:
    """A message arrived (the bot's own messages too)."""

    message_id: str


@dataclass(frozen=True)
class RoomChanged:
    """People joined (`joined`) or left a room; `actor` invited or removed them."""

    room_id: str
    contact_ids: tuple[str, ...]
    actor_id: str
    joined: bool


Event = LoggedIn | LoggedOut | ScanNeeded | Received | RoomChanged


class WeChatClient(Protocol):
    """One connection to a puppet service, as the adapter uses it."""

    async def serve(self, emit: Callable[[Event], None]) -> None:
        """Connect and pass events to `emit` until the connection ends; raise if it fails."""
        ...

    async def message(self, message_id: str) -> MessageInfo:
        """A received message."""
        ...

    async def room(self, room_id: str) -> RoomInfo:
        """A room's topic, owner and admins."""
        ...

    async def name(self, contact_id: str) -> str:
        """A contact's display name."""
        ...

    async def save_file(self, message_id: str, folder: Path) -> Path:
        """Save a received picture or file (its FileBox) into `folder`; its path."""
        ...

    async def send_text(self, conversation_id: str, text: str) -> str:
        """Send text to a room or a contact; the new message's id."""
        ...

    async def send_file(self, conversation_id: str, path: Path) -> str:
        """Send a file (an image is shown as one) to a room or a contact."""
        ...

    def close(self) -> None:
        """Drop the connection."""
        ...


def strip_bot_mention(text: str, bot_name: str) -> str:
    """The text without a leading @mention of the bot (WeChat ends a mention with a space)."""
    mention = "@" + bot_name
    if bot_name and text.startswith(mention):
        rest = text[len(mention) :]
        if not rest or rest[0].isspace():
            return rest.lstrip()
    return text


def mentioned_as(text: str, bot_name: str) -> tuple[str, ...]:
    """Each mention of someone other than the bot as written: WeChat ends it with a U+2005."""
    return tuple(span for span in _MENTION.findall(text) if span != "@" + bot_name)


def delivery_key(message_id: str) -> str:
    """The dispatcher's redelivery key for a WeChat message id (hashed when very long)."""
    if not message_id:
        return ""
    key = f"{PLATFORM}:{message_id}"
    if len(key) > MAX_DELIVERY_KEY:
        key = f"{PLATFORM}:sha256:{hashlib.sha256(message_id.encode()).hexdigest()}"
    return key


def message_incoming(
    message: MessageInfo,
    room: RoomInfo | None,
    names: Mapping[str, str],
    me: Account,
    media: Media | None = None,
) -> Incoming | None:
    """A received message as Incoming, with the picture or file saved from it; None for the
    bot's own messages."""
    talker = message.talker_id
    if not talker or talker == me.contact_id:
        return None
    user = UserRef(PLATFORM, talker, names.get(talker, ""))
    if room is None:
        chat = ChatRef(PLATFORM, talker, ChatKind.PRIVATE)
    else:
        chat = ChatRef(PLATFORM, room.room_id, ChatKind.GROUP, room.topic)
    mentions = tuple(
        UserRef(PLATFORM, contact, names.get(contact, ""))
        for contact in dict.fromkeys(message.mention_ids)
        if contact and contact != me.contact_id
    )
    text = strip_bot_mention(message.text, me.name) if message.is_text else ""
    return Incoming(
        chat=chat,
        user=user,
        event=EventKind.MESSAGE,
        # Pictures, voice and files carry no command (WeChat has no captions).
        text=text,
        is_platform_admin=room is not None and room.is_admin(talker),
        mentions=mentions,
        mentioned_as=mentioned_as(text, me.name) if mentions else (),
        delivery_key=delivery_key(message.message_id),
        media=media,
    )


def membership_incoming(
    change: RoomChanged, room: RoomInfo, names: Mapping[str, str], me: Account
) -> list[Incoming]:
    """Joins and leaves as Incoming; the bot's own as BOT_ADDED or BOT_REMOVED."""
    chat = ChatRef(PLATFORM, room.room_id, ChatKind.GROUP, room.topic)
    out: list[Incoming] = []
    for contact in dict.fromkeys(change.contact_ids):
        if not contact:
            continue
        if contact == me.contact_id:
            actor = change.actor_id
            by = UserRef(PLATFORM, actor, names.get(actor, "")) if actor else None
            event = EventKind.BOT_ADDED if change.joined else EventKind.BOT_REMOVED
            out.append(Incoming(chat, by, event, is_platform_admin=room.is_admin(actor)))
            continue
        subject = UserRef(PLATFORM, contact, names.get(contact, ""))
        out.append(
            Incoming(
                chat,
                subject,
                EventKind.JOINED if change.joined else EventKind.LEFT,
                is_platform_admin=room.is_admin(contact),
                subject=subject,
            )
        )
    return out


class Pacer:
    """Cautious sending: per chat some seconds apart, a cap per minute overall, plus jitter."""

    def __init__(
        self,
        per_chat_seconds: float,
        per_minute: int,
        jitter_seconds: float,
        now: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.per_chat_seconds = per_chat_seconds
        self.per_minute = per_minute
        self.jitter_seconds = jitter_seconds
        self._now = now
        self._rng = rng or random.Random()
        self._last: dict[str, float] = {}
        self._recent: deque[float] = deque()

    def delay(self, chat_id: str) -> float:
        """Seconds to wait before the next message to `chat_id` may go."""
        now = self._now()
        while self._recent and self._recent[0] <= now - 60:
            self._recent.popleft()
        wait = 0.0
        last = self._last.get(chat_id)
        if last is not None:
            wait = last + self.per_chat_seconds - now
        if len(self._recent) >= self.per_minute:
            wait = max(wait, self._recent[-self.per_minute] + 60 - now)
        return max(wait, 0.0) + self._rng.uniform(0, self.jitter_seconds)

    def sent(self, chat_id: str) -> None:
        """Note that a message to `chat_id` went out just now."""
        now = self._now()
        self._last[chat_id] = now
        self._recent.append(now)
        if len(self._last) > 1000:
            horizon = now - self.per_chat_seconds
            self._last = {chat: at for chat, at in self._last.items() if at > horizon}


@dataclass(frozen=True)
class Part:
    """One WeChat message of an envelope: a text, or a file."""

    text: str = ""
    file: Path | None = None


def _file_part(path: Path, what: str) -> list[Part]:
    """A file as a message of its own, or nothing (with a log line) when it cannot go."""
    size = path.stat().st_size if path.is_file() else -1
    if 0 <= size <= MAX_FILE_BYTES:
        return [Part(file=path)]
    log.warning(
        "WeChat: a %s was left out (%s); its text goes alone",
        what,
        "missing" if size < 0 else f"{size:,} bytes, over the {MAX_FILE_BYTES:,} limit",
    )
    return []


def outgoing_parts(
    text: str, image: Path | None, limit: int = MAX_TEXT, document: Path | None = None
) -> list[Part]:
    """The WeChat messages an envelope becomes: its picture (if it can go), its text, its file."""
    parts = _file_part(image, "picture") if image is not None else []
    parts.extend(Part(text=piece) for piece in split_text(text, limit))
    return parts + (_file_part(document, "file") if document is not None else [])


class WeChatAdapter:
    """Feeds a puppet service's events to the dispatcher and sends the outbox, paced."""

    def __init__(
        self,
        app: App,
        settings: WeChatSettings,
        connect: Callable[[], WeChatClient],
        *,
        backoff: tuple[float, float] = (1.0, 60.0),
        retry_seconds: float = 5.0,
        rng: random.Random | None = None,
    ) -> None:
        if not app.post_office.of(PLATFORM).durable:
            raise ValueError("WeChat sends through the outbox: its platform must be durable")
        self.app = app
        self.endpoint = settings.endpoint
        self.connect = connect
        self.backoff = backoff
        self.retry_seconds = retry_seconds
        self.pacer = Pacer(
            settings.min_seconds_per_room, settings.max_per_minute, settings.jitter_seconds, rng=rng
        )
        # Rows staged by another platform's event (a poll opened on Telegram) come unannounced,
        # and retries fall due unannounced: look for due rows often.
        self.worker = OutboxWorker(
            app.db, app.clock, PLATFORM, self.send, idle_seconds=min(retry_seconds, 1.0)
        )
        self.media_folder = app.settings.received_path
        self.me: Account | None = None
        self._client: WeChatClient | None = None
        self._online = asyncio.Event()
        self._stop = asyncio.Event()
        self._events: asyncio.Queue[Event] = asyncio.Queue()

    @property
    def online(self) -> bool:
        """True while the account is logged in, so that messages go out."""
        return self._online.is_set()

    async def run(self, stop: asyncio.Event) -> None:
        """Stay connected (reconnecting with backoff), handle events and send, until `stop`."""
        self._stop = stop
        consumer = asyncio.create_task(self._consume())
        worker = asyncio.create_task(self.worker.run(stop))
        try:
            await self._stay_connected()
        finally:
            stop.set()
            with contextlib.suppress(Stopped):
                await worker
            consumer.cancel()
            await asyncio.wait({consumer})
            self._online.clear()
            if self._client is not None:
                self._client.close()

    async def _stay_connected(self) -> None:
        delay = self.backoff[0]
        while not self._stop.is_set():
            client = self.connect()
            self._client = client
            self.me = None
            try:
                await self._interruptible(client.serve(self._events.put_nowait))
                reason = "the service ended the connection"
            except Stopped:
                return  # the connection stays open until the outbox worker has stopped
            except Exception as error:
                reason = str(error) or type(error).__name__
            self._online.clear()
            client.close()
            if self.me is not None:
                delay = self.backoff[0]
            log.warning(
                "WeChat: %s the puppet service at %s (%s); trying again in %.3g s",
                "lost the connection to" if self.me is not None else "cannot reach",
                self.endpoint,
                reason[:200],
                delay,
            )
            try:
                await self._interruptible(asyncio.sleep(delay))
            except Stopped:
                return
            delay = min(delay * 2, self.backoff[1])

    async def _interruptible(self, awaitable: Awaitable[Any]) -> Any:
        """Await `awaitable` unless `stop` comes first, which raises Stopped."""
        return await unless_stopped(self._stop, awaitable)

    async def _consume(self) -> None:
        while True:
            event = await self._events.get()
            try:
                await self._handle(event)
            except ServiceError as error:
                log.warning("WeChat: an event was dropped (%s)", error.reason[:200])
            except Exception:
                log.exception("WeChat: an event could not be handled")

    async def _handle(self, event: Event) -> None:
        client = self._client
        if client is None:
            return
        if isinstance(event, LoggedIn):
            self.me = Account(event.contact_id, await self._name(client, event.contact_id))
            self._online.set()
            log.info("WeChat: logged in through %s; sending is on", self.endpoint)
            self.worker.wake()
        elif isinstance(event, LoggedOut):
            self._online.clear()
            log.warning("WeChat: the account logged out; messages wait until it logs in again")
        elif isinstance(event, ScanNeeded):
            log.warning(
                "WeChat: the puppet service waits for a QR code scan (%s): %s",
                event.status,
                event.qrcode,
            )
        elif self.me is not None:
            await self._incoming(client, event, self.me)

    async def _incoming(self, client: WeChatClient, event: Event, me: Account) -> None:
        if isinstance(event, Received):
            message = await client.message(event.message_id)
            if message.talker_id == me.contact_id:
                return
            room = await client.room(message.room_id) if message.room_id else None
            names = await self._names(client, [message.talker_id, *message.mention_ids])
            media = await self._media(client, message)
            incoming = message_incoming(message, room, names, me, media)
            await self._dispatch([incoming] if incoming else [])
        elif isinstance(event, RoomChanged):
            room = await client.room(event.room_id)
            names = await self._names(client, [*event.contact_ids, event.actor_id])
            await self._dispatch(membership_incoming(event, room, names, me))

    async def _media(self, client: WeChatClient, message: MessageInfo) -> Media | None:
        """The picture or file of a message, saved into the data folder; None when there is
        none or it cannot be fetched."""
        if not message.media_kind:
            return None
        try:
            path = await client.save_file(message.message_id, self.media_folder)
        except (ServiceError, OSError) as error:
            log.warning("wechat: a received file could not be saved (%s)", error)
            return None
        kind = MediaKind(message.media_kind)
        name = path.name if kind == MediaKind.FILE else ""
        return Media(kind, PLATFORM, str(path), name, path.stat().st_size, saved=True)

    async def _names(self, client: WeChatClient, contacts: Iterable[str]) -> dict[str, str]:
        return {c: await self._name(client, c) for c in dict.fromkeys(contacts) if c}

    @staticmethod
    async def _name(client: WeChatClient, contact_id: str) -> str:
        try:
            return await client.name(contact_id)
        except ServiceError:
            return ""

    async def _dispatch(self, incomings: Sequence[Incoming]) -> None:
        """Dispatch events in order; their replies go straight to the worker when it is the
        platform's sender, and so do answers to commands that only read (never stored)."""
        for incoming in incomings:
            claim = self.worker.hand_claim
            sending = claim is not None
            envelopes = await asyncio.to_thread(
                self.app.dispatcher.handle, incoming, claim, sending
            )
            self.worker.take(envelopes, claimed=sending)

    async def send(self, envelope: Envelope) -> str | None:
        """Send one envelope as plain text (and a file), paced; resumes where it stopped."""
        rendered = self.app.renderer.render(
            envelope.reply, envelope.language, html_mode=False, buttons=False
        )
        parts = outgoing_parts(
            rendered.text, envelope.reply.image, document=envelope.reply.document
        )
        row, chat = envelope.outbox_id, envelope.target.chat_id
        sent = self.worker.parts.resume(row)
        for number in range(len(sent), len(parts)):
            await self._interruptible(self._online.wait())
            await self._interruptible(asyncio.sleep(self.pacer.delay(chat)))
            await self._interruptible(self._online.wait())
            sent.append(await self._transmit(chat, parts[number]))
            self.worker.parts.record(row, sent[-1])
        return sent[-1] if sent else None

    async def _transmit(self, chat: str, part: Part) -> str:
        client = self._client
        assert client is not None, "messages go out only while connected"
        try:
            if part.file is not None:
                sending = client.send_file(chat, part.file)
            else:
                sending = client.send_text(chat, part.text)
            message_id = await asyncio.wait_for(sending, SEND_TIMEOUT)
        except TimeoutError as error:
            raise RetryLater(self.retry_seconds, "the puppet service did not answer") from error
        except ServiceError as error:
            delay = self.retry_seconds if error.connection else max(60.0, self.retry_seconds)
            raise RetryLater(delay, error.reason) from error
        finally:
            self.pacer.sent(chat)
        return message_id


class PuppetServiceClient:
    """One connection to a Wechaty puppet service through python-wechaty's gRPC client."""

    def __init__(self, endpoint: str, token: str) -> None:
        # The wechat extra is optional, so its SDK is imported only where it is used.
        from wechaty_puppet import PuppetOptions
        from wechaty_puppet_service import PuppetService

        _quiet_sdk_logs()
        self.endpoint = endpoint
        self._puppet: PuppetService = PuppetService(PuppetOptions(end_point=endpoint, token=token))

    async def serve(self, emit: Callable[[Event], None]) -> None:
        """Connect, start the puppet and pass its events on until the stream ends."""
        await self._reachable()
        puppet = self._puppet
        puppet.on("login", lambda p: emit(LoggedIn(p.contact_id)))
        puppet.on("logout", lambda p: emit(LoggedOut()))
        puppet.on("scan", lambda p: emit(ScanNeeded(str(p.status), p.qrcode or "")))
        puppet.on("message", lambda p: emit(Received(p.message_id)))
        puppet.on(
            "room-join",
            lambda p: emit(RoomChanged(p.room_id, tuple(p.invited_ids), p.inviter_id or "", True)),
        )
        puppet.on(
            "room-leave",
            lambda p: emit(RoomChanged(p.room_id, tuple(p.removed_ids), p.remover_id or "", False)),
        )
        puppet.on("error", lambda p: log.info("WeChat: the puppet service reported an error"))
        await self._call(puppet.start())

    async def _reachable(self) -> None:
        # The SDK probes the port with a blocking socket; probe it here first, without blocking.
        # The wechat extra is optional, so its SDK is imported only where it is used.
        from wechaty_puppet_service.utils import extract_host_and_port

        host, port = extract_host_and_port(self.endpoint)
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 5)
        except (OSError, TimeoutError) as error:
            raise ServiceError(f"{host}:{port} does not answer ({error})", True) from None
        writer.close()

    async def message(self, message_id: str) -> MessageInfo:
        """A received message."""
        # The wechat extra is optional, so its SDK is imported only where it is used.
        from wechaty_puppet import MessageType

        kinds = {
            MessageType.MESSAGE_TYPE_IMAGE: "photo",
            MessageType.MESSAGE_TYPE_ATTACHMENT: "file",
        }
        payload = await self._call(self._puppet.message_payload(message_id))
        return MessageInfo(
            message_id=payload.id or message_id,
            talker_id=payload.from_id,
            room_id=payload.room_id,
            text=payload.text or "",
            mention_ids=tuple(payload.mention_ids),
            is_text=payload.type == MessageType.MESSAGE_TYPE_TEXT,
            media_kind=kinds.get(payload.type, ""),
        )

    async def save_file(self, message_id: str, folder: Path) -> Path:
        """Save a received picture or file into `folder`, named by its message."""
        name, data = await self._call(self._download(message_id))
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:16]
        path = folder / f"{digest}{Path(name).suffix[:10]}"
        path.write_bytes(data)
        return path

    async def _download(self, message_id: str) -> tuple[str, bytes]:
        """A received file's name and bytes, streamed (the SDK cannot read every FileBox
        a service sends, but every service streams them)."""
        name, data = "", bytearray()
        async for response in self._puppet.puppet_stub.message_file_stream(id=message_id):
            chunk = response.file_box_chunk
            name = chunk.name or name
            data.extend(chunk.data)
            if len(data) > MAX_RECEIVED_BYTES:
                raise ServiceError("a received file is over the size Linli keeps", False)
        return name, bytes(data)

    async def room(self, room_id: str) -> RoomInfo:
        """A room's topic, owner and admins."""
        payload = await self._call(self._puppet.room_payload(room_id))
        return RoomInfo(room_id, payload.topic, payload.owner_id, frozenset(payload.admin_ids))

    async def name(self, contact_id: str) -> str:
        """A contact's display name."""
        payload = await self._call(self._puppet.contact_payload(contact_id))
        return str(payload.name)

    async def send_text(self, conversation_id: str, text: str) -> str:
        """Send text to a room or a contact."""
        return str(await self._call(self._puppet.message_send_text(conversation_id, text)))

    async def send_file(self, conversation_id: str, path: Path) -> str:
        """Send a file; pictures show as pictures."""
        # The wechat extra is optional, so its SDK is imported only where it is used.
        from wechaty_puppet import FileBox

        box = FileBox.from_file(str(path), name=path.name)
        return str(await self._call(self._puppet.message_send_file(conversation_id, box)))

    def close(self) -> None:
        """Drop the gRPC channel."""
        channel = self._puppet.channel
        if channel is not None:
            channel.close()
            self._puppet.channel = None

    @staticmethod
    async def _call(call: Awaitable[Any]) -> Any:
        """Await an SDK call; its failures become ServiceError."""
        # The wechat extra is optional, so its SDK is imported only where it is used.
        from grpclib.exceptions import GRPCError, StreamTerminatedError
        from wechaty_puppet.exceptions import WechatyPuppetError

        try:
            return await call
        except GRPCError as error:
            reason = f"the service answered {error.status.name}: {error.message or ''}".strip()
            raise ServiceError(reason[:300], connection=False) from error
        except (StreamTerminatedError, ConnectionError, OSError, WechatyPuppetError) as error:
            raise ServiceError(str(error) or type(error).__name__, connection=True) from error


def _quiet_sdk_logs() -> None:
    # Route the SDK's loggers to ours instead of their own handlers, and keep only errors.
    for name in QUIET_LOGGERS:
        for logger_name in [n for n in logging.Logger.manager.loggerDict if n.startswith(name)]:
            logger = logging.getLogger(logger_name)
            logger.handlers.clear()
            logger.propagate = True
            logger.setLevel(logging.ERROR)


def wechat_adapter(app: App, settings: WeChatSettings) -> WeChatAdapter:
    """The adapter for the configured puppet service; a one-line error when it cannot start."""
    if not settings.endpoint:
        raise WeChatStartError(
            "no WeChat puppet service: set [wechat] endpoint (host:port) in the config, "
            "or WECHATY_PUPPET_SERVICE_ENDPOINT"
        )
    if not settings.token:
        raise WeChatStartError(
            "no WeChat puppet service token: set LINLI_WECHAT_TOKEN or WECHATY_PUPPET_SERVICE_TOKEN"
        )
    try:
        # The wechat extra is optional, so its SDK is imported only where it is used.
        import wechaty_puppet_service  # noqa: F401
    except ImportError:
        raise WeChatStartError(
            "WeChat needs the wechat extra: pip install 'linli[wechat]'"
        ) from None
    return WeChatAdapter(
        app, settings, lambda: PuppetServiceClient(settings.endpoint, settings.token)
    )


async def run_wechat(app: App, settings: WeChatSettings, stop: asyncio.Event) -> None:
    """Serve WeChat until `stop`."""
    await wechat_adapter(app, settings).run(stop)
