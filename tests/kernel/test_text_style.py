"""In text style (WeChat, console --style text) replies say what to type, never to tap a button."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.app import App
from bot.messages import Reply
from bot.rendering import Rendered
from tests.support.community import build
from tests.support.scenarios import SCENARIOS

BUTTON_WORDS = re.compile(r"按钮|按鈕|[点點][「选選已]|[Pp]ress|[Tt]ap |button")


def _rendered_texts(app: App, buttons: bool) -> list[str]:
    """Every text the scenarios render, in the given style."""
    texts: list[str] = []
    render = app.renderer.render

    def recording(reply: Reply, language: str, **options: Any) -> Rendered:
        rendered = render(reply, language, **options)
        if options["buttons"] == buttons:
            texts.append(rendered.text)
        return rendered

    app.renderer.render = recording  # type: ignore[method-assign]
    driver = build(app, buttons=buttons)
    for scenario in SCENARIOS:
        scenario(driver)
    return texts


def test_no_text_style_reply_asks_for_a_button(app: App) -> None:
    texts = _rendered_texts(app, buttons=False)
    assert any("回复「附议 1」" in text for text in texts)
    assert [text for text in texts if BUTTON_WORDS.search(text)] == []


@pytest.mark.parametrize(
    ("line", "with_buttons", "typed"),
    [
        ("提议 修灯", "支持请点「附议」，或发送「附议", "支持请回复「附议"),
        ("发起投票 修灯吗 | 修 | 不修", "点下面的按钮投票", "照选项后面写的回复"),
        ("发起投票 哪天 | 六 | 日 | 多选 2", "点选项逐个加入", "逐项回复，加入您的选择"),
    ],
)
def test_group_replies_differ_by_style(app: App, line: str, with_buttons: str, typed: str) -> None:
    driver = build(app)
    user = "owner" if line.startswith("发起") else "r1"
    pressing = driver.say(user, line, "g1")[0].text
    driver.buttons = False
    texting = driver.say(user, line, "g1")[0].text
    assert with_buttons in pressing and typed not in pressing
    assert typed in texting and with_buttons not in texting
    assert "按钮" not in texting


def test_consent_in_text_style_says_what_to_reply(app: App) -> None:
    driver = build(app, buttons=False)
    text = driver.one("n1", "登记 3-2-305", "g1", name="n1").text
    assert "同意请回复「登记 3-2-305 同意」" in text and "按钮" not in text
    # Said once: no numbered line repeats it.
    assert text.count("「登记 3-2-305 同意」") == 1 and "\n1. " not in text
