"""Nothing is pushed at night: a community lives through a few busy days and nights on the
virtual clock, and every message the bot sends on its own goes outside quiet hours."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from bot.platforms import PLATFORMS
from bot.services.common.quiet import default_quiet, quiet_hours
from bot.services.volunteering.schedule import RosterReposts
from handlers.registry import SCHEDULED
from tests.support.chain import chain_town
from tests.support.community import community, session_of
from tests.support.driver import PLATFORM, Driver


@dataclass(frozen=True)
class Pushed:
    """A message the scheduler sent, at the virtual time it went out."""

    at: datetime
    chat: str
    template: str
    at_night: bool
    urgent: bool


class Night:
    """Plays the town at chosen moments and runs the scheduler between them, keeping every
    message the scheduler sends with the time it went."""

    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.app = driver.app
        self.pushed: list[Pushed] = []

    def at(self, when: str) -> None:
        """Run the scheduler up to `when` (local, 2026-11-23 23:00), leaving the clock there."""
        clock = self.app.clock
        assert isinstance(clock, VirtualClock)
        end = datetime.fromisoformat(when).replace(tzinfo=self.app.settings.zone)
        # Only what people say changes the quiet hours, so they hold for the whole run.
        with session_of(self.app) as session:
            quiet = quiet_hours(session, community(session).id, default_quiet(self.app.settings))
        for at, envelopes in self.app.scheduler.run_until(clock.now(), end, clock.set):
            self.pushed += [
                Pushed(at, e.target.chat_id, e.reply.template, quiet.holds(at), e.urgent)
                for e in envelopes
                if not e.edit and not e.toast
            ]

    def say(self, user: str, text: str, chat: str | None = None) -> None:
        """`user` writes; the answers (and what they set off at once) answer them, so any
        hour will do."""
        answers = self.driver.say(user, text, chat)
        assert answers and not any("出了点问题" in s.text for s in answers), (text, answers)


def _own_duty(pushed: Pushed) -> bool:
    """A volunteer's reminder of duty that starts before quiet hours end: they are up for it."""
    return pushed.urgent and pushed.template.startswith("volunteering.remind_")


@pytest.fixture(params=["edits", "reposts"])
def town(
    request: pytest.FixtureRequest, db: Database, clock: VirtualClock, tmp_path: Path
) -> Iterator[Driver]:
    """The test community with its request chain, on a platform that edits its messages or,
    like WeChat, one that posts them again."""
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    traits = {PLATFORM: replace(PLATFORMS[PLATFORM], edits=request.param == "edits")}
    language = settings.general.default_language
    work = [
        RosterReposts(settings, language, traits) if made.name == RosterReposts.name else made
        for made in (make(settings, language) for make in SCHEDULED)
    ]
    app = bootstrap(settings, clock, db=db, platforms=traits, work=work)
    yield chain_town(app)
    app.close()


def test_nothing_the_bot_sends_on_its_own_goes_out_in_quiet_hours(town: Driver) -> None:
    night = Night(town)
    # Monday: polls closing and reminding at night, shifts early in the morning, a notice
    # whose receipts are due at night, requests whose deadlines would pass at night.
    night.say("owner", "发起投票 夜里截止 | 甲 | 乙 | 截止 明天 23:00", "g1")
    night.say("owner", "发起投票 凌晨截止 | 甲 | 乙 | 截止 后天 02:00", "g1")
    night.say("owner", "发起投票 清早截止 | 甲 | 乙 | 截止 后天 07:00", "g1")
    night.say("r1", "投票 1 1", "g1")
    night.say("owner", "排班 早班 | 明天 06:00-08:00 | 2人 | 北门", "g1")
    night.say("owner", "排班 晨练 | 明天 08:00-09:00 | 2人 | 南门", "g1")
    night.say("owner2", "排班 二院早班 | 后天 05:30-07:00 | 1人 | 东门", "g2")
    night.say("r2", "报名 1", "g1")
    night.say("r3", "报名 2", "g1")
    night.say("sec", "积分规则 党员积分 每年清零 11-30", "g1")
    night.say("sec", "加分 @r2 5 巡逻", "g1")
    night.say("r1", "报修 3号楼门口路灯坏了", "g1")
    night.at("2026-11-23 19:30")
    night.say("sec", "通知 全部 | 明早停水 | 回执 截止 3小时")
    night.say("sec", "确认发送 1")
    night.say("r2", "收到", "g1")
    night.at("2026-11-23 21:20")
    night.say("owner", "排班 夜巡 | 明天 07:00-08:00 | 1人 | 西门", "g1")
    # In the night: a shift made for the early morning, a place given up with someone
    # waiting, a request taken, a report, and someone asking to join a household.
    night.at("2026-11-23 23:10")
    night.say("owner", "排班 拂晓岗 | 明天 06:30-07:30 | 2人 | 北门", "g1")
    night.say("r4", "报名 2", "g1")
    night.say("r1", "报名 2", "g1")
    night.say("r3", "取消报名 2", "g1")
    night.say("zhang", "接单 1")
    night.say("r3", "报修 2号楼楼道堆满了杂物", "g1")
    night.say("n1", "登记 3-2-305 同意", "g1")
    night.at("2026-11-24 12:00")
    night.say("owner", "排班 明晚岗 | 后天 06:00-07:00 | 1人 | 北门", "g1")
    night.say("sec", "免打扰 22:00-07:00", "g1")
    night.at("2026-11-24 21:50")
    night.say("r4", "报名 3", "g1")
    night.at("2026-11-24 23:30")
    night.say("r4", "取消报名 3", "g1")
    night.at("2026-12-02 10:00")
    # The days did set off each kind of push.
    assert {p.template for p in night.pushed} >= {
        "volunteering.short_alert",
        "volunteering.roster",
        "volunteering.promoted",
        "deliberation.remind_voter",
        "deliberation.result",
        "notices.deadline_report",
        "requests.assigned",
        "points.statement",
    }
    assert [
        (f"{p.at.astimezone(town.app.settings.zone):%m-%d %H:%M}", p.chat, p.template)
        for p in night.pushed
        if p.at_night and not _own_duty(p)
    ] == []
