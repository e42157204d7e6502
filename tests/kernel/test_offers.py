"""Whatever a reply offers to type (「报名 2」, a numbered choice's number) works when its reader
types it as shown, in that chat, in every language: replayed after each reply of every
scenario, in text style (WeChat), on a copy of the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from bot import migrate
from bot.adapters.console import console_platform
from bot.app import App, bootstrap
from bot.clock import VirtualClock
from bot.config import GeneralSettings, Settings
from bot.db import Database
from tests.conftest import START
from tests.support.community import build
from tests.support.offers import Outcome, Replayer, left_out, quoted
from tests.support.scenarios import SCENARIOS


def _unsynchronised(connection: Any, _record: object) -> None:
    connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replayer]:
    """Every scenario played in text style on SQLite, each distinct offer typed back."""
    tmp_path = tmp_path_factory.mktemp("offers")
    clock = VirtualClock(START)
    settings = Settings(general=GeneralSettings(data_dir=str(tmp_path / "data")))
    main_db = Database(f"sqlite:///{tmp_path / 'main.db'}")
    migrate.upgrade(main_db.engine)
    copy_db = Database(f"sqlite:///{tmp_path / 'copy.db'}")
    for db in (main_db, copy_db):
        # The copy is written whole before each offer: waiting for the disk each time is slow.
        event.listen(db.engine, "connect", _unsynchronised)
    apps: list[App] = [
        bootstrap(settings, clock, db=db, platforms=console_platform("text"))
        for db in (main_db, copy_db)
    ]
    try:
        driver = build(apps[0], buttons=False)
        replayer = Replayer(apps[0], apps[1], driver)
        replayer.watch()
        for scenario in SCENARIOS:
            scenario(driver)
        yield replayer
    finally:
        for app in apps:
            app.close()


def _shown(outcome: Outcome) -> str:
    offer = outcome.offer
    where = offer.chat or "private"
    return (
        f"{offer.key} [{offer.language}] {offer.user}@{where}: {offer.text!r} -> {outcome.answers}"
    )


def test_every_offer_works_typed_as_shown_by_its_reader(replayed: Replayer) -> None:
    outcomes = replayed.outcomes
    failed = [_shown(o) for o in outcomes if o.failed]
    assert failed == []
    typed = {(o.offer.key, o.offer.language, o.offer.text) for o in outcomes}
    # Commands, their quotes copied along, dialog answers and numbers, in every language.
    assert {
        ("volunteering.shift_created", "zh-Hans", "报名 1"),
        ("volunteering.shift_created", "zh-Hant", "報名 1"),
        ("volunteering.shift_created", "en", "/signup 1"),
        ("volunteering.shift_created", "zh-Hans", "「报名 1」"),
        ("dialogs.ask_deadline", "zh-Hans", "「3天」"),
        ("notices.ask_scope", "en", "all"),
        ("circles.consent", "zh-Hans", "1"),
    } <= typed
    keys = {o.offer.key for o in outcomes}
    assert len(keys) > 150
    assert {"notices.notice", "requests.resolved_notice", "deliberation.remind_voter"} <= keys


def test_a_number_is_expected_to_do_what_its_choice_does(replayed: Replayer) -> None:
    numbers = [o for o in replayed.outcomes if o.offer.picks and o.offer.text.isdigit()]
    assert numbers and all(o.expected is not None for o in numbers)
    # Numbered lines shown to a whole group are picked by what they say to type, not by number.
    assert "volunteering.shift_created" in replayed.unnumbered


@pytest.mark.parametrize(
    ("text", "language", "found"),
    [
        ("报名请发送「报名 2」，取消请发送「取消报名 编号」。", "zh-Hans", ["报名 2"]),
        ("可以加「回执 截止 明天18:00」。", "zh-Hans", []),
        ('Send /me to see it, or "/signup 3"; "/signup <number>".', "en", ["/signup 3", "/me"]),
        ("1. 同意并登记 —— 回复「登记 3-2-301 同意」", "zh-Hans", ["登记 3-2-301 同意"]),
        ("例如回复「1」；选项之间用「|」隔开。", "zh-Hans", ["1"]),
    ],
)
def test_offers_are_found_and_patterns_left_out(text: str, language: str, found: list[str]) -> None:
    kept = [item for item, before in quoted(text, language) if not left_out(item, before, "")]
    assert kept == found
