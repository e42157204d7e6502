"""Every message of a whole deliberation renders in all three languages with real data."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from bot.clock import VirtualClock
from bot.config import LANGUAGES
from bot.messages import ChatKind, ChatRef, Envelope, EventKind, Incoming, UserRef
from tests.support.community import build

SCENARIO = [
    ("r1", "提议 在2号门增设充电桩", "g1"),
    ("r2", "附议 1", "g1"),
    ("owner", "发起投票 充电桩 | 表决 | 议题 1 | 法定 50% | 截止 2天", "g1"),
    ("owner", "发起投票 满意度 | 评分 | 匿名 | 结束后公布", "g1"),
    ("owner", "发起投票 哪天 | 周六 | 周日 | 周一 | 多选 2 | 可改票", "g1"),
    ("r2", "投票 1 1", "g1"),
    ("r3", "投票 2 4", "g1"),
    ("r3", "投票 3 1 2", "g1"),
    ("r2", "投票 1", "g1"),
    ("r2", "投票 2 9", "g1"),
    ("r2", "结果 1", "g1"),
    ("r2", "结果 2", "g1"),
    ("owner", "投票设置 3 截止 5天", "g1"),
    ("owner", "发起投票 问题 | 甲 | 乙 | 截止 乱七八糟", "g1"),
    ("r2", "议题", "g1"),
    ("r2", "议题 1", "g1"),
    ("sec", "热点议题 1", "g1"),
]


def _record(app: App) -> list[Envelope]:
    town = build(app)
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    recorded: list[Envelope] = []
    for user, text, chat in SCENARIO:
        incoming = Incoming(
            ChatRef("console", chat, ChatKind.GROUP, chat),
            UserRef("console", user, user),
            EventKind.MESSAGE,
            text,
            is_platform_admin=user == "owner",
        )
        recorded += app.dispatcher.handle(incoming)
    for days in (1, 3, 8):
        clock.set(clock.now() + timedelta(days=days))
        recorded += app.scheduler.tick(clock.now())
    town.say("owner", "/start")
    for user, text in [("owner", "决议 1 增设 | 负责 物业 | 期限 3天"), ("owner", "进展 1 开工")]:
        recorded += app.dispatcher.handle(
            Incoming(
                ChatRef("console", "g1", ChatKind.GROUP, "g1"),
                UserRef("console", user, user),
                EventKind.MESSAGE,
                text,
                is_platform_admin=True,
            )
        )
    clock.set(clock.now() + timedelta(days=4))
    recorded += app.scheduler.tick(clock.now())
    return recorded


def test_every_message_of_a_whole_deliberation_renders_in_every_language(app: App) -> None:
    recorded = _record(app)
    templates = {e.reply.template for e in recorded}
    assert {
        "deliberation.poll",
        "deliberation.result",
        "deliberation.voted",
        "deliberation.which_poll",
        "deliberation.topic",
        "deliberation.hot_topic",
        "deliberation.remind_voter",
        "deliberation.remind_circle",
        "deliberation.follow_up_overdue",
        "when.unreadable",
    } <= templates
    for envelope in recorded:
        for language in LANGUAGES:
            for buttons in (True, False):
                rendered = app.renderer.render(
                    envelope.reply, language, html_mode=True, buttons=buttons
                )
                assert rendered.text.strip(), (envelope.reply.template, language)
    yes_no = next(e for e in recorded if e.reply.data.get("kind") == "yes_no" and e.reply.choices)
    for language, labels in (
        ("zh-Hans", ["同意", "反对", "弃权"]),
        ("zh-Hant", ["同意", "反對", "棄權"]),
        ("en", ["Yes", "No", "Abstain"]),
    ):
        rendered = app.renderer.render(yes_no.reply, language, html_mode=False, buttons=True)
        assert [c.label for c in rendered.buttons[0]] == labels


def test_an_anonymous_polls_privacy_note_starts_its_own_line(app: App) -> None:
    town = build(app)
    town.say("owner", "发起投票 装长椅吗 | 装 | 不装 | 匿名", "g1")
    (poll,) = [e.reply for e in town.answers if e.reply.template == "deliberation.poll"]
    notes = (("zh-Hans", "匿名投票："), ("zh-Hant", "匿名投票："), ("en", "Anonymous:"))
    for language, note in notes:
        for buttons in (True, False):
            text = app.renderer.render(poll, language, html_mode=False, buttons=buttons).text
            assert any(line.startswith(note) for line in text.splitlines()), text
