"""Rendering replies from Jinja2 templates: HTML for Telegram, plain text elsewhere."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.runtime import Macro
from markupsafe import Markup

from bot.config import LANGUAGES
from bot.messages import Choice, Reply
from bot.routing import Router

TEMPLATES_DIR = Path(__file__).parent / "templates"
_TAG = re.compile(r"</?(?:b|i|u|s|code|pre)>")
_BLANK_RUNS = re.compile(r"\n{3,}")
# What a reply tells its reader to type: 「报名 3」, “报名 3”, "/signup 3".
_QUOTED = re.compile(r"「([^」]+)」|“([^”]+)”|\"([^\"]+)\"")


@dataclass
class Rendered:
    """A reply as text, with its buttons (label, command) where the style has them."""

    text: str
    buttons: list[list[Choice]] = field(default_factory=list)


def template_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The Jinja2 environment of the templates.

    English counts use Jinja2's i18n extension with null translations:
    `ngettext("%(num)d household", "%(num)d households", n)` picks the form for n.
    Templates are read once: checking each file's time at every reply cost a tenth of
    the event loop's time on `/me`.
    """
    environment = Environment(
        loader=FileSystemLoader(templates_dir),
        auto_reload=False,
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.i18n"],
    )
    environment.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return environment


class Renderer:
    """Each feature's messages are macros of one file per language: `<feature>/<language>.j2`."""

    def __init__(self, router: Router, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.router = router
        self._environment = template_environment(templates_dir)

    def _macro(self, key: str, language: str) -> Macro:
        feature, _, name = key.partition(".")
        if language not in LANGUAGES:
            language = LANGUAGES[0]
        module = self._environment.get_template(f"{feature}/{language}.j2").module
        macro: Macro = getattr(module, name)
        return macro

    def markup(self, key: str, data: dict[str, Any], language: str, *, buttons: bool = True) -> str:
        """The reply text as Telegram-safe HTML (user content escaped).

        A message with a `buttons` parameter is told whether the reader has buttons,
        so that where there are none it says what to type instead; one with a `say`
        parameter gets a function that renders another message (`say(key, **data)`).
        """
        macro = self._macro(key, language)
        if "buttons" in macro.arguments:
            data = {**data, "buttons": buttons}
        if "say" in macro.arguments:
            data = {**data, "say": self._sayer(language)}
        text = str(macro(**data))
        return _BLANK_RUNS.sub("\n\n", text.strip())

    def _sayer(self, language: str) -> Callable[..., Markup]:
        """A function rendering another message, in `language`, inside the one being rendered."""

        def say(key: str, /, **data: Any) -> Markup:
            return Markup(self.markup(key, data, language))

        return say

    def render(self, reply: Reply, language: str, *, html_mode: bool, buttons: bool) -> Rendered:
        """Render `reply` for a platform: HTML or plain, buttons or numbered lines.

        A message whose macro takes `typed` lists its choices itself: without buttons it
        gets what to type for each choice, in order (with buttons, nothing), and no
        numbered lines are added. Nor is a line added for a choice the text already tells
        its reader to type (报名请发送「报名 3」); the others keep their numbers, which a
        typed number picks by.
        """
        rows = [
            [
                replace(choice, label=self.label(choice, language), translated=False)
                for choice in row
            ]
            for row in reply.choices
        ]
        data = reply.data
        listed = "typed" in self._macro(reply.template, language).arguments
        if listed:
            typed = [self.router.typed_form(c.command, language) for row in rows for c in row]
            data = data | {"typed": [] if buttons else typed}
        text = self.markup(reply.template, data, language, buttons=buttons)
        if rows and not buttons and not listed:
            spelled = self._spelled_out(text, language)
            typed = [self.router.typed_form(c.command, language) for row in rows for c in row]
            lines = [
                self.markup(
                    "core.choice_line",
                    {"number": number, "label": choice.label, "typed": typed[number - 1]},
                    language,
                )
                for number, choice in enumerate((c for row in rows for c in row), start=1)
                if typed[number - 1] not in spelled
            ]
            text = "\n".join([text, *lines])
        if not html_mode:
            text = to_plain(text)
        return Rendered(text, rows if buttons else [])

    def _spelled_out(self, markup: str, language: str) -> set[str]:
        """What `markup` tells its reader to type, in quotes, each as a choice's typed form
        would say it (「批准 3 @张三」 as 批准报名 3 @张三)."""
        found = set()
        for match in _QUOTED.finditer(to_plain(markup)):
            said = next(group for group in match.groups() if group)
            found.add(said)
            route = self.router.route(said)
            if route is not None:
                command = f"/{route.command.name} {route.args}"
                found.add(self.router.typed_form(command, language))
        return found

    def label(self, choice: Choice, language: str) -> str:
        """The choice's label as a reader sees it in `language`."""
        if not choice.translated:
            return choice.label
        return to_plain(self.markup(choice.label, {}, language))


def to_plain(markup: str) -> str:
    """Drop the few formatting tags templates use and unescape entities."""
    return html.unescape(_TAG.sub("", markup))
