"""Handlers through the dispatcher: a fake clock, a recording driver, every bad input."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.messages import ChatKind, ChatRef, EventKind, Incoming, UserRef
from tests.support.community import bind_approved
from tests.support.driver import PLATFORM, Driver


@pytest.fixture
def chat(app: App) -> Driver:
    """A grid, a group g1 whose platform admin is `owner`, bound to 1号院 with `sec`'s approval."""
    driver = Driver(app)
    driver.seed_grid()
    driver.grant("sec", "书记", "红旗里社区")
    driver.group("g1", "1号院邻里圈", admins=("owner",))
    bind_approved(driver, "owner", "g1", "1号院", name="群主")
    return driver


def _roster(chat: Driver) -> str:
    """The member list `成员` sends the admin `owner` privately."""
    answers = chat.say("owner", "成员", "g1")
    return next(a.text for a in answers if a.private and a.chat == "owner")


def _register(chat: Driver, user: str, address: str, name: str = "") -> None:
    answer = chat.one(user, f"登记 {address} 同意", "g1", name=name or user)
    assert "登记好了" in answer.text, answer.text


def test_start_in_private_welcomes_and_explains_registration(chat: Driver) -> None:
    answer = chat.one("u1", "/start", name="张三")
    assert answer.private and "张三" in answer.text and "登记 3-2-301" in answer.text
    # The welcome names what the bot does: polls, duty, points, notices and reports.
    assert all(word in answer.text for word in ("投票", "值班", "积分", "通知", "报修"))


def test_help_lists_only_what_this_person_may_use_here(chat: Driver) -> None:
    resident_help = chat.one("u1", "帮助", "g1").text
    admin_help = chat.one("owner", "/help all", "g1").text
    assert "/members" not in resident_help and "/role" not in resident_help
    assert "/join" in resident_help and "/me" in resident_help
    assert "/members" in admin_help and "/role" in admin_help
    # A bound group is moved only by a secretary or grid worker of its place.
    assert "/bind" not in admin_help and "/bind" in chat.one("sec", "/help all", "g1").text
    # u1, in 1号院's group but not registered, may register privately too.
    private_help = chat.one("u1", "/help").text
    assert "/start" in private_help and "/join" in private_help
    assert "/join" not in chat.one("u9", "/help").text


def test_a_registered_residents_group_help_leaves_out_registering(chat: Driver) -> None:
    _register(chat, "u2", "3-2-301")
    registered = chat.one("u2", "帮助", "g1").text
    assert "/join" not in registered and "/vote" in registered and "/me" in registered
    # Registering comes first for those not registered.
    assert chat.one("u1", "帮助", "g1").text.splitlines()[1].startswith("/join")


def test_help_about_a_word_lists_the_commands_it_names(chat: Driver) -> None:
    about = chat.one("u1", "帮助 投票", "g1")
    assert not about.private and about.text.startswith("和「投票」有关的命令：")
    assert "/vote" in about.text and "/result" in about.text and "/join" not in about.text
    assert "/vote" in chat.one("u1", "帮助 怎么投票", "g1").text
    asked = chat.one("u1", "怎么投票")
    assert asked.text.startswith("和「投票」有关的命令：") and "/vote" in asked.text
    assert chat.say("u1", "怎么投票", "g1") == []
    chat.one("u1", "/lang en")
    english = chat.one("u1", "/help points").text
    assert "/points" in english and "/rewards" in english and "/vote" not in english
    nothing = chat.one("u1", "帮助 天气")
    assert nothing.text == 'No command is about "天气". Send /help to see what you can use.'


def test_slash_commands_take_the_bots_name_and_ignore_other_bots(chat: Driver) -> None:
    def answer(text: str) -> list[str]:
        incoming = Incoming(
            ChatRef(PLATFORM, "g1", ChatKind.GROUP, "1号院邻里圈"),
            UserRef(PLATFORM, "u1", "张三"),
            text=text,
            bot_username="LinliBot",
        )
        return [envelope.reply.template for envelope in chat.app.dispatcher.handle(incoming)]

    assert answer("/help@LinliBot") == answer("/help@linlibot") == ["core.help"]
    before = chat.snapshot()
    assert answer("/help@OtherBot") == answer("/join@OtherBot 3-2-301 同意") == []
    assert chat.snapshot() == before


def test_registration_with_consent_by_button_and_full_width_text(chat: Driver) -> None:
    ask = chat.one("u1", "登记：３－２－３０１", "g1", name="李四")
    assert "请您确认" in ask.text and ask.buttons
    assert ask.buttons == [[("同意并登记", "/join 3-2-301 同意")]]
    done = chat.press("u1", ask, "同意并登记", "g1")
    assert "登记好了" in done.text
    assert chat.household_of("u1") == "301"


@pytest.mark.parametrize(
    "typed",
    [
        "登記 3座2單元301",
        "登记 3 2 301",
        "登记 3栋2单元301",
        "登记 3幢2单元301室",
        "登记 3号楼2单元301",
        "登记 3-2-301室",
        "登记 3栋 2单元 301",
        "登记 3 2 0301",
    ],
)
def test_addresses_typed_other_ways_ask_consent_for_the_same_room(chat: Driver, typed: str) -> None:
    chat.say("u1", "我在", "g1", name="李四")
    before = chat.snapshot()
    ask = chat.one("u1", typed, "g1", name="李四")
    assert ask.buttons == [[("同意并登记", "/join 3-2-301 同意")]]
    assert chat.snapshot() == before
    assert "登记好了" in chat.press("u1", ask, "同意并登记", "g1").text
    assert chat.household_of("u1") == "301"


@pytest.mark.parametrize(
    "typed", ["登记 3 2 301 同意", "登记3 2 301同意", "登記 3座2單元301室 同意"]
)
def test_a_spaced_or_hong_kong_address_with_consent_registers(chat: Driver, typed: str) -> None:
    assert "登记好了" in chat.one("u1", typed, "g1", name="李四").text
    assert chat.household_of("u1") == "301"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("登记 3 2 301 马上", "多了「马上」"),
        ("登记 3 2 301 同意 多余", "多了「同意 多余」"),
        ("登记 3座2座301", "看不懂地址「3座2座301」"),
        ("登记 3 2 3 01", "看不懂地址「3 2 3 01」"),
    ],
)
def test_a_spaced_address_keeps_other_words_apart_and_bad_ones_change_nothing(
    chat: Driver, typed: str, expected: str
) -> None:
    chat.say("u1", "我在", "g1", name="李四")
    before = chat.snapshot()
    assert expected in chat.one("u1", typed, "g1", name="李四").text
    assert chat.snapshot() == before


def test_me_answers_privately_with_address_roles_and_circles(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    chat.one("owner", "/role @李四 楼长", "g1")
    answer = chat.one("u1", "我的", "g1")
    assert answer.private and answer.chat == "u1"
    assert "3号楼/2单元/301" in answer.text and "楼长" in answer.text and "1号院" in answer.text


def test_members_shows_registered_and_silent_speakers(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    assert chat.say("u2", "大家好", "g1", name="王五") == []
    text = _roster(chat)
    assert "李四（3号楼/2单元/301）" in text and "王五" in text


def test_role_by_mention_and_by_name_then_revoke(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    granted = chat.one("owner", "设角色 @李四 单元长", "g1")
    assert "单元长" in granted.text and "2单元" in granted.text
    by_mention = chat.one("owner", "/role @someone 志愿者", "g1", mentions=("u1",))
    assert "志愿者" in by_mention.text
    revoked = chat.one("owner", "/role @李四 -单元长", "g1")
    assert "已撤销" in revoked.text


def test_a_role_is_given_and_taken_by_a_name_typed_without_the_at(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    granted = chat.one("owner", "设角色 李四 单元长", "g1")
    assert "单元长" in granted.text and "2单元" in granted.text
    assert "已撤销" in chat.one("owner", "/role 李四，-单元长", "g1").text
    chat.say("u2", "大家好", "g1", name="李四")
    before = chat.snapshot()
    assert "不止一位「李四」" in chat.one("owner", "设角色 李四 单元长", "g1").text
    assert chat.snapshot() == before


def test_a_role_command_naming_two_people_asks_for_one_at_a_time_and_changes_nothing(
    chat: Driver,
) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    _register(chat, "u2", "3-2-302", "王五")
    before = chat.snapshot()
    one_at_a_time = "请一次给一个人设角色"
    assert one_at_a_time in chat.one("owner", "设角色 @李四 @王五 楼长", "g1").text
    assert one_at_a_time in chat.one("owner", "设角色 @李四 @王五", "g1").text
    both = chat.one("owner", "/role @李四 @王五 志愿者", "g1", mentions=("u1", "u2"))
    assert one_at_a_time in both.text
    assert chat.snapshot() == before


def test_a_role_command_naming_no_role_lists_the_roles_i_may_give_and_changes_nothing(
    chat: Driver,
) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    chat.say("owner", "我在", "g1")
    chat.say("sec", "我在", "g1")
    before = chat.snapshot()
    assert chat.one("owner", "设角色 @李四", "g1").text == (
        "要给 李四 设什么角色？您在这里可以设：楼长、单元长、志愿者。例如「设角色 @李四 楼长」。"
    )
    everything = "书记、网格员、圈管理员、楼长、单元长、党员、志愿者"
    assert everything in chat.one("sec", "设角色 @李四", "g1").text
    replied = Incoming(
        ChatRef(PLATFORM, "g1", ChatKind.GROUP, "1号院邻里圈"),
        UserRef(PLATFORM, "owner", "群主"),
        text="设角色",
        is_platform_admin=True,
        reply_to=UserRef(PLATFORM, "u1", "李四"),
    )
    assert chat.received(chat.app.dispatcher.handle(replied))[0].text == (
        "要给 李四 设什么角色？您在这里可以设：楼长、单元长、志愿者。"
        "例如回复那个人的消息再发「设角色 楼长」。"
    )
    assert chat.snapshot() == before
    chat.one("owner", "/lang en", "g1")
    assert chat.one("owner", "/role @李四", "g1").text == (
        "Which role for 李四? Here you may give: building-head, unit-head, volunteer. "
        'For example "/role @李四 building-head".'
    )


def test_a_mistyped_slash_command_is_told_the_nearest_listed_one(chat: Driver) -> None:
    assert chat.one("u3", "/results", "g1").text == (
        "抱歉，没有「/results」这个命令。您是想用「/result」吗？发送「帮助」查看能用的命令。"
    )
    assert "您是想用「/vote」吗？" in chat.one("u3", "/vot 1", "g1").text
    # Nothing near enough, or near only in letters (/pollend is no /poll), is not guessed.
    for typed in ("/xyz", "/pollend"):
        assert "您是想用" not in chat.one("u3", typed, "g1").text


def test_an_english_synonym_of_a_listed_command_is_told_that_command(chat: Driver) -> None:
    meant = {
        "/closepoll": "close",
        "/endpoll": "close",
        "/close_poll": "close",
        "/closepol 2": "close",
        "/language en": "lang",
        "/announce": "notice",
        "/leaderboard": "rank",
        "/commands": "help",
    }
    chat.say("u3", "帮助", "g1")
    before = chat.snapshot()
    for typed, name in meant.items():
        answer = chat.one("u3", typed, "g1").text
        assert answer.startswith(f"抱歉，没有「{typed.split()[0]}」这个命令"), answer
        assert f"您是想用「/{name}」吗？" in answer, answer
    assert chat.snapshot() == before


def test_language_per_person_and_per_circle(chat: Driver) -> None:
    chat.one("u1", "/lang zh-Hant")
    assert "幫助" in chat.one("u1", "hello").text
    assert "Done" in chat.one("owner", "/lang en", "g1").text
    assert "there is no command" in chat.one("u3", "/nope", "g1").text
    refused = chat.one("u3", "/lang zh-Hans", "g1")
    assert "Only the circle's admins" in refused.text


@pytest.mark.parametrize(
    ("word", "language", "done"),
    [
        ("正體", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("正体", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("繁體", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("繁体", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("中文繁體", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("繁体字", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("簡體字", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("台灣", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("台湾", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("香港", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("简体", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("簡體", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("简体中文", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("中文简体", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("中文", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("英文", "en", "Done: I will speak English with you."),
        ("English", "en", "Done: I will speak English with you."),
        ("english", "en", "Done: I will speak English with you."),
    ],
)
def test_lang_takes_the_names_people_type_and_answers_in_the_new_language(
    chat: Driver, word: str, language: str, done: str
) -> None:
    start = "en" if language != "en" else "zh-Hant"
    chat.one("u1", f"/lang {start}")
    assert chat.one("u1", f"語言 {word}").text == done
    assert chat.resident("u1").language == language


@pytest.mark.parametrize(
    ("said", "language", "done"),
    [
        ("繁体", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("繁體", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("繁体字", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("改成繁体", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("切换到繁体。", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("我要用繁體字", "zh-Hant", "好的，以後用繁體中文和您說話。"),
        ("简体", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("簡體", "zh-Hans", "好的，以后用简体中文和您说话。"),
        ("英文", "en", "Done: I will speak English with you."),
        ("English", "en", "Done: I will speak English with you."),
        ("换成英文", "en", "Done: I will speak English with you."),
        ("用英文", "en", "Done: I will speak English with you."),
    ],
)
def test_a_language_named_alone_in_private_is_set_as_lang_sets_it(
    chat: Driver, said: str, language: str, done: str
) -> None:
    start = "en" if language != "en" else "zh-Hant"
    chat.one("u1", f"/lang {start}")
    assert chat.one("u1", said).text == done
    assert chat.resident("u1").language == language


def test_a_language_named_in_a_group_stays_chat(chat: Driver) -> None:
    chat.say("owner", "大家好", "g1")
    before = chat.snapshot()
    for said in ("繁体", "英文", "English", "换成英文", "language"):
        assert chat.say("owner", said, "g1") == [], said
    assert chat.snapshot() == before


@pytest.mark.parametrize("said", ["language", "Change language"])
def test_language_asked_in_english_offers_the_choices(chat: Driver, said: str) -> None:
    answer = chat.one("u1", said)
    assert [label for row in answer.buttons for label, _ in row] == [
        "简体中文",
        "繁體中文",
        "English",
    ]


def test_an_admin_sets_the_groups_language_by_its_name(chat: Driver) -> None:
    assert chat.one("owner", "语言 正體", "g1").text == "好的，本群以後使用繁體中文。"
    assert "幫助" in chat.one("u3", "/nope", "g1").text


def test_lang_without_argument_offers_choices(chat: Driver) -> None:
    answer = chat.one("u1", "/lang")
    assert [label for row in answer.buttons for label, _ in row] == [
        "简体中文",
        "繁體中文",
        "English",
    ]


def test_without_buttons_choices_become_numbered_lines_to_type(app: App) -> None:
    driver = Driver(app, buttons=False)
    driver.seed_grid()
    driver.grant("sec", "书记", "红旗里社区")
    driver.group("g1")
    driver.one("sec", "/bind 1号院", "g1")
    ask = driver.one("u1", "语言")
    assert ask.buttons == []
    assert "1. 简体中文 —— 回复「语言 zh-Hans」" in ask.text


def test_joining_a_bound_group_gets_a_welcome_with_a_registration_prompt(chat: Driver) -> None:
    welcome = chat.one("u9", "", "g1", name="赵六", event=EventKind.JOINED)
    assert "欢迎 赵六" in welcome.text and "登记" in welcome.text
    assert chat.say("u9", "", "g1", event=EventKind.LEFT) == []
    assert "赵六" not in _roster(chat)


def test_the_bot_added_to_a_group_asks_for_binding_and_removal_unbinds(chat: Driver) -> None:
    chat.group("g2", "新群", admins=("owner",))
    assert "绑定" in chat.one("owner", "", "g2", event=EventKind.BOT_ADDED).text
    assert chat.say("owner", "", "g1", event=EventKind.BOT_REMOVED) == []
    assert "还没有绑定" in chat.one("u1", "登记 3-2-301", "g1").text


def test_plain_chat_in_groups_is_ignored_and_private_gets_a_hint(chat: Driver) -> None:
    assert chat.say("u1", "今天天气不错", "g1") == []
    assert chat.say("u1", "我的天啊", "g1") == []
    assert "帮助" in chat.one("u1", "今天天气不错").text


# Bad input: each gets a clear reply in the user's language, and nothing changes.
BAD_INPUT = [
    ("u1", "/frobnicate", "g1", "没有「/frobnicate」这个命令"),
    ("u1", "/join", "g1", "用法：「登记 楼号-单元-房号」"),
    ("u1", "/join 3-2-301 同意 多余", "g1", "多了"),
    ("u1", "/join 99-9-999", "g1", "不在1号院的范围内"),
    ("u1", "/join 3-2-301 马上", "g1", "多了「马上」"),
    ("u1", "/bind 2号院", "g1", "只有社区书记或网格员"),
    ("u1", "/role @李四 楼长", "g1", "您不能授予或撤销楼长"),
    ("owner", "/role @查无此人 楼长", "g1", "没找到「查无此人」"),
    ("owner", "/role @李四 国王", "g1", "没有「国王」这个角色"),
    ("owner", "/role 查无此人 楼长", "g1", "没找到「查无此人」"),
    ("owner", "设角色 楼长", "g1", "用法：「设角色 @某人 楼长」"),
    ("owner", "/role", "g1", "用法：「设角色 @某人 楼长」"),
    ("owner", "/me 多余", "g1", "多了「多余」"),
    ("u1", "/lang 火星文", None, "不认识「火星文」这种语言"),
    ("u1", "/members", "g1", "只有本圈管理员"),
    ("u1", "/move 3-2-301", None, "您还没有登记过，请先发送「登记 3-2-301」"),
    ("u1", "/bind " + "长" * 300, "g1", "内容太长了"),
    ("u1", "/join " + "3" * 10_000, "g1", "消息太长了"),
]


@pytest.mark.parametrize(("user", "text", "where", "expected"), BAD_INPUT)
def test_bad_input_gets_a_clear_reply_and_changes_nothing(
    chat: Driver, user: str, text: str, where: str | None, expected: str
) -> None:
    _register(chat, "u2", "3-2-302", "李四")
    chat.say("u1", "我在", "g1", name="张三")
    chat.say("u1", "/start")
    chat.say("owner", "我在", "g1")
    before = chat.snapshot()
    answer = chat.one(user, text, where)
    assert expected in answer.text, answer.text
    assert chat.snapshot() == before


def test_a_building_head_cannot_make_someone_a_secretary(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "张三")
    _register(chat, "u2", "3-2-302", "李四")
    chat.one("owner", "/role @张三 楼长", "g1")
    before = chat.snapshot()
    refused = chat.one("u1", "/role @李四 书记", "g1")
    assert "您不能授予或撤销书记" in refused.text
    assert chat.snapshot() == before


def test_a_second_join_to_another_household_asks_to_confirm_the_move(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "张三")
    before = chat.snapshot()
    ask, told = chat.say("u1", "登记 3-1-101", "g1")
    assert "要改为" in ask.text and ask.buttons[0][0] == ("确认搬迁", "/move 3-1-101")
    assert "301" not in ask.text and told.private and "301" in told.text
    assert chat.snapshot() == before
    moved = chat.press("u1", ask, "确认搬迁", "g1")
    assert "已改为" in moved.text and chat.household_of("u1") == "101"


@pytest.mark.parametrize(
    "said",
    [
        "搬家 3-1-101",
        "我搬到3号楼1单元101了",
        "我家搬到 3-1-101",
        "我已经搬到3号楼1单元101。",
        "我搬家到三号楼一单元一零一室啦！",
        "I moved to building 3 unit 1 room 101",
        "I've moved to Bldg 3, Unit 1, Room 101.",
    ],
)
def test_saying_in_private_that_one_moved_to_an_address_moves_as_move_does(
    chat: Driver, said: str
) -> None:
    _register(chat, "u1", "3-2-301", "张三")
    assert chat.one("u1", said).text == "张三，已改为 1号院/3号楼/1单元/101。"
    assert chat.household_of("u1") == "101"


def test_saying_in_private_that_one_moved_to_no_address_is_read_as_move_reads_it(
    chat: Driver,
) -> None:
    _register(chat, "u1", "3-2-301", "张三")
    told = chat.one("u1", "搬家 3号楼").text
    before = chat.snapshot()
    assert chat.one("u1", "我搬到3号楼了").text == told and "看不懂地址「3号楼」" in told
    assert chat.snapshot() == before


def test_other_words_about_moving_stay_chat(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "张三")
    chat.say("u1", "/start")
    before = chat.snapshot()
    for said in ("我搬到3号楼1单元101了吗", "我想搬到3号楼", "邻居搬到3号楼了", "我搬到女儿家了"):
        assert "没看懂您的意思" in chat.one("u1", said).text, said
    assert chat.say("u1", "我搬到3号楼1单元101了", "g1") == []
    assert chat.snapshot() == before


def test_a_long_plain_message_in_a_group_is_ignored(chat: Driver) -> None:
    chat.say("u1", "在吗", "g1")
    before = chat.snapshot()
    assert chat.say("u1", "啊" * 10_000, "g1") == []
    after = chat.snapshot()
    assert after == before


@pytest.mark.parametrize(
    "name",
    ["👨‍👩‍👧 王奶奶🌸", "مريم", "\u202eevil\u202c", "坏\x00\x1b[31m名字", "<b>&</b>"],
)
def test_odd_names_are_stored_cleanly_and_shown_safely(chat: Driver, name: str) -> None:
    answer = chat.one("u7", "登记 3-2-303 同意", "g1", name=name)
    assert "登记好了" in answer.text
    stored = chat.resident("u7").display_name
    assert not any(ch in stored for ch in "\x00\x1b\u202e\u202c")
    assert stored in answer.text
    assert stored in _roster(chat)


def test_a_press_on_a_button_by_someone_not_allowed_is_refused(chat: Driver) -> None:
    ask = chat.one("owner", "/lang", "g1")
    chat.say("u5", "你好", "g1")
    before = chat.snapshot()
    refused = chat.press("u5", ask, "繁體中文", "g1")
    assert refused.toast and "只有群管理员" in refused.text
    assert chat.snapshot() == before


def test_a_press_with_unknown_data_is_a_stale_button(chat: Driver) -> None:
    stale = chat.one("u1", "not-a-token", "g1", event=EventKind.PRESS)
    assert stale.toast and "失效" in stale.text


def test_a_button_from_another_chat_is_stale_and_changes_nothing(chat: Driver) -> None:
    ask = chat.one("u1", "登记 3-2-301", "g1")
    chat.group("g2", admins=("owner",))
    chat.say("u1", "在", "g2")
    before = chat.snapshot()
    foreign = chat.press("u1", ask, "同意并登记", "g2")
    assert foreign.toast and "失效" in foreign.text
    assert chat.snapshot() == before


def test_someone_elses_personal_button_is_refused(chat: Driver) -> None:
    ask = chat.one("u1", "登记 3-2-301", "g1", name="李四")
    chat.say("u2", "在", "g1", name="王五")
    before = chat.snapshot()
    refused = chat.press("u2", ask, "同意并登记", "g1")
    assert refused.toast and "给别人的" in refused.text
    assert chat.snapshot() == before
    assert "登记好了" in chat.press("u1", ask, "同意并登记", "g1").text


def test_mydata_shows_everything_stored_privately(chat: Driver) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    chat.one("owner", "/role @李四 楼长", "g1")
    answer = chat.one("u1", "我的数据", "g1")
    assert answer.private
    for part in (
        "李四",
        "console:u1",
        "红旗里社区/1号院/3号楼/2单元/301",
        "同意时间：11月23日 周一 10:00",
        "楼长",
        "1号院",
    ):
        assert part in answer.text


def test_forget_asks_then_erases_the_resident_and_everything_hanging_off_them(
    chat: Driver,
) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    chat.one("owner", "/role @李四 楼长", "g1")
    ask = chat.one("u1", "注销")
    assert ask.buttons == [[("确认注销", "/forget 确认")]]
    done = chat.press("u1", ask, "确认注销")
    assert "已删除" in done.text
    rows = chat.snapshot()
    assert not any("李四" in str(row) for table in rows.values() for row in table)
    assert "李四" not in _roster(chat)
    assert "登记好了" in chat.one("u1", "登记 3-2-301 同意", "g1", name="李四").text


@pytest.mark.parametrize(
    "said",
    ["删除我的信息", "刪除我的資訊", "delete my data", "Erase my data.", "delete my account"],
)
def test_asking_in_private_to_delete_ones_data_asks_as_forget_does(chat: Driver, said: str) -> None:
    _register(chat, "u1", "3-2-301", "李四")
    asked = chat.one("u1", "注销").text
    before = chat.snapshot()
    ask = chat.one("u1", said)
    assert ask.text == asked and ask.buttons == [[("确认注销", "/forget 确认")]]
    assert chat.say("u1", said, "g1") == []
    assert chat.snapshot() == before


def test_forget_from_a_group_answers_in_private(chat: Driver) -> None:
    chat.say("u1", "在", "g1", name="王五")
    answer = chat.one("u1", "/forget confirm", "g1")
    assert answer.private and "已删除" in answer.text


def test_saying_in_private_where_one_lives_is_answered_as_join_is(chat: Driver) -> None:
    told = chat.one("u7", "登记 3-2-301").text
    assert chat.one("u7", "我住3号楼2单元301").text == told
    _register(chat, "u1", "3-2-301", "张三")
    asked = chat.one("u1", "登记 3-1-101").text
    before = chat.snapshot()
    assert chat.one("u1", "我家是3-1-101").text == asked and "搬迁 3-1-101" in asked
    assert chat.say("u1", "我住3号楼1单元101", "g1") == []
    assert chat.snapshot() == before
