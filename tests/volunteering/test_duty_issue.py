"""Residents' issue, duty items: several shifts at once, check-ins, past times, alerts."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import VirtualClock
from models import AuditEntry, SignUpStatus
from tests.support.community import build
from tests.support.driver import Driver
from tests.support.volunteers import advance, statuses

SIGNED = SignUpStatus.SIGNED_UP


@pytest.fixture(params=[True, False], ids=["buttons", "text"])
def styled(request: pytest.FixtureRequest) -> bool:
    """The console's style: buttons, or numbered lines as on WeChat."""
    return bool(request.param)


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with #1 tomorrow 08:00-10:00 (1 place), #2 09:00-11:00
    overlapping it and #3 in the evening."""
    return _town(app, buttons=True)


@pytest.fixture
def styled_town(app: App, styled: bool) -> Driver:
    """The same, in either console style."""
    return _town(app, buttons=styled)


def _town(app: App, buttons: bool) -> Driver:
    driver = build(app, buttons=buttons)
    for line in (
        "排班 门岗 | 2026-11-24 08:00-10:00 | 1人",
        "排班 巡逻 | 2026-11-24 09:00-11:00 | 2人",
        "排班 守桶 | 2026-11-24 18:00-19:00 | 2人",
    ):
        assert "已排班" in driver.one("owner", line, "g1").text
    return driver


def _here(town: Driver, user: str, text: str) -> list[str]:
    """The answers in the group, rosters aside."""
    return [s.text for s in town.say(user, text, "g1") if "值班接龙" not in s.text]


def test_signing_up_for_several_shifts_takes_each_it_can_and_says_which_it_could_not(
    styled_town: Driver,
) -> None:
    town = styled_town
    answers = _here(town, "r2", "报名 1 2 3")
    assert len(answers) == 3
    assert "r2，您报名成功：#1 门岗" in answers[0]
    assert answers[1] == "#2 和您已报名的 #1（11月24日 周二 08:00）时间重叠，不能同时报名。"
    assert "r2，您报名成功：#3 守桶" in answers[2]
    assert statuses(town.app, 1) == {"r2": SIGNED}
    assert statuses(town.app, 2) == {}
    assert statuses(town.app, 3) == {"r2": SIGNED}
    # The place r2 was told they have is theirs: the next one waits.
    waiting = _here(town, "r3", "报名 1")[0]
    assert waiting.startswith("r3，#1 门岗") and "您排在候补第 1 位" in waiting


def test_withdrawing_from_several_shifts_withdraws_each_it_can_and_says_which_it_could_not(
    styled_town: Driver,
) -> None:
    town = styled_town
    town.say("r2", "报名 1 3", "g1")
    town.say("r3", "报名 1", "g1")
    answers = town.say("r2", "取消报名 1 2 3", "g1")
    here = [s.text for s in answers if not s.private and "值班接龙" not in s.text]
    assert "r2 已取消报名：#1 门岗" in here[0] and "由候补的 r3 补上" in here[0]
    assert here[1] == "您没有报名 #2 号班次。"
    assert "r2 已取消报名：#3 守桶" in here[2]
    assert [s.chat for s in answers if s.private] == ["r3"]
    assert statuses(town.app, 1) == {"r2": SignUpStatus.CANCELLED, "r3": SIGNED}
    assert statuses(town.app, 3) == {"r2": SignUpStatus.CANCELLED}


def test_a_check_in_stands_against_a_no_show_until_an_admin_undoes_it(
    styled_town: Driver,
) -> None:
    town = styled_town
    app = town.app
    town.say("r2", "报名 1", "g1")
    town.say("r3", "报名 2", "g1")
    advance(app, hours=22, minutes=5)
    town.say("r2", "签到", "g1")
    assert "1. r2（已签到）" in town.one("owner", "值班表 1", "g1").text
    before = town.snapshot()
    refused = town.one("owner", "缺勤 1 @r2", "g1").text
    assert refused == "r2 已在 #1 签到，不能记缺勤。确需记缺勤，请先发送「撤销签到 1 @r2」。"
    assert town.snapshot() == before
    undone = town.say("owner", "撤销签到 1 @r2", "g1")
    assert undone[0].text == "已撤销 r2 在 #1 门岗（11月24日 周二 08:00–10:00）的签到。"
    assert "1. r2\n" in undone[1].text + "\n" and "已签到" not in undone[1].text
    assert "已记录 r2" in town.say("owner", "缺勤 1 @r2", "g1")[0].text
    assert statuses(app, 1) == {"r2": SignUpStatus.NO_SHOW}
    with app.db.transaction() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["shift.undo_checkin", "shift.noshow"]
    owner_help = "".join(sent.text for sent in town.say("owner", "帮助 全部", "g1"))
    resident_help = "".join(sent.text for sent in town.say("r2", "帮助 全部", "g1"))
    assert "/undocheckin" in owner_help and "/checkin" in resident_help
    assert "/undocheckin" not in resident_help


def test_a_shift_at_a_past_time_is_refused_as_past(town: Driver) -> None:
    before = town.snapshot()
    for line in ("排班 消杀 | 昨天 08:00-10:00", "排班 消杀 | 昨天 08:00-10:00 | 2人"):
        assert town.one("owner", line, "g1").text == "这个时间已经过去了，请排以后的班次。"
    assert town.snapshot() == before


def _admin_messages(town: Driver, until: str) -> list[tuple[str, str, int]]:
    """Run the scheduler to `until`: (local time, template, shifts listed) of owner's messages."""
    app = town.app
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    zone = app.settings.zone
    end = datetime.fromisoformat(until).replace(tzinfo=zone)
    return [
        (f"{at.astimezone(zone):%m-%d %H:%M}", e.reply.template, len(e.reply.data["shifts"]))
        for at, envelopes in app.scheduler.run_until(clock.now(), end, clock.set)
        for e in envelopes
        if e.target.chat_id == "owner"
    ]


def test_a_short_staffed_rota_sends_one_digest_a_morning_and_alerts_only_what_none_listed(
    town: Driver,
) -> None:
    made = town.one("owner", "排班 巡逻 | 2026-11-25 至 2026-11-27 08:00-20:00 每2小时 | 2人", "g1")
    assert "共 18 个班次 #4–#21" in made.text
    sent = _admin_messages(town, "2026-11-28 00:00")
    assert sent == [
        # The alerts for the 08:00 and 09:00 shifts fall in quiet hours: the 07:30 digest
        # lists those two shifts with its own seven, in one message.
        ("11-24 07:30", "volunteering.short_digest", 9),
        ("11-25 07:30", "volunteering.short_digest", 11),
        ("11-26 07:30", "volunteering.short_digest", 11),
        ("11-27 07:30", "volunteering.short_digest", 5),
    ]
    assert _admin_messages(town, "2026-11-29 00:00") == []
