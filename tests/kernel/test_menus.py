"""A bare number after a numbered menu in a private chat answers that menu (text style)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from bot.app import App
from bot.clock import VirtualClock
from bot.db import Database
from bot.services.common import menus
from models import Menu
from tests.support.community import build, session_of, text_style
from tests.support.driver import PLATFORM, Driver

HINT = "没看懂您的意思"


@pytest.fixture
def driver(text_app: App) -> Driver:
    """The test community, answered in text style."""
    return build(text_app, buttons=False)


def _language(driver: Driver, user: str) -> str | None:
    return driver.resident(user).language


def test_a_bare_number_answers_the_menu_just_shown(driver: Driver) -> None:
    menu = driver.one("r1", "语言")
    assert "1. 简体中文" in menu.text and "2. 繁體中文" in menu.text
    answer = driver.one("r1", "2")
    assert "繁體中文" in answer.text and HINT not in answer.text
    assert _language(driver, "r1") == "zh-Hant"


def test_a_chinese_numeral_answers_it_too(driver: Driver) -> None:
    driver.one("r1", "语言")
    driver.one("r1", "三")
    assert _language(driver, "r1") == "en"


@pytest.mark.parametrize("typed", ["2。", "2.", "２", "２．", "二！"])
def test_a_number_ending_a_sentence_answers_it_too(driver: Driver, typed: str) -> None:
    driver.one("r1", "语言")
    answer = driver.one("r1", typed)
    assert "繁體中文" in answer.text and HINT not in answer.text
    assert _language(driver, "r1") == "zh-Hant"


def test_a_number_the_menu_lacks_is_refused_and_changes_nothing(driver: Driver) -> None:
    driver.one("r1", "语言")
    before = driver.snapshot()
    answer = driver.one("r1", "9")
    assert "没有第 9 项" in answer.text and "1 到 3" in answer.text
    assert driver.snapshot() == before
    driver.one("r1", "1")
    assert _language(driver, "r1") == "zh-Hans"


def test_a_number_a_one_choice_menu_lacks_asks_for_that_one(driver: Driver) -> None:
    driver.say("n1", "大家好", "g1", name="n1")
    consent = driver.one("n1", "登记 3-2-305")
    assert "同意请回复「登记 3-2-305 同意」" in consent.text
    answer = driver.one("n1", "2")
    assert answer.text == "没有第 2 项。请回复 1，或直接发送命令。"
    assert driver.household_of("n1") is None


def test_the_menu_is_forgotten_after_another_command(driver: Driver) -> None:
    driver.one("r1", "语言")
    driver.one("r1", "帮助")
    assert HINT in driver.one("r1", "2").text
    assert _language(driver, "r1") is None


def test_the_menu_expires_after_thirty_minutes(driver: Driver, clock: VirtualClock) -> None:
    driver.one("r1", "语言")
    clock.set(clock.now() + timedelta(minutes=31))
    assert HINT in driver.one("r1", "2").text
    assert _language(driver, "r1") is None


def test_the_menu_survives_a_restart(
    driver: Driver, db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    driver.one("r1", "语言")
    again = text_style(db, clock, tmp_path)
    try:
        Driver(again, buttons=False).one("r1", "2")
    finally:
        again.close()
    assert _language(driver, "r1") == "zh-Hant"


def test_the_menu_is_the_persons_own(driver: Driver) -> None:
    driver.one("r1", "语言")
    assert HINT in driver.one("r2", "2").text
    assert _language(driver, "r2") is None
    with session_of(driver.app) as session:
        assert [m.user_id for m in session.scalars(select(Menu))] == ["r1"]


def test_in_a_group_a_bare_number_stays_chat(driver: Driver) -> None:
    driver.say("owner", "语言", "g1")
    assert driver.say("owner", "2", "g1") == []
    with session_of(driver.app) as session:
        assert session.scalars(select(Menu)).all() == []


def test_in_a_group_a_number_answers_the_menu_of_the_sender_s_open_dialog(
    driver: Driver,
) -> None:
    asked = driver.one("sec", "通知", "g1")
    # The step says what to type; its menu still holds 本群 and 全部, in that order.
    assert "「全部」、「本群」" in asked.text and "1. 本群" not in asked.text
    driver.one("sec", "2", "g1")
    assert [a.reply.template for a in driver.answers] == ["notices.ask_text"]
    assert driver.answers[0].reply.data["scope"] == "全部"


@pytest.mark.parametrize(
    ("chat", "answers"),
    [
        (None, ["「全部」", "停水", "「不要」", "「现在」"]),
        ("g1", ["「本群」", "停水", "“要”", "『现在』"]),
        # Or typed with a full stop after it.
        (None, ["全部。", "停水。", "不要。", "现在。"]),
    ],
)
def test_an_answer_copied_with_its_quotes_answers_the_dialog(
    driver: Driver, chat: str | None, answers: list[str]
) -> None:
    driver.one("sec", "通知", chat)
    steps = []
    for answer in answers:
        driver.say("sec", answer, chat)
        steps.append(driver.answers[0].reply.template)
    assert steps == [
        "notices.ask_text",
        "notices.ask_receipts",
        "notices.ask_when",
        "notices.preview",
    ]


def test_a_guided_polls_answers_copied_with_their_quotes(driver: Driver) -> None:
    driver.one("owner", "发起投票", "g1")
    steps = []
    for answer in ["修灯吗", "修 | 不修", "「完成」", "「3天」", "「匿名」", "完成。"]:
        driver.say("owner", answer, "g1")
        steps.append(driver.answers[0].reply.template)
    assert steps == [
        "dialogs.ask_options",
        "dialogs.options_so_far",
        "dialogs.ask_deadline",
        "dialogs.ask_settings",
        "dialogs.settings_so_far",
        "deliberation.poll",
    ]


def test_a_guided_polls_question_keeps_its_mark_and_answers_drop_their_full_stop(
    driver: Driver,
) -> None:
    driver.one("owner", "发起投票", "g1")
    for answer in ["修灯吗？", "修。", "不修。", "完成。", "3天。"]:
        driver.say("owner", answer, "g1")
    posted = driver.say("owner", "完成！", "g1")[0].text
    assert "修灯吗？" in posted and "1. 修 ——" in posted and "2. 不修 ——" in posted


def test_a_private_command_without_a_menu_costs_no_statement_of_its_own_for_menus(
    app: App,
) -> None:
    """Whether the sender has a menu (where there are buttons, a ballot) is read with them."""
    driver = build(app)
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(app.db.engine, "before_cursor_execute", note)
    try:
        assert "住址" in driver.one("r1", "/me").text
        direct = app.dispatcher.handle(driver.incoming("r1", "/me"), direct=True)
        assert "住址" in driver.received(direct)[0].text
    finally:
        event.remove(app.db.engine, "before_cursor_execute", note)
    assert statements
    own = ("SELECT menus.", "DELETE FROM menus", "INSERT INTO menus", "UPDATE menus")
    assert not [s for s in statements if s.lstrip().startswith(own)]
    assert len([s for s in statements if "FROM menus" in s]) == 2


def test_in_a_group_a_number_picks_the_choice_offered_to_its_sender_alone(driver: Driver) -> None:
    consent = driver.one("n1", "登记 3-2-305", "g1", name="n1")
    assert "同意请回复「登记 3-2-305 同意」" in consent.text
    assert driver.say("r1", "1", "g1") == [] and driver.household_of("n1") is None
    done = driver.one("n1", "1", "g1", name="n1")
    assert "登记好了" in done.text and done.private
    assert driver.household_of("n1") == "305"
    assert driver.say("n1", "1", "g1") == []
    with session_of(driver.app) as session:
        assert session.scalars(select(Menu)).all() == []


@pytest.mark.parametrize("typed", ["同意", "同意。", "确认", "確認", "Agree"])
def test_in_a_group_agreeing_alone_accepts_the_consent_offered_to_its_sender(
    driver: Driver, typed: str
) -> None:
    driver.one("n1", "登记 3-2-305", "g1", name="n1")
    before = driver.snapshot()
    assert driver.say("r1", typed, "g1") == []
    assert driver.say("n1", "好的", "g1") == []
    assert driver.snapshot() == before and driver.household_of("n1") is None
    done = driver.one("n1", typed, "g1", name="n1")
    assert "登记好了" in done.text and done.private
    assert driver.household_of("n1") == "305"
    assert driver.say("n1", typed, "g1") == []
    with session_of(driver.app) as session:
        assert session.scalars(select(Menu)).all() == []


def test_in_a_group_agreeing_picks_no_choice_but_a_consent(driver: Driver) -> None:
    driver.one("n1", "登记 3-2-305 同意", "g1", name="n1")
    move = driver.say("n1", "登记 3-1-101", "g1", name="n1")[0]
    assert "确认请回复「搬迁 3-1-101」" in move.text
    before = driver.snapshot()
    assert driver.say("n1", "同意", "g1") == []
    assert driver.snapshot() == before and driver.household_of("n1") == "305"


@pytest.mark.parametrize("word", ["同意", "确认"])
def test_in_a_group_agreeing_alone_raises_no_topic_whose_words_end_so(
    driver: Driver, word: str
) -> None:
    asked = driver.one("r1", f"议题 装个长椅 {word}", "g1")
    assert f"提议 装个长椅 {word}" in asked.text
    before = driver.snapshot()
    assert driver.say("r1", word, "g1") == []
    assert driver.snapshot() == before


@pytest.mark.parametrize("typed", ["确认", "確認。", "Confirm"])
def test_in_a_group_confirming_alone_moves_the_sender_asked_to_confirm(
    driver: Driver, typed: str
) -> None:
    driver.one("n1", "登记 3-2-305 同意", "g1", name="n1")
    driver.say("n1", "登记 3-1-101", "g1", name="n1")
    before = driver.snapshot()
    assert driver.say("r1", typed, "g1") == []
    assert driver.say("n1", "好的", "g1") == []
    assert driver.snapshot() == before and driver.household_of("n1") == "305"
    done = driver.one("n1", typed, "g1", name="n1")
    assert "已改为" in done.text and "101" in done.text and done.private
    assert driver.household_of("n1") == "101"
    assert driver.say("n1", typed, "g1") == []
    with session_of(driver.app) as session:
        assert session.scalars(select(Menu)).all() == []


def test_in_a_private_chat_confirming_alone_erases_nothing(driver: Driver) -> None:
    asked = driver.one("r1", "/forget")
    assert "1. " in asked.text
    before = driver.snapshot()
    assert HINT in driver.one("r1", "确认").text
    assert driver.snapshot() == before and driver.household_of("r1") is not None


def _asked_to_join(driver: Driver) -> str:
    """n1 asks to join r1's household; the question r1 is asked privately."""
    sent = driver.say("n1", "登记 3-2-301 同意", "g1", name="n1")
    return next(s.text for s in sent if s.private and s.chat == "r1")


def test_the_household_is_asked_with_numbered_choices(driver: Driver) -> None:
    asked = _asked_to_join(driver)
    assert "是请回复「是」，不是请回复「不是」" in asked
    assert "1. 同意 —— 回复「确认入户 " in asked and "2. 不同意 —— 回复「拒绝入户 " in asked


@pytest.mark.parametrize("typed", ["是", "是的。", "对", "對的", "好的", "OK", "yes"])
def test_in_a_private_chat_a_bare_yes_confirms_the_join_asked(driver: Driver, typed: str) -> None:
    _asked_to_join(driver)
    assert "已登记" in driver.say("r1", typed)[0].text
    assert driver.household_of("n1") == "301"
    assert all("已登记" not in s.text for s in driver.say("r1", typed))


@pytest.mark.parametrize("typed", ["不是", "不", "不同意", "No"])
def test_in_a_private_chat_a_bare_no_refuses_the_join_asked(driver: Driver, typed: str) -> None:
    _asked_to_join(driver)
    assert "没有登记到" in driver.say("r1", typed)[0].text
    assert driver.household_of("n1") is None


def test_a_bare_yes_is_no_answer_to_someone_else_s_question(driver: Driver) -> None:
    _asked_to_join(driver)
    assert HINT in driver.one("r2", "是").text
    assert driver.household_of("n1") is None


def test_a_bare_yes_picks_nothing_from_a_menu_without_a_yes(driver: Driver) -> None:
    driver.one("r1", "语言")
    assert HINT in driver.one("r1", "是").text
    assert _language(driver, "r1") is None


@pytest.mark.parametrize(
    ("language", "typed"),
    [("zh-Hans", "确认注销"), ("zh-Hant", "確認註銷"), ("en", "Yes, erase everything")],
)
def test_typing_a_translated_label_in_the_reader_s_language_picks_it(
    driver: Driver, language: str, typed: str
) -> None:
    driver.one("r1", f"/lang {language}")
    asked = driver.one("r1", "/forget")
    assert f"1. {typed}" in asked.text
    driver.one("r1", typed)
    assert driver.household_of("r1") is None


def test_a_label_picks_its_choice_before_the_command_its_word_is(driver: Driver) -> None:
    driver.group("g99", "新群", admins=("u99",))
    asked = driver.say("u99", "/bind 红旗里社区/2号院/1号楼", "g99", name="陌生人")
    assert any(s.private and s.chat == "sec" and "批准" in s.text for s in asked)
    approved = driver.say("sec", "批准")
    assert any(s.private and s.chat == "sec" and "已批准" in s.text for s in approved)


def test_in_a_group_typing_a_label_picks_the_choice_offered_to_its_sender_alone(
    driver: Driver,
) -> None:
    offer = driver.one("r1", "议题 装几个长椅", "g1")
    assert "1. 提为议题" in offer.text
    assert driver.say("r2", "提为议题", "g1") == []
    raised = driver.say("r1", "提为议题", "g1")
    assert raised and "装几个长椅" in raised[0].text
    assert "装几个长椅" in driver.one("r1", "议题", "g1").text


def test_a_menu_stored_with_commands_alone_is_still_picked_by_number(driver: Driver) -> None:
    """Menus stored before labels were (they live 30 minutes across an upgrade)."""
    with session_of(driver.app) as session:
        session.add(
            Menu(
                platform=PLATFORM,
                chat_id="r1",
                user_id="r1",
                commands=["/forget 确认"],
                expires_at=driver.app.clock.now() + timedelta(minutes=30),
            )
        )
    assert HINT in driver.one("r1", "确认注销").text
    assert driver.household_of("r1") is not None
    assert "已删除" in driver.one("r1", "1").text


@pytest.mark.parametrize("typed", ["确认", "同意", "是"])
def test_a_label_that_is_a_bare_yes_picks_nothing_by_its_text(driver: Driver, typed: str) -> None:
    """A bare yes keeps its own rules (it must never erase anyone), whatever the label."""
    with session_of(driver.app) as session:
        where = (PLATFORM, "r1", "r1")
        menus.remember(session, driver.app.clock.now(), where, ["/forget 确认"], [typed])
    assert HINT in driver.one("r1", typed).text
    assert driver.household_of("r1") is not None


def test_a_label_two_choices_share_picks_neither(driver: Driver) -> None:
    with session_of(driver.app) as session:
        where = (PLATFORM, "r1", "r1")
        menus.remember(
            session, driver.app.clock.now(), where, ["/lang zh-Hant", "/lang en"], ["换", "换"]
        )
    assert HINT in driver.one("r1", "换").text
    assert _language(driver, "r1") is None


@pytest.mark.parametrize("direct", [False, True])
def test_in_a_group_a_menu_is_forgotten_after_another_command_of_its_sender(
    driver: Driver, direct: bool
) -> None:
    driver.one("n1", "登记 3-2-305", "g1", name="n1")
    shifts = driver.incoming("n1", "值班表", "g1", name="n1")
    assert driver.received(driver.app.dispatcher.handle(shifts, direct=direct))
    assert driver.say("n1", "1", "g1", name="n1") == []
    assert driver.household_of("n1") is None
    with session_of(driver.app) as session:
        assert session.scalars(select(Menu)).all() == []


def test_a_group_command_without_a_menu_costs_no_statement_of_its_own_for_menus(
    text_app: App,
) -> None:
    """Whether the sender has a menu in the group is read with them."""
    driver = build(text_app, buttons=False)
    statements: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    event.listen(text_app.db.engine, "before_cursor_execute", note)
    try:
        assert driver.say("r1", "大家好", "g1") == []
        assert driver.say("r1", "议题", "g1")
        direct = text_app.dispatcher.handle(driver.incoming("r1", "值班表", "g1"), direct=True)
        assert driver.received(direct)
    finally:
        event.remove(text_app.db.engine, "before_cursor_execute", note)
    own = ("SELECT menus.", "DELETE FROM menus", "INSERT INTO menus", "UPDATE menus")
    assert not [s for s in statements if s.lstrip().startswith(own)]
    assert len([s for s in statements if "FROM menus" in s]) == 3
