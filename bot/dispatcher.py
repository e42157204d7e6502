"""Incoming -> identity -> handler -> envelopes; one transaction per event or batch."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.arrival import Arrival, arrive, reading_in_group, reading_in_private
from bot.clock import Clock
from bot.config import Settings
from bot.context import Context
from bot.db import Database, WriteAttempted, lost_connection
from bot.delivery import PostOffice, first_delivery, resolve_button
from bot.errors import DomainError, PrivateRefusal
from bot.logs import log_failure
from bot.messages import (
    Audience,
    ChatKind,
    ChatRef,
    Envelope,
    EventKind,
    Incoming,
    Reply,
    Target,
)
from bot.routing import Command, Route, Router, unquoted
from bot.services.common import menus
from bot.services.community.circles import bound_chat
from bot.services.community.people import Sender, settle_identity, unchanged

log = logging.getLogger(__name__)
MAX_COMMAND_TEXT = 4096
# The pointer a group gets where a reply for the sender alone cannot reach their private chat.
OPEN_PRIVATE = "core.open_private"
# Control characters and lone surrogates, but for the line breaks and tabs people type.
_UNSTORABLE = frozenset({"Cc", "Cs"})
_ALLOWED = frozenset("\t\n\r")
T = TypeVar("T")
# An event to handle, with the claim and the choice to answer directly (see `handle`).
Handling = tuple[Incoming, timedelta | None, bool]
EventHandler = Callable[[Context], list[Reply]]
# Answers plain text that belongs to the sender's open dialog; None when there is none.
DialogHandler = Callable[[Context, str], list[Reply | Envelope] | None]
# Answers a command's words typed to the sender's dialog waiting for their own words.
OwnWordsHandler = Callable[[Context, Route], list[Reply | Envelope] | None]
# Answers what a private chat said that no command or dialog reads.
UnreadHandler = Callable[[Context, str], list[Reply | Envelope]]


def has_control_characters(text: str) -> bool:
    """True when `text` holds characters no database should store (NUL, other controls)."""
    return any(unicodedata.category(ch) in _UNSTORABLE and ch not in _ALLOWED for ch in text)


class _Refused(Exception):
    """A handler refused (a DomainError) where nothing could undo what it had changed."""


class Dispatcher:
    """Runs each incoming event, or batch of them, in one transaction; answers with envelopes."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        router: Router,
        events: Mapping[EventKind, EventHandler],
        seen: Callable[[Context], None],
        post_office: PostOffice,
        *,
        zone_name: str,
        default_language: str,
        settings: Settings | None = None,
        dialog: DialogHandler | None = None,
        own_words: OwnWordsHandler | None = None,
        unread: UnreadHandler | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.router = router
        self.events = events
        self.seen = seen
        self.post_office = post_office
        self.zone = ZoneInfo(zone_name)
        self.default_language = default_language
        self.settings = settings or Settings()
        self.dialog = dialog
        self.own_words = own_words
        self.unread = unread

    def handle(
        self, incoming: Incoming, claim: timedelta | None = None, direct: bool = False
    ) -> list[Envelope]:
        """Handle one event; errors roll its changes back and explain themselves.

        With `claim`, the replies staged for the caller to hand its outbox worker are
        claimed for that long (see PostOffice.prepare). With `direct`, a command that
        only reads is answered first as `answer` does.
        """
        answered = self.answer(incoming) if direct else None
        if answered is not None:
            return answered
        try:
            return self._once_more_if_disconnected(lambda: self._handle(incoming, claim))
        except Exception:
            return self._failed(incoming)

    def handle_batch(self, batch: Sequence[Handling]) -> list[list[Envelope]]:
        """Each event's envelopes, as `handle` gives them, from one transaction for all.

        Events that arrived together share one commit, the dearest step of most. Should one
        of them fail (a refusal, a DomainError, is no failure), none is kept and each is
        handled again in a transaction of its own.
        """
        if len(batch) == 1:
            return [self.handle(*batch[0])]
        answered = [self.answer(incoming) if direct else None for incoming, _, direct in batch]
        durable = [
            (incoming, claim)
            for (incoming, claim, _), answer in zip(batch, answered, strict=True)
            if answer is None
        ]
        try:
            handled = self._once_more_if_disconnected(lambda: self._handle_all(durable))
        except Exception:
            log.warning("%d events handled together failed; handling each alone", len(durable))
            handled = [self.handle(incoming, claim) for incoming, claim in durable]
        left = iter(handled)
        return [a if a is not None else next(left) for a in answered]

    def answer(self, incoming: Incoming) -> list[Envelope] | None:
        """A reading command's answers, from a transaction that writes nothing; else None.

        The answers are marked `direct`, for the caller's outbox worker to send without a
        row. None means the event is no reading command, or turned out to write (a new
        resident, a changed name): it is then for `handle`, the durable way. A redelivered
        reading command is answered again: harmless, and nothing is stored.
        """
        command = self._reading(incoming)
        if command is None:
            return None
        try:
            return self._once_more_if_disconnected(lambda: self._read(incoming, command.by_row))
        except WriteAttempted:
            return None
        except Exception:
            return self._failed(incoming)

    def _read(self, incoming: Incoming, by_row: bool) -> list[Envelope]:
        with self.db.reading(held=True) as session:
            return self._respond(session, incoming, None, direct=True, by_row=by_row)

    @staticmethod
    def _once_more_if_disconnected(work: Callable[[], T]) -> T:
        """`work`, run again once if the server had dropped its connection: its transaction
        was rolled back (or, if only the commit's answer was lost, the event is found handled
        and skipped), and the pool now hands out new connections."""
        try:
            return work()
        except Exception as error:
            if not lost_connection(error):
                raise
            log.warning("the database connection was lost; handling the event once more")
            return work()

    def _failed(self, incoming: Incoming) -> list[Envelope]:
        """The internal-error answer to a failed message or press; nothing for other events."""
        log_failure(log, "event %s in a %s chat failed", incoming.event, incoming.chat.kind)
        if incoming.event not in (EventKind.MESSAGE, EventKind.PRESS):
            return []
        here = Target(incoming.chat.platform, incoming.chat.chat_id, incoming.chat.kind)
        toast = incoming.event == EventKind.PRESS
        user = incoming.user.user_id if incoming.user else None
        reply = Reply("core.internal_error")
        return [Envelope(here, reply, self.default_language, user, toast=toast)]

    def _reading(self, incoming: Incoming) -> Command | None:
        """The event's command if it is a message whose command only reads (see Command); not
        one after words such as 请, which an open dialog may take as its answer."""
        if incoming.event != EventKind.MESSAGE:
            return None
        route = self.router.route(incoming.text, incoming.bot_username)
        if route is None or route.prefixed or not route.command.reads:
            return None
        return route.command

    def _handle(self, incoming: Incoming, claim: timedelta | None) -> list[Envelope]:
        return self._handle_all([(incoming, claim)])[0]

    def _handle_all(
        self, batch: Sequence[tuple[Incoming, timedelta | None]]
    ) -> list[list[Envelope]]:
        """The events' envelopes from one transaction, at first with no savepoint around each
        handler: making and releasing one cost a registration a third of its time. A refusal
        must undo what its handler changed, so after one the transaction is rolled back and
        the events are handled again, each handler inside a savepoint."""
        try:
            with self.db.transaction() as session:
                return [self._handled(session, *handling, False) for handling in batch]
        except _Refused:
            with self.db.transaction() as session:
                return [self._handled(session, *handling, True) for handling in batch]

    def _handled(
        self, session: Session, incoming: Incoming, claim: timedelta | None, careful: bool
    ) -> list[Envelope]:
        # What services keep for the length of one event goes with it.
        session.info.clear()
        now = self.clock.now()
        user, key = incoming.user, incoming.delivery_key
        arrival = None
        if user is not None:
            group = _group_id(incoming.chat)
            arrival = arrive(session, now, user.platform, user.user_id, group, key)
            fresh = arrival.fresh
        else:
            fresh = not key or first_delivery(session, key, now)
        if not fresh:
            log.info("skipped a redelivered %s", incoming.event)
            return []
        return self._respond(session, incoming, claim, careful=careful, arrival=arrival)

    def _respond(
        self,
        session: Session,
        incoming: Incoming,
        claim: timedelta | None,
        *,
        careful: bool = False,
        direct: bool = False,
        by_row: bool = False,
        arrival: Arrival | None = None,
    ) -> list[Envelope]:
        """The event's envelopes; a handler's refusal is answered, unless it may have changed
        rows with no savepoint to undo them (neither `careful` nor `direct`): see _Refused.
        `arrival` is what was read of a stored event's sender and binding already."""
        now = self.clock.now()
        ctx = self._context(session, incoming, by_row, arrival)
        try:
            if careful:
                with session.begin_nested():
                    replies = self._run(ctx)
            else:
                replies = self._run(ctx)
        except DomainError as error:
            if not (careful or direct):
                raise _Refused from error
            audience = Audience.TOAST if ctx.pressed else Audience.HERE
            if isinstance(error, PrivateRefusal) and not ctx.pressed:
                # It changed nothing: once their private chat is open, they may send it again.
                audience, ctx.reading = Audience.PRIVATE, True
            replies = [Reply(error.key, error.data, audience=audience)]
            session.expire_all()
        envelopes = self._addressed(ctx, replies)
        envelopes += self._noted(ctx, envelopes)
        owner = incoming.user.user_id if incoming.user else None
        return self.post_office.prepare(
            session, envelopes, now, owner, claim, direct=direct, platform=incoming.chat.platform
        )

    def _context(
        self, session: Session, incoming: Incoming, by_row: bool, arrival: Arrival | None
    ) -> Context:
        """The event's context; `by_row` (a reading command's), its sender is read as a row,
        and an event that would change them (a new account, a new name, a private chat
        opened) is refused as a write."""
        now = self.clock.now()
        identity, sender, binding = None, None, None
        user = incoming.user
        group = _group_id(incoming.chat)
        opening = incoming.chat.kind == ChatKind.PRIVATE and incoming.event != EventKind.BOT_REMOVED
        if user is not None and by_row:
            if group is None:
                sender = reading_in_private(session, user.platform, user.user_id)
            else:
                sender, binding = reading_in_group(session, user.platform, user.user_id, group)
            if sender is None or not unchanged(sender, user.display_name, user.username):
                raise WriteAttempted("a new or renamed sender")
            if opening and not sender.private_chat_open:
                raise WriteAttempted("a private chat opened")
        elif user is not None:
            if arrival is None:
                arrival = arrive(session, now, user.platform, user.user_id, group, "")
            binding = arrival.binding
            # Messages and presses count their sender as seen in the circle (see `_command`).
            seen = binding is not None and incoming.event in (EventKind.MESSAGE, EventKind.PRESS)
            circle_id = binding.circle_id if seen and binding else None
            identity = settle_identity(session, arrival.identity, user, now, circle_id)
            # Set only when it changes: a changed attribute costs a flush before each query.
            if opening and not identity.private_chat_open:
                identity.private_chat_open = True
            sender = Sender.of(identity)
        if group is not None and user is None:
            binding = bound_chat(session, incoming.chat.platform, group)
        return Context(
            session=session,
            now=now,
            zone=self.zone,
            incoming=incoming,
            sender=sender,
            binding=binding,
            commands=self.router.commands,
            default_language=self.default_language,
            settings=self.settings,
            loaded=identity,
            always_open=self.post_office.always_open,
        )

    def _run(self, ctx: Context) -> list[Reply | Envelope]:
        event = ctx.incoming.event
        if event in (EventKind.MESSAGE, EventKind.PRESS):
            return self._command(ctx)
        handler = self.events.get(event)
        return list(handler(ctx)) if handler else []

    def _command(self, ctx: Context) -> list[Reply | Envelope]:
        incoming = ctx.incoming
        self.seen(ctx)
        text = incoming.text
        if incoming.event == EventKind.PRESS:
            user_id = incoming.user.user_id if incoming.user else ""
            text = resolve_button(
                ctx.session, incoming.chat.platform, incoming.chat.chat_id, user_id, text
            )
        route = self.router.route(text, incoming.bot_username)
        if route is not None and route.glued and not route.command.visible(ctx):
            # A keyword run into a word of its own (通知本楼) is chat from those it is not for.
            route = None
        if has_control_characters(text):
            # Plain chat in a group is left alone, garbled or not.
            if route is None and ctx.is_group:
                return []
            raise DomainError("core.control_characters")
        # Quotes copied along with an answer (「3天」, 「1」) are no part of it.
        words = unquoted(text)
        # A number picks from the sender's menu here before an open dialog reads it.
        route = self._menu_route(ctx, route, words)
        # A dialog waiting for the sender's own words (a question, a notice) takes them, though
        # they begin with a command's keyword.
        if route is not None and not route.prefixed and self.own_words is not None:
            answered = self.own_words(ctx, route)
            if answered is not None:
                return answered
        # Words before a keyword (请报名 …), or a keyword of everyday chat (取消 2), may answer
        # an open dialog: it reads them first.
        chat = route is None or route.prefixed or route.command.everyday is not None
        if chat and self.dialog is not None:
            answered = self.dialog(ctx, words)
            if answered is not None:
                return answered
        if route is None and not ctx.is_group:
            # All said in private is for the bot, so an English command name needs no slash
            # and a keyword may run into its words (报修楼道灯坏了); an open dialog reads its
            # own words (done, cancel) first.
            said = self.router.named(text) or self.router.glued(text)
            if said is not None and said.phrase and not said.command.visible(ctx):
                said = None
            if said is not None:
                route = said
                menus.forget(ctx.session, ctx.incoming)
        if route is None and ctx.is_group:
            return []
        if route is None:
            return self.unread(ctx, text) if self.unread else [Reply("core.private_hint")]
        unbound = ctx.unbound_group and not route.command.anywhere
        if unbound and route.command.chat_words and not (ctx.slashed or ctx.pressed):
            # Words residents say as chat (收到, 我不去了) are the group's own chat there.
            return []
        if len(text) > MAX_COMMAND_TEXT:
            raise DomainError("core.too_long", limit=MAX_COMMAND_TEXT)
        if unbound:
            # A group bound to none of a community's circles hears nothing of one: not its
            # boards, rotas or figures, though the sender's own community would answer.
            raise DomainError("core.unbound_group")
        ctx.reading = route.command.reads
        result = route.command.handler(ctx, route.args)
        return [result] if isinstance(result, Reply) else list(result)

    def _menu_route(self, ctx: Context, route: Route | None, text: str) -> Route | None:
        """The command typed, or picked from the sender's last menu here: by a bare number, by
        a label typed whole (before the command its word is: 批准), or by a bare yes or no
        (是, 不是) in private, a bare 同意 (确认) in a group without buttons, where the menu
        has one choice that says so. In a group only a reply's choices offered the sender
        alone are a menu, for a number or a 同意 there is mostly chat.

        Any command used forgets the menu; its answer may show a new one. Where there are
        buttons only a ballot is remembered (see PostOffice.prepare), and forgotten so too.
        """
        session, now, incoming = ctx.session, ctx.now, ctx.incoming
        command = menus.picked(session, now, incoming, text) if route is None else None
        if command is None:
            command = menus.labelled(session, now, incoming, text)
        buttons = self.post_office.of(incoming.chat.platform).buttons
        if command is None and route is None and not ctx.is_group:
            command = menus.answered(session, now, incoming, text)
        elif command is None and route is None and not buttons:
            command = menus.agreed(session, now, incoming, text)
        if command is not None:
            route = self.router.route(command)
        if route is not None:
            menus.forget(session, incoming)
        return route

    def _addressed(self, ctx: Context, replies: list[Reply | Envelope]) -> list[Envelope]:
        """The replies' envelopes, with one pointer to the private chat however many private
        replies it stands in for: the group must not count them."""
        envelopes: list[Envelope] = []
        for reply in replies:
            envelope = self._address(ctx, reply)
            pointer = envelope.reply.template == OPEN_PRIVATE
            if not (pointer and any(e.reply.template == OPEN_PRIVATE for e in envelopes)):
                envelopes.append(envelope)
        return envelopes

    def _address(self, ctx: Context, reply: Reply | Envelope) -> Envelope:
        if isinstance(reply, Envelope):
            return reply
        incoming = ctx.incoming
        here = Target(incoming.chat.platform, incoming.chat.chat_id, incoming.chat.kind)
        user_id = incoming.user.user_id if incoming.user else None
        audience = reply.audience
        if audience == Audience.TOAST and not ctx.pressed:
            audience = Audience.PRIVATE if ctx.is_group else Audience.HERE
        if audience == Audience.TOAST:
            return Envelope(here, reply, ctx.personal_language(), user_id, toast=True)
        if audience == Audience.PRIVATE and ctx.is_group and user_id is not None:
            sender = ctx.sender
            if sender is not None and not ctx.reaches_privately:
                # Sending a command again is safe only where it changed nothing the first time.
                data = {"name": sender.account_name, "link": incoming.private_link}
                pointer = Reply(OPEN_PRIVATE, {**data, "again": ctx.reading})
                return Envelope(here, pointer, ctx.chat_language())
            private = Target(incoming.chat.platform, user_id, ChatKind.PRIVATE)
            known_open = sender is not None and ctx.chat_open
            return Envelope(private, reply, ctx.personal_language(), user_id, chat_open=known_open)
        return Envelope(here, reply, ctx.chat_language(), chat_open=not ctx.is_group)

    @staticmethod
    def _noted(ctx: Context, envelopes: list[Envelope]) -> list[Envelope]:
        """A short note where a group command was answered only privately (not a toast typed
        instead of pressed): in the group for a message, as a toast for a press; none where
        the group heard anything of it, a pointer to open the private chat included."""
        incoming = ctx.incoming
        user = incoming.user
        commanded = incoming.event in (EventKind.MESSAGE, EventKind.PRESS)
        if not ctx.is_group or user is None or not commanded:
            return []
        chat = incoming.chat
        mine = Target(chat.platform, user.user_id, ChatKind.PRIVATE)
        here = Target(chat.platform, chat.chat_id, chat.kind)
        if not any(
            e.target == mine and e.reply.audience == Audience.PRIVATE for e in envelopes
        ) or any(e.target == here for e in envelopes):
            return []
        sender = ctx.sender
        note = Reply("core.sent_privately", {"name": sender.account_name if sender else ""})
        if ctx.pressed:
            return [Envelope(here, note, ctx.personal_language(), user.user_id, toast=True)]
        return [Envelope(here, note, ctx.chat_language())]


def _group_id(chat: ChatRef) -> str | None:
    """The chat's id if it is a group (whose binding an event reads), else None."""
    return chat.chat_id if chat.kind == ChatKind.GROUP else None
