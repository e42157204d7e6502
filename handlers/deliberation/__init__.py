"""Deliberation commands (topics, polls, the guided poll), its scheduled work and its dialog.

Topics and polls are numbered within their community (议题 #3, 投票 #2), and those
numbers are what people type. `投票 1` with a single number picks option 1 of the
one open poll posted in this circle; with two or more numbers, the first is the
poll and the rest are options: `投票 2 1 3`. In a private chat, where there is no
circle, `投票 2` offers poll 2's options to pick from.
"""

from __future__ import annotations

from bot.routing import Command
from bot.scheduler import WorkFactory
from bot.services.deliberation.schedule import (
    ClosePolls,
    PostResults,
    RefreshTallies,
    RemindFollowUps,
    RemindVoters,
)
from handlers import access
from handlers.deliberation import dialog, polls, topics

COMMANDS: list[Command] = [
    Command(
        "propose",
        ("提议", "提議"),
        topics.propose,
        access.in_circle,
        "deliberation",
        access.GROUP,
        free_text=True,
        record=True,
        glued=True,
    ),
    Command(
        "second", ("附议", "附議"), topics.second, access.in_circle, "deliberation", access.GROUP
    ),
    Command(
        "topics",
        ("议题", "議題", "议题列表", "議題列表"),
        dialog.topics,
        listed_in="deliberation",
        menus=access.BOTH,
        reads=True,
    ),
    Command(
        "poll",
        ("发起投票", "發起投票"),
        dialog.poll,
        access.organiser_here,
        "deliberation",
        access.GROUP,
        free_text=True,
    ),
    Command(
        "vote",
        ("投票", "投票"),
        polls.vote,
        listed_in="deliberation",
        menus=access.BOTH,
        sentence=polls.VOTE_SAID,
    ),
    Command(
        "myvotes",
        ("我的投票", "我的投票"),
        polls.mine,
        reads=True,
        phrases=("my votes", "my vote"),
    ),
    Command("polls", ("投票列表", "投票列表"), polls.open_polls),
    Command(
        "result",
        ("结果", "結果", "投票结果", "投票結果"),
        polls.result,
        listed_in="deliberation",
        menus=access.BOTH,
        reads=True,
    ),
    Command(
        "close",
        ("结束投票", "結束投票", "关闭投票", "關閉投票", "停止投票", "截止投票"),
        polls.close,
        access.organiser_here,
        "deliberation",
        access.GROUP,
        synonyms=("closepoll", "close_poll", "endpoll", "end_poll", "stoppoll"),
    ),
    Command(
        "pollset",
        ("投票设置", "投票設定", "投票設置", "修改投票"),
        polls.pollset,
        access.organiser_here,
        "deliberation",
        access.GROUP,
    ),
    Command(
        "decide",
        ("决议", "決議"),
        topics.decide,
        access.admin_here,
        "deliberation",
        access.GROUP,
        free_text=True,
        full_form=True,
    ),
    Command(
        "progress",
        ("进展", "進展"),
        topics.progress,
        access.admin_here,
        "deliberation",
        access.GROUP,
        free_text=True,
    ),
    Command("done", ("办结", "辦結"), topics.done, access.admin_here, "deliberation", access.GROUP),
    Command(
        "reject",
        ("驳回", "駁回"),
        topics.reject,
        access.admin_here,
        "deliberation",
        access.GROUP,
        free_text=True,
    ),
    Command(
        "hot",
        ("热点议题", "熱點議題"),
        topics.hot,
        access.secretary_here,
        "deliberation",
        access.GROUP,
        reads=True,
    ),
    Command(
        "threshold",
        ("附议门槛", "附議門檻"),
        topics.threshold,
        access.secretary_here,
        "deliberation",
        access.GROUP,
    ),
    Command(
        "stats",
        ("议事统计", "議事統計"),
        topics.figures,
        listed_in="deliberation",
        menus=access.BOTH,
        reads=True,
    ),
]

SCHEDULED: list[WorkFactory] = [
    ClosePolls,
    PostResults,
    RemindVoters,
    RefreshTallies,
    RemindFollowUps,
]
DIALOG = dialog.answer
OWN_WORDS = dialog.question
