"""A bare 好的, 知道了 or 好 is a receipt only where it plainly answers the notice: as a reply
to (a quote of) the notice's message, or privately soon after the notice came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.adapters.telegram import to_incoming
from bot.app import App
from bot.clock import VirtualClock
from bot.messages import Replied
from models import Notice, NoticeReceipt, OutboxMessage, OutboxState
from tests.notices.test_notices import _send
from tests.support.community import build, session_of
from tests.support.driver import Driver
from tests.support.telegram_fakes import message_update

ASSENTS = [
    "好的",
    "好",
    "知道了",
    "嗯嗯",
    "明白了",
    "好的，谢谢",
    "已读",
    "👌",
    "OK",
    "Got it!",
    "noted",
]


def _notice(driver: Driver, text: str) -> Replied:
    """Send `text` as a notice asking for receipts; the key of its message in each chat."""
    _send(driver, f"通知 全部 | {text} | 回执 截止 明天18:00")
    with session_of(driver.app) as session:
        number = session.scalar(select(func.max(Notice.id)))
    return Replied(key=f"notice:{number}")


def _receipts(app: App) -> int:
    with session_of(app) as session:
        return session.scalar(select(func.count()).select_from(NoticeReceipt)) or 0


@pytest.mark.parametrize("said", ASSENTS)
def test_a_bare_assent_in_a_group_stays_chat(app: App, said: str) -> None:
    driver = build(app)
    _notice(driver, "明天上午停水")
    assert driver.say("r2", said, "g1") == []
    assert _receipts(app) == 0


@pytest.mark.parametrize("said", ASSENTS)
def test_an_assent_replying_to_the_notice_acknowledges_it(app: App, said: str) -> None:
    driver = build(app)
    notice = _notice(driver, "明天上午停水")
    answer = driver.one("r2", said, "g1", replied=notice)
    assert answer.private and "已收到您的回执（通知 1）" in answer.text, answer.text
    assert "1号院：1/4 户已回执" in driver.say("sec", "回执")[0].text


def test_chat_replying_to_the_notice_stays_chat(app: App) -> None:
    driver = build(app)
    notice = _notice(driver, "明天上午停水")
    for said in ("好的我明天不在家", "几点来水？", "好吧"):
        assert driver.say("r2", said, "g1", replied=notice) == [], said
    assert _receipts(app) == 0


def test_an_assent_replying_to_another_message_of_the_bot_stays_chat(app: App) -> None:
    driver = build(app)
    _notice(driver, "明天上午停水")
    assert driver.say("r2", "好的", "g1", replied=Replied(key="poll:1")) == []
    assert _receipts(app) == 0


def test_shou_dao_replying_to_an_older_notice_acknowledges_that_one(app: App) -> None:
    driver = build(app)
    first = _notice(driver, "明天上午停水")
    _notice(driver, "周六大扫除")
    answer = driver.one("r2", "收到", "g1", replied=first)
    assert "已收到您的回执（通知 1）" in answer.text and "通知 2" in answer.text, answer.text


def test_a_private_assent_soon_after_a_notice_acknowledges_it_later_not(app: App) -> None:
    driver = build(app)
    _notice(driver, "明天上午停水")
    assert "已收到您的回执（通知 1）" in driver.one("r2", "好的").text
    assert "已收到您的回执（通知 1）" in driver.one("r3", "知道了。").text
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(hours=3))
    # Hours later a private 好的 answers whatever the bot said last, not the notice.
    assert driver.say("r4", "好的") == []
    assert _receipts(app) == 2


def test_an_assent_replying_to_a_sent_platform_message_of_the_notice_acknowledges_it(
    app: App,
) -> None:
    """On Telegram the reply names the message by its id; the outbox knows whose it is."""
    driver = build(app)
    notice = _notice(driver, "明天上午停水")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with app.db.transaction() as session:
        session.add(
            OutboxMessage(
                platform="console",
                chat_id="g1",
                chat_kind="group",
                template="notices.notice",
                language="zh-Hans",
                state=OutboxState.SENT,
                created_at=now,
                not_before=now,
                sent_message_id="555",
                key=notice.key,
            )
        )
    answer = driver.one("r2", "好的", "g1", replied=Replied(message_id="555"))
    assert "已收到您的回执（通知 1）" in answer.text, answer.text
    assert driver.say("r3", "好的", "g1", replied=Replied(message_id="556")) == []


def test_telegram_tells_a_reply_to_the_bots_own_message_only() -> None:
    bot = {"id": 42, "is_bot": True, "first_name": "Linli"}
    neighbour = {"id": 7002, "is_bot": False, "first_name": "老李"}
    asker = {"id": 7001, "is_bot": False, "first_name": "王阿姨"}
    group = {"id": -100, "type": "supergroup", "title": "1号院"}
    for author, expected in ((bot, Replied(message_id="900")), (neighbour, None)):
        quoted = {"message_id": 900, "date": 1_795_000_000, "chat": group, "from": author}
        raw = message_update(asker, "好的", group, reply_to_message=quoted)
        [incoming] = to_incoming(Update.de_json(raw, None), 42, "")
        assert incoming.replied == expected


@pytest.mark.parametrize("said", ["好的？", "知道了？", "好?", "嗯？", "OK?"])
def test_an_assent_asked_as_a_question_is_no_receipt(app: App, said: str) -> None:
    """好的？ asks (is it so?), as 收到了？ does: neither replying to the notice nor privately
    soon after it does it acknowledge."""
    driver = build(app)
    notice = _notice(driver, "明天上午停水")
    assert driver.say("r2", said, "g1", replied=notice) == [], said
    replies = driver.say("r2", said)
    assert all("回执" not in r.text for r in replies), replies
    assert _receipts(app) == 0
