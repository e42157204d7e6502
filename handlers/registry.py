"""The one explicit list: every feature's commands, events, scheduled work and dialogs."""

from __future__ import annotations

from bot.pruning import PruneDelivery
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
DIALOG = deliberation.DIALOG
# Each kind of scheduled work, made from the settings and the default language.
SCHEDULED: list[WorkFactory] = [
    *deliberation.SCHEDULED,
    *volunteering.SCHEDULED,
    *points.SCHEDULED,
    *notices.SCHEDULED,
    *requests.SCHEDULED,
    PruneDelivery,
]
