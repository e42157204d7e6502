"""A photo sent with `报修 …`: kept with the request for its owners only, never in a group."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.clock import VirtualClock
from bot.messages import Media, MediaKind
from models import Request
from tests.support.chain import chain_town
from tests.support.community import session_of
from tests.support.driver import Driver


@pytest.fixture
def town(app: App) -> Driver:
    """The community with its chain of owners over 3号楼."""
    return chain_town(app)


PHOTO = Media(MediaKind.PHOTO, "console", "/tmp/路灯.jpg", "路灯.jpg", 80_000, saved=True)


def _kept(app: App) -> tuple[str | None, str | None]:
    with session_of(app) as session:
        request = session.scalars(select(Request)).one()
        return request.image, request.document


def test_a_photo_goes_privately_to_the_owner_and_never_to_the_group(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=PHOTO)
    assert _kept(town.app) == ("/tmp/路灯.jpg", None)
    by_chat = {e.target.chat_id: e.reply for e in town.answers}
    assert by_chat["li"].image == Path("/tmp/路灯.jpg")
    assert by_chat["g1"].image is None and by_chat["r1"].image is None


def test_the_photo_goes_up_the_chain_with_the_request(town: Driver, app: App) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=PHOTO)
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    end = clock.now() + timedelta(hours=5)
    batches = app.scheduler.run_until(clock.now(), end, clock.set)
    sent = [e for _, batch in batches for e in batch if e.target.chat_id == "wang"]
    assert sent and sent[0].reply.image == Path("/tmp/路灯.jpg")


def test_a_file_is_kept_as_a_file(town: Driver) -> None:
    sheet = Media(MediaKind.FILE, "console", "/tmp/清单.xlsx", "清单.xlsx", 9_000, saved=True)
    town.say("r1", "报修 楼道堆物清单见附件", "g1", media=sheet)
    assert _kept(town.app) == (None, "/tmp/清单.xlsx")


def test_a_photo_without_words_gets_a_clear_reply_and_nothing_is_kept(town: Driver) -> None:
    before = town.snapshot()
    for text, chat in (("报修", "g1"), ("报修", None), ("", None)):
        answers = town.say("r1", text, chat, media=PHOTO)
        assert len(answers) == 1 and "请用文字说一下是哪里" in answers[0].text, answers
    assert town.say("r1", "", "g1", media=PHOTO) == []
    assert town.snapshot() == before


def test_forget_drops_the_photo_with_the_words(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=PHOTO)
    town.say("r1", "注销 确认")
    assert _kept(town.app) == (None, None)


def test_a_photo_sent_soon_after_a_report_goes_with_it(town: Driver, app: App) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    answers = town.say("r1", "", "g1", media=PHOTO)
    assert [(s.chat, "已经加到" in s.text) for s in answers if s.chat != "li"] == [
        ("r1", True),
        ("g1", False),
    ]
    assert [e.reply.image for e in town.answers if e.target.chat_id == "li"] == [PHOTO.as_path()]
    assert _kept(app) == ("/tmp/路灯.jpg", None)
    second = town.one("r1", "", media=PHOTO)
    assert "请用文字说一下是哪里" in second.text


def test_a_photo_long_after_the_report_is_not_added(town: Driver, app: App) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(minutes=6))
    assert town.say("r1", "", "g1", media=PHOTO) == []
    assert _kept(app) == (None, None)


def test_one_request_shows_with_its_photo_to_those_who_may_see_it(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=PHOTO)
    shown = town.one("li", "诉求 1")
    assert "诉求 1（公共设施）：待接单" in shown.text and "3号楼门口路灯坏了" in shown.text
    assert "/301\n办理：联系党员李党员" in shown.text
    assert town.answers[0].reply.image == PHOTO.as_path()
    assert "没有找到您能查看的诉求 1" in town.one("zhao", "诉求 1").text
    assert town.answers[0].reply.image is None
    assert "请写编号" in town.one("li", "诉求 几").text


def _received(app: App, name: str) -> Media:
    """A picture the WeChat adapter saved from a chat, received at the clock's time."""
    folder = app.settings.received_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"jpeg")
    stamp = app.clock.now().timestamp()
    os.utime(path, (stamp, stamp))
    return Media(MediaKind.PHOTO, "wechat", str(path), "", 4, saved=True)


def test_received_files_nothing_kept_go_after_a_day_and_kept_ones_go_with_forget(
    town: Driver, app: App
) -> None:
    kept = _received(app, "kept.jpg")
    loose = _received(app, "loose.jpg")
    town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=kept)
    town.say("r2", "", "g1", media=loose)  # a picture in the group chat: nothing keeps it
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    app.scheduler.run_until(clock.now(), clock.now() + timedelta(days=1, hours=1), clock.set)
    assert Path(kept.ref).exists() and not Path(loose.ref).exists()
    town.say("r1", "注销 确认")
    app.scheduler.run_until(clock.now(), clock.now() + timedelta(hours=1), clock.set)
    assert not Path(kept.ref).exists()


def test_the_received_folder_is_read_once_an_hour_not_at_every_tick(app: App) -> None:
    clock = app.clock
    assert isinstance(clock, VirtualClock)
    clock.set(clock.now() + timedelta(minutes=30))
    loose = _received(app, "loose.jpg")
    next_day = clock.now() + timedelta(days=1)
    app.scheduler.tick(next_day - timedelta(minutes=25))  # 10:05: a day old at 10:30
    app.scheduler.tick(next_day + timedelta(minutes=10))  # 10:40: read at 10:05 already
    assert Path(loose.ref).exists()
    app.scheduler.tick(next_day + timedelta(minutes=30))  # 11:00: the next hour's look
    assert not Path(loose.ref).exists()


def test_mydata_says_a_photo_is_kept_with_my_request(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=PHOTO)
    town.say("r1", "报修 5号楼楼道灯不亮", "g1")
    mine = town.one("r1", "我的数据").text
    assert "1 号「3号楼门口路灯坏了」（待接单，附照片或文件）" in mine
    assert "2 号「5号楼楼道灯不亮」（待接单）" in mine


def test_the_same_report_sent_again_with_a_photo_adds_the_photo(town: Driver, app: App) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    answers = town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=PHOTO)
    assert [(s.chat, "已经加到" in s.text) for s in answers if s.chat != "li"] == [
        ("r1", True),
        ("g1", False),
    ]
    assert [e.reply.image for e in town.answers if e.target.chat_id == "li"] == [PHOTO.as_path()]
    assert _kept(app) == ("/tmp/路灯.jpg", None)
    again = town.say("r1", "报修 3号楼门口路灯坏了", "g1", media=PHOTO)
    assert [s.text for s in again] == ["您反映的问题已经受理过了（编号 1），不用再发。"]
    assert _kept(app) == ("/tmp/路灯.jpg", None)
