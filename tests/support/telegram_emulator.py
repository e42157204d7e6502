"""A strict emulator of the Telegram Bot API server, for end-to-end tests over real HTTP."""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import socketserver
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, TypedDict
from urllib.parse import parse_qsl, urlsplit

JSONDict = dict[str, Any]
ChatKind = Literal["group", "supergroup", "channel"]

DEFAULT_TOKEN = "123456:TEST-token-abcdefghij"

_TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]{10,}")
_PATH_RE = re.compile(r"/bot([^/]*)/([^/]*)")
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@])@[A-Za-z0-9_]{5,32}(?![A-Za-z0-9_])")
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_SUPERGROUP_MAX_ID = -1_000_000_000_000

_INT_FIELDS = frozenset(
    {"chat_id", "message_id", "offset", "limit", "user_id", "reply_to_message_id", "cache_time"}
    | {"max_connections", "message_thread_id"}
)
_NUMBER_FIELDS = frozenset({"timeout"})
_BOOL_FIELDS = frozenset(
    {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
    | {"allow_sending_without_reply", "has_spoiler", "disable_content_type_detection"}
)
_JSON_FIELDS = frozenset(
    {"reply_markup", "reply_parameters", "allowed_updates", "commands", "scope", "entities"}
    | {"caption_entities", "link_preview_options"}
)
_UNREQUESTED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note"}
    | {"upload_video_note"}
)
_BUTTON_ACTIONS = frozenset(
    {"url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat"}
    | {"switch_inline_query_chosen_chat", "login_url", "web_app", "callback_game", "pay"}
    | {"copy_text"}
)
_PLAIN_SCOPES = frozenset(
    {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
)
_ADMIN_RIGHTS: JSONDict = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}
_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME_RE = re.compile(r"<([^\s>]*)")
_ATTRIBUTE_RE = re.compile(r"""([^\s=>]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass(frozen=True)
class RateLimit:
    """At most `count` deliveries in any window of `seconds`."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes


class SentMessage(TypedDict):
    """A message the bot sent, as the emulator recorded it (current state plus edits)."""

    message_id: int
    chat_id: int
    kind: Literal["text", "photo", "document"]
    text: str
    plain: str
    parse_mode: str | None
    reply_markup: JSONDict | None
    reply_to: int | None
    file_name: str | None
    file_data: bytes | None
    edits: list[JSONDict]
    deleted: bool


class CallbackAnswer(TypedDict):
    """The bot's answer to one pressed button."""

    callback_query_id: str
    user_id: int
    message_id: int
    data: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None


class _ApiError(Exception):
    """An error answer of the Bot API."""

    def __init__(self, code: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        """The JSON body Telegram sends with this error."""
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _User:
    """A declared Telegram user."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None

    def as_json(self) -> JSONDict:
        """The User object."""
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                user[key] = getattr(self, key)
        return user


@dataclass
class _Group:
    """A declared group, supergroup or channel."""

    id: int
    kind: ChatKind
    title: str
    admins: list[int]
    members: set[int]
    bot_status: str
    migrated_to: int | None = None


@dataclass
class _File:
    """A file the bot uploaded."""

    file_id: str
    kind: Literal["photo", "document"]
    upload: Upload
    width: int = 0
    height: int = 0

    def as_json(self) -> Any:
        """The PhotoSize list or Document object."""
        common = {
            "file_id": self.file_id,
            "file_unique_id": f"u{self.file_id}",
            "file_size": len(self.upload.data),
        }
        if self.kind == "photo":
            return [common | {"width": self.width, "height": self.height}]
        return common | {"file_name": self.upload.filename, "mime_type": self.upload.content_type}


@dataclass
class _Query:
    """A callback query the emulator issued."""

    user_id: int
    message_id: int
    data: str
    issued: float = field(default_factory=time.monotonic)
    answered: bool = False


@dataclass
class _OpenTag:
    """An HTML start tag waiting for its end tag."""

    name: str
    entity: JSONDict | None
    offset: int = 0


class _Params:
    """A method's parameters, decoded by field name."""

    def __init__(self, values: JSONDict) -> None:
        self.values = values

    def text(self, name: str) -> str | None:
        """An optional string."""
        value = self.values.get(name)
        if value is not None and not isinstance(value, str):
            raise _ApiError(400, f'Bad Request: field "{name}" must be of type String')
        return value

    def integer(self, name: str, missing: str) -> int:
        """A required integer; `missing` describes its absence."""
        value = self.optional_integer(name)
        if value is None:
            raise _ApiError(400, missing)
        return value

    def optional_integer(self, name: str) -> int | None:
        """An optional integer."""
        value = self.values.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise _ApiError(400, f'Bad Request: field "{name}" must be of type Integer')
        return value

    def number(self, name: str) -> float:
        """An optional number, 0 when absent."""
        value = self.values.get(name, 0)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise _ApiError(400, f'Bad Request: field "{name}" must be of type Number')
        return float(value)

    def flag(self, name: str) -> bool:
        """An optional boolean, false when absent."""
        value = self.values.get(name, False)
        if not isinstance(value, bool):
            raise _ApiError(400, f'Bad Request: field "{name}" must be of type Boolean')
        return value

    def obj(self, name: str, invalid: str) -> Any:
        """An optional JSON-serialised object or array; `invalid` describes bad JSON."""
        value = self.values.get(name)
        if value is not None and not isinstance(value, dict | list):
            raise _ApiError(400, invalid)
        return value


def _utf16_len(text: str) -> int:
    """The length of text in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def _now() -> int:
    """The current Unix time in seconds."""
    return int(time.time())


def _decode_field(name: str, raw: str) -> Any:
    """Decodes one form field the way the Bot API reads it; undecodable values stay strings."""
    try:
        if name in _JSON_FIELDS:
            return json.loads(raw)
        if name in _INT_FIELDS:
            return int(raw)
        if name in _NUMBER_FIELDS:
            return float(raw)
    except ValueError:
        return raw
    if name in _BOOL_FIELDS:
        return {"true": True, "false": False}.get(raw.lower(), raw)
    return raw


def _multipart(content_type: str, body: bytes) -> JSONDict:
    """The fields and files of a multipart/form-data body."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if boundary is None:
        raise _ApiError(400, "Bad Request: multipart boundary is missing")
    values: JSONDict = {}
    for part in body.split(b"--" + boundary[1].encode())[1:]:
        if part.startswith(b"--"):
            break
        head, separator, data = part.partition(b"\r\n\r\n")
        headers = head.decode("utf-8", "replace")
        name = re.search(r'\bname="([^"]*)"', headers)
        if not separator or name is None:
            raise _ApiError(400, "Bad Request: can't parse multipart part")
        data = data.removesuffix(b"\r\n")
        filename = re.search(r'\bfilename="([^"]*)"', headers)
        if filename is None:
            values[name[1]] = _decode_field(name[1], data.decode())
            continue
        mime = re.search(r"content-type:\s*([^\r\n]+)", headers, re.IGNORECASE)
        values[name[1]] = Upload(
            filename[1].replace("%22", '"'),
            mime[1].strip() if mime else "application/octet-stream",
            data,
        )
    return values


def _request_values(query: str, content_type: str, body: bytes) -> JSONDict:
    """All parameters of a request: query string, form, multipart or JSON body."""
    pairs = parse_qsl(query, keep_blank_values=True)
    mime = content_type.split(";")[0].strip().lower()
    try:
        if mime == "application/x-www-form-urlencoded":
            pairs += parse_qsl(body.decode(), keep_blank_values=True)
        values = {name: _decode_field(name, raw) for name, raw in pairs}
        if mime == "multipart/form-data":
            values |= _multipart(content_type, body)
        elif mime == "application/json":
            document = json.loads(body)
            if not isinstance(document, dict):
                raise ValueError("the JSON body must be an object")
            values |= {
                name: _decode_field(name, value) if isinstance(value, str) else value
                for name, value in document.items()
            }
    except ValueError as exc:
        raise _ApiError(400, f"Bad Request: can't parse request: {exc}") from exc
    return values


def _parse_error(detail: str) -> _ApiError:
    """A 'can't parse entities' error."""
    return _ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _byte_offset(source: str, index: int) -> int:
    """The UTF-8 byte offset of a character, as Telegram reports parse errors."""
    return len(source[:index].encode())


def _unescape(source: str, start: int, end: int) -> str:
    """Decodes the HTML entities of source[start:end]; a bare `&` is an error."""
    pieces: list[str] = []
    index = start
    while (ampersand := source.find("&", index, end)) >= 0:
        pieces.append(source[index:ampersand])
        match = _HTML_ENTITY_RE.match(source, ampersand, end)
        if match is None:
            offset = _byte_offset(source, ampersand)
            raise _parse_error(f'Character "&" at byte offset {offset} is not part of an entity')
        decimal, hexadecimal, named = match.groups()
        if named:
            pieces.append(_HTML_NAMED[named])
        else:
            code = int(decimal) if decimal else int(hexadecimal, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                offset = _byte_offset(source, ampersand)
                raise _parse_error(f"Invalid character code at byte offset {offset}")
            pieces.append(chr(code))
        index = match.end()
    pieces.append(source[index:end])
    return "".join(pieces)


def _start_tag(source: str, start: int, parent: _OpenTag | None) -> tuple[_OpenTag, int]:
    """Parses the start tag at source[start] into an open tag and the index after it."""
    name_match = _TAG_NAME_RE.match(source, start)
    assert name_match is not None
    name = name_match[1].lower()
    at = f"at byte offset {_byte_offset(source, start)}"
    index = name_match.end()
    if index >= len(source):
        raise _parse_error(f"Unclosed start tag {at}")
    if name not in _HTML_TAGS:
        raise _parse_error(f'Unsupported start tag "{name}" {at}')
    attributes: dict[str, str | None] = {}
    while True:
        while index < len(source) and source[index].isspace():
            index += 1
        if index >= len(source):
            raise _parse_error(f"Unclosed start tag {at}")
        if source[index] == ">":
            break
        match = _ATTRIBUTE_RE.match(source, index)
        if match is None:
            raise _parse_error(f'Empty attribute name in the tag "{name}" {at}')
        group = next((g for g in (2, 3, 4) if match[g] is not None), None)
        if group is None and not (name == "blockquote" and match[1] == "expandable"):
            raise _parse_error(
                f'Expected equal sign in declaration of an attribute of the tag "{name}" {at}'
            )
        value = None if group is None else _unescape(source, match.start(group), match.end(group))
        attributes[match[1].lower()] = value
        index = match.end()
    entity: JSONDict | None = {"type": _HTML_TAGS[name]}
    if name == "a":
        entity = (
            {"type": "text_link", "url": attributes["href"]} if attributes.get("href") else None
        )
    elif name == "span" and attributes.get("class") != "tg-spoiler":
        raise _parse_error(f'Tag "span" must have class "tg-spoiler" {at}')
    elif name == "tg-emoji":
        emoji_id = attributes.get("emoji-id") or ""
        if not emoji_id.isdigit():
            raise _parse_error(f"Invalid custom emoji identifier specified {at}")
        entity = {"type": "custom_emoji", "custom_emoji_id": emoji_id}
    elif name == "blockquote" and "expandable" in attributes:
        entity = {"type": "expandable_blockquote"}
    elif name == "code" and parent is not None and parent.name == "pre":
        language = attributes.get("class") or ""
        if language.startswith("language-") and parent.entity is not None:
            parent.entity["language"] = language.removeprefix("language-")
        entity = None
    return _OpenTag(name, entity), index + 1


def _end_tag(source: str, start: int, tag: _OpenTag | None) -> int:
    """Checks the end tag at source[start] against the innermost open tag; the index after it."""
    at = f"at byte offset {_byte_offset(source, start)}"
    if tag is None:
        raise _parse_error(f"Unexpected end tag {at}")
    close = source.find(">", start)
    name = source[start + 2 : close].rstrip().lower()
    if close < 0 or any(character.isspace() for character in name):
        raise _parse_error(f"Unclosed end tag {at}")
    if name and name != tag.name:
        raise _parse_error(f'Unmatched end tag {at}, expected "</{tag.name}>", found "</{name}>"')
    return close + 1


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """The plain text and MessageEntity list of an HTML-formatted text, or a 400 error."""
    pieces: list[str] = []
    length = 0
    open_tags: list[_OpenTag] = []
    entities: list[JSONDict] = []
    index = 0
    while index < len(source):
        less_than = source.find("<", index)
        stop = len(source) if less_than < 0 else less_than
        piece = _unescape(source, index, stop)
        pieces.append(piece)
        length += _utf16_len(piece)
        if less_than < 0:
            break
        if source.startswith("</", less_than):
            index = _end_tag(source, less_than, open_tags[-1] if open_tags else None)
            tag = open_tags.pop()
            if tag.entity is not None and length > tag.offset:
                entities.append(tag.entity | {"offset": tag.offset, "length": length - tag.offset})
        else:
            tag, index = _start_tag(source, less_than, open_tags[-1] if open_tags else None)
            tag.offset = length
            open_tags.append(tag)
    if open_tags:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{open_tags[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(pieces), entities


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strips surrounding whitespace as Telegram does, shifting and clipping the entities."""
    shift = _utf16_len(text[: len(text) - len(text.lstrip())])
    text = text.strip()
    end = _utf16_len(text)
    trimmed = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            trimmed.append(entity | {"offset": start, "length": stop - start})
    return text, trimmed


def _image_size(data: bytes) -> tuple[int, int] | None:
    """The width and height of a PNG or JPEG image, or None when it is neither."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    index = 2 if data.startswith(b"\xff\xd8") else len(data)
    while index + 9 <= len(data) and data[index] == 0xFF:
        marker = data[index + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return (width, height) if width and height else None
        index += 2 + struct.unpack(">H", data[index + 2 : index + 4])[0]
    return None


def _entity(kind: str, text: str, start: int, end: int) -> JSONDict:
    """A MessageEntity over text[start:end], measured in UTF-16 code units."""
    return {
        "type": kind,
        "offset": _utf16_len(text[:start]),
        "length": _utf16_len(text[start:end]),
    }


def _update_kind(update: JSONDict) -> str:
    """The type of an update: its one field besides update_id."""
    return next(key for key in update if key != "update_id")


class _Server(ThreadingHTTPServer):
    """The HTTP front of one emulator."""

    daemon_threads = True

    def __init__(self, emulator: TelegramEmulator) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.emulator = emulator

    def server_bind(self) -> None:
        """Binds without HTTPServer's reverse DNS lookup of the host."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.socket.getsockname()[1]


class _RequestHandler(BaseHTTPRequestHandler):
    """Passes each Bot API request to the emulator and writes its answer."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        """Serves a GET request."""
        self._serve()

    def do_POST(self) -> None:
        """Serves a POST request."""
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Keeps the test output quiet."""

    def _serve(self) -> None:
        """Answers one request, or closes the connection when the emulator drops it."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server = self.server
        assert isinstance(server, _Server)
        answer = server.emulator.respond(self.path, self.headers.get("Content-Type", ""), body)
        if answer is None:
            self.close_connection = True
            return
        status, payload = answer
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class TelegramEmulator:
    """A strict Telegram Bot API server on 127.0.0.1 that tests drive as Telegram users."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = "LinliBot",
        first_name: str = "Linli",
        rate_limits: bool = True,
        latency: float = 0.0,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"{token!r} does not look like a bot token (<digits>:<secret>)")
        self.token = token
        self.bot_id = int(token.split(":")[0])
        self.username = username
        self.first_name = first_name
        self.rate_limits = rate_limits
        self.global_limit = RateLimit(30, 1.0)
        # One message a second in any one chat, private or group; 20 a minute in a group.
        self.chat_limit = RateLimit(1, 1.0)
        self.group_limit = RateLimit(20, 60.0)
        self.callback_timeout = 15.0
        # Seconds every request takes on the way, as a network would add.
        self.latency = latency
        # Sends refused with 429 for breaking a flood limit.
        self.throttled = 0
        # While offline, every request is dropped unanswered (and unseen), as a dead link would.
        self.offline = False
        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False
        self._users: dict[int, _User] = {}
        self._groups: dict[int, _Group] = {}
        self._started: set[int] = set()
        self._blocked: set[int] = set()
        self._messages: dict[int, JSONDict] = {}
        self._sent: list[SentMessage] = []
        self._sent_by_id: dict[int, SentMessage] = {}
        self._files: dict[str, _File] = {}
        self._queries: dict[str, _Query] = {}
        self._answers: list[CallbackAnswer] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._calls: list[tuple[str, JSONDict]] = []
        self._updates: list[JSONDict] = []
        self._allowed: frozenset[str] | None = None
        self._webhook: JSONDict | None = None
        self._poll_generation = 0
        self._failures: dict[str, deque[_ApiError]] = {}
        self._drops = 0
        self._global_sends: deque[float] = deque()
        self._chat_sends: dict[int, deque[float]] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(100_000_001)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._methods: dict[str, tuple[str, Callable[[_Params], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("sendMessage", self._send_message),
                ("sendPhoto", lambda p: self._send_file(p, "photo")),
                ("sendDocument", lambda p: self._send_file(p, "document")),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("getChat", self._get_chat),
                ("getChatAdministrators", self._get_chat_administrators),
                ("getChatMember", self._get_chat_member),
                ("sendChatAction", self._send_chat_action),
            )
        }

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> TelegramEmulator:
        """Binds a free port on 127.0.0.1 and serves in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._stopped = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="telegram-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ends pending long polls and shuts the server down."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._server is not None and self._thread is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> TelegramEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The server's base URL, e.g. http://127.0.0.1:PORT."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- test hooks ------------------------------------------------------------------------

    def fail_next(
        self, method: str, error_code: int, description: str, retry_after: int | None = None
    ) -> None:
        """Makes the next call of `method` fail once with this error."""
        parameters = None if retry_after is None else {"retry_after": retry_after}
        with self._cond:
            failures = self._failures.setdefault(method.lower(), deque())
            failures.append(_ApiError(error_code, description, parameters))

    def drop_connections(self, n: int) -> None:
        """Makes the next `n` requests close the connection without an answer."""
        with self._cond:
            self._drops += n

    # -- the world: users and chats --------------------------------------------------------

    def declare_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> None:
        """Makes a Telegram user known to the emulator."""
        if user_id <= 0 or user_id == self.bot_id:
            raise ValueError(f"user ids are positive and not the bot's own: {user_id}")
        with self._cond:
            self._users[user_id] = _User(user_id, first_name, last_name, username, language_code)

    def declare_group(
        self, chat_id: int, title: str, admins: list[int], kind: ChatKind = "group"
    ) -> None:
        """Declares a chat with the bot in it; admins[0] is the creator; list the bot for admin."""
        if kind == "group" and not _SUPERGROUP_MAX_ID < chat_id < 0:
            raise ValueError(f"basic group ids are negative and above -10**12: {chat_id}")
        if kind != "group" and chat_id > _SUPERGROUP_MAX_ID:
            raise ValueError(f"{kind} ids look like -100xxxxxxxxxx: {chat_id}")
        with self._cond:
            unknown = [a for a in admins if a not in self._users and a != self.bot_id]
            if not admins or admins[0] == self.bot_id or unknown:
                raise ValueError(f"admins must start with a declared user, unknown: {unknown}")
            admin_ids = list(admins)
            if kind == "channel" and self.bot_id not in admin_ids:
                admin_ids.append(self.bot_id)
            bot_status = "administrator" if self.bot_id in admin_ids else "member"
            members = set(admin_ids) - {self.bot_id}
            self._groups[chat_id] = _Group(chat_id, kind, title, admin_ids, members, bot_status)

    def kick_bot(self, chat_id: int) -> None:
        """The group's creator removes the bot: later sends there answer 403."""
        with self._cond:
            group = self._live_group(chat_id)
            old, group.bot_status = group.bot_status, "kicked"
            self._my_chat_member(chat_id, group.admins[0], old, "kicked")

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: later sends to them answer 403."""
        with self._cond:
            self._user(user_id)
            self._blocked.add(user_id)
            self._my_chat_member(user_id, user_id, "member", "kicked")

    def bot_added(self, chat_id: int, by_user_id: int) -> None:
        """A member adds the bot to the group (again)."""
        with self._cond:
            group = self._live_group(chat_id)
            self._user(by_user_id)
            old = "kicked" if group.bot_status == "kicked" else "left"
            group.bot_status = "administrator" if self.bot_id in group.admins else "member"
            group.members.add(by_user_id)
            self._my_chat_member(chat_id, by_user_id, old, group.bot_status)
            self._service(chat_id, by_user_id, {"new_chat_members": [self._bot_json()]})

    def member_joins(self, chat_id: int, user_id: int) -> None:
        """A user joins the group."""
        with self._cond:
            self._live_group(chat_id).members.add(user_id)
            self._service(chat_id, user_id, {"new_chat_members": [self._user(user_id).as_json()]})

    def member_leaves(self, chat_id: int, user_id: int) -> None:
        """A user leaves the group."""
        with self._cond:
            self._live_group(chat_id).members.discard(user_id)
            self._service(chat_id, user_id, {"left_chat_member": self._user(user_id).as_json()})

    def migrate_to_supergroup(self, chat_id: int, new_chat_id: int) -> None:
        """Upgrades a basic group; sends to the old id then answer 400 with migrate_to_chat_id."""
        with self._cond:
            group = self._live_group(chat_id)
            if group.kind != "group" or new_chat_id > _SUPERGROUP_MAX_ID:
                raise ValueError("only a basic group migrates, to a -100xxxxxxxxxx id")
            if new_chat_id in self._groups:
                raise ValueError(f"chat {new_chat_id} already exists")
            creator = group.admins[0]
            self._service(chat_id, creator, {"migrate_to_chat_id": new_chat_id})
            self._groups[new_chat_id] = _Group(
                new_chat_id,
                "supergroup",
                group.title,
                list(group.admins),
                set(group.members),
                group.bot_status,
            )
            group.migrated_to = new_chat_id
            self._service(new_chat_id, creator, {"migrate_from_chat_id": chat_id})

    # -- acting as users -------------------------------------------------------------------

    def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        reply_to: int | None = None,
        mentions: Sequence[int] = (),
    ) -> int:
        """A user writes `text` privately or in a group; returns the new message id."""
        with self._cond:
            user = self._user(user_id)
            if chat_id is None or chat_id == user_id:
                chat_id = user_id
                if user_id in self._blocked:
                    self._blocked.discard(user_id)
                    self._my_chat_member(user_id, user_id, "kicked", "member")
                self._started.add(user_id)
            elif chat_id > 0:
                raise ValueError(f"user {user_id} cannot write in the private chat {chat_id}")
            else:
                self._live_group(chat_id).members.add(user_id)
            message = self._new_message(chat_id, {"from": user.as_json(), "text": text})
            entities = self._user_entities(text, mentions)
            if entities:
                message["entities"] = entities
            if reply_to is not None:
                message["reply_to_message"] = self._quote(chat_id, reply_to)
            return self._post(chat_id, "message", message)

    def edit_text(self, user_id: int, chat_id: int, message_id: int, new_text: str) -> None:
        """The user edits one of their text messages."""
        with self._cond:
            message = self._find(chat_id, message_id)
            if message is None or message.get("from", {}).get("id") != user_id:
                raise ValueError(f"user {user_id} has no message {message_id} in chat {chat_id}")
            message["text"] = new_text
            message["edit_date"] = _now()
            entities = self._user_entities(new_text, ())
            if entities:
                message["entities"] = entities
            else:
                message.pop("entities", None)
            self._post(chat_id, "edited_message", message)

    def channel_post(self, chat_id: int, text: str) -> int:
        """A post appears in a declared channel; returns its message id."""
        with self._cond:
            if self._live_group(chat_id).kind != "channel":
                raise ValueError(f"chat {chat_id} is not a channel")
            chat = self._chat_json(chat_id)
            message = self._new_message(chat_id, {"sender_chat": chat, "text": text})
            entities = self._user_entities(text, ())
            if entities:
                message["entities"] = entities
            return self._post(chat_id, "channel_post", message)

    def press(self, user_id: int, message_id: int, button: str) -> str:
        """The user presses a button (by callback_data, else by label); returns the query id."""
        with self._cond:
            user = self._user(user_id)
            message = self._messages.get(message_id)
            if message is None or message.get("from", {}).get("id") != self.bot_id:
                raise ValueError(f"there is no bot message {message_id} to press a button on")
            keyboard = message.get("reply_markup", {}).get("inline_keyboard", [])
            buttons = [b for row in keyboard for b in row]
            chosen = next((b for b in buttons if b.get("callback_data") == button), None)
            chosen = chosen or next((b for b in buttons if b["text"] == button), None)
            if chosen is None or "callback_data" not in chosen:
                labels = [b["text"] for b in buttons]
                raise ValueError(
                    f"message {message_id} has no callback button {button!r}: {labels}"
                )
            query_id = str(next(self._query_ids))
            chat_id = message["chat"]["id"]
            self._queries[query_id] = _Query(user_id, message_id, chosen["callback_data"])
            if self._reaches_bot(chat_id):
                query = {
                    "id": query_id,
                    "from": user.as_json(),
                    "message": message,
                    "chat_instance": str(hash((self.bot_id, chat_id))),
                    "data": chosen["callback_data"],
                }
                self._queue("callback_query", query)
            return query_id

    def inject(self, update: JSONDict) -> int:
        """Queues a raw update of one kind; returns the update_id the emulator gave it."""
        body = {key: value for key, value in update.items() if key != "update_id"}
        if len(body) != 1:
            raise ValueError(f"an update carries exactly one kind of content: {sorted(body)}")
        ((kind, content),) = body.items()
        with self._cond:
            return self._queue(kind, content)

    # -- reading what the bot did ----------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """The bot's messages, oldest first, optionally in one chat."""
        with self._cond:
            return copy.deepcopy(
                [r for r in self._sent if chat_id is None or r["chat_id"] == chat_id]
            )

    def tally(self, match: Callable[[SentMessage], bool]) -> Counter[int]:
        """How many of the bot's messages that `match` each chat got (nothing copied, so
        that waiting on it costs the server little)."""
        with self._cond:
            return Counter(r["chat_id"] for r in self._sent if match(r))

    def calls(self, method: str | None = None) -> list[tuple[str, JSONDict]]:
        """Every answered API call as (method, decoded params), optionally of one method."""
        with self._cond:
            return copy.deepcopy(
                [c for c in self._calls if method is None or c[0].lower() == method.lower()]
            )

    def answers(self) -> list[CallbackAnswer]:
        """The bot's answers to callback queries, oldest first."""
        with self._cond:
            return copy.deepcopy(self._answers)

    def commands(self) -> dict[tuple[str, str], list[JSONDict]]:
        """The command lists by (scope, language_code); chat scopes read e.g. 'chat:-42'."""
        with self._cond:
            return copy.deepcopy(self._commands)

    def wait_for(
        self, predicate: Callable[[TelegramEmulator], bool], timeout: float = 10.0
    ) -> None:
        """Waits until predicate(self) holds; on timeout fails with a dump of the traffic."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition not met within {timeout}s\n{self._dump()}")
                self._cond.wait(min(remaining, 0.05))

    # -- HTTP entry point ------------------------------------------------------------------

    def respond(self, target: str, content_type: str, body: bytes) -> tuple[int, bytes] | None:
        """The status and JSON body answering one request, or None to drop the connection."""
        if self.latency:
            time.sleep(self.latency)
        with self._cond:
            if self.offline:
                return None
            if self._drops:
                self._drops -= 1
                return None
        url = urlsplit(target)
        path = _PATH_RE.fullmatch(url.path)
        try:
            if path is None or not _TOKEN_RE.fullmatch(path[1]):
                raise _ApiError(404, "Not Found")
            if path[1] != self.token:
                raise _ApiError(401, "Unauthorized")
            values = _request_values(url.query, content_type, body)
        except _ApiError as error:
            return error.code, json.dumps(error.payload()).encode()
        with self._cond:
            # The link may have died while the request was read: then it was never seen.
            if self.offline:
                return None
            name, handler = self._methods.get(path[2].lower(), (path[2], None))
            self._calls.append((name, values))
            try:
                failures = self._failures.get(name.lower())
                if failures:
                    raise failures.popleft()
                if handler is None:
                    raise _ApiError(404, "Not Found")
                answer: JSONDict = {"ok": True, "result": handler(_Params(values))}
                status = 200
            except _ApiError as error:
                answer, status = error.payload(), error.code
            except Exception as exc:
                answer = {"ok": False, "error_code": 500, "description": f"emulator bug: {exc!r}"}
                status = 500
            finally:
                self._cond.notify_all()
            return status, json.dumps(answer, ensure_ascii=False).encode()

    # -- Bot API methods -------------------------------------------------------------------

    def _get_me(self, p: _Params) -> JSONDict:
        return self._bot_json() | {
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, p: _Params) -> list[JSONDict]:
        if self._webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = p.optional_integer("offset") or 0
        limit = min(max(p.optional_integer("limit") or 100, 1), 100)
        deadline = time.monotonic() + max(p.number("timeout"), 0.0)
        self._set_allowed(p)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._cond.notify_all()
        while True:
            if generation != self._poll_generation:
                raise _ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            self._updates = [u for u in self._updates if self._is_allowed(_update_kind(u))]
            remaining = deadline - time.monotonic()
            if self._updates or remaining <= 0 or self._stopped:
                return copy.deepcopy(self._updates[:limit])
            self._cond.wait(remaining)

    def _set_webhook(self, p: _Params) -> bool:
        url = p.text("url") or ""
        if url and not url.startswith("https://"):
            raise _ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._set_allowed(p)
        max_connections = p.optional_integer("max_connections") or 40
        self._webhook = {"url": url, "max_connections": max_connections} if url else None
        return True

    def _delete_webhook(self, p: _Params) -> bool:
        if p.flag("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        return True

    def _get_webhook_info(self, p: _Params) -> JSONDict:
        info: JSONDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook is not None:
            info |= self._webhook
            if self._allowed is not None:
                info["allowed_updates"] = sorted(self._allowed)
        return info

    def _send_message(self, p: _Params) -> JSONDict:
        chat_id = self._open_chat(p, sending=True)
        raw = p.text("text") or ""
        text, entities = self._format(raw, p, "entities", 4096, "Bad Request: message is too long")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        return self._deliver(p, chat_id, content, "text", raw, text, None)

    def _send_file(self, p: _Params, kind: Literal["photo", "document"]) -> JSONDict:
        chat_id = self._open_chat(p, sending=True)
        file = self._file(p, kind)
        raw = p.text("caption") or ""
        too_long = "Bad Request: message caption is too long"
        caption, entities = self._format(raw, p, "caption_entities", 1024, too_long)
        content: JSONDict = {kind: file.as_json()}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return self._deliver(p, chat_id, content, kind, raw, caption, file)

    def _edit_message_text(self, p: _Params) -> JSONDict:
        chat_id, message = self._editable(p)
        if "text" not in message:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = p.text("text") or ""
        text, entities = self._format(raw, p, "entities", 4096, "Bad Request: message is too long")
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        markup = self._inline_markup(p)
        unchanged = text == message["text"] and entities == message.get("entities", [])
        if unchanged and markup == message.get("reply_markup"):
            raise _ApiError(400, _NOT_MODIFIED)
        self._throttle(chat_id)
        message["text"] = text
        self._set_or_drop(message, "entities", entities or None)
        self._apply_edit(message, "editMessageText", markup, raw, text, p.text("parse_mode"))
        return message

    def _edit_message_reply_markup(self, p: _Params) -> JSONDict:
        chat_id, message = self._editable(p)
        markup = self._inline_markup(p)
        if markup == message.get("reply_markup"):
            raise _ApiError(400, _NOT_MODIFIED)
        self._throttle(chat_id)
        record = self._sent_by_id[message["message_id"]]
        self._apply_edit(
            message,
            "editMessageReplyMarkup",
            markup,
            record["text"],
            record["plain"],
            record["parse_mode"],
        )
        return message

    def _delete_message(self, p: _Params) -> bool:
        chat_id = self._open_chat(p, sending=False)
        message_id = p.integer("message_id", "Bad Request: message identifier is not specified")
        message = self._find(chat_id, message_id)
        if message is None:
            raise _ApiError(400, "Bad Request: message to delete not found")
        own = message.get("from", {}).get("id") == self.bot_id
        if not own and chat_id < 0 and self._groups[chat_id].bot_status != "administrator":
            raise _ApiError(400, "Bad Request: message can't be deleted")
        del self._messages[message_id]
        if own:
            self._sent_by_id[message_id]["deleted"] = True
        return True

    def _answer_callback_query(self, p: _Params) -> bool:
        query_id = p.text("callback_query_id") or ""
        query = self._queries.get(query_id)
        expired = query is not None and time.monotonic() - query.issued > self.callback_timeout
        if query is None or query.answered or expired:
            raise _ApiError(400, _QUERY_INVALID)
        query.answered = True
        self._answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                user_id=query.user_id,
                message_id=query.message_id,
                data=query.data,
                text=p.text("text"),
                show_alert=p.flag("show_alert"),
                url=p.text("url"),
                cache_time=p.optional_integer("cache_time"),
            )
        )
        return True

    def _set_my_commands(self, p: _Params) -> bool:
        commands = p.obj("commands", "Bad Request: can't parse commands JSON object")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict) or not all(
                isinstance(command.get(key), str) for key in ("command", "description")
            ):
                raise _ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            if not _BOT_COMMAND_RE.fullmatch(command["command"]):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"].strip()) <= 256:
                raise _ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command["command"], "description": command["description"]})
        key = self._command_key(p)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, p: _Params) -> list[JSONDict]:
        return self._commands.get(self._command_key(p), [])

    def _delete_my_commands(self, p: _Params) -> bool:
        self._commands.pop(self._command_key(p), None)
        return True

    def _get_chat(self, p: _Params) -> JSONDict:
        chat_id = self._open_chat(p, sending=False)
        return self._chat_json(chat_id) | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_administrators(self, p: _Params) -> list[JSONDict]:
        chat_id = self._open_chat(p, sending=False)
        if chat_id > 0:
            raise _ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [self._member_json(chat_id, admin) for admin in self._groups[chat_id].admins]

    def _get_chat_member(self, p: _Params) -> JSONDict:
        chat_id = self._open_chat(p, sending=False)
        user_id = p.integer("user_id", "Bad Request: invalid user_id specified")
        known = user_id == self.bot_id or user_id in self._users
        if not known or (chat_id > 0 and user_id not in (chat_id, self.bot_id)):
            raise _ApiError(400, "Bad Request: user not found")
        return self._member_json(chat_id, user_id)

    def _send_chat_action(self, p: _Params) -> bool:
        self._open_chat(p, sending=True)
        if p.text("action") not in _CHAT_ACTIONS:
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    # -- helpers for the methods -----------------------------------------------------------

    def _open_chat(self, p: _Params, *, sending: bool) -> int:
        """The chat_id the bot may act in, or the error Telegram gives."""
        chat_id = p.values.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _ApiError(400, "Bad Request: chat not found")
        if chat_id > 0:
            if chat_id not in self._users:
                raise _ApiError(400, "Bad Request: chat not found")
            if chat_id in self._blocked:
                raise _ApiError(403, "Forbidden: bot was blocked by the user")
            if sending and chat_id not in self._started:
                raise _ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat_id
        group = self._groups.get(chat_id)
        if group is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if group.migrated_to is not None:
            raise _ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": group.migrated_to},
            )
        if group.bot_status == "kicked":
            raise _ApiError(403, f"Forbidden: bot was kicked from the {group.kind} chat")
        return chat_id

    def _format(
        self, raw: str, p: _Params, entities_field: str, limit: int, too_long: str
    ) -> tuple[str, list[JSONDict]]:
        """The trimmed plain text and entities of a text or caption, within `limit` units."""
        parse_mode = p.text("parse_mode") or ""
        if parse_mode.lower() == "html":
            text, entities = parse_html(raw)
        elif parse_mode:
            raise _ApiError(
                400, f"Bad Request: the emulator supports only parse_mode HTML, not {parse_mode!r}"
            )
        else:
            invalid = "Bad Request: can't parse entities JSON object"
            given = p.obj(entities_field, invalid) or []
            if not isinstance(given, list) or not all(
                isinstance(e, dict) and isinstance(e.get("type"), str) for e in given
            ):
                raise _ApiError(400, invalid)
            text, entities = raw, given
        text, entities = _trim(text, entities)
        if _utf16_len(text) > limit:
            raise _ApiError(400, too_long)
        return text, entities

    def _markup(self, p: _Params) -> JSONDict | None:
        """The validated reply_markup, if any."""
        invalid = "Bad Request: can't parse reply keyboard markup JSON object"
        markup = p.obj("reply_markup", invalid)
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _ApiError(400, invalid)
        if "inline_keyboard" in markup:
            for button in self._buttons(markup["inline_keyboard"], "inline_keyboard"):
                self._check_inline_button(button)
        elif "keyboard" in markup:
            for button in self._buttons(markup["keyboard"], "keyboard"):
                if not isinstance(button, str) and not isinstance(button.get("text"), str):
                    raise _ApiError(400, "Bad Request: can't parse keyboard button")
        elif markup.get("remove_keyboard") is not True and markup.get("force_reply") is not True:
            raise _ApiError(400, invalid)
        return markup

    @staticmethod
    def _buttons(rows: Any, name: str) -> list[Any]:
        """The buttons of a keyboard, which must be an array of arrays."""
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _ApiError(400, f'Bad Request: field "{name}" must be an Array of Arrays')
        return [button for row in rows for button in row]

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        """Rejects an inline button the way Telegram does."""
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard button")
        if not _BUTTON_ACTIONS & button.keys():
            raise _ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard",
            )
        data = button.get("callback_data")
        if "callback_data" in button and not (
            isinstance(data, str) and 1 <= len(data.encode()) <= 64
        ):
            raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        url = button.get("url")
        if "url" in button and not (
            isinstance(url, str) and url.startswith(("http://", "https://", "tg://"))
        ):
            raise _ApiError(
                400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
            )

    def _inline_markup(self, p: _Params) -> JSONDict | None:
        """The reply_markup of an edit, which only an inline keyboard may be."""
        markup = self._markup(p)
        if markup is not None and "inline_keyboard" not in markup:
            raise _ApiError(400, "Bad Request: inline keyboard expected")
        return markup

    def _reply_target(self, p: _Params, chat_id: int) -> JSONDict | None:
        """The quoted message of a reply, from reply_parameters or reply_to_message_id."""
        parameters = p.obj("reply_parameters", "Bad Request: can't parse reply parameters")
        if isinstance(parameters, dict):
            message_id = parameters.get("message_id")
            allow_without = parameters.get("allow_sending_without_reply") is True
        else:
            message_id = p.optional_integer("reply_to_message_id")
            allow_without = p.flag("allow_sending_without_reply")
        if message_id is None:
            return None
        message = self._find(chat_id, message_id) if isinstance(message_id, int) else None
        if message is None and not allow_without:
            raise _ApiError(400, "Bad Request: message to be replied not found")
        return None if message is None else self._quote(chat_id, message_id)

    def _throttle(self, chat_id: int) -> None:
        """Counts one delivery against the flood limits, or answers 429."""
        if not self.rate_limits:
            return
        now = time.monotonic()
        windows = [
            (self._global_sends, self.global_limit),
            (self._chat_sends.setdefault(chat_id, deque()), self.chat_limit),
        ]
        if chat_id < 0:
            windows.append((self._group_sends.setdefault(chat_id, deque()), self.group_limit))
        wait = 0.0
        for times, limit in windows:
            while times and times[0] <= now - limit.seconds:
                times.popleft()
            if len(times) >= limit.count:
                wait = max(wait, times[-limit.count] + limit.seconds - now)
        if wait > 0:
            self.throttled += 1
            seconds = max(1, math.ceil(wait))
            raise _ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        for times, _ in windows:
            times.append(now)

    def _file(self, p: _Params, kind: Literal["photo", "document"]) -> _File:
        """The uploaded or re-used file of a sendPhoto/sendDocument call."""
        value = p.values.get(kind)
        if value is None or value == "":
            raise _ApiError(400, f"Bad Request: there is no {kind} in the request")
        if isinstance(value, str):
            known = self._files.get(value)
            if known is None or known.kind != kind:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return known
        assert isinstance(value, Upload)
        if not value.data:
            raise _ApiError(400, "Bad Request: file must be non-empty")
        file = _File(f"BQAC{kind[0]}{next(self._file_ids):06d}", kind, value)
        if kind == "photo":
            size = _image_size(value.data)
            if size is None:
                raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            if sum(size) > 10_000:
                raise _ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
            file.width, file.height = size
        self._files[file.file_id] = file
        return file

    def _deliver(
        self,
        p: _Params,
        chat_id: int,
        content: JSONDict,
        kind: Literal["text", "photo", "document"],
        raw: str,
        plain: str,
        file: _File | None,
    ) -> JSONDict:
        """Checks markup, reply and flood limits, then stores and records the bot's message."""
        markup = self._markup(p)
        reply = self._reply_target(p, chat_id)
        self._throttle(chat_id)
        message = self._new_message(chat_id, {"from": self._bot_json()} | content)
        if reply is not None:
            message["reply_to_message"] = reply
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        record = SentMessage(
            message_id=message["message_id"],
            chat_id=chat_id,
            kind=kind,
            text=raw,
            plain=plain,
            parse_mode=p.text("parse_mode"),
            reply_markup=markup,
            reply_to=None if reply is None else reply["message_id"],
            file_name=None if file is None else file.upload.filename,
            file_data=None if file is None else file.upload.data,
            edits=[],
            deleted=False,
        )
        self._sent.append(record)
        self._sent_by_id[record["message_id"]] = record
        return message

    def _editable(self, p: _Params) -> tuple[int, JSONDict]:
        """The chat and bot message an edit targets."""
        chat_id = self._open_chat(p, sending=False)
        message_id = p.integer("message_id", "Bad Request: message identifier is not specified")
        message = self._find(chat_id, message_id)
        if message is None:
            raise _ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise _ApiError(400, "Bad Request: message can't be edited")
        return chat_id, message

    def _apply_edit(
        self,
        message: JSONDict,
        method: str,
        markup: JSONDict | None,
        raw: str,
        plain: str,
        parse_mode: str | None,
    ) -> None:
        """Stores an edit in the message and in the bot's record of it."""
        self._set_or_drop(message, "reply_markup", markup)
        message["edit_date"] = _now()
        record = self._sent_by_id[message["message_id"]]
        record["text"], record["plain"] = raw, plain
        record["parse_mode"], record["reply_markup"] = parse_mode, markup
        record["edits"].append(
            {"method": method, "text": raw, "plain": plain, "parse_mode": parse_mode}
            | {"reply_markup": markup}
        )

    @staticmethod
    def _set_or_drop(message: JSONDict, key: str, value: Any) -> None:
        """Sets an optional field, or removes it when value is None."""
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value

    def _command_key(self, p: _Params) -> tuple[str, str]:
        """The (scope, language_code) a command list is stored under."""
        language = p.text("language_code") or ""
        if language and not _LANGUAGE_RE.fullmatch(language):
            raise _ApiError(400, "Bad Request: invalid language code specified")
        scope = p.obj("scope", "Bad Request: can't parse BotCommandScope JSON object")
        if scope is None:
            return "default", language
        kind = scope.get("type") if isinstance(scope, dict) else None
        if kind in _PLAIN_SCOPES:
            return kind, language
        if kind not in ("chat", "chat_administrators", "chat_member"):
            raise _ApiError(400, "Bad Request: wrong bot command scope type specified")
        chat_id = self._open_chat(_Params({"chat_id": scope.get("chat_id")}), sending=False)
        if kind != "chat_member":
            return f"{kind}:{chat_id}", language
        user_id = scope.get("user_id")
        if not isinstance(user_id, int) or user_id not in self._users:
            raise _ApiError(400, "Bad Request: user not found")
        return f"chat_member:{chat_id}:{user_id}", language

    # -- the world's state -----------------------------------------------------------------

    def _bot_json(self) -> JSONDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _user(self, user_id: int) -> _User:
        user = self._users.get(user_id)
        if user is None:
            raise ValueError(f"user {user_id} is not declared")
        return user

    def _user_json(self, user_id: int) -> JSONDict:
        return self._bot_json() if user_id == self.bot_id else self._user(user_id).as_json()

    def _live_group(self, chat_id: int) -> _Group:
        group = self._groups.get(chat_id)
        if group is None or group.migrated_to is not None:
            raise ValueError(f"chat {chat_id} is not a declared, unmigrated group")
        return group

    def _chat_json(self, chat_id: int) -> JSONDict:
        if chat_id > 0:
            user = self._user(chat_id).as_json()
            private = {
                key: user[key] for key in ("first_name", "last_name", "username") if key in user
            }
            return {"id": chat_id, "type": "private"} | private
        group = self._groups[chat_id]
        return {"id": chat_id, "type": group.kind, "title": group.title}

    def _status(self, chat_id: int, user_id: int) -> str:
        if chat_id > 0:
            return "member"
        group = self._groups[chat_id]
        if user_id == self.bot_id:
            return group.bot_status
        if user_id == group.admins[0]:
            return "creator"
        if user_id in group.admins:
            return "administrator"
        return "member" if user_id in group.members else "left"

    def _member_json(self, chat_id: int, user_id: int, status: str | None = None) -> JSONDict:
        status = status or self._status(chat_id, user_id)
        member: JSONDict = {"status": status, "user": self._user_json(user_id)}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member |= _ADMIN_RIGHTS
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def _find(self, chat_id: int, message_id: int) -> JSONDict | None:
        message = self._messages.get(message_id)
        return message if message is not None and message["chat"]["id"] == chat_id else None

    def _quote(self, chat_id: int, message_id: int) -> JSONDict:
        """A message as it appears in reply_to_message."""
        message = self._find(chat_id, message_id)
        if message is None:
            raise ValueError(f"there is no message {message_id} in chat {chat_id}")
        return {key: value for key, value in message.items() if key != "reply_to_message"}

    def _new_message(self, chat_id: int, content: JSONDict) -> JSONDict:
        message_id = next(self._message_ids)
        message = {"message_id": message_id, "chat": self._chat_json(chat_id), "date": _now()}
        message |= content
        self._messages[message_id] = message
        return message

    def _user_entities(self, text: str, mentions: Sequence[int]) -> list[JSONDict]:
        """The entities Telegram finds in a user's text: text mentions, commands, @mentions."""
        entities: list[JSONDict] = []
        taken: list[tuple[int, int]] = []
        for user_id in mentions:
            user = self._user(user_id)
            needle = f"@{user.first_name}"
            start = text.find(needle)
            while start >= 0 and any(s < start + len(needle) and start < e for s, e in taken):
                start = text.find(needle, start + 1)
            if start < 0:
                raise ValueError(f"{needle!r} does not occur (again) in {text!r}")
            taken.append((start, start + len(needle)))
            entity = _entity("text_mention", text, start, start + len(needle))
            entities.append(entity | {"user": user.as_json()})
        for pattern, kind in ((_COMMAND_RE, "bot_command"), (_MENTION_RE, "mention")):
            for match in pattern.finditer(text):
                start, end = match.span()
                if not any(s < end and start < e for s, e in taken):
                    taken.append((start, end))
                    entities.append(_entity(kind, text, start, end))
        entities.sort(key=lambda entity: entity["offset"])
        return entities

    def _reaches_bot(self, chat_id: int) -> bool:
        if chat_id > 0:
            return chat_id not in self._blocked
        return self._groups[chat_id].bot_status != "kicked"

    def _post(self, chat_id: int, kind: str, message: JSONDict) -> int:
        """Queues a user-side message for the bot if it can see the chat; returns its id."""
        if self._reaches_bot(chat_id):
            self._queue(kind, message)
        message_id: int = message["message_id"]
        return message_id

    def _service(self, chat_id: int, user_id: int, content: JSONDict) -> None:
        """Posts a service message from a user."""
        message = self._new_message(chat_id, {"from": self._user_json(user_id)} | content)
        self._post(chat_id, "message", message)

    def _my_chat_member(self, chat_id: int, by: int, old: str, new: str) -> None:
        self._queue(
            "my_chat_member",
            {
                "chat": self._chat_json(chat_id),
                "from": self._user_json(by),
                "date": _now(),
                "old_chat_member": self._member_json(chat_id, self.bot_id, old),
                "new_chat_member": self._member_json(chat_id, self.bot_id, new),
            },
        )

    def _queue(self, kind: str, content: Any) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, kind: copy.deepcopy(content)})
        self._cond.notify_all()
        return update_id

    def _set_allowed(self, p: _Params) -> None:
        allowed = p.obj("allowed_updates", "Bad Request: can't parse allowed updates")
        if allowed is None:
            return
        if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
            raise _ApiError(400, "Bad Request: can't parse allowed updates")
        self._allowed = frozenset(allowed) or None

    def _is_allowed(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in _UNREQUESTED_BY_DEFAULT
        return kind in self._allowed

    def _dump(self) -> str:
        """Recent traffic, for failure messages."""
        lines = ["last calls:"]
        for method, params in self._calls[-20:]:
            shown = json.dumps(params, ensure_ascii=False, default=repr)
            lines.append(f"  {method} {shown[:300]}")
        lines.append("last messages the bot sent:")
        for record in self._sent[-20:]:
            deleted = " (deleted)" if record["deleted"] else ""
            lines.append(
                f"  #{record['message_id']} to {record['chat_id']}: {record['plain']!r}{deleted}"
            )
        lines.append(f"pending updates: {len(self._updates)}")
        return "\n".join(lines)
