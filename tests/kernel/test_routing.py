"""Routing: slash commands and Chinese keywords, after NFKC normalisation."""

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
        ("登记３－２－３０１", "join", "3-2-301"),
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
    "text", ["我的天啊", "帮助我一下", "登记处在哪", "hello", "", "/join@OtherBot 1"]
)
def test_plain_chat_and_other_bots_commands_are_not_commands(text: str) -> None:
    assert ROUTER.route(text, "LinliBot") is None


def test_an_unknown_slash_command_is_routed_to_the_unknown_reply() -> None:
    route = ROUTER.route("/frobnicate now")
    assert route is not None and route.command.name == "" and route.args == "frobnicate"


def test_typed_forms_follow_the_readers_language() -> None:
    assert ROUTER.typed_form("/join 3-2-301 同意", "zh-Hans") == "登记 3-2-301 同意"
    assert ROUTER.typed_form("/join 3-2-301 同意", "zh-Hant") == "登記 3-2-301 同意"
    assert ROUTER.typed_form("/join 3-2-301 同意", "en") == "/join 3-2-301 同意"
