"""Points (积分): an append-only ledger with running balances, earned, awarded and shown.

The verbs the rest of Linli calls are exported here; `earn_for_hours` is the one call
volunteering makes when it confirms hours.
"""

from bot.services.points.awards import (
    Award,
    Awarded,
    award,
    award_again,
    award_named,
    award_usage,
    names_awarded,
)
from bot.services.points.earning import Recycled, correct_hours, earn_for_hours, recycle
from bot.services.points.export import Exported, export_for
from bot.services.points.grants import DutyChanged, grant_duty
from bot.services.points.ledger import entries_sum, programmes
from bot.services.points.rules import (
    PointsSettings,
    RulesView,
    english_phrases,
    programme_code,
    rules_of,
)
from bot.services.points.schedule import ExpirePoints, MonthlyStatements
from bot.services.points.standings import Board, show_me, standings
from bot.services.points.views import (
    Balance,
    EntryLine,
    PointsView,
    forget_member,
    my_entries,
    points_of,
    summary,
)

__all__ = [
    "Award",
    "Awarded",
    "Balance",
    "Board",
    "DutyChanged",
    "EntryLine",
    "ExpirePoints",
    "Exported",
    "MonthlyStatements",
    "PointsSettings",
    "PointsView",
    "Recycled",
    "RulesView",
    "award",
    "award_again",
    "award_named",
    "award_usage",
    "correct_hours",
    "earn_for_hours",
    "english_phrases",
    "entries_sum",
    "export_for",
    "forget_member",
    "grant_duty",
    "my_entries",
    "names_awarded",
    "points_of",
    "programme_code",
    "programmes",
    "recycle",
    "rules_of",
    "show_me",
    "standings",
    "summary",
]
