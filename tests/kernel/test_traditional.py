"""zh-Hant texts are the zh-Hans texts in Taiwan usage: OpenCC s2twp, plus a reviewed list."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import opencc
import pytest
from jinja2 import Environment

from bot.rendering import TEMPLATES_DIR
from handlers.registry import COMMANDS

FOLDERS = sorted(path.name for path in TEMPLATES_DIR.iterdir() if path.is_dir())
_TEXT = ("data", "string")
_CONVERTER = opencc.OpenCC("s2twp")
# Where Linli's Traditional text differs from what s2twp gives, and why (OpenCC → ours).
INTENDED = {
    "社群": "社區",  # a residential community (社区) is 社區 in Taiwan; 社群 is an online group
    "繫結": "綁定",  # binding a group is 綁定 in Taiwan chat apps, and it is the command word
    "登出": "註銷",  # 登出 is logging out; 注销 here erases one's data, as the command 註銷 says
    "回復": "回覆",  # replying is 回覆; 回復 is recovering (OpenCC gives both for 回复)
    "賬號": "帳號",  # an account on a platform is 帳號 in Taiwan; 賬 is for money ledgers
    "型別": "類型",  # 型別 is a programming data type; a circle's kind is its 類型
    "專案": "項目",  # 專案 is a project; a duty's name is an item (項目)
    "支援": "支持",  # seconding a topic endorses it (支持); 支援 is assistance
    "公佈": "公布",  # 公布 is the standard form, and the poll setting words read 結束後公布
    "釋出": "發布",  # 釋出 is a software release; a poll is published (發布)
    "天后": "天後",  # OpenCC reads 天后 as the goddess; here it is "days later"
    "好訊息": "好消息",  # 好消息 is "good news", not a good message
    "簡體中文": "简体中文",  # each language's name is written in its own script
    # What the user sends is 傳送 everywhere, as in the command 確認傳送: OpenCC gives 發送
    # before some quotes and commands, and 傳送 before others.
    "發送「": "傳送「",
    "發送命令": "傳送命令",
}


def taiwanese(simplified: str) -> str:
    """What the zh-Hant text should be for a zh-Hans text."""
    text: str = _CONVERTER.convert(simplified)
    for converted, ours in INTENDED.items():
        text = text.replace(converted, ours)
    return text


def _texts(path: Path) -> Iterator[tuple[int, str, str, str]]:
    """The text between Jinja tags and in string constants: (line, macro, token type, text)."""
    macro = ""
    after_macro = False
    for line, kind, value in Environment().lex(path.read_text("utf-8")):
        if kind == "name" and after_macro:
            macro = value
        if kind != "whitespace":
            after_macro = kind == "name" and value == "macro"
        if kind in _TEXT:
            yield line, macro, kind, value


@pytest.mark.parametrize("folder", FOLDERS)
def test_traditional_texts_are_the_simplified_ones_in_taiwan_usage(folder: str) -> None:
    simplified = list(_texts(TEMPLATES_DIR / folder / "zh-Hans.j2"))
    traditional = list(_texts(TEMPLATES_DIR / folder / "zh-Hant.j2"))
    assert [kind for _, _, kind, _ in traditional] == [kind for _, _, kind, _ in simplified]
    wrong = [
        (line, macro, expected, found)
        for (line, macro, _, text), (_, _, _, found) in zip(simplified, traditional, strict=True)
        if found != (expected := taiwanese(text.replace("/zh-Hans.j2", "/zh-Hant.j2")))
    ]
    assert wrong == []


def test_the_traditional_command_word_is_the_simplified_one_in_taiwan_usage() -> None:
    shown = {command.name: (command.keywords[1:2] or command.keywords)[0] for command in COMMANDS}
    wrong = [
        (command.name, shown[command.name])
        for command in COMMANDS
        if command.keywords and shown[command.name] != taiwanese(command.keywords[0])
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("simplified", "traditional"),
    [
        ("平台账号和信息", "平臺帳號和資訊"),
        ("社区书记发送「绑定」", "社區書記傳送「綁定」"),
        ("3 天后截止，结束后公布", "3 天後截止，結束後公布"),
    ],
)
def test_the_conversion_gives_one_form_for_each_word(simplified: str, traditional: str) -> None:
    assert taiwanese(simplified) == traditional
