"""A command typed in a group and answered only privately leaves a short note in the group."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import App
from bot.clock import VirtualClock
from bot.db import Database
from tests.support.community import build, without_private_chats
from tests.support.driver import Driver


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with households r1 (two people), r2, r3 and r4 in 1号院."""
    return build(app)


@pytest.mark.parametrize("command", ["积分", "诉求", "/mydata", "积分榜 不显示我", "我的"])
def test_a_group_command_answered_privately_says_so_in_the_group(
    town: Driver, command: str
) -> None:
    answers = town.say("r2", command, "g1")
    assert [(a.chat, a.text) for a in answers if not a.private] == [
        ("g1", "r2，详情已私聊发给您。")
    ]
    assert [a.chat for a in answers if a.private] == ["r2"]


def test_the_note_is_in_the_groups_language(town: Driver) -> None:
    town.say("owner", "/lang en", "g1")
    answers = town.say("r2", "积分", "g1")
    assert answers[-1].text == "r2, the details are in your private chat."


def test_what_the_group_hears_already_or_a_quiet_acknowledgement_gets_no_note(
    town: Driver,
) -> None:
    reported = town.say("r2", "报修 3号楼门口路灯坏了", "g1")
    assert [a.text for a in reported if not a.private] == [
        "r2，您反映的问题已受理（编号 1），详情已私聊发给您。"
    ]
    town.one("owner", "发起投票 修不修车棚 | 修 | 不修", "g1")
    voted = town.say("r2", "投票 1", "g1")
    assert [(a.chat, a.private) for a in voted] == [("r2", True)]


def test_where_the_bot_cannot_write_first_the_group_gets_the_pointer_alone(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    town = build(without_private_chats(db, clock, tmp_path))
    try:
        pointed = town.say("r2", "积分", "g1")
        assert len(pointed) == 1 and "请先私聊我" in pointed[0].text
        town.say("r2", "/start")
        answers = town.say("r2", "积分", "g1")
        assert [(a.chat, a.private) for a in answers] == [("r2", True), ("g1", False)]
        assert answers[1].text == "r2，详情已私聊发给您。"
    finally:
        town.app.close()
