"""Routing: slash commands and Chinese keywords, after NFKC normalisation; arguments as typed."""

from __future__ import annotations

import pytest

from bot.routing import Router
from handlers.registry import COMMANDS

ROUTER = Router(COMMANDS)


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("/join 3-2-301", "join", "3-2-301"),
        ("/JOIN   3-2-301  ", "join", "3-2-301"),
        ("/join@LinliBot 3-2-301", "join", "3-2-301"),
        ("登记 3-2-301", "join", "3-2-301"),
        ("登记：3-2-301", "join", "3-2-301"),
        ("登记３－２－３０１", "join", "３－２－３０１"),
        ("登记　３－２－３０１", "join", "３－２－３０１"),
        ("／ｊｏｉｎ　3-2-301", "join", "3-2-301"),
        ("报名1号", "signup", "1号"),
        ("报名 1号班", "signup", "1号班"),
        ("报名二", "signup", "二"),
        ("报名三号", "signup", "三号"),
        ("登记三号楼二单元301", "join", "三号楼二单元301"),
        ("提议：3号楼门口路灯坏了，晚上看不见？", "propose", "3号楼门口路灯坏了，晚上看不见？"),
        ("/propose ＡＢ，？", "propose", "ＡＢ，？"),
        ("登記 3-2-301", "join", "3-2-301"),
        ("　帮助　", "help", ""),
        ("設角色 @王五 樓長", "role", "@王五 樓長"),
        ("设角色@王五 楼长", "role", "@王五 楼长"),
    ],
)
def test_commands_are_found_in_every_form(text: str, name: str, args: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    "text",
    [
        "我的天啊",
        "帮助我一下",
        "登记处在哪",
        "hello",
        "",
        "/join@OtherBot 1",
        "登记一下",
        "提议一起去",
    ],
)
def test_plain_chat_and_other_bots_commands_are_not_commands(text: str) -> None:
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("我要报名2号班", "signup", "2号班"),
        ("我想登记 3-2-301 同意", "join", "3-2-301 同意"),
        ("我想要 报名 二", "signup", "二"),
        ("我要投票", "vote", ""),
        ("帮我报名 2", "signup", "2"),
        ("請幫我登記 3-2-301", "join", "3-2-301"),
        ("请帮我查积分", "points", ""),
        ("帮我查一下我的积分", "points", ""),
        ("我想看看值班表", "shifts", ""),
        ("查积分", "points", ""),
    ],
)
def test_a_keyword_after_i_want_or_please_is_found(text: str, name: str, args: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    "text",
    [
        "我想说两句",
        "我要去买菜",
        "请帮我一下",
        "我要登记一下",
        "我想帮助他",
        "请",
        "我要",
        "查登记 3-2-301",
        "我想查报名 2",
    ],
)
def test_i_want_or_please_before_anything_else_is_plain_chat(text: str) -> None:
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("help", "help", ""),
        ("Help!", "help", ""),
        ("ＭＥ。", "me", ""),
        ("join 3-2-301 同意", "join", "3-2-301 同意"),
        ("Vote  2 1", "vote", "2 1"),
    ],
)
def test_an_english_command_name_is_found_without_its_slash(
    text: str, name: str, args: str
) -> None:
    route = ROUTER.named(text)
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize("text", ["hello", "helpme", "help-me", "/help", "帮助", "2"])
def test_other_words_are_no_english_command_name(text: str) -> None:
    assert ROUTER.named(text) is None


def test_an_unknown_slash_command_is_routed_to_the_unknown_reply() -> None:
    route = ROUTER.route("/frobnicate now")
    assert route is not None and route.command.name == "" and route.args == "frobnicate"


def test_typed_forms_follow_the_readers_language() -> None:
    assert ROUTER.typed_form("/join 3-2-301 同意", "zh-Hans") == "登记 3-2-301 同意"
    assert ROUTER.typed_form("/join 3-2-301 同意", "zh-Hant") == "登記 3-2-301 同意"
    assert ROUTER.typed_form("/join 3-2-301 同意", "en") == "/join 3-2-301 同意"
