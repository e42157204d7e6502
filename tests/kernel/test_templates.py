"""Templates: every message exists in all three languages and renders safely."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from jinja2 import nodes

from bot.app import App
from bot.config import LANGUAGES
from bot.messages import Choice, Reply
from bot.rendering import TEMPLATES_DIR, Renderer, template_environment, to_plain
from bot.routing import Router
from bot.services.deliberation.polls import YES_NO_LABELS
from handlers.registry import COMMANDS
from tests.support.scenarios import record_every_feature

ROOT = Path(__file__).resolve().parents[2]
FEATURES = sorted(path.name for path in TEMPLATES_DIR.iterdir() if path.is_dir())
KEY = re.compile(rf"(?:{'|'.join(FEATURES)})\.[a-z0-9_]+")
PREFIX = re.compile(rf"(?:{'|'.join(FEATURES)})\.[a-z0-9_]*")
# Keys the code builds from a prefix, with the constants that complete them.
COMPUTED = {"deliberation.option_": YES_NO_LABELS}
# Why a macro is in NOT_RENDERED.
ONLY_ON_A_BUG = "the answer to a handler's unexpected failure"
NO_SENDER = "an event without a sender, which no adapter makes"
OTHER_PLATFORM = "needs a Telegram or WeChat chat, which the scenarios lack (tests/notices has it)"
EDITED_IN_PLACE = (
    "shown only where the outbox sends and edits (Telegram): tests/notices/test_broadcast.py"
)
UNREACHABLE = (
    "needs a household whose members the bot may not write to first, which no console chat is"
    " (tests/community/test_join_reach.py has it)"
)
CORRECTED_HOURS = (
    "needs an admin on duty themselves, or points held for a redemption, when hours are"
    " corrected: tests/volunteering/test_correcting_hours.py and tests/points/test_points.py"
)
OWN_ATTENDANCE = (
    "needs an admin on the shift they confirm, or someone of their household:"
    " tests/volunteering/test_volunteering_chat.py"
)
NOBODY_HANDLING = (
    "needs a request at a layer with nobody, as in a community without a secretary:"
    " tests/requests/test_withdraw_urge.py"
)
TAKEN_EDITED = (
    "shown only where the outbox sends and edits (Telegram): tests/requests/test_requests.py"
)
# A help list's line, in Chinese characters or in English letters.
HELP_LINE_CHARACTERS = 45
HELP_LINE_LETTERS = 60
# Macros no console scenario renders, each with the reason.
NOT_RENDERED = {
    "core.internal_error": ONLY_ON_A_BUG,
    "core.no_sender": NO_SENDER,
    "households.unheard_request": UNREACHABLE,
    "notices.file_console_only": OTHER_PLATFORM,
    "notices.file_too_big": OTHER_PLATFORM,
    "notices.progress": EDITED_IN_PLACE,
    "requests.assigned_taken": TAKEN_EDITED,
    "requests.assigned_withdrawn": TAKEN_EDITED,
    "requests.nobody_to_urge": NOBODY_HANDLING,
    "volunteering.hours_points_held": CORRECTED_HOURS,
    "volunteering.not_own_hours": CORRECTED_HOURS,
    "volunteering.not_own_attendance": OWN_ATTENDANCE,
}


@dataclass(frozen=True)
class Macro:
    """A macro's parameters, those without a default first."""

    params: tuple[str, ...]
    required: int

    def accepts(self, given: frozenset[str]) -> bool:
        """`given` holds every parameter without a default, and nothing else."""
        return set(self.params[: self.required]) <= given <= set(self.params)


def _macros(language: str) -> dict[str, Macro]:
    environment = template_environment()
    found: dict[str, Macro] = {}
    for feature in FEATURES:
        tree = environment.parse((TEMPLATES_DIR / feature / f"{language}.j2").read_text("utf-8"))
        for macro in tree.find_all(nodes.Macro):
            params = tuple(arg.name for arg in macro.args)
            found[f"{feature}.{macro.name}"] = Macro(params, len(params) - len(macro.defaults))
    return found


def _called_within_templates() -> set[str]:
    """Macros that other macros call (`names.kind(...)`, or a macro of the same file)."""
    environment = template_environment()
    called: set[str] = set()
    for feature in FEATURES:
        tree = environment.parse((TEMPLATES_DIR / feature / "zh-Hans.j2").read_text("utf-8"))
        aliases = {node.target: node.template for node in tree.find_all(nodes.Import)}
        for call in tree.find_all(nodes.Call):
            target = call.node
            if isinstance(target, nodes.Name):
                called.add(f"{feature}.{target.name}")
            elif isinstance(target, nodes.Getattr) and isinstance(target.node, nodes.Name):
                imported = aliases.get(target.node.name)
                if isinstance(imported, nodes.Const):
                    called.add(f"{str(imported.value).split('/')[0]}.{target.attr}")
    return called


def _strings_in_code() -> Iterator[tuple[str, bool]]:
    """Every string constant of bot/ and handlers/, and whether it opens an f-string."""
    for folder in ("bot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text("utf-8"))
            pieces = {
                id(piece)
                for node in ast.walk(tree)
                if isinstance(node, ast.JoinedStr)
                for piece in node.values
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.JoinedStr) and node.values:
                    first = node.values[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        yield first.value, True
                elif isinstance(node, ast.Constant) and id(node) not in pieces:
                    yield str(node.value), False


def _keys_in_code() -> set[str]:
    """Every template key the code names, with the computed ones spelled out."""
    keys = {text for text, opens in _strings_in_code() if not opens and KEY.fullmatch(text)}
    prefixes = {text for text, opens in _strings_in_code() if opens and PREFIX.fullmatch(text)}
    assert prefixes == set(COMPUTED), "a computed key: list its constants in COMPUTED"
    return keys | {prefix + end for prefix, ends in COMPUTED.items() for end in ends}


def test_all_languages_have_the_same_messages_with_the_same_arguments() -> None:
    reference = _macros("zh-Hans")
    for language in LANGUAGES:
        assert _macros(language) == reference, language


def test_every_template_key_the_code_uses_exists() -> None:
    keys = _keys_in_code()
    assert {"core.help", "deliberation.option_abstain", "volunteering.signed_up"} <= keys
    for language in LANGUAGES:
        assert sorted(keys - set(_macros(language))) == [], language


def test_every_message_is_rendered_with_exactly_its_parameters_by_some_scenario(app: App) -> None:
    recorder = record_every_feature(app)
    macros = _macros("zh-Hans")
    wrong = sorted(
        (key, sorted(given), macros[key].params)
        for key, given, _ in set(recorder.seen)
        if not macros[key].accepts(given)
    )
    assert wrong == []
    rendered = {key for key, _, _ in recorder.seen} | _called_within_templates()
    assert sorted(set(macros) - rendered - set(NOT_RENDERED)) == []
    assert sorted(set(NOT_RENDERED) & rendered) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_user_content_is_escaped_in_html_and_verbatim_in_plain_text(language: str) -> None:
    renderer = Renderer(Router(COMMANDS))
    reply = Reply("circles.welcome", {"name": "<b>&", "circle": "1号院", "registered": True})
    html = renderer.render(reply, language, html_mode=True, buttons=True).text
    plain = renderer.render(reply, language, html_mode=False, buttons=True).text
    assert "&lt;b&gt;&amp;" in html and "<b>&" not in html
    assert "<b>&" in plain


def test_template_markup_survives_in_html_and_is_dropped_in_plain_text() -> None:
    renderer = Renderer(Router(COMMANDS))
    reply = Reply("circles.registered", {"name": "张", "address": "3-2-301", "household": "301"})
    assert "<b>301</b>" in renderer.render(reply, "zh-Hans", html_mode=True, buttons=True).text
    assert "<b>" not in renderer.render(reply, "zh-Hans", html_mode=False, buttons=True).text


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_a_private_chat_is_called_si_liao_in_every_chinese_reply(language: str) -> None:
    renderer = Renderer(Router(COMMANDS))
    help_line = renderer.markup("requests.help_line", {"key": "requests"}, language)
    recorded = renderer.markup("points.recorded_here", {"name": "张"}, language)
    assert "私聊" in help_line and "私聊" in recorded
    for path in TEMPLATES_DIR.glob(f"*/{language}.j2"):
        assert "私信" not in path.read_text("utf-8"), path


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_a_number_after_hash_stands_apart_from_the_chinese_word_after_it(language: str) -> None:
    # 议题 #1 了, not 议题 #1了: the number is read apart from the word that follows it.
    run_in = re.compile(r"#\{\{[^}]*\}\}[\u4e00-\u9fff]")
    for path in TEMPLATES_DIR.glob(f"*/{language}.j2"):
        assert run_in.findall(path.read_text("utf-8")) == [], path


def test_english_replies_quote_with_straight_quotes() -> None:
    # "here", as every English reply quotes what to type, not “here”.
    for path in TEMPLATES_DIR.glob("*/en.j2"):
        assert re.findall("[“”]", path.read_text("utf-8")) == [], path


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("zh-Hans", "登记 3-2-301 同意"),
        ("zh-Hant", "登記 3-2-301 同意"),
        ("en", "/join 3-2-301 agree"),
    ],
)
def test_a_consent_says_once_what_to_type_in_the_readers_language(
    language: str, typed: str
) -> None:
    renderer = Renderer(Router(COMMANDS))
    reply = Reply(
        "circles.consent",
        {"name": "张", "address": "3-2-301", "household": "301"},
        choices=[[Choice("circles.consent_yes", "/join 3-2-301 同意", translated=True)]],
    )
    text_style = renderer.render(reply, language, html_mode=False, buttons=False)
    assert text_style.buttons == [] and text_style.text.count(typed) == 1
    assert "\n1. " not in text_style.text
    button_style = renderer.render(reply, language, html_mode=False, buttons=True)
    assert button_style.buttons[0][0].command == "/join 3-2-301 同意"
    assert typed in button_style.text and "\n1. " not in button_style.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_move_and_a_join_request_say_once_what_to_type(language: str) -> None:
    renderer = Renderer(Router(COMMANDS))
    data = {"name": "张", "address": "3-2-302", "household": "302"}
    move = Reply(
        "circles.confirm_move",
        data,
        choices=[[Choice("circles.move_yes", "/move 3-2-302", translated=True)]],
    )
    ask = Reply(
        "households.join_request",
        {"name": "张", "household": "302", "number": 7},
        choices=[
            [
                Choice("households.join_yes", "/confirmjoin 7", translated=True),
                Choice("households.join_no", "/refusejoin 7", translated=True),
            ]
        ],
    )
    router = Router(COMMANDS)
    for reply in (move, ask):
        text = renderer.render(reply, language, html_mode=False, buttons=False).text
        for choice in (c for row in reply.choices for c in row):
            assert text.count(router.typed_form(choice.command, language)) == 1, text
        # The household is given numbered choices, which a bare yes or no also picks.
        assert ("\n1. " in text) == (reply is ask), text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_listed_command_has_its_help_line_and_menu_name_with_its_feature(
    language: str,
) -> None:
    renderer = Renderer(Router(COMMANDS))
    for command in COMMANDS:
        if not command.listed_in:
            assert command.menus == (), command.name
            continue
        key = f"{command.listed_in}.help_line"
        line = renderer.markup(key, {"key": command.name}, language)
        assert f"/{command.name}" in line, (command.name, line)
        if command.menus:
            name = renderer.markup(key, {"key": command.name, "menu": True}, language)
            assert name and "/" not in name and len(name) <= 256, (command.name, name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_help_lists_line_is_short_and_a_full_form_says_more(language: str) -> None:
    renderer = Renderer(Router(COMMANDS))
    # About two lines of a phone's screen: fewer Chinese characters fit than Latin letters.
    limit = HELP_LINE_LETTERS if language == "en" else HELP_LINE_CHARACTERS
    for command in (c for c in COMMANDS if c.listed_in):
        key = f"{command.listed_in}.help_line"
        line = to_plain(renderer.markup(key, {"key": command.name}, language))
        assert len(line) <= limit, (command.name, len(line), line)
        if command.full_form:
            form = to_plain(renderer.markup(key, {"key": command.name, "form": True}, language))
            assert form.startswith(f"/{command.name}") and len(form) > len(line), form
            # Asked about, a command may take the room of two lines of a list, not more.
            assert len(form) <= 2 * limit, (command.name, len(form), form)
    assert any(c.full_form for c in COMMANDS)
