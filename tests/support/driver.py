"""Test helpers: a grid to work in, and a recording driver for the dispatcher."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import inspect, select, text

from bot.app import App
from bot.messages import (
    ChatKind,
    ChatRef,
    Envelope,
    EventKind,
    Incoming,
    Media,
    Replied,
    UserRef,
)
from bot.services.community import roles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from models import Place, Resident

PLATFORM = "console"
# The note a group gets where a command was answered privately.
PRIVATELY = "core.sent_privately"
# Bookkeeping of getting messages out, not domain state.
DELIVERY_TABLES = frozenset({"alembic_version", "buttons", "menus", "outbox", "processed_updates"})
GRID = [
    "文化路街道/红旗里社区/1号院/3号楼/1单元",
    "文化路街道/红旗里社区/1号院/3号楼/2单元",
    "文化路街道/红旗里社区/1号院/4号楼",
    "文化路街道/红旗里社区/2号院/1号楼/1单元",
    "文化路街道/幸福社区/幸福家园/1号楼/1单元",
]


@dataclass
class Sent:
    """One message the bot sent, as a user would see it."""

    chat: str
    private: bool
    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    toast: bool = False


class Driver:
    """Plays users in chats through the dispatcher and records what the bot sends."""

    def __init__(self, app: App, buttons: bool = True) -> None:
        self.app = app
        self.buttons = buttons
        self.sent: list[Sent] = []
        # The latest answers unrendered, for tests that read their templates and data.
        self.answers: list[Envelope] = []
        self.admins: dict[str, set[str]] = {}
        self.titles: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def seed_grid(self) -> None:
        """Create the test grid."""
        with self.app.db.transaction() as session:
            for path in GRID:
                add_path(session, path)

    def group(self, chat: str, title: str = "", admins: tuple[str, ...] = ()) -> None:
        """Declare a group chat and its platform admins."""
        self.titles[chat] = title or chat
        self.admins[chat] = set(admins)

    def grant(self, user: str, role: str, place: str, platform: str = PLATFORM) -> None:
        """Grant a role as the operator would (`linli role grant`)."""
        with self.app.db.transaction() as session:
            target = ensure_identity(session, platform, user, user, self.app.clock.now()).resident
            scope = roles.Scope(place=resolve_place(session, place))
            roles.grant(
                session, self.app.clock.now(), target, roles.parse_role(role), scope, roles.OPERATOR
            )

    def say(
        self,
        user: str,
        message: str,
        chat: str | None = None,
        name: str | None = None,
        event: EventKind = EventKind.MESSAGE,
        mentions: tuple[str, ...] = (),
        media: Media | None = None,
        replied: Replied | None = None,
    ) -> list[Sent]:
        """`user` sends `message` in `chat` (private when None), with a picture or file as
        `media` (the message its caption), as a reply to the bot's message `replied`; returns
        the bot's answers."""
        incoming = self.incoming(user, message, chat, name, event, mentions, media)
        incoming = replace(incoming, replied=replied)
        return self.received(self.app.dispatcher.handle(incoming))

    def incoming(
        self,
        user: str,
        message: str,
        chat: str | None = None,
        name: str | None = None,
        event: EventKind = EventKind.MESSAGE,
        mentions: tuple[str, ...] = (),
        media: Media | None = None,
    ) -> Incoming:
        """The event of `user` sending `message` in `chat`, as `say` hands it on."""
        if name is not None:
            self.names[user] = name
        name = self.names.get(user, user)
        ref = (
            ChatRef(PLATFORM, chat, ChatKind.GROUP, self.titles.get(chat, chat))
            if chat
            else ChatRef(PLATFORM, user, ChatKind.PRIVATE)
        )
        return Incoming(
            chat=ref,
            user=UserRef(PLATFORM, user, name),
            event=event,
            text=message,
            is_platform_admin=chat is not None and user in self.admins.get(chat, set()),
            mentions=tuple(UserRef(PLATFORM, m, "") for m in mentions),
            subject=UserRef(PLATFORM, user, name),
            media=media,
        )

    def together(self, *events: Incoming) -> list[list[Sent]]:
        """The bot's answers to each of `events`, handled in one batch."""
        handled = self.app.dispatcher.handle_batch([(event, None, False) for event in events])
        return [self.received(envelopes) for envelopes in handled]

    def received(self, envelopes: list[Envelope]) -> list[Sent]:
        """The envelopes as users would see them, recorded as sent."""
        out = []
        self.answers = envelopes
        for envelope in envelopes:
            rendered = self.app.renderer.render(
                envelope.reply, envelope.language, html_mode=False, buttons=self.buttons
            )
            out.append(
                Sent(
                    chat=envelope.target.chat_id,
                    private=envelope.target.kind == ChatKind.PRIVATE,
                    text=rendered.text,
                    buttons=[[(c.label, c.command) for c in row] for row in rendered.buttons],
                    tokens={c.label: c.token for row in rendered.buttons for c in row},
                    toast=envelope.toast,
                )
            )
        self.sent.extend(out)
        return out

    def templates(self) -> list[str]:
        """The templates of the latest answers, but the group's note that they went privately."""
        return [e.reply.template for e in self.answers if e.reply.template != PRIVATELY]

    def press(self, user: str, message: Sent, label: str, chat: str | None = None) -> Sent:
        """`user` presses the button labelled `label` on a message the bot sent."""
        return self.one(user, message.tokens[label], chat, event=EventKind.PRESS)

    def one(self, user: str, message: str, chat: str | None = None, **kw: Any) -> Sent:
        """Like say(), for an action answered by exactly one message, besides the group's
        note that it was answered privately (tests/kernel/test_private_notes.py)."""
        said = self.say(user, message, chat, **kw)
        answers = [
            sent
            for sent, envelope in zip(said, self.answers, strict=True)
            if envelope.reply.template != PRIVATELY
        ]
        assert len(answers) == 1, said
        return answers[0]

    def resident(self, user: str) -> Resident:
        """The resident behind a console user id."""
        with self.app.db.transaction() as session:
            identity = ensure_identity(session, PLATFORM, user, "", self.app.clock.now())
            resident = identity.resident
            if resident.household is not None:
                session.refresh(resident.household)
            return resident

    def household_of(self, user: str) -> str | None:
        """The household place name of a user, if registered."""
        with self.app.db.transaction() as session:
            identity = ensure_identity(session, PLATFORM, user, "", self.app.clock.now())
            home = identity.resident.household_id
            if home is None:
                return None
            place = session.scalar(select(Place).where(Place.id == home))
            return place.name if place else None

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every domain table (but last-seen times), to prove nothing changed."""
        result: dict[str, list[tuple[Any, ...]]] = {}
        with self.app.db.engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                if table in DELIVERY_TABLES:
                    continue
                columns = [
                    c["name"]
                    for c in inspect(connection).get_columns(table)
                    if c["name"] != "last_seen_at"
                ]
                query = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}"
                result[table] = [tuple(row) for row in connection.execute(text(query))]
        return result
