"""Templates: every message exists in all three languages and renders safely."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, nodes

from bot.config import LANGUAGES
from bot.messages import Choice, Reply
from bot.rendering import TEMPLATES_DIR, Renderer
from bot.routing import Router
from handlers.registry import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
KEY_IN_CODE = re.compile(
    r"""(?:DomainError|Reply|Choice)\(\s*"([a-z_]+\.[a-z_]+)"|"([a-z_]+\.[a-z_]+)",\s*"""
    r"""f?"/[a-z]+[^"]*",\s*translated=True"""
)


def _macros(language: str) -> dict[str, dict[str, list[str]]]:
    environment = Environment(loader=FileSystemLoader(TEMPLATES_DIR))
    found: dict[str, dict[str, list[str]]] = {}
    for path in sorted(TEMPLATES_DIR.glob(f"*/{language}.j2")):
        source = path.read_text(encoding="utf-8")
        tree = environment.parse(source)
        found[path.parent.name] = {
            macro.name: [arg.name for arg in macro.args] for macro in tree.find_all(nodes.Macro)
        }
    return found


def test_all_languages_have_the_same_messages_with_the_same_arguments() -> None:
    reference = _macros("zh-Hans")
    for language in LANGUAGES:
        assert _macros(language) == reference, language


def test_every_template_key_the_code_uses_exists() -> None:
    keys: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in KEY_IN_CODE.finditer(path.read_text(encoding="utf-8")):
                keys.add(match.group(1) or match.group(2))
    assert len(keys) > 40
    macros = _macros("zh-Hans")
    missing = sorted(k for k in keys if k.split(".")[1] not in macros.get(k.split(".")[0], {}))
    assert missing == []


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


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("zh-Hans", "登记 3-2-301 同意"),
        ("zh-Hant", "登記 3-2-301 同意"),
        ("en", "/join 3-2-301 同意"),
    ],
)
def test_choices_become_numbered_lines_typed_in_the_readers_language(
    language: str, typed: str
) -> None:
    renderer = Renderer(Router(COMMANDS))
    reply = Reply(
        "circles.consent",
        {"name": "张", "address": "3-2-301", "household": "301"},
        choices=[[Choice("circles.consent_yes", "/join 3-2-301 同意", translated=True)]],
    )
    text_style = renderer.render(reply, language, html_mode=False, buttons=False)
    assert text_style.buttons == [] and typed in text_style.text
    button_style = renderer.render(reply, language, html_mode=False, buttons=True)
    assert button_style.buttons[0][0].command == "/join 3-2-301 同意"
    assert "\n1. " not in button_style.text
