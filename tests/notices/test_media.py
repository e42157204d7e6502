"""A picture or file sent from a chat with `通知 …` as its caption, or in the guided notice."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from bot.messages import Media, MediaKind
from bot.services.notices.attachments import MB
from tests.notices.test_notices import _confirm
from tests.support.community import bind_elsewhere, build


def _photo(tmp_path: Path, name: str = "停水通知.jpg") -> Media:
    """A picture sent at the console: a file on this machine."""
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8\xff jpeg")
    return Media(MediaKind.PHOTO, "console", str(path), name, path.stat().st_size, saved=True)


def test_a_photo_with_a_notice_caption_goes_to_every_group(app: App, tmp_path: Path) -> None:
    driver = build(app)
    photo = _photo(tmp_path)
    preview = driver.one("sec", "通知 全部 | 明天上午停水", media=photo)
    assert "附件：一张图片（停水通知.jpg）" in preview.text, preview.text
    _confirm(driver, "sec", preview)
    posted = [e for e in driver.answers if e.target.chat_id in ("g1", "g2")]
    assert len(posted) == 2 and all(e.reply.image == Path(photo.ref) for e in posted)
    assert all(e.reply.document is None for e in posted)


def test_a_telegram_photo_goes_only_where_telegram_can_send_it_again(app: App) -> None:
    driver = build(app)
    kept = Media(MediaKind.PHOTO, "telegram", "AgACAgQAAx0", "", 120_000)
    before = driver.snapshot()
    answer = driver.one("sec", "通知 全部 | 明天上午停水", media=kept).text
    assert "只能发到同一个平台的群" in answer and "控制台" in answer, answer
    assert driver.snapshot() == before


def test_a_file_over_a_platform_limit_is_refused_and_nothing_kept(app: App) -> None:
    driver = build(app)
    bind_elsewhere(app, "wechat", "room1", "1号院", "wx-owner")
    video = Media(MediaKind.FILE, "console", "/tmp/宣传片.mp4", "宣传片.mp4", 30 * MB, saved=True)
    before = driver.snapshot()
    answer = driver.one("sec", "通知 全部 | 宣传片", media=video).text
    assert "文件「宣传片.mp4」太大了：微信 最多能发 25 MB" in answer, answer
    assert driver.snapshot() == before


def test_a_resident_cannot_attach_a_photo_to_a_notice(app: App, tmp_path: Path) -> None:
    driver = build(app)
    before = driver.snapshot()
    answer = driver.one("r1", "通知 全部 | 明天停水", media=_photo(tmp_path)).text
    assert "只有社区书记和楼长" in answer, answer
    assert driver.snapshot() == before


def test_the_guided_notice_takes_a_photo_with_its_text(app: App, tmp_path: Path) -> None:
    driver = build(app)
    driver.one("sec", "通知")
    assert "写在图片的说明里" in driver.one("sec", "全部").text
    photo = _photo(tmp_path, "海报.png")
    driver.one("sec", "周六上午义诊", media=photo)
    driver.one("sec", "不要")
    preview = driver.one("sec", "现在")
    assert "附件：一张图片（海报.png）" in preview.text, preview.text
    _confirm(driver, "sec", preview)
    posted = [e for e in driver.answers if e.target.chat_id in ("g1", "g2")]
    assert len(posted) == 2 and all(e.reply.image == Path(photo.ref) for e in posted)


def test_a_photo_sent_soon_after_a_draft_joins_it(app: App, tmp_path: Path) -> None:
    driver = build(app)
    assert "附件" not in driver.one("sec", "通知 全部 | 明天上午停水").text
    photo = _photo(tmp_path)
    assert driver.say("sec", "", "g1", media=photo) == []
    preview = driver.one("sec", "", media=photo)
    assert "附件：一张图片（停水通知.jpg）" in preview.text and "通知 1" in preview.text
    _confirm(driver, "sec", preview)
    posted = [e for e in driver.answers if e.target.chat_id in ("g1", "g2")]
    assert len(posted) == 2 and all(e.reply.image == Path(photo.ref) for e in posted)
    assert "请用文字说一下是哪里" in driver.one("sec", "", media=photo).text
