"""In text style (WeChat, console --style text) replies say what to type, never to tap a button."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.app import App
from bot.messages import Choice, Reply
from bot.rendering import TEMPLATES_DIR, Rendered, Renderer
from bot.routing import Router
from handlers.registry import COMMANDS
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


# A numbered line and what it says to type (「报名 3」, "/signup 3").
_CHOICE_LINE = re.compile(r"^\d+\. .* (?:—— 回[复覆]「(.+)」|— reply \"(.+)\")$", re.MULTILINE)


def test_no_text_style_reply_lists_a_choice_it_already_spells_out(app: App) -> None:
    repeated = [
        text
        for text in _rendered_texts(app, buttons=False)
        for typed in (a or b for a, b in _CHOICE_LINE.findall(text))
        if any(f"{q}{typed}{e}" in _CHOICE_LINE.sub("", text) for q, e in ("「」", '""'))
    ]
    assert repeated == []


def test_a_posted_shift_says_how_to_sign_up_once_and_keeps_its_button(app: App) -> None:
    driver = build(app)
    pressing = driver.one("owner", "排班 巡逻 | 2026-11-24 08:00-10:00 | 2人 | 东门", "g1")
    assert "报名请发送「报名 1」" in pressing.text
    assert [label for row in pressing.buttons for label, _ in row] == ["报名"]
    driver.buttons = False
    texting = driver.one("owner", "排班 巡逻 | 2026-11-25 08:00-10:00 | 2人 | 东门", "g1")
    assert texting.text.count("「报名 2」") == 1 and "\n1. " not in texting.text


def test_a_choice_spelled_out_with_another_keyword_is_not_listed_again(tmp_path: Path) -> None:
    shutil.copytree(TEMPLATES_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "trial").mkdir()
    (tmp_path / "trial" / "zh-Hans.j2").write_text(
        "{% macro asked() %}也可以发送「批准 3 @张三」。{% endmacro %}", encoding="utf-8"
    )
    reply = Reply(
        "trial.asked", choices=[[Choice("批准", "/approve 3 @张三"), Choice("看看", "/shifts")]]
    )
    renderer = Renderer(Router(COMMANDS), tmp_path)
    texting = renderer.render(reply, "zh-Hans", html_mode=False, buttons=False)
    # The number picks the same choice as before: the menu keeps every choice.
    assert texting.text == "也可以发送「批准 3 @张三」。\n2. 看看 —— 回复「值班表」"
    pressing = renderer.render(reply, "zh-Hans", html_mode=True, buttons=True)
    assert pressing.text == "也可以发送「批准 3 @张三」。" and len(pressing.buttons[0]) == 2
