"""Routing: slash commands and Chinese keywords, after NFKC normalisation; arguments as typed."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.routing import Router
from bot.services.common.keywords import normalise
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
        ("取消 2", "drop", "2"),
        ("取消：第2个", "drop", "第2个"),
        ("我不去了，不好意思。", "notgoing", ""),
        ("不去了", "notgoing", ""),
        ("没解决 3", "reopensaid", "3"),
        ("没解决 3 灯还是不亮", "reopensaid", "3 灯还是不亮"),
        ("没解决3号 灯还是不亮", "reopensaid", "3号 灯还是不亮"),
        ("解决了 3", "solvedsaid", "3"),
        ("解決了：#3。", "solvedsaid", "#3"),
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
        "取消",
        "取消 明天的活动",
        "我不去了，你们去吧",
        "不去了吗",
        "没解决，3天了",
        "没解决 3天了",
        "没有解决，2楼的灯还是不亮",
        "解决了，2楼的灯",
        "解决了一个大问题",
        "取消，3楼的活动",
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
        ("问一下积分", "points", ""),
        ("我想问问我的诉求", "requests", ""),
        ("您好，報修 樓道燈壞了", "report", "樓道燈壞了"),
        ("你好！我想看看我的積分", "points", ""),
        ("麻烦您 报名 2", "signup", "2"),
        ("您好 請幫我登記 3-2-301", "join", "3-2-301"),
        ("请问一下积分", "points", ""),
        ("請問一下積分", "points", ""),
        ("請問我有多少積分？", "points", ""),
        ("请问我的积分有多少", "points", ""),
    ],
)
def test_a_keyword_after_i_want_or_please_is_found(text: str, name: str, args: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("我报名2", "signup", "2"),
        ("我签到", "checkin", ""),
        ("我收到了", "ack", ""),
        ("我提议 修路灯", "propose", "修路灯"),
        ("我投诉 楼上太吵", "report", "楼上太吵"),
    ],
)
def test_i_before_a_command_that_does_something_is_that_command(
    text: str, name: str, args: str
) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize("text", ["我值班", "我积分", "我的天", "我报名了", "我登记过了"])
def test_i_before_a_command_that_only_reads_or_before_chat_is_plain_chat(text: str) -> None:
    assert ROUTER.route(text, "LinliBot") is None


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
        "你好",
        "您好，大家好",
        "麻烦了",
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


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("帮帮我", "help"),
        ("怎么用？", "help"),
        ("怎麼用", "help"),
        ("这个怎么用", "help"),
        ("积分多少", "points"),
        ("積分多少？", "points"),
        ("我还有几分", "points"),
        ("我還有幾分", "points"),
        ("我要报名值班", "roster"),
        ("我想报名值班。", "roster"),
        ("我想報名值班", "roster"),
        ("值班报名", "roster"),
        ("你好", "start"),
        ("您好！", "start"),
        ("在嗎？", "start"),
        ("Hello!", "start"),
        ("hi", "start"),
        ("Help me", "help"),
        ("My points", "points"),
        ("How many points do I have?", "points"),
        ("where do I live?", "me"),
        ("我的房号", "me"),
        ("我登记的地址？", "me"),
        ("My address", "me"),
        ("我的圈", "me"),
        ("我在哪些圈？", "me"),
        ("我在哪個圈", "me"),
        ("My circles", "me"),
        ("my hours", "myhours"),
        ("my shifts", "myshifts"),
        ("my requests", "requests"),
        ("my votes", "myvotes"),
        ("language", "lang"),
        ("Change language", "lang"),
        ("删除我的信息", "forget"),
        ("我要删除我的信息。", "forget"),
        ("Delete my data", "forget"),
        ("erase my data", "forget"),
        ("delete my account!", "forget"),
        ("奖品", "rewards"),
        ("有什么奖品？", "rewards"),
        ("积分能换什么", "rewards"),
        ("Leaderboard", "rank"),
        ("谁的积分最多？", "rank"),
    ],
)
def test_a_whole_private_phrase_asks_for_its_command(text: str, name: str) -> None:
    route = ROUTER.named(text)
    assert route is not None and route.command.name == name and route.args == ""


@pytest.mark.parametrize("text", ["goodbye", "helpme", "help-me", "/help", "帮助", "2"])
def test_other_words_are_no_english_command_name(text: str) -> None:
    assert ROUTER.named(text) is None


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("报名 2。", "signup", "2"),
        ("報名 2。", "signup", "2"),
        ("/signup 2.", "signup", "2"),
        ("投票 1 1。", "vote", "1 1"),
        ("積分。", "points", ""),
        ("幫助。", "help", ""),
        ("帮助！！", "help", ""),
        ("/help!", "help", ""),
        ("/help@LinliBot？", "help", ""),
        ("登記 3-2-301。", "join", "3-2-301"),
        ("登记 3-2-301 同意！", "join", "3-2-301 同意"),
        ("已收到。", "ack", ""),
        ("报名 2 ？！", "signup", "2"),
        ("积分……", "points", ""),
        ("我要报名2号班！", "signup", "2号班"),
        ("查积分？", "points", ""),
        ("反映。", "report", ""),
    ],
)
def test_sentence_punctuation_ending_a_command_is_dropped(text: str, name: str, args: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("反映 楼道灯坏了！", "report", "楼道灯坏了！"),
        ("報修：樓道燈壞了。", "report", "樓道燈壞了。"),
        ("提议 周末打扫卫生吧。", "propose", "周末打扫卫生吧。"),
        ("通知 全部 明天停水。", "notice", "全部 明天停水。"),
        ("发起投票 装灯吗？ | 装 | 不装！", "poll", "装灯吗？ | 装 | 不装！"),
        ("回复 3 明天上午来修。", "reply", "3 明天上午来修。"),
        ("/reply 3 ok!", "reply", "3 ok!"),
    ],
)
def test_free_text_keeps_the_punctuation_that_ends_it(text: str, name: str, args: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("投诉 楼下每天半夜噪音", "report", "楼下每天半夜噪音"),
        ("投訴：樓下每天半夜噪音", "report", "樓下每天半夜噪音"),
        ("举报 有人乱扔垃圾", "report", "有人乱扔垃圾"),
        ("舉報 有人亂丟垃圾", "report", "有人亂丟垃圾"),
        ("使用说明", "help", ""),
        ("使用說明。", "help", ""),
        ("我的报名", "myshifts", ""),
        ("我的報名？", "myshifts", ""),
        ("我的诉求", "requests", ""),
        ("我的訴求", "requests", ""),
        ("诉求列表", "requests", ""),
        ("反映列表", "requests", ""),
        ("報修列表", "requests", ""),
        ("我的反映", "requests", ""),
        ("我的报修", "requests", ""),
        ("排行榜", "rank", ""),
        ("查一下排行榜", "rank", ""),
        ("我的时长", "myhours", ""),
        ("我的時長", "myhours", ""),
        ("我的志愿时长", "myhours", ""),
        ("我的值班时长", "myhours", ""),
        ("我的服務時長", "myhours", ""),
        ("值班时长", "hours", ""),
        ("服务时长", "hours", ""),
        ("我的值班", "myshifts", ""),
        ("我的信息", "me", ""),
        ("我的資訊", "me", ""),
        ("我的資料", "mydata", ""),
        ("我的资料", "mydata", ""),
        ("值班提醒", "dutyrules", ""),
        ("奖励 @张三 5", "award", "@张三 5"),
        ("接诉即办", "requests", ""),
        ("谁没回执", "receipts", ""),
        ("誰沒回執 2", "receipts", "2"),
        ("谁没收到", "receipts", ""),
        ("谁还没收到？", "receipts", ""),
        ("誰還沒收到 2", "receipts", "2"),
        ("待发放", "redemptions", ""),
        ("兑换记录", "myredemptions", ""),
        ("积分明细", "points", ""),
        ("请假", "notgoing", ""),
        ("待办", "requests", ""),
        ("我的待辦", "requests", ""),
        ("值班安排", "shifts", ""),
        ("排班表 明天", "shifts", "明天"),
        ("我有多少积分", "points", ""),
        ("我有多少積分？", "points", ""),
        ("我的积分有多少", "points", ""),
        ("我的積分有多少。", "points", ""),
        ("我还有多少积分", "points", ""),
        ("我還有多少積分", "points", ""),
        ("我有多少分", "points", ""),
        ("我还有多少分？", "points", ""),
        ("我的积分多少", "points", ""),
        ("我的積分多少。", "points", ""),
        ("关闭投票 1", "close", "1"),
        ("關閉投票 1", "close", "1"),
        ("停止投票 1", "close", "1"),
        ("截止投票：2", "close", "2"),
        ("议题列表", "topics", ""),
        ("議題列表 3", "topics", "3"),
        ("值班列表", "shifts", ""),
        ("投票列表", "polls", ""),
        ("通知列表", "notices", ""),
        ("值班统计", "hours", ""),
        ("時長統計", "hours", ""),
        ("查一下时长统计", "hours", ""),
        ("待审批", "bindings", ""),
        ("待審批", "bindings", ""),
    ],
)
def test_common_words_for_commands_are_keywords(text: str, name: str, args: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("怎么投票", "投票"),
        ("请问如何报名？", "报名"),
        ("怎麼投票呢", "投票"),
        ("我该怎么取消报名", "取消报名"),
        ("积分怎么用", "积分"),
        ("How do I vote?", "vote"),
        ("how to sign up", "sign up"),
        ("how do I register", "register"),
    ],
)
def test_a_private_question_how_to_do_something_asks_help_about_it(text: str, words: str) -> None:
    route = ROUTER.named(text)
    assert route is not None and route.command.name == "help" and route.args == words
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    ("text", "day"),
    [("我想报名明天的值班", "明天"), ("报名周六的班。", "周六"), ("我要報名後天的值班", "後天")],
)
def test_signing_up_for_a_days_duty_in_words_lists_that_days_shifts(text: str, day: str) -> None:
    route = ROUTER.named(text)
    assert route is not None and route.command.name == "roster" and route.args == day
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("繁体", "繁体"),
        ("繁體字", "繁體字"),
        ("簡體", "簡體"),
        ("English", "English"),
        ("换成英文", "英文"),
        ("改成繁体", "繁体"),
        ("切换到繁体！", "繁体"),
        ("用英文", "英文"),
        ("请用繁体字", "繁体字"),
    ],
)
def test_a_language_named_in_private_sets_it(text: str, words: str) -> None:
    route = ROUTER.named(text)
    assert route is not None and route.command.name == "lang" and route.args == words
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize("text", ["繁体字好看", "英文老师", "换成别的", "用中文说"])
def test_other_words_about_languages_stay_chat(text: str) -> None:
    assert ROUTER.named(text) is None


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("我搬到2号楼1单元101了", "2号楼1单元101"),
        ("我家搬到 2-1-101", "2-1-101"),
        ("我已经搬到2号楼1单元101。", "2号楼1单元101"),
        ("我已經搬到2號樓1單元101室啦", "2號樓1單元101室"),
        ("我搬到幸福家园3号楼2单元502了", "幸福家园3号楼2单元502"),
        ("I moved to building 2 unit 1 room 101", "building 2 unit 1 room 101"),
        ("I have moved into Bldg 2, unit 1, room 101.", "Bldg 2, unit 1, room 101"),
    ],
)
def test_saying_one_moved_to_an_address_in_private_moves(text: str, address: str) -> None:
    route = ROUTER.named(text)
    assert route is not None and route.command.name == "move" and route.args == address
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    "text",
    [
        "我搬到2号楼1单元101了吗",
        "我想搬到2号楼",
        "邻居搬到2号楼了",
        "我搬到女儿家了",
        "我搬到北京3年了",
        "I moved to London",
        "I moved to building 2 unit 1 room 101 last year",
    ],
)
def test_other_words_about_moving_are_no_move(text: str) -> None:
    assert ROUTER.named(text) is None


@pytest.mark.parametrize("text", ["怎么办", "怎么没人管", "电梯怎么又坏了", "how are you"])
def test_a_question_how_that_names_no_command_is_no_help(text: str) -> None:
    assert ROUTER.named(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "帮助他。",
        "投诉有用吗",
        "报修楼道灯坏了",
        "我的报名表呢",
        "排行榜上有我",
        "今天积分活动真热闹",
        "我有多少积分的事明天再说",
        "我有多少分钟",
        "我有多少分数",
        "积分多少",
        "我还有几分",
        "我要报名值班",
    ],
)
def test_punctuation_and_new_words_leave_chat_alone(text: str) -> None:
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("报修楼道灯坏了", "report", "楼道灯坏了"),
        ("報修樓道燈壞了！", "report", "樓道燈壞了！"),
        ("投诉楼下每天半夜噪音", "report", "楼下每天半夜噪音"),
        ("投訴樓下每天半夜噪音。", "report", "樓下每天半夜噪音。"),
        ("反映3号楼电梯坏了", "report", "3号楼电梯坏了"),
        ("提议周末打扫卫生", "propose", "周末打扫卫生"),
        ("提議週末打掃衛生", "propose", "週末打掃衛生"),
        ("我要投诉楼下噪音", "report", "楼下噪音"),
    ],
)
def test_a_free_text_keyword_glued_to_its_words_is_found(text: str, name: str, args: str) -> None:
    route = ROUTER.glued(text)
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    "text", ["报修一下", "投诉了好几次", "反映过了", "回复好的", "登记处在哪", "我的天啊", "报修"]
)
def test_other_words_are_no_glued_free_text(text: str) -> None:
    assert ROUTER.glued(text) is None


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("「报名 2」", "signup", "2"),
        ("“接单 1”。", "take", "1"),
        ("『积分』", "points", ""),
        ('"值班表 明天"', "shifts", "明天"),
        ("报名「2」", "signup", "2"),
        ("「报修 电梯坏了」", "report", "电梯坏了"),
        ("报修「电梯坏了」", "report", "「电梯坏了」"),
    ],
)
def test_quotes_copied_from_a_reply_are_no_part_of_the_command(
    text: str, name: str, args: str
) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("积分 谢谢", "points", ""),
        ("积分。谢谢", "points", ""),
        ("报名 2，谢谢了！", "signup", "2"),
        ("评价 1 5分 谢谢您", "rate", "1 5分"),
        ("取消报名 1 麻烦了", "cancel", "1"),
        ("取消报名 2 不好意思", "cancel", "2"),
        ("/cancel 2 sorry", "cancel", "2"),
        ("报名 3，抱歉", "signup", "3"),
        ("收到，辛苦了", "ack", ""),
        ("报修 电梯坏了，谢谢", "report", "电梯坏了"),
        ("/report The hall light is out. Thanks!", "report", "The hall light is out"),
        ("提议 周末打扫卫生吧！谢谢您了", "propose", "周末打扫卫生吧"),
        ("报修 师傅辛苦了", "report", "师傅辛苦了"),
        ("通知 全部 明天停水，谢谢", "notice", "全部 明天停水，谢谢"),
        ("回复 3 明天上午来修，麻烦了", "reply", "3 明天上午来修，麻烦了"),
    ],
)
def test_thanks_after_a_command_is_no_part_of_what_it_reads(
    text: str, name: str, args: str
) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == name and route.args == args


@pytest.mark.parametrize("text", ["谢谢", "谢谢了！", "「谢谢」", "「」", "不好意思"])
def test_thanks_alone_stays_chat(text: str) -> None:
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    "text", ["值班辛苦了", "值班辛苦了！", "签到辛苦了", "投票辛苦了", "积分谢谢"]
)
def test_thanks_run_into_a_keyword_stay_chat(text: str) -> None:
    # A group thanking those on duty asks for no duty list, and checks nobody in.
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("通知本楼 明天上午停水", "本楼 明天上午停水"),
        ("通知本樓 明天上午停水", "本樓 明天上午停水"),
        ("通知全部 明天停水", "全部 明天停水"),
        ("通知全社区：明天停水", "全社区：明天停水"),
        ("通知本群 | 明天停水", "本群 | 明天停水"),
        ("通知党员圈 周五学习", "党员圈 周五学习"),
        ("通知All 明天停水", "All 明天停水"),
        ("通知this building 明天停水", "this building 明天停水"),
        ("请通知全部 明天停水", "全部 明天停水"),
        ("通知全部", "全部"),
    ],
)
def test_a_keyword_run_into_a_word_of_its_own_is_its_command_glued(text: str, args: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == "notice" and route.args == args
    assert route.glued


@pytest.mark.parametrize(
    "text", ["通知大家明天开会", "通知全部人明天开会", "通知本楼的邻居", "通知allen 明天", "通知本"]
)
def test_a_keyword_run_into_other_words_stays_chat(text: str) -> None:
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    "text", ["通知 本楼 明天停水", "报名2", "通知 3号楼 明天停水", "/notice 全部"]
)
def test_a_keyword_apart_from_its_words_or_run_into_a_number_is_not_glued(text: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and not route.glued


@pytest.mark.parametrize(
    "text", ["通知3号楼 明天停水", "通知3号楼的人明天停水", "通知三号楼明天停水"]
)
def test_a_place_run_into_tongzhi_is_glued_as_a_scope_word_is(text: str) -> None:
    route = ROUTER.route(text, "LinliBot")
    assert route is not None and route.command.name == "notice" and route.glued


def test_thanks_after_a_number_are_no_part_of_it() -> None:
    route = ROUTER.route("报名2谢谢", "LinliBot")
    assert route is not None and route.command.name == "signup" and route.args == "2"


def test_every_keyword_and_phrase_belongs_to_one_command() -> None:
    keywords = Counter(k for c in COMMANDS for k in {normalise(w) for w in c.keywords})
    phrases = Counter(p for c in COMMANDS for p in {normalise(w).casefold() for w in c.phrases})
    assert [k for k, n in keywords.items() if n > 1] == []
    assert [p for p, n in phrases.items() if n > 1 or p in keywords] == []
    names = Counter(c.name for c in COMMANDS)
    assert [n for n, count in names.items() if count > 1] == []


def test_an_unknown_slash_command_is_routed_to_the_unknown_reply() -> None:
    route = ROUTER.route("/frobnicate now")
    assert route is not None and route.command.name == "" and route.args == "frobnicate"


def test_typed_forms_follow_the_readers_language() -> None:
    assert ROUTER.typed_form("/join 3-2-301 同意", "zh-Hans") == "登记 3-2-301 同意"
    assert ROUTER.typed_form("/join 3-2-301 同意", "zh-Hant") == "登記 3-2-301 同意"
    assert ROUTER.typed_form("/join 3-2-301 同意", "en") == "/join 3-2-301 agree"
    assert ROUTER.typed_form("/forget 确认", "zh-Hant") == "註銷 確認"
    assert ROUTER.typed_form("/forget 确认", "en") == "/forget confirm"
    # A guided dialog's answer is typed alone: the open dialog reads it.
    assert ROUTER.typed_form("/noticestep 现在", "zh-Hant") == "現在"
    assert ROUTER.typed_form("/noticestep 本楼", "en") == "this building"
    assert ROUTER.typed_form("/approve 3 @王秀兰", "zh-Hant") == "批准報名 3 @王秀兰"


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("我住3号楼2单元301", "3号楼2单元301"),
        ("我住在3-2-301", "3-2-301"),
        ("我家是3-2-301", "3-2-301"),
        ("我家就住在幸福家园3号楼2单元502。", "幸福家园3号楼2单元502"),
        ("我是3号楼2单元301的", "3号楼2单元301"),
        ("I live at building 3 unit 2 room 301", "building 3 unit 2 room 301"),
    ],
)
def test_saying_where_one_lives_in_private_registers(text: str, address: str) -> None:
    route = ROUTER.named(text)
    assert route is not None and route.command.name == "join" and route.args == address
    assert ROUTER.route(text, "LinliBot") is None


@pytest.mark.parametrize(
    "text",
    ["我住哪", "我住院了", "我是王秀兰的女儿", "我是3号楼的楼长", "我在3号楼门口", "我住3号楼吗"],
)
def test_other_words_about_where_one_lives_are_no_registration(text: str) -> None:
    route = ROUTER.named(text)
    assert route is None or route.command.name != "join"
