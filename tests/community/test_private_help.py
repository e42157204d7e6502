"""A private 帮助 fits a phone: the everyday commands and the roles' own, the rest on request."""

from __future__ import annotations

import re

from bot.app import App
from tests.support.community import build, building_circles
from tests.support.driver import Driver

# A private help's longest answer for a registered resident with no role, in lines.
RESIDENT_LINES = 10
# One who holds roles gets a few lines more.
ROLE_HOLDER_LINES = RESIDENT_LINES + 3
COMMAND = re.compile(r"^/[a-z]+", re.MULTILINE)
COMMAND_LINE = re.compile(r"^/[a-z]+.*$", re.MULTILINE)
# A command's line in a help list, in characters: about two lines of a phone's screen.
LIST_LINE = 45


def _commands(text: str) -> set[str]:
    """The slash commands a help answer lists, one a line."""
    return set(COMMAND.findall(text))


def test_a_residents_private_help_is_short_and_says_how_to_see_the_rest(app: App) -> None:
    driver = build(app)
    short = driver.one("r2", "帮助")
    assert short.private and len(short.text.splitlines()) <= RESIDENT_LINES, short.text
    assert {"/me", "/vote", "/shifts", "/points", "/report", "/requests"} <= _commands(short.text)
    assert "发送「帮助 全部」" in short.text and "「帮助 积分」" in short.text
    everything = driver.one("r2", "帮助 全部").text
    assert _commands(short.text) < _commands(everything)
    assert {"/mydata", "/forget", "/checkin", "/rank", "/rate"} <= _commands(everything)
    assert not {"/mydata", "/checkin", "/notice", "/take", "/members"} & _commands(short.text)


def test_a_private_help_adds_the_work_of_the_roles_one_holds(app: App) -> None:
    driver = build(app)
    building_circles(driver)
    driver.say("bh", "/start", name="楼长")
    driver.grant("gw", "网格员", "红旗里社区")
    driver.say("gw", "/start", name="网格员")
    driver.say("sec", "积分授权 @r3 管理员", "g1", mentions=("r3",))
    expected = {
        "bh": {"/notice", "/receipts"},
        "sec": {"/notice", "/take", "/bindings"},
        "gw": {"/take", "/bindings"},
        "owner": {"/members"},
        "r3": {"/redemptions"},
    }
    for user, work in expected.items():
        answer = driver.one(user, "帮助").text
        assert work <= _commands(answer), (user, answer)
        assert len(answer.splitlines()) <= ROLE_HOLDER_LINES, answer
        assert "「帮助 全部」" in answer
    assert "/redemptions" not in driver.one("r2", "帮助").text
    # The full list still holds every command the role may use.
    assert {"/notice", "/receipts", "/notices", "/stopnotice"} <= _commands(
        driver.one("bh", "帮助 全部").text
    )


def test_before_registering_the_private_help_is_about_registering(app: App) -> None:
    driver = build(app)
    driver.say("newcomer", "大家好", "g1", name="小陈")
    answer = driver.one("newcomer", "帮助").text
    assert {"/join", "/start", "/me", "/lang"} == _commands(answer), answer
    assert "/vote" in driver.one("newcomer", "帮助 全部").text


def test_a_role_holder_living_elsewhere_sees_their_work_first_and_registering_last(
    app: App,
) -> None:
    """The secretary works for the community without a household in it: their work leads,
    then their own details, and registering is offered in one line at the end."""
    driver = build(app)
    answer = driver.one("sec", "帮助").text
    listed = COMMAND.findall(answer)
    assert listed == ["/notice", "/take", "/bindings", "/me", "/lang", "/start"], answer
    # Where they may register in the private chat itself, that line is how.
    driver.say("sec", "大家好", "g1")
    listed = COMMAND.findall(driver.one("sec", "帮助").text)
    assert listed == ["/notice", "/take", "/bindings", "/me", "/lang", "/join"]


def test_a_role_holder_living_elsewhere_is_welcomed_with_their_work_not_as_a_newcomer(
    app: App,
) -> None:
    driver = build(app)
    welcome = driver.one("sec", "/start").text
    lines = welcome.splitlines()
    assert lines[1] == "您在私聊中可以使用：", welcome
    assert COMMAND.findall(welcome) == ["/notice", "/take", "/bindings"]
    assert "登记方法" not in welcome and "不用登记" in lines[-2]
    driver.one("sec", "/lang en")
    english = driver.one("sec", "/start").text
    assert english.splitlines()[1] == "In this chat you can use:", english
    assert "To register," not in english and "need no registration" in english
    # A newcomer without a role is still told first how to register.
    driver.say("newcomer", "大家好", "g1", name="小陈")
    assert driver.one("newcomer", "/start").text.splitlines()[1].startswith("登记方法")


def test_the_short_private_help_in_traditional_and_english(app: App) -> None:
    driver = build(app)
    driver.one("r2", "/lang zh-Hant")
    traditional = driver.one("r2", "幫助").text
    assert traditional.startswith("您在私聊中可以使用（常用）：")
    assert traditional.endswith("傳送「幫助 全部」。想了解一件事，例如積分：傳送「幫助 積分」。")
    driver.one("r2", "/lang en")
    english = driver.one("r2", "help").text
    assert english.startswith("Everyday commands in this chat:")
    assert 'send "/help all". About one thing, e.g. points: send "/help points".' in english


def test_help_about_one_word_answers_privately_as_before(app: App) -> None:
    driver: Driver = build(app)
    about = driver.one("r2", "帮助 积分").text
    assert about.startswith("和「积分」有关的命令：") and "/rewards" in about and "/rank" in about


def test_every_line_of_a_help_list_fits_a_phone_and_a_notice_leads_with_the_guided_way(
    app: App,
) -> None:
    driver = build(app)
    building_circles(driver)
    driver.say("sec", "积分授权 @r3 管理员", "g1", mentions=("r3",))
    for user in ("sec", "bh", "r3"):
        for asked in ("帮助", "帮助 全部"):
            answer = driver.one(user, asked).text
            long = [line for line in COMMAND_LINE.findall(answer) if len(line) > LIST_LINE]
            assert long == [], (user, asked, long)
    guided = "/notice（通知）—— 发通知：只发「通知」，我一步一步问您"
    assert guided in driver.one("sec", "帮助").text


def test_help_about_notices_shows_the_whole_form_with_an_example(app: App) -> None:
    driver = build(app)
    about = driver.one("sec", "帮助 通知").text
    form = "/notice 范围 | 内容 [| 回执 明天18:00] [| 定时 明天8:00] [| 每周一 8:00]"
    assert form in about, about
    assert "「通知 全部 | 停水」" in about and "只发「通知」" in about
    assert "范围 | 内容" not in driver.one("sec", "帮助 全部").text
    driver.one("sec", "/lang zh-Hant")
    assert "/notice 範圍 | 內容" in driver.one("sec", "幫助 通知").text
    driver.one("sec", "/lang en")
    assert "/notice scope | text [| receipts" in driver.one("sec", "help notice").text


def test_help_about_registering_where_it_is_not_offered_says_where_one_stands(app: App) -> None:
    """A registered resident asking how to register or move hears where they are registered
    and how to register a move; someone in no estate's group hears where to register."""
    driver = build(app)
    for asked in ("怎么登记", "帮助 登记", "怎么搬家", "帮助 搬家"):
        answer = driver.one("r2", asked).text
        assert answer.startswith("您已经登记在 红旗里社区/1号院/3号楼/2单元/302。"), (asked, answer)
        assert "搬家了，请发送新家的「登记 楼号-单元-房号」" in answer
    for asked in ("怎么登记", "帮助 登记", "怎么搬家", "登记"):
        answer = driver.one("stranger", asked).text
        assert answer.startswith("请在您所在楼栋或小区的群里发送「登记 楼号-单元-房号」"), (
            asked,
            answer,
        )
    assert "没有和「天气」有关的命令" in driver.one("r2", "帮助 天气").text


def test_an_english_newcomer_asking_to_register_is_shown_join(app: App) -> None:
    """English speakers say "register": help about it, and /register, lead to /join."""
    driver = build(app)
    driver.say("newcomer", "hello", "g1", name="Tom")
    driver.one("newcomer", "/lang en")
    for asked in ("help register", "how do I register?"):
        answer = driver.one("newcomer", asked).text
        assert answer.startswith('Commands about "register"'), (asked, answer)
        assert "/join" in answer
    assert "/join" in driver.one("newcomer", "/register").text
