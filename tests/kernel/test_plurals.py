"""English counts take Jinja2's plural support: "1 household", "2 households", never "(s)"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jinja2 import nodes

from bot.rendering import TEMPLATES_DIR, Renderer, template_environment, to_plain
from bot.routing import Router
from handlers.registry import COMMANDS

FOLDERS = sorted(path.name for path in TEMPLATES_DIR.iterdir() if path.is_dir())
# A plural noun right after a value: "{{ n }} households" (a number shown as "#{{ n }}" is an id).
_AFTER_VALUE = re.compile(r"^ (?:more )?(people|[a-z-]+s)\b")
_NOT_NOUNS = {"is", "has", "was", "as", "this", "asks"}
# "1 households", "1 people": a plural after one (not an id "#1", and a possessive "'s" is fine).
_WRONG_ONE = re.compile(r"(?<!#)\b1 (?:more )?(?!(?:is|has|was)\b)(people|[a-z-]*[^s']s)\b")
RENDERER = Renderer(Router(COMMANDS))
ENVIRONMENT = template_environment()


def _english_texts(folder: str) -> Iterator[tuple[str, str]]:
    """Each macro's name and the literal texts in it."""
    tree = ENVIRONMENT.parse((TEMPLATES_DIR / folder / "en.j2").read_text("utf-8"))
    for macro in tree.find_all(nodes.Macro):
        for data in macro.find_all(nodes.TemplateData):
            yield macro.name, data.data
        for constant in macro.find_all(nodes.Const):
            if isinstance(constant.value, str):
                yield macro.name, constant.value


def _counts_outside_ngettext(folder: str) -> Iterator[tuple[str, str]]:
    """Values followed by a plural noun in the template text itself, not by ngettext."""
    tree = ENVIRONMENT.parse((TEMPLATES_DIR / folder / "en.j2").read_text("utf-8"))
    for macro in tree.find_all(nodes.Macro):
        for output in macro.find_all(nodes.Output):
            parts = output.nodes
            for before, value, after in zip([None, *parts], parts, parts[1:], strict=False):
                if isinstance(value, nodes.TemplateData) or not isinstance(
                    after, nodes.TemplateData
                ):
                    continue
                if isinstance(before, nodes.TemplateData) and before.data.endswith("#"):
                    continue
                noun = _AFTER_VALUE.match(after.data)
                if noun and noun.group(1) not in _NOT_NOUNS:
                    yield macro.name, after.data[:30]


@pytest.mark.parametrize("folder", FOLDERS)
def test_english_counts_use_the_plural_support(folder: str) -> None:
    texts = list(_english_texts(folder))
    assert [(name, text) for name, text in texts if "(s)" in text] == []
    assert [name for name, text in texts if text == "s"] == [], '{{ "s" if n > 1 }}: use ngettext'
    assert list(_counts_outside_ngettext(folder)) == []


def _shift(**changes: Any) -> dict[str, Any]:
    """A shift as templates get it."""
    shift = {
        "number": 3,
        "title": "Gate duty",
        "place": "",
        "capacity": 2,
        "taken": 0,
        "left": 0,
        "waiting": 0,
        "waitlist": 0,
        "role": "",
        "cancelled": False,
        "date": [2026, 11, 24, 1],
        "start": "08:00",
        "end": "10:00",
        "next_day": False,
    }
    return shift | changes


_POLL = {
    "number": 2,
    "question": "Fix the lights?",
    "kind": "multiple",
    "choose": 2,
    "per_household": True,
    "anonymous": False,
    "hidden": False,
    "changeable": False,
    "quorum": 0,
    "scope": "",
    "deadline": [2026, 12, 1, 1, "18:00", False],
    "topic": None,
}
_TOPIC = {
    "number": 1,
    "title": "Lights",
    "status": "raised",
    "proposer": "Zhang",
    "place": "1号院",
    "raised": [2026, 11, 23, 0, "10:00", False],
    "hot": False,
    "reason": "",
    "decision": "",
    "owner": "",
    "due": None,
    "polls": [],
    "notes": [],
    "pollable": False,
}
_RULES = {
    "community": "红旗里社区",
    "day_before": "",
    "changed": False,
    "editable": True,
}


def _cases(n: int) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(message, data, what it must say) for every count in the English texts, counting n."""
    s = "" if n == 1 else "s"
    people = "person" if n == 1 else "people"
    each = {"limit": n}
    yield "circles.name_too_long", each, f"at most {n} character{s})"
    yield (
        "circles.member_counts",
        {"circle": "1号院", "households": n, "people": n, "unregistered": 0},
        f"{n} household{s} and {n} {people} registered",
    )
    yield "core.too_long", each, f"at most {n} character{s})"
    yield "core.argument_too_long", each, f"at most {n} character{s})"
    yield "deliberation.rules", _POLL | {"choose": n}, f"up to {n} choice{s}"
    topic = {"number": 1, "title": "Lights", "count": n}
    verb = "supports" if n == 1 else "support"
    yield (
        "deliberation.proposed",
        topic | {"needed": 5, "reached": False},
        f"{n} household{s} {verb} it;",
    )
    yield (
        "deliberation.proposed",
        topic | {"needed": n, "reached": True},
        f"{n} household{s} {verb} it: it is",
    )
    yield (
        "deliberation.seconded",
        topic | {"needed": n, "reached": True},
        f"{n}/{n} household{s}.\nIt has the {n} household{s} it needed",
    )
    yield (
        "deliberation.agenda_notice",
        topic | {"circle": "1号院"},
        "has 1 household's support" if n == 1 else "has 2 households' support",
    )
    yield "deliberation.topic", _TOPIC | {"count": n, "needed": 5}, f"Support: {n} household{s} ("
    yield "deliberation.hot_pushed", {"number": 1, "chats": n}, f"to {n} group{s}."
    second = "seconds" if n == 1 else "second"
    yield (
        "deliberation.threshold_set",
        {"needed": n, "community": "红旗里社区"},
        f"once {n} household{s} {second} it.",
    )
    yield "deliberation.solved", topic | {"told": n}, f"({n} resident{s})"
    poll = _POLL | {"options": [], "opens": "", "closed": False}
    yield "deliberation.poll", poll | {"ballots": n}, f"Voted: {n} household{s}"
    yield (
        "deliberation.poll",
        poll | {"ballots": n, "per_household": False},
        f"Voted: {n} resident{s}",
    )
    result = _POLL | {"options": [], "average": None, "turnout": "100", "quorum_met": None}
    yield (
        "deliberation.result",
        result | {"eligible": n, "voted": n, "choices": n, "final": True},
        f"Turnout: {n} of {n} household{s}",
    )
    yield (
        "deliberation.result",
        result | {"eligible": n, "voted": n, "choices": n, "final": True},
        f"{n} ballot{s} with {n} choice{s}:",
    )
    has = "has" if n == 1 else "have"
    yield (
        "deliberation.remind_circle",
        _POLL | {"waiting": n},
        f"{n} household{s} {has} not voted yet.",
    )
    yield (
        "deliberation.remind_circle",
        _POLL | {"waiting": n, "per_household": False},
        f"{n} resident{s} {has} not voted yet.",
    )
    yield "deliberation.poll_posted", {"number": 1, "chats": n}, f"in {n} group{s};"
    for key in ("title", "note", "owner", "question"):
        yield f"deliberation.{key}_too_long", each, f"at most {n} character{s}."
    yield "deliberation.option_too_long", each, f"at most {n} character{s} each."
    yield (
        "deliberation.which_poll",
        {"polls": [(1, "Fix?")] * n},
        f"has {n} open poll{s};",
    )
    yield "deliberation.too_many_choices", {"number": 1} | each, f"at most {n} choice{s}."
    yield "deliberation.ballot_full", {"number": 1} | each, f"chosen {n} option{s} already"
    yield "dialogs.too_many_options", each, f"at most {n} option{s}."
    yield "dialogs.ask_deadline", {"days": n}, f"in {n} day{s}."
    yield "grid.too_deep", {"levels": n}, f"at most {n} level{s}:"
    yield "grid.address_too_long", each, f"at most {n} character{s} each"
    are = "is" if n == 1 else "are"
    yield (
        "households.rule",
        {"community": "红旗里社区", "on": True, "waiting": n, "changed": False},
        f"{n} household{s} {are} waiting.",
    )
    award = {"names": ["Zhang"], "category": "patrol", "reason": ""}
    yield "points.awarded", award | {"amount": n}, f"Awarded {n} point{s} to"
    yield "points.awarded", award | {"amount": -n}, f"Deducted {n} point{s} from"
    yield (
        "points.recycled",
        {"name": "Zhang", "kind": "batteries", "points": n, "capped": False},
        f"; {n} point{s}.",
    )
    yield "points.over_cap", {"cap": n}, f"At most {n} point{s} at"
    yield "points.below_zero", {"balance": n, "held": 0}, f"only {n} point{s} left,"
    yield "roles.circle_at", {"place": "1号院", "count": n}, f"has {n} circle{s};"
    yield "volunteering.places", {"s": _shift(capacity=n)}, f"{n} {people}, full"
    yield (
        "volunteering.shift_created",
        {"shift": _shift(capacity=n), "started": n},
        f"{n} {people}\n({n} slot{s} that had already started {'was' if n == 1 else 'were'} left",
    )
    yield (
        "volunteering.rota_created",
        {
            "title": "Gate duty",
            "place": "",
            "count": n,
            "first": _shift(),
            "last": _shift(),
            "capacity": n,
            "role": "",
            "started": 0,
        },
        f"{n} shift{s} #3–#3, {n} {people} each",
    )
    numbers = list(range(1, n + 1))
    listed = ", ".join(f"#{number}" for number in numbers)
    yield (
        "volunteering.shifts_edited",
        {"numbers": numbers, "changed": ["time"], "told": n},
        f"of shift{s} {listed}; {n} volunteer{s} told",
    )
    yield (
        "volunteering.shifts_cancelled",
        {"numbers": numbers, "told": n},
        f"Cancelled shift{s} {listed}; {n} volunteer{s} told",
    )
    yield (
        "volunteering.shift_changed",
        {"shift": _shift(capacity=n), "name": "Zhang", "changed": ["capacity"]},
        f", {n} {people}",
    )
    sign_up = {"shift": _shift(), "name": "Zhang", "noshows": n, "days": n}
    yield (
        "volunteering.signed_up",
        sign_up
        | {"status": "pending", "position": 1, "cancel_until": [2026, 11, 24, 1, "06:00", False]},
        f"After {n} no-show{s} in {n} day{s},",
    )
    yield "volunteering.approval_request", sign_up, f"After {n} no-show{s} in {n} day{s},"
    yield (
        "volunteering.my_hours",
        {"name": "Zhang", "total": 60, "month": 60, "shifts": n, "projects": []},
        f"this month), {n} shift{s}",
    )
    yield (
        "volunteering.circle_hours",
        {"circle": "1号院", "community": "红旗里社区", "here": (60, n, n), "whole": (60, n, n)}
        | {"top": []},
        f"{n} project{s}, {n} volunteer{s}\n",
    )
    duty = _RULES | {"hour_before": n, "cancel": n, "noshow_limit": n, "noshow_days": n}
    yield "volunteering.rules", duty, f"start: {n} minute{s} before"
    yield "volunteering.rules", duty, f"closes {n} minute{s} before"
    yield "volunteering.rules", duty, f"after {n} no-show{s} in {n} day{s},"
    yield "volunteering.title_too_long", each, f"at most {n} character{s})"
    yield "volunteering.place_too_long", each, f"at most {n} character{s})"
    yield "volunteering.bad_step", {"minimum": n}, f"at least {n} minute{s} and"
    yield "volunteering.too_many_slots", {"count": n, "limit": 9}, f"make {n} shift{s};"
    yield "volunteering.range_too_long", each, f"at most {n} day{s})"
    yield "volunteering.too_many_numbers", each, f"At most {n} shift{s} at once."
    yield (
        "volunteering.capacity_below_taken",
        {"number": 3, "taken": n},
        f"{n} {people} {has} signed up",
    )
    yield (
        "volunteering.checkin_outside",
        {"minutes": n, "number": 0, "at": ""},
        f"opens {n} minute{s} before",
    )
    yield "volunteering.checkout_late", {"number": 3, "minutes": n}, f"than {n} minute{s} ago"


@pytest.mark.parametrize("n", [1, 2])
def test_every_english_count_reads_right_for_one_and_for_two(n: int) -> None:
    wrong = []
    for key, data, expected in _cases(n):
        feature, _, name = key.partition(".")
        macro = getattr(ENVIRONMENT.get_template(f"{feature}/en.j2").module, name)
        given = {param: value for param, value in data.items() if param in macro.arguments}
        text = to_plain(RENDERER.markup(key, given, "en"))
        if expected not in text or "(s)" in text or _WRONG_ONE.search(text):
            wrong.append((key, expected, text))
    assert wrong == []
