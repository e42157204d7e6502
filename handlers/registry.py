"""The one explicit list: every feature's commands, events, scheduled work and dialogs."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Envelope, Reply
from bot.pruning import PruneDelivery, PruneReceivedFiles
from bot.routing import Command
from bot.scheduler import WorkFactory
from handlers import community, core, deliberation, notices, points, requests, volunteering

COMMANDS: list[Command] = [
    *core.COMMANDS,
    *community.COMMANDS,
    *deliberation.COMMANDS,
    *volunteering.COMMANDS,
    *points.COMMANDS,
    *notices.COMMANDS,
    *requests.COMMANDS,
]
EVENTS = community.EVENTS
SEEN = community.SEEN
DIALOGS = [deliberation.DIALOG, notices.DIALOG, requests.DIALOG]


def answer_dialog(ctx: Context, text: str) -> list[Reply | Envelope] | None:
    """The answer of whichever feature's dialog the sender has open here, if any."""
    for dialog in DIALOGS:
        answered = dialog(ctx, text)
        if answered is not None:
            return answered
    return None


DIALOG = answer_dialog
UNREAD = core.unread
# Each kind of scheduled work, made from the settings and the default language.
SCHEDULED: list[WorkFactory] = [
    *deliberation.SCHEDULED,
    *volunteering.SCHEDULED,
    *points.SCHEDULED,
    *notices.SCHEDULED,
    *requests.SCHEDULED,
    PruneDelivery,
    PruneReceivedFiles,
]
