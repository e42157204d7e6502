"""An offline, recording request object for python-telegram-bot, as its own tests use."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from tests.support.telegram_emulator import parse_html

BOT_ID = 424242
TOKEN = f"{BOT_ID}:TEST-token-abcdefghij"
# Telegram's limits on the visible text, counted in UTF-16 code units as Telegram counts.
LIMITS = {
    "sendMessage": ("text", 4096, "message is too long"),
    "editMessageText": ("text", 4096, "message is too long"),
    "sendPhoto": ("caption", 1024, "message caption is too long"),
    "editMessageCaption": ("caption", 1024, "message caption is too long"),
}


@dataclass
class Failure:
    """A scripted answer for the next call of a method."""

    status: int
    body: dict[str, Any] | None = None
    after: int = 0  # calls of the method to let through first


@dataclass
class RecordingRequest(BaseRequest):
    """Records every Bot API call and answers like Telegram would, offline."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    admins: dict[int, list[int]] = field(default_factory=dict)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    message_ids: list[int] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    @property
    def read_timeout(self) -> float | None:
        """No network, no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    def fail_next(self, method: str, failure: Failure) -> None:
        """Make the next call of `method` (or a later one, by `after`) fail as scripted."""
        self.failures.setdefault(method, []).append(failure)

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """The parameters of every call of `method`."""
        return [params for name, params in self.calls if name == method]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer one call."""
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        pending = self.failures.get(name)
        if pending and pending[0].after:
            pending[0].after -= 1
        elif pending:
            failure = pending.pop(0)
            if failure.status == 0:
                raise NetworkError("connection reset")
            self.calls.append((name + "!", params))
            return failure.status, json.dumps(failure.body).encode()
        if (refusal := _too_long(name, params)) is not None:
            self.calls.append((name + "!", params))
            return 400, json.dumps(refusal).encode()
        self.calls.append((name, params))
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Linli", "username": "LinliBot"}
        if name in ("sendMessage", "sendPhoto", "sendDocument"):
            chat = int(params["chat_id"])
            self.message_ids.append(next(self._ids))
            message: dict[str, Any] = {
                "message_id": self.message_ids[-1],
                "date": 1_795_000_000,
                "chat": {"id": chat, "type": "private" if chat > 0 else "group"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Linli"},
            }
            if name == "sendMessage":
                message["text"] = params["text"]
            elif name == "sendDocument":
                message["document"] = {"file_id": "d", "file_unique_id": "v"}
            else:
                message["photo"] = [
                    {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}
                ]
            return message
        if name == "getChatAdministrators":
            return [
                {
                    "status": "creator",
                    "user": {"id": user, "is_bot": False, "first_name": f"admin{user}"},
                    "is_anonymous": False,
                }
                for user in self.admins.get(int(params["chat_id"]), [])
            ]
        return True


def _too_long(name: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """Telegram's answer to a text or caption over its limit, else None."""
    if name not in LIMITS:
        return None
    field_name, limit, description = LIMITS[name]
    visible = parse_html(str(params.get(field_name) or ""))[0].strip()
    if len(visible.encode("utf-16-le")) // 2 <= limit:
        return None
    return {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


def user(user_id: int, name: str, username: str | None = None) -> dict[str, Any]:
    """A Telegram User object."""
    found: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
    if username:
        found["username"] = username
    return found


def group(chat_id: int, title: str = "1号院邻里圈", kind: str = "group") -> dict[str, Any]:
    """A Telegram group Chat object."""
    return {"id": chat_id, "type": kind, "title": title}


_updates = itertools.count(1)


def message_update(
    sender: dict[str, Any], text: str, chat: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """An update carrying a user's message (private when no chat), with command entities."""
    fields: dict[str, Any] = {"text": text, **extra}
    if text.startswith("/"):
        command = text.split()[0]
        length = len(command.encode("utf-16-le")) // 2
        fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return service_update(_chat_of(sender, chat), sender, **fields)


def service_update(chat: dict[str, Any], sender: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An update carrying a message from `sender` in `chat` with `fields` (a service
    message's, such as members joining or a migration, or another kind's)."""
    return {
        "update_id": next(_updates),
        "message": {
            "message_id": next(_updates) + 10_000,
            "date": 1_795_000_000,
            "chat": chat,
            "from": sender,
            **fields,
        },
    }


def _chat_of(sender: dict[str, Any], chat: dict[str, Any] | None) -> dict[str, Any]:
    """`chat`, or else the sender's private chat with the bot."""
    return chat or {"id": sender["id"], "type": "private", "first_name": sender["first_name"]}


def photo_update(
    sender: dict[str, Any],
    caption: str = "",
    chat: dict[str, Any] | None = None,
    file_id: str = "photo-large",
) -> dict[str, Any]:
    """A user's photo (a small and a large size, as Telegram sends) with an optional caption."""
    sizes = [
        {"file_id": "photo-small", "file_unique_id": "s", "width": 90, "height": 67},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 960},
    ]
    return _media_update(sender, caption, chat, photo=sizes)


def document_update(
    sender: dict[str, Any],
    caption: str,
    name: str,
    size: int,
    chat: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A user's file with a caption."""
    document = {"file_id": "doc-1", "file_unique_id": "d", "file_name": name, "file_size": size}
    return _media_update(sender, caption, chat, document=document)


def _media_update(
    sender: dict[str, Any], caption: str, chat: dict[str, Any] | None, **media: Any
) -> dict[str, Any]:
    fields = {"caption": caption} if caption else {}
    return service_update(_chat_of(sender, chat), sender, **media, **fields)


def press_update(
    sender: dict[str, Any], chat: dict[str, Any], message_id: int, data: str
) -> dict[str, Any]:
    """An update carrying a button press on the bot's message."""
    return {
        "update_id": next(_updates),
        "callback_query": {
            "id": f"q{next(_updates)}",
            "from": sender,
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1_795_000_000,
                "chat": chat,
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Linli"},
                "text": "…",
            },
        },
    }


def bot_membership_update(
    chat: dict[str, Any], by: dict[str, Any], old: str, new: str
) -> dict[str, Any]:
    """An update saying the bot's own membership of a chat changed."""
    me = {"id": BOT_ID, "is_bot": True, "first_name": "Linli"}
    return {
        "update_id": next(_updates),
        "my_chat_member": {
            "chat": chat,
            "from": by,
            "date": 1_795_000_000,
            "old_chat_member": {"status": old, "user": me},
            "new_chat_member": {"status": new, "user": me}
            if new != "kicked"
            else {"status": new, "user": me, "until_date": 0},
        },
    }
