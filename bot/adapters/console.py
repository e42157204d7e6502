"""The console chat of docs/console-protocol.md: JSON lines or an interactive prompt."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.app import App
from bot.clock import VirtualClock
from bot.dispatcher import has_control_characters
from bot.logs import log_failure
from bot.messages import (
    ChatKind,
    ChatRef,
    Envelope,
    EventKind,
    Incoming,
    Media,
    MediaKind,
    PlatformTraits,
    Replied,
    UserRef,
)

PLATFORM = "console"
# Chat and user ids (and chat titles) are stored in columns of this width.
MAX_FIELD = 128
log = logging.getLogger(__name__)


def console_platform(style: str) -> dict[str, PlatformTraits]:
    """The console's traits: buttons in buttons style, none in text style (like WeChat)."""
    return {PLATFORM: PlatformTraits(buttons=style == "buttons", private_always_open=True)}


class InputError(Exception):
    """A bad input line; the message says what is wrong."""


@dataclass
class Group:
    """A declared group chat."""

    title: str
    admins: set[str] = field(default_factory=set)


@dataclass
class Sent:
    """A bot message the console printed, kept so its buttons can be pressed."""

    chat: str | None
    to: str | None
    buttons: list[list[tuple[str, str]]]
    """Rows of (label, token)."""


class ConsoleChat:
    """Turns protocol events into Incoming, runs them, and renders the answers."""

    def __init__(self, app: App, clock: VirtualClock, style: str = "buttons") -> None:
        if style not in ("buttons", "text"):
            raise ValueError("style is buttons or text")
        if app.post_office.of(PLATFORM).buttons != (style == "buttons"):
            raise ValueError("bootstrap the app with console_platform(style)")
        self.app = app
        self.clock = clock
        self.style = style
        self.groups: dict[str, Group] = {}
        self.names: dict[str, str] = {}
        self.sent: dict[int, Sent] = {}
        self.keyed: dict[tuple[str, str], int] = {}
        self.last_id = 0

    def process(self, event: Any) -> list[dict[str, Any]]:
        """Handle one protocol event; raises InputError for a bad one."""
        if not isinstance(event, dict):
            raise InputError("expected a JSON object")
        if any(_has_surrogate(value) for value in _strings(event)):
            raise InputError("not valid Unicode (a lone surrogate)")
        if "clock" in event:
            return self._clock(_text(event, "clock"))
        if "press" in event:
            return self._press(event)
        if "joined" in event or "left" in event:
            return self._membership(event)
        if "from" in event:
            return self._message(event)
        if "chat" in event:
            self._declare(event)
            return []
        raise InputError("unknown event: expected chat, from, press, joined, left or clock")

    def _declare(self, event: dict[str, Any]) -> None:
        chat = _text(event, "chat")
        group = self.groups.setdefault(chat, Group(title=chat))
        if "title" in event:
            group.title = _text(event, "title", allow_empty=True)
        if "admins" in event:
            admins = event["admins"]
            if not isinstance(admins, list) or not all(isinstance(a, str) and a for a in admins):
                raise InputError("admins must be a list of user ids")
            group.admins = set(admins)

    def _user(self, event: dict[str, Any], key: str) -> UserRef:
        user_id = _text(event, key)
        if "name" in event:
            self.names[user_id] = _text(event, "name", allow_empty=True)
        # An unnamed user keeps the name the database knows (the id for a newcomer).
        return UserRef(PLATFORM, user_id, self.names.get(user_id, ""))

    def _chat(self, event: dict[str, Any], user: UserRef) -> tuple[ChatRef, bool]:
        if "chat" not in event:
            return ChatRef(PLATFORM, user.user_id, ChatKind.PRIVATE), False
        chat_id = _text(event, "chat")
        group = self.groups.setdefault(chat_id, Group(title=chat_id))
        return (
            ChatRef(PLATFORM, chat_id, ChatKind.GROUP, group.title),
            user.user_id in group.admins,
        )

    def _message(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        user = self._user(event, "from")
        media = _media(event)
        text = event.get("text", "" if media else None)
        if not isinstance(text, str):
            raise InputError("a message needs text (a string)")
        chat, admin = self._chat(event, user)
        incoming = Incoming(chat, user, EventKind.MESSAGE, text, is_platform_admin=admin)
        return self._run(replace(incoming, media=media, replied=self._replied(event, chat)))

    def _replied(self, event: dict[str, Any], chat: ChatRef) -> Replied | None:
        """The bot's message `reply_to` names, with the key it was sent under in that chat."""
        if "reply_to" not in event:
            return None
        number = event["reply_to"]
        if not isinstance(number, int) or not 1 <= number <= self.last_id:
            raise InputError("reply_to must be the id of a bot message")
        keys = (
            key
            for (chat_id, key), n in self.keyed.items()
            if (chat_id, n) == (chat.chat_id, number)
        )
        return Replied(message_id=str(number), key=next(keys, ""))

    def _membership(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        if "chat" not in event:
            raise InputError("joined and left need a chat")
        kind = EventKind.JOINED if "joined" in event else EventKind.LEFT
        user = self._user(event, "joined" if kind == EventKind.JOINED else "left")
        chat, admin = self._chat(event, user)
        return self._run(Incoming(chat, user, kind, is_platform_admin=admin, subject=user))

    def _press(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        if self.style == "text":
            raise InputError("there are no buttons in text style; type the answer instead")
        press = event["press"]
        if (
            not isinstance(press, list)
            or len(press) != 2
            or not isinstance(press[0], int)
            or not isinstance(press[1], str)
        ):
            raise InputError('press must be [message id, "button label"]')
        user = self._user(event, "from")
        message = self.sent.get(press[0])
        chat_id = event.get("chat")
        if (
            message is None
            or (message.chat or None) != chat_id
            or (message.to is not None and message.to != user.user_id)
        ):
            raise InputError(f"no message {press[0]} with buttons in that chat")
        token = next(
            (tok for row in message.buttons for label, tok in row if label == press[1]), None
        )
        if token is None:
            raise InputError(f"message {press[0]} has no button labelled {press[1]!r}")
        chat, admin = self._chat(event, user)
        return self._run(Incoming(chat, user, EventKind.PRESS, token, is_platform_admin=admin))

    def _clock(self, value: str) -> list[dict[str, Any]]:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise InputError(f"clock: not an ISO-8601 time: {value[:40]!r}") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=self.app.dispatcher.zone)
        if when < self.clock.now():
            raise InputError("clock: the clock cannot go back")
        out: list[dict[str, Any]] = []
        for at, envelopes in self.app.scheduler.run_until(self.clock.now(), when, self.clock.set):
            out.extend(self._render(envelopes, at))
        return out

    def _run(self, incoming: Incoming) -> list[dict[str, Any]]:
        return self._render(self.app.dispatcher.handle(incoming))

    def _render(
        self, envelopes: Iterable[Envelope], when: datetime | None = None
    ) -> list[dict[str, Any]]:
        at = (when or self.clock.now()).astimezone(self.app.dispatcher.zone).isoformat()
        out: list[dict[str, Any]] = []
        for envelope in envelopes:
            rendered = self.app.renderer.render(
                envelope.reply,
                envelope.language,
                html_mode=False,
                buttons=self.style == "buttons",
            )
            if envelope.toast:
                out.append({"toast": rendered.text, "to": envelope.to_user, "at": at})
                continue
            private = envelope.target.kind == ChatKind.PRIVATE
            named = (envelope.target.chat_id, envelope.key)
            edited = self.keyed.get(named) if envelope.edit else None
            if edited is None:
                self.last_id += 1
            number = edited or self.last_id
            if envelope.key:
                self.keyed[named] = number
            line: dict[str, Any] = {"edit" if edited else "id": number}
            line["to" if private else "chat"] = envelope.target.chat_id
            if envelope.reply.image is not None:
                line["image"] = str(envelope.reply.image.resolve())
                line["caption"] = rendered.text
            elif envelope.reply.document is not None:
                line["file"] = str(envelope.reply.document.resolve())
                line["caption"] = rendered.text
            else:
                line["text"] = rendered.text
            self.sent.pop(number, None)
            if rendered.buttons:
                line["buttons"] = [[c.label for c in row] for row in rendered.buttons]
                self.sent[number] = Sent(
                    chat=None if private else envelope.target.chat_id,
                    to=envelope.target.chat_id if private else None,
                    buttons=[[(c.label, c.token) for c in row] for row in rendered.buttons],
                )
            line["at"] = at
            out.append(line)
        return out


def _media(event: dict[str, Any]) -> Media | None:
    """The picture (`image`) or file (`file`) a message sends: a file on this machine."""
    for key, kind in (("image", MediaKind.PHOTO), ("file", MediaKind.FILE)):
        if key in event:
            path = Path(_text(event, key)).expanduser()
            if not path.is_file():
                raise InputError(f"{key}: no such file")
            size = path.stat().st_size
            return Media(kind, PLATFORM, str(path.resolve()), path.name, size, saved=True)
    return None


def _text(event: dict[str, Any], key: str, allow_empty: bool = False) -> str:
    value = event.get(key)
    if not isinstance(value, str) or (not value and not allow_empty):
        raise InputError(f"{key} must be a non-empty string")
    if has_control_characters(value):
        raise InputError(f"{key} must not hold control characters")
    if len(value) > MAX_FIELD:
        raise InputError(f"{key} must be at most {MAX_FIELD} characters")
    return value


def _strings(value: Any) -> Iterator[str]:
    """Every string in a decoded JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def run_jsonl(chat: ConsoleChat, lines: Iterable[str], out: TextIO) -> None:
    """The --jsonl loop: one JSON object in, JSON objects out, flushed per line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            results = chat.process(json.loads(line))
        except json.JSONDecodeError as exc:
            results = [{"error": f"line {number}: not JSON ({exc.msg})"}]
        except InputError as exc:
            results = [{"error": f"line {number}: {exc}"}]
        except Exception:
            log_failure(log, "line %d could not be handled", number)
            results = [{"error": f"line {number}: internal error (details in the log)"}]
        for result in results:
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()


def read_stdin() -> Iterator[str]:
    """Standard input, line by line, without read-ahead buffering delays.

    Bytes that are not UTF-8 become lone surrogates, so their line is reported, not fatal.
    """
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="surrogateescape")
    yield from iter(sys.stdin.readline, "")


INTERACTIVE_HELP = """\
Type a message to send it as the current user in the current chat.
  :user ID [NAME]     act as another user (NAME is their display name)
  :chat ID [TITLE]    go to a group chat (declared on first use)
  :private            go to your private chat with the bot
  :admins ID ...      set the platform admins of the current group
  :joined ID [NAME]   someone joins the current group;  :left ID  someone leaves
  :press N LABEL      press the button LABEL (or its number) on bot message N
  :reply N TEXT       say TEXT as a reply to (a quote of) bot message N
  :clock ISO-TIME     move the virtual clock forward, e.g. :clock 2026-11-24T08:00
  :now                show the virtual time
  :help  :quit"""


class Interactive:
    """A human-friendly prompt over ConsoleChat."""

    def __init__(self, chat: ConsoleChat, out: TextIO, user: str = "u1", name: str = "") -> None:
        self.chat = chat
        self.out = out
        self.user = user
        self.group: str | None = None
        if name:
            chat.names[user] = name

    def prompt(self) -> str:
        """The prompt: where I am and who I am."""
        where = "私聊 private"
        if self.group:
            where = f"{self.group} {self.chat.groups[self.group].title}"
        return f"[{where}] {self.chat.names.get(self.user, self.user)}> "

    def handle(self, line: str) -> bool:
        """Handle one typed line; False when the user wants to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith(":"):
                return self._meta(line)
            event: dict[str, Any] = {"from": self.user, "text": line}
            if self.group:
                event["chat"] = self.group
            self.show(self.chat.process(event))
        except InputError as exc:
            self.out.write(f"! {exc}\n")
        return True

    def _meta(self, line: str) -> bool:
        word, _, rest = line[1:].partition(" ")
        args = rest.split()
        base: dict[str, Any] = {"chat": self.group} if self.group else {}
        if word in ("quit", "exit", "q"):
            return False
        if word == "help":
            self.out.write(INTERACTIVE_HELP + "\n")
        elif word == "user" and args:
            self.user = args[0]
            if len(args) > 1:
                self.chat.names[self.user] = " ".join(args[1:])
        elif word == "chat" and args:
            self.group = args[0]
            declare: dict[str, Any] = {"chat": args[0]}
            if len(args) > 1:
                declare["title"] = " ".join(args[1:])
            self.chat.process(declare)
        elif word == "private":
            self.group = None
        elif word == "admins" and self.group:
            self.chat.process({"chat": self.group, "admins": args})
        elif word in ("joined", "left") and self.group and args:
            event = {**base, word: args[0]}
            if len(args) > 1:
                event["name"] = " ".join(args[1:])
            self.show(self.chat.process(event))
        elif word == "press" and len(args) >= 2 and args[0].isdigit():
            label = " ".join(args[1:])
            sent = self.chat.sent.get(int(args[0]))
            if sent and label.isdigit():
                flat = [lbl for row in sent.buttons for lbl, _ in row]
                if 1 <= int(label) <= len(flat):
                    label = flat[int(label) - 1]
            self.show(
                self.chat.process({**base, "from": self.user, "press": [int(args[0]), label]})
            )
        elif word == "reply" and len(args) >= 2 and args[0].isdigit():
            event = {**base, "from": self.user, "text": rest.split(None, 1)[1]}
            self.show(self.chat.process({**event, "reply_to": int(args[0])}))
        elif word == "clock" and args:
            self.show(self.chat.process({"clock": args[0]}))
        elif word == "now":
            zone = self.chat.app.dispatcher.zone
            self.out.write(self.chat.clock.now().astimezone(zone).isoformat() + "\n")
        else:
            self.out.write("? unknown or incomplete; :help lists the commands\n")
        return True

    def show(self, results: list[dict[str, Any]]) -> None:
        """Print bot messages for a person to read."""
        for item in results:
            if "toast" in item:
                self.out.write(f"  (toast to {item['to']}) {item['toast']}\n")
                continue
            where = f"private → {item['to']}" if "to" in item else item["chat"]
            attached = (
                f"[image {item['image']}]" if "image" in item else f"[file {item.get('file')}]"
            )
            body = item.get("text") or f"{attached} {item.get('caption', '')}"
            number = f"#{item['id']}" if "id" in item else f"#{item['edit']} (edited)"
            self.out.write(f"\n{number} [{where}] {item['at'][11:16]}\n{body}\n")
            for row in item.get("buttons", []):
                self.out.write("  " + "  ".join(f"[{label}]" for label in row) + "\n")
        self.out.write("\n" if results else "")


def run_interactive(chat: ConsoleChat, banner: str, out: TextIO = sys.stdout) -> None:
    """Read lines from the terminal until end of input or :quit."""
    session = Interactive(chat, out)
    out.write(banner + "\n" + INTERACTIVE_HELP + "\n")
    while True:
        try:
            line = input(session.prompt())
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return
        if not session.handle(line):
            return
