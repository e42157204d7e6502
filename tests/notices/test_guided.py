"""The guided /notice (buttons and typed answers), and files sent with a notice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import App
from bot.errors import DomainError
from bot.services.notices.attachments import MB, attachment
from models import Notice
from tests.notices.test_notices import _confirm
from tests.support.community import bind_elsewhere, build, building_circles, session_of


def test_the_guided_notice_with_buttons_ends_in_the_same_preview(app: App) -> None:
    driver = build(app)
    asked = driver.one("sec", "通知")
    assert "发给谁" in asked.text and asked.buttons[0][0][0] == "全部"
    asked = driver.press("sec", asked, "全部")
    assert "发给：全部（2 个圈）" in asked.text
    asked = driver.one("sec", "明天上午停水，请提前储水")
    assert "回复「收到」" in asked.text
    asked = driver.press("sec", asked, "要回执")
    assert "什么时候发" in asked.text
    preview = driver.press("sec", asked, "现在发送")
    assert "还没发送" in preview.text and "要求回执" in preview.text
    posted = {s.chat: s for s in _confirm(driver, "sec", preview) if not s.private}
    assert set(posted) == {"g1", "g2"} and "请提前储水" in posted["g1"].text
    assert posted["g1"].buttons == [[("收到", "/ack 1")]]
    assert "没看懂" in driver.one("sec", "全部").text, "the dialog is over"


def test_the_guided_notice_typed_in_text_style_can_recur(app: App) -> None:
    driver = build(app, buttons=False)
    asked = driver.one("sec", "通知")
    assert "请回复「全部」" in asked.text and "\n1. " not in asked.text, asked.text
    assert "1 个圈" in driver.one("sec", "1号院").text
    driver.one("sec", "楼道清理")
    driver.one("sec", "截止 3小时")
    preview = driver.one("sec", "每周一 8:00")
    assert "定期：每周一 08:00 发送" in preview.text
    assert "要求回执，每次发出后 3 小时内" in preview.text
    assert "确认发送 1" in preview.text


def test_text_style_choices_are_typed_in_the_readers_words(app: App) -> None:
    driver = build(app, buttons=False)
    driver.one("sec", "/lang en")
    asked = driver.one("sec", "/notice")
    # A step's choices are typed as the answer alone, which the open dialog reads.
    assert 'reply "all"' in asked.text.lower() and "noticestep" not in asked.text, asked.text
    driver.one("sec", "1号院")
    asked = driver.one("sec", "Stairs are cleaned on Monday")
    assert '"yes"' in asked.text and '"no"' in asked.text, asked.text
    asked = driver.one("sec", "no")
    assert 'reply "now"' in asked.text.lower() and "现在" not in asked.text, asked.text
    preview = driver.one("sec", "now")
    assert "not sent yet" in preview.text and "Receipts" not in preview.text
    driver.one("sec", "/lang zh-Hant")
    driver.one("sec", "通知")
    driver.one("sec", "1号院")
    driver.one("sec", "週一清理樓道")
    asked = driver.one("sec", "要")
    assert "回覆「現在」" in asked.text, asked.text
    assert "還沒傳送" in driver.one("sec", "現在").text


def test_a_building_head_is_offered_his_building_and_picks_by_number_in_his_group(
    app: App,
) -> None:
    driver = build(app, buttons=False)
    building_circles(driver)
    asked = driver.one("bh", "通知")
    # In a private chat 本楼 is the one building he heads; 全部 is not his to send to.
    # What to type is said once: no numbered line repeats 「本楼」.
    assert "「本楼」" in asked.text and "\n1. " not in asked.text, asked.text
    assert "全部" not in asked.text, asked.text
    assert "发给：本楼（2 个圈）" in driver.one("bh", "1").text
    assert "取消" in driver.one("bh", "取消").text
    asked = driver.one("bh", "通知", "g4")
    assert "「本群」、「本楼」" in asked.text and "\n1. " not in asked.text, asked.text
    # The bare number answers his own question in the group, not the group's chat.
    assert "发给：本楼（2 个圈）" in driver.one("bh", "2", "g4").text
    assert "回复「要」" in driver.one("bh", "楼道清理", "g4").text
    assert "没有第 3 项" in driver.one("bh", "3", "g4").text
    driver.one("bh", "不要", "g4")
    preview = driver.one("bh", "现在", "g4")
    assert preview.private and "将发到 2 个圈" in preview.text, preview.text


def test_a_wrong_answer_is_explained_and_the_same_question_stays(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知")
    assert "找不到「火星」" in driver.one("sec", "火星").text
    driver.one("sec", "1号院")
    driver.one("sec", "停水")
    assert "看不懂" in driver.one("sec", "乱七八糟").text
    driver.one("sec", "不要")
    assert "已经过去" in driver.one("sec", "2026-11-22 08:00").text
    assert "还没发送" in driver.one("sec", "明天 8:00").text


@pytest.mark.parametrize("said", ["发通知", "发个通知", "发布通知", "發通知"])
def test_a_notice_asked_for_with_its_verb_is_the_notice(app: App, said: str) -> None:
    driver = build(app)
    assert "发给谁" in driver.one("sec", said).text
    driver.one("sec", "取消")
    assert "还没发送" in driver.one("sec", f"{said} 全部 明天上午停水").text
    assert "只有社区书记和楼长" in driver.one("r1", said).text


def test_cancel_leaves_the_dialog_and_a_resident_cannot_start_one(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知")
    driver.one("sec", "全部")
    assert "取消" in driver.one("sec", "取消").text
    before = driver.snapshot()
    assert "停水" not in driver.one("sec", "停水").text
    assert "只有社区书记和楼长" in driver.one("r1", "通知").text
    assert "重新发送「通知」" in driver.one("sec", "/noticestep 全部").text
    assert driver.snapshot() == before


def test_a_file_goes_with_the_notice(app: App, tmp_path: Path) -> None:
    driver = build(app)
    leaflet = tmp_path / "垃圾分类.pdf"
    leaflet.write_bytes(b"%PDF-1.4 leaflet")
    preview = driver.one("sec", f"通知 全部 | 垃圾分类宣传 | 附件 {leaflet}")
    assert "附件：垃圾分类.pdf" in preview.text
    _confirm(driver, "sec", preview)
    posted = [e for e in driver.answers if e.target.chat_id in ("g1", "g2")]
    assert len(posted) == 2 and all(e.reply.document == leaflet for e in posted)
    assert "找不到文件" in driver.one("sec", f"通知 全部 | 停水 | 附件 {tmp_path / 'no.pdf'}").text


def test_a_file_over_a_platform_limit_is_refused_and_nothing_kept(app: App, tmp_path: Path) -> None:
    driver = build(app)
    bind_elsewhere(app, "wechat", "room1", "1号院", "wx-owner")
    big = tmp_path / "video.mp4"
    with big.open("wb") as out:
        out.truncate(30 * MB)
    before = driver.snapshot()
    answer = driver.one("sec", f"通知 全部 | 宣传片 | 附件 {big}").text
    assert "太大了：微信 最多能发 25 MB" in answer, answer
    assert driver.snapshot() == before


def test_the_platform_limits_decide_picture_or_file_and_paths_only_at_the_console(
    tmp_path: Path,
) -> None:
    photo = tmp_path / "poster.jpg"
    with photo.open("wb") as out:
        out.truncate(12 * MB)
    assert attachment(str(photo), "console", {"console": 2}) == (str(photo.resolve()), None)
    # Over Telegram's 10 MB for photos, it goes as a file (up to 50 MB).
    assert attachment(str(photo), "console", {"telegram": 2}) == (None, str(photo.resolve()))
    os.truncate(photo, 51 * MB)
    with pytest.raises(DomainError) as refused:
        attachment(str(photo), "console", {"telegram": 2})
    assert refused.value.key == "notices.file_too_big"
    with pytest.raises(DomainError) as refused:
        attachment(str(photo), "telegram", {"telegram": 2})
    assert refused.value.key == "notices.file_console_only"


def test_answers_beginning_with_a_command_word_answer_the_step_they_were_asked(
    app: App,
) -> None:
    driver = build(app)
    driver.one("sec", "通知")
    driver.one("sec", "全部")
    assert "回复「收到」" in driver.one("sec", "通知：明天上午停水，请提前储水").text
    # A reading command is answered without a write first; an answer is stored, so it is
    # handled the durable way.
    typed = driver.incoming("sec", "回执 截止 明天18:00")
    assert app.dispatcher.answer(typed) is None
    assert "什么时候发" in driver.one("sec", "回执 截止 明天18:00").text
    preview = driver.one("sec", "现在").text
    assert "通知：明天上午停水，请提前储水" in preview
    assert "要求回执，截止 11月24日 周二 18:00" in preview
    driver.one("sec", "通知")
    driver.one("sec", "1号院")
    driver.one("sec", "楼道清理")
    assert "什么时候发" in driver.one("sec", "回执").text
    assert "要求回执。" in driver.one("sec", "现在").text
    # Slash commands stay commands, and so does 回执 when no dialog waits for it.
    driver.one("sec", "通知")
    driver.one("sec", "全部")
    driver.one("sec", "停电")
    assert "还没有要求回执的通知" in driver.one("sec", "/receipts").text
    assert "取消" in driver.one("sec", "取消").text
    assert "还没有要求回执的通知" in driver.one("sec", "回执").text


def test_a_text_beginning_with_any_command_word_is_the_notice_s_text(app: App) -> None:
    driver = build(app)
    driver.one("sec", "通知")
    driver.one("sec", "全部")
    # A keyword alone or with numbers stays its command, and the text is still asked for.
    assert "回复「收到」" not in driver.one("sec", "积分").text
    # 积分 only reads: the answer is stored, so it is handled the durable way.
    typed = driver.incoming("sec", "积分：本月加分名单已贴在公告栏")
    assert app.dispatcher.answer(typed) is None
    text = "报名：周六上午打扫楼道，请到3号楼集合"
    assert "回复「收到」" in driver.one("sec", text).text
    driver.one("sec", "不要")
    assert f"\n{text}\n" in driver.one("sec", "现在").text
    with session_of(app) as session:
        assert session.scalars(select(Notice.text)).all() == [text]
    driver.one("sec", "通知")
    driver.one("sec", "全部")
    assert "回复「收到」" in driver.one("sec", "投票：周二选业委会，请大家参加").text
    assert "已取消" in driver.one("sec", "退出").text
    assert "回复「收到」" not in driver.one("sec", "积分：本月加分名单").text


@pytest.mark.parametrize(
    ("language", "scope", "receipts", "now"),
    [
        ("en", "Everyone", "Ask for receipts", "Send now"),
        ("en", "This group", "No receipts", "Send now"),
        ("zh-Hans", "全部", "要回执", "现在发送"),
        ("zh-Hans", "本群", "不要回执", "现在发送"),
        ("zh-Hant", "全部", "要回執", "現在傳送"),
        ("zh-Hant", "本群", "不要回執", "現在傳送"),
    ],
)
def test_the_words_on_the_guided_notice_s_buttons_work_typed(
    app: App, language: str, scope: str, receipts: str, now: str
) -> None:
    driver = build(app)
    driver.one("sec", f"/lang {language}", "g1")
    asked = driver.one("sec", "/notice", "g1")
    for typed, shown in ((scope, True), ("Stairs cleaned on Monday", False), (receipts, True)):
        labels = [label for row in asked.buttons for label, _ in row]
        assert typed in labels or not shown, labels
        asked = driver.one("sec", typed, "g1")
    assert now in [label for row in asked.buttons for label, _ in row], asked.text
    driver.one("sec", now, "g1")
    with session_of(app) as session:
        notice = session.scalars(select(Notice)).one()
        assert notice.receipts == (receipts in ("Ask for receipts", "要回执", "要回執"))
        assert len(notice.circles) == (2 if scope in ("Everyone", "全部") else 1)


@pytest.mark.parametrize(
    ("language", "answer"),
    [("zh-Hans", "要，明天18:00前"), ("zh-Hant", "要，明天18:00前"), ("en", "yes, tomorrow 18:00")],
)
def test_a_yes_run_into_a_deadline_asks_for_receipts_by_then(
    app: App, language: str, answer: str
) -> None:
    driver = build(app)
    driver.one("sec", f"/lang {language}")
    driver.one("sec", "/notice")
    driver.one("sec", "1号院")
    driver.one("sec", "Stairs cleaned on Monday")
    driver.one("sec", answer)
    driver.one("sec", "/noticestep 现在")
    with session_of(app) as session:
        notice = session.scalars(select(Notice)).one()
        assert notice.receipts and notice.deadline_at is not None


@pytest.mark.parametrize(
    ("answer", "receipts"),
    [("好的", True), ("需要回执", True), ("要的", True), ("不需要", False), ("不用了", False)],
)
def test_receipts_are_asked_for_in_the_words_a_secretary_would_say(
    app: App, answer: str, receipts: bool
) -> None:
    driver = build(app)
    driver.one("sec", "通知")
    driver.one("sec", "1号院")
    driver.one("sec", "楼道清理")
    assert "什么时候发" in driver.one("sec", answer).text
    driver.one("sec", "现在")
    with session_of(app) as session:
        notice = session.scalars(select(Notice)).one()
        assert notice.receipts is receipts and notice.deadline_at is None
