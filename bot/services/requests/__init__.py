"""Requests (接诉即办): report, the chain that owns them, deadlines and escalation, replies."""

from bot.services.requests.chain import Linked, link_over, link_place
from bot.services.requests.desk import Acted, shown
from bot.services.requests.digest import OverdueDigest
from bot.services.requests.figures import Figures, Tally, figures
from bot.services.requests.handling import escalate, reply, resolve, send_back, take
from bot.services.requests.links import (
    ChainRow,
    ChainView,
    Moved,
    Unlinked,
    chain_view,
    forget_handler,
    unlink,
)
from bot.services.requests.mediation import (
    Mediated,
    agree,
    end,
    forget_mediations,
    mediations_of,
    open_mediation,
    relay,
)
from bot.services.requests.reporter import (
    Urged,
    Withdrawable,
    confirm,
    rate,
    reopen,
    to_withdraw,
    urge,
    withdraw,
)
from bot.services.requests.reports import Attached, attach_later, report
from bot.services.requests.rules import Rules, request_rules, rules_of
from bot.services.requests.schedule import RequestDeadlines
from bot.services.requests.views import (
    Line,
    Listing,
    forget_reporter,
    line_data,
    listing,
    reported_by,
)

__all__ = [
    "Acted",
    "Attached",
    "ChainRow",
    "ChainView",
    "Figures",
    "Line",
    "Linked",
    "Listing",
    "Mediated",
    "Moved",
    "OverdueDigest",
    "RequestDeadlines",
    "Rules",
    "Tally",
    "Unlinked",
    "Urged",
    "Withdrawable",
    "agree",
    "attach_later",
    "chain_view",
    "confirm",
    "end",
    "escalate",
    "figures",
    "forget_handler",
    "forget_mediations",
    "forget_reporter",
    "line_data",
    "link_over",
    "link_place",
    "listing",
    "mediations_of",
    "open_mediation",
    "rate",
    "relay",
    "reopen",
    "reply",
    "report",
    "reported_by",
    "request_rules",
    "resolve",
    "rules_of",
    "send_back",
    "shown",
    "take",
    "to_withdraw",
    "unlink",
    "urge",
    "withdraw",
]
