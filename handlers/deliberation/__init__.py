"""Deliberation commands (topics, polls, the guided poll), its scheduled work and its dialog.

Topics and polls are numbered within their community (议题 #3, 投票 #2), and those
numbers are what people type. `投票 1` with a single number picks option 1 of the
one open poll posted in this circle; with two or more numbers, the first is the
poll and the rest are options: `投票 2 1 3`.
"""

from __future__ import annotations

from bot.routing import Command
from bot.scheduler import WorkFactory
from bot.services.deliberation.schedule import (
    ClosePolls,
    RefreshTallies,
    RemindFollowUps,
    RemindVoters,
)
from handlers import visibility
from handlers.deliberation import dialog, polls, topics

COMMANDS: list[Command] = [
    Command(
        "propose",
        ("提议", "提議"),
        topics.propose,
        visibility.in_circle,
        "propose",
        visibility.GROUP,
    ),
    Command(
        "second", ("附议", "附議"), topics.second, visibility.in_circle, "second", visibility.GROUP
    ),
    Command(
        "topics", ("议题", "議題"), topics.list_topics, help_key="topics", menus=visibility.BOTH
    ),
    Command(
        "poll",
        ("发起投票", "發起投票"),
        dialog.poll,
        visibility.admin_here,
        "poll",
        visibility.GROUP,
    ),
    Command("vote", ("投票", "投票"), polls.vote, help_key="vote", menus=visibility.BOTH),
    Command("result", ("结果", "結果"), polls.result, help_key="result", menus=visibility.BOTH),
    Command(
        "close",
        ("结束投票", "結束投票"),
        polls.close,
        visibility.admin_here,
        "close",
        visibility.GROUP,
    ),
    Command(
        "pollset",
        ("投票设置", "投票設置", "修改投票"),
        polls.pollset,
        visibility.admin_here,
        "pollset",
        visibility.GROUP,
    ),
    Command(
        "decide", ("决议", "決議"), topics.decide, visibility.admin_here, "decide", visibility.GROUP
    ),
    Command(
        "progress",
        ("进展", "進展"),
        topics.progress,
        visibility.admin_here,
        "progress",
        visibility.GROUP,
    ),
    Command("done", ("办结", "辦結"), topics.done, visibility.admin_here, "done", visibility.GROUP),
    Command(
        "reject", ("驳回", "駁回"), topics.reject, visibility.admin_here, "reject", visibility.GROUP
    ),
    Command(
        "hot",
        ("热点议题", "熱點議題"),
        topics.hot,
        visibility.secretary_here,
        "hot",
        visibility.GROUP,
    ),
    Command(
        "threshold",
        ("附议门槛", "附議門檻"),
        topics.threshold,
        visibility.secretary_here,
        "threshold",
        visibility.GROUP,
    ),
    Command(
        "stats", ("议事统计", "議事統計"), topics.figures, help_key="stats", menus=visibility.BOTH
    ),
]

SCHEDULED: list[WorkFactory] = [ClosePolls, RemindVoters, RefreshTallies, RemindFollowUps]
DIALOG = dialog.answer
