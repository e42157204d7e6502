"""The one explicit list: every feature's commands, events, scheduled work and dialogs."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Envelope, Reply
from bot.pruning import PruneDelivery, PruneReceivedFiles
from bot.routing import Command, Route
from bot.scheduler import WorkFactory
from bot.services.common.arguments import only_numbers
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
# The dialogs with a step waiting for the sender's own words: a poll's question, a notice.
WAITING_FOR_WORDS = [deliberation.OWN_WORDS, notices.OWN_WORDS]


def answer_dialog(ctx: Context, text: str) -> list[Reply | Envelope] | None:
    """The answer of whichever feature's dialog the sender has open here, if any."""
    for dialog in DIALOGS:
        answered = dialog(ctx, text)
        if answered is not None:
            return answered
    return None


DIALOG = answer_dialog


def answer_own_words(ctx: Context, route: Route) -> list[Reply | Envelope] | None:
    """A command's words as the answer of the sender's dialog waiting for their own words,
    if one does; a keyword alone or with numbers (`积分`, `报名 2`) stays its command."""
    if only_numbers(route.args):
        return None
    for waiting in WAITING_FOR_WORDS:
        answered = waiting(ctx, route)
        if answered is not None:
            return answered
    return None


OWN_WORDS = answer_own_words
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
