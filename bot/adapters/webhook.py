"""Telegram's webhook, answered only once the update is handled.

python-telegram-bot's own webhook server answers Telegram as soon as an update is queued, so
a worker killed with updates in its queue loses them. Here Telegram's request is answered
after the update's transaction has committed: a worker killed mid-update leaves the request
unanswered, and Telegram delivers the update again, to whichever worker gets it then (a
second delivery of a handled update has no effect).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus

import tornado.web
from telegram import Bot, Update
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)
PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# On stop, the time left to answer the requests whose updates were just handled.
ANSWER_SECONDS = 0.1
Handle = Callable[[Update], Awaitable[None]]


class _Updates(tornado.web.RequestHandler):
    """One update posted by Telegram (through the reverse proxy)."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, webhook: Webhook) -> None:
        """Tornado's per-request set-up: the webhook this request is for."""
        self.webhook = webhook

    async def post(self) -> None:
        """Check the secret, read the update, handle it, and only then answer 200."""
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            update = Update.de_json(json.loads(self.request.body), self.webhook.bot)
        except Exception as error:
            # Never the update's text in the log: it is a resident's message.
            log.warning("webhook: a request that is no update was refused (%s)", type(error))
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from error
        await self.webhook.handle(update)


class Webhook:
    """An HTTP server for Telegram's webhook on `listen`:`port`, path /telegram."""

    def __init__(self, bot: Bot, secret: str, handle: Handle) -> None:
        self.bot = bot
        self.secret = secret
        self._handle = handle
        self._in_hand: set[asyncio.Task[None]] = set()
        routes = [(PATH, _Updates, {"webhook": self})]
        self._server = HTTPServer(tornado.web.Application(routes, log_function=_quiet))

    async def handle(self, update: Update) -> None:
        """Handle one update; a stop waits for it (see `stop`)."""
        task = asyncio.ensure_future(self._handle(update))
        self._in_hand.add(task)
        task.add_done_callback(self._in_hand.discard)
        await asyncio.shield(task)

    def listen(self, port: int, listen: str) -> None:
        """Start accepting Telegram's requests."""
        self._server.listen(port, address=listen)

    async def stop(self, grace_seconds: float) -> None:
        """Stop accepting requests, let the updates in hand finish (for `grace_seconds` at
        most) and answer them, then close every connection."""
        self._server.stop()
        if self._in_hand:
            await asyncio.wait(set(self._in_hand), timeout=grace_seconds)
            await asyncio.sleep(ANSWER_SECONDS)
        await self._server.close_all_connections()


def _quiet(_handler: tornado.web.RequestHandler) -> None:
    """No access log: requests are Telegram's, one per update."""
