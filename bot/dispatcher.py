"""Incoming -> identity -> handler -> envelopes; one transaction per event."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session

from bot.clock import Clock
from bot.context import Context
from bot.db import Database
from bot.errors import DomainError
from bot.messages import Audience, ChatKind, Envelope, EventKind, Incoming, Reply, Target
from bot.routing import Router
from bot.services.circles import bound_chat
from bot.services.people import ensure_identity

log = logging.getLogger(__name__)
MAX_COMMAND_TEXT = 4096
EventHandler = Callable[[Context], list[Reply]]


class Dispatcher:
    """Runs each incoming event in its own transaction and answers with envelopes."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        router: Router,
        events: Mapping[EventKind, EventHandler],
        seen: Callable[[Context], None],
        *,
        zone_name: str,
        default_language: str,
        private_always_open: frozenset[str] = frozenset(),
    ) -> None:
        from zoneinfo import ZoneInfo

        self.db = db
        self.clock = clock
        self.router = router
        self.events = events
        self.seen = seen
        self.zone = ZoneInfo(zone_name)
        self.default_language = default_language
        self.private_always_open = private_always_open

    def handle(self, incoming: Incoming) -> list[Envelope]:
        """Handle one event; errors roll its changes back and explain themselves."""
        try:
            return self._handle(incoming)
        except Exception:
            log.exception("event %s in a %s chat failed", incoming.event, incoming.chat.kind)
            if incoming.event not in (EventKind.MESSAGE, EventKind.PRESS):
                return []
            here = Target(incoming.chat.platform, incoming.chat.chat_id, incoming.chat.kind)
            return [Envelope(here, Reply("core.internal_error"), self.default_language)]

    def _handle(self, incoming: Incoming) -> list[Envelope]:
        with self.db.transaction() as session:
            ctx = self._context(session, incoming)
            try:
                with session.begin_nested():
                    replies = self._run(ctx)
            except DomainError as error:
                replies = [Reply(error.key, error.data)]
                session.expire_all()
            return [self._address(ctx, reply) for reply in replies]

    def _context(self, session: Session, incoming: Incoming) -> Context:
        now = self.clock.now()
        identity = None
        if incoming.user is not None:
            user = incoming.user
            identity = ensure_identity(session, user.platform, user.user_id, user.display_name, now)
            if incoming.chat.kind == ChatKind.PRIVATE and incoming.event != EventKind.BOT_REMOVED:
                identity.private_chat_open = True
        binding = None
        if incoming.chat.kind == ChatKind.GROUP:
            binding = bound_chat(session, incoming.chat.platform, incoming.chat.chat_id)
        return Context(
            session=session,
            now=now,
            zone=self.zone,
            incoming=incoming,
            identity=identity,
            binding=binding,
            router=self.router,
            default_language=self.default_language,
        )

    def _run(self, ctx: Context) -> list[Reply]:
        event = ctx.incoming.event
        if event in (EventKind.MESSAGE, EventKind.PRESS):
            return self._command(ctx)
        handler = self.events.get(event)
        return handler(ctx) if handler else []

    def _command(self, ctx: Context) -> list[Reply]:
        incoming = ctx.incoming
        self.seen(ctx)
        route = self.router.route(incoming.text, incoming.bot_username)
        if route is None:
            if incoming.event == EventKind.PRESS:
                raise DomainError("core.stale_button")
            return [] if ctx.is_group else [Reply("core.private_hint")]
        if len(incoming.text) > MAX_COMMAND_TEXT:
            raise DomainError("core.too_long", limit=MAX_COMMAND_TEXT)
        result = route.command.handler(ctx, route.args)
        return result if isinstance(result, list) else [result]

    def _address(self, ctx: Context, reply: Reply) -> Envelope:
        incoming = ctx.incoming
        here = Target(incoming.chat.platform, incoming.chat.chat_id, incoming.chat.kind)
        audience = reply.audience
        if audience == Audience.TOAST and incoming.event != EventKind.PRESS:
            audience = Audience.PRIVATE if ctx.is_group else Audience.HERE
        if audience == Audience.PRIVATE and ctx.is_group and incoming.user is not None:
            identity = ctx.identity
            can_write = incoming.chat.platform in self.private_always_open or (
                identity is not None and identity.private_chat_open
            )
            if not can_write and identity is not None:
                pointer = Reply("core.open_private", {"name": identity.display_name})
                return Envelope(here, pointer, ctx.chat_language())
            private = Target(incoming.chat.platform, incoming.user.user_id, ChatKind.PRIVATE)
            return Envelope(private, reply, ctx.personal_language(), incoming.user.user_id)
        if audience == Audience.TOAST:
            user_id = incoming.user.user_id if incoming.user else None
            return Envelope(here, reply, ctx.personal_language(), user_id, toast=True)
        return Envelope(here, reply, ctx.chat_language())
