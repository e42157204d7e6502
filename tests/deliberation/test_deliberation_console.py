"""Deliberation scenarios through `linli console --jsonl`, with the clock crossing deadlines."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import ConsoleChat, Interactive
from bot.app import bootstrap, prepare_database
from bot.clock import VirtualClock
from bot.config import Settings
from bot.db import Database
from bot.services.community import roles
from bot.services.community.grid import add_path, resolve_place
from bot.services.community.people import ensure_identity
from models import Role
from tests.conftest import START
from tests.support.console import run_console
from tests.support.driver import GRID

SETUP: list[dict[str, Any]] = [
    {"chat": "g1", "title": "1号院邻里圈", "admins": ["u1"]},
    {"chat": "g1", "from": "u1", "name": "张三", "text": "/bind 1号院"},
    {"chat": "g1", "from": "u2", "name": "李四", "text": "登记 3-2-301 同意"},
    {"chat": "g1", "from": "u3", "name": "王五", "text": "登记 3-2-302 同意"},
    {"chat": "g1", "from": "u4", "name": "赵六", "text": "登记 3-2-303 同意"},
    {
        "chat": "g1",
        "from": "u1",
        "text": "发起投票 是否同意增设充电桩？ | 同意 | 不同意 | 弃权 | 截止 明天 18:00 | 匿名",
    },
]


def seed(url: str) -> None:
    """The test grid, a secretary of 红旗里社区, and u1 the grid worker of 1号院 (binds g1)."""
    database = prepare_database(url)
    with database.transaction() as session:
        for path in GRID:
            add_path(session, path)
        for user, name, role, place in (
            ("sec", "王书记", Role.SECRETARY, "红旗里社区"),
            ("u1", "张三", Role.GRID_WORKER, "红旗里社区/1号院"),
        ):
            holder = ensure_identity(session, "console", user, name, START).resident
            scope = roles.Scope(place=resolve_place(session, place))
            roles.grant(session, START, holder, role, scope, roles.OPERATOR)
    database.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A seeded SQLite file."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    seed(url)
    return url


def test_a_poll_runs_to_its_deadline_with_buttons_reminders_and_a_chart(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            *SETUP,
            {"chat": "g1", "from": "u2", "press": [8, "同意"]},
            {"chat": "g1", "from": "u3", "text": "投票 2"},
            {"clock": "2026-11-23T10:05:00+08:00"},
            {"clock": "2026-11-24T09:00:00+08:00"},
            {"chat": "g1", "from": "u4", "text": "投票 1"},
            {"clock": "2026-11-25T09:00:00+08:00"},
            {"chat": "g1", "from": "u4", "press": [8, "同意"]},
        ],
    )
    # Each registration answers privately and notes it in the group: two messages.
    poll = out[7]
    assert poll["id"] == 8 and poll["buttons"] == [["同意"], ["不同意"], ["弃权"]]
    assert "截止：11月24日 周二 18:00" in poll["text"]
    assert out[8] == {
        "toast": "已记录您的匿名投票（#1），没有人能看到您的选择。",
        "to": "u2",
        "at": "2026-11-23T10:00:00+08:00",
    }
    assert out[9]["to"] == "u3" and "没有人能看到您的选择" in out[9]["text"]
    # An anonymous poll's counts show only once 3 households have voted: the third vote.
    edits = [o["at"] for o in out if o.get("edit") == 8]
    assert edits == ["2026-11-24T09:00:00+08:00", "2026-11-24T18:00:00+08:00"]
    reminded = [o for o in out if o.get("at") == "2026-11-23T18:00:00+08:00"]
    assert [o.get("to") or o.get("chat") for o in reminded] == ["u4", "g1"]
    assert "还有 1 户未投票" in reminded[1]["text"] and "赵六" not in reminded[1]["text"]
    closing = [o for o in out if o.get("at") == "2026-11-24T18:00:00+08:00"]
    assert closing[0]["edit"] == 8 and "buttons" not in closing[0]
    assert "（已结束）" in closing[0]["text"]
    result = closing[1]
    assert Path(result["image"]).read_bytes()[:4] == b"\x89PNG"
    assert "3 户中 3 户投票（100%）" in result["caption"]
    assert "1. 同意 —— 2 票（66.7%）" in result["caption"]
    assert "no message 8 with buttons" in out[-1]["error"]


def test_text_style_votes_by_typing_and_restarting_across_the_deadline_closes_once(
    db_url: str,
) -> None:
    first = run_console(
        db_url,
        [*SETUP, {"chat": "g1", "from": "u2", "text": "投票 1 1"}],
        "--style",
        "text",
    )
    poll = first[7]
    assert "buttons" not in poll
    # An anonymous poll shows no counts before 3 households have voted.
    assert "1. 同意 —— 回复「投票 1 1」" in poll["text"]
    assert "3. 弃权 —— 回复「投票 1 3」" in poll["text"]
    assert first[8]["to"] == "u2"
    again = [{"chat": "g1", "admins": ["u1"]}, {"clock": "2026-11-30T08:00:00+08:00"}]
    after = run_console(db_url, again, "--style", "text", "--now", "2026-11-30T08:00:00+08:00")
    # One vote on an anonymous poll: the result shows turnout only, with no counts or chart.
    results = [o for o in after if "最终结果" in o.get("text", "")]
    assert len(results) == 1 and "image" not in results[0]
    assert "1 户投票" in results[0]["text"] and "不公布各选项票数" in results[0]["text"]
    assert "——" not in results[0]["text"] and not any("image" in o for o in after)
    later = [{"chat": "g1", "admins": ["u1"]}, {"clock": "2026-11-30T09:00:00+08:00"}]
    assert run_console(db_url, later, "--now", "2026-11-30T09:00:00+08:00") == []


def test_a_topic_goes_from_proposal_to_solved_in_english(db_url: str) -> None:
    out = run_console(
        db_url,
        [
            {"chat": "g1", "title": "Estate 1", "admins": ["u1"]},
            {"chat": "g1", "from": "u1", "name": "Zhang", "text": "/bind 1号院"},
            {"chat": "g1", "from": "u2", "name": "Li", "text": "/join 3-2-301 yes"},
            {"chat": "g1", "from": "sec", "text": "/threshold 1"},
            {"chat": "g1", "from": "u2", "text": "/propose Benches by the pond"},
            {"chat": "g1", "from": "u1", "text": "/decide 1 Two benches | owner 物业 | due 3d"},
            {"clock": "2026-11-27T10:00:00+08:00"},
            {"chat": "g1", "from": "u1", "text": "/done 1"},
            {"chat": "g1", "from": "u1", "text": "/stats"},
        ],
        "--lang",
        "en",
    )
    texts = [o.get("text", "") for o in out]
    assert "on the agenda" in texts[4]
    assert [o["to"] for o in out[5:7]] == ["u1", "sec"]
    assert all("please arrange its deliberation" in text for text in texts[5:7])
    assert "Owner: 物业" in texts[7] and "Due: Thu 26 Nov 10:00" in texts[7]
    overdue = next(o for o in out if o.get("at") == "2026-11-26T10:00:00+08:00")
    assert overdue["to"] == "u1" and "was due Thu 26 Nov 10:00" in overdue["text"]
    assert "is solved" in texts[-2] and "Solved: 1" in texts[-1]
    assert "4.0 days on average" in texts[-1]


def test_the_interactive_console_shows_edits_of_earlier_messages(db_url: str) -> None:
    clock = VirtualClock(START)
    app = bootstrap(Settings(), clock, db=Database(db_url))
    out = io.StringIO()
    session = Interactive(ConsoleChat(app, clock), out, user="u1", name="张三")
    for line in [
        ":chat g1 1号院邻里圈",
        ":admins u1",
        "/bind 1号院",
        ":user u2 李四",
        "登记 3-2-301 同意",
        ":user u1",
        "发起投票 问题 | 甲 | 乙",
        ":user u2",
        ":press 4 甲",
        ":clock 2026-11-23T10:01",
    ]:
        assert session.handle(line)
    app.close()
    shown = out.getvalue()
    assert "(toast to u2) 已投票（#1）：甲" in shown
    assert "#4 (edited) [g1] 10:00" in shown and "1. 甲 —— 1 票（100%）" in shown


RESIDENTS = SETUP[:4]
CHOOSE_TWO = {
    "chat": "g1",
    "from": "u1",
    "text": "发起投票 充电桩装在哪？ | 东门 | 西门 | 南门 | 多选 2",
}


def test_a_full_multiple_choice_ballot_says_so_in_text_style(db_url: str) -> None:
    typed = [{"chat": "g1", "from": "u2", "text": f"投票 {n}"} for n in (1, 2, 3)]
    out = run_console(db_url, [*RESIDENTS, CHOOSE_TWO, *typed], "--style", "text")
    full = out[-1]
    assert full["chat"] == "g1" and "您已选满 2 项" in full["text"]
    assert "每户一票" not in full["text"] and "不能改" in full["text"]


def test_a_full_multiple_choice_ballot_says_how_to_change_with_buttons(db_url: str) -> None:
    changeable = dict(CHOOSE_TWO, text=CHOOSE_TWO["text"] + " | 可改票")
    presses = [
        {"chat": "g1", "from": "u2", "press": [6, label]} for label in ("东门", "西门", "南门")
    ]
    out = run_console(db_url, [*RESIDENTS, changeable, *presses])
    full = out[-1]
    assert full["to"] == "u2" and "您已选满 2 项" in full["toast"]
    assert "再点一下" in full["toast"]


def test_text_style_lists_each_option_once_with_its_count_and_what_to_type(db_url: str) -> None:
    polls = [
        {"chat": "g1", "from": "u1", "text": "发起投票 装在哪？ | 东门 | 西门"},
        {"chat": "g1", "from": "u1", "text": "发起投票 物业服务满意吗 | 评分"},
    ]
    text = run_console(db_url, [*RESIDENTS, *polls], "--style", "text")
    choice, rating = text[5]["text"], text[6]["text"]
    assert "1. 东门 —— 0 票（0%）—— 回复「投票 1 1」" in choice
    assert choice.count("东门") == 1 and choice.count("「投票 1 2」") == 1
    assert "1. 1 分 —— 0 票（0%）—— 回复「投票 2 1」" in rating
    assert "1. 1 —— " not in rating and rating.count("「投票 2 5」") == 1


def test_buttons_style_lists_the_options_without_what_to_type(db_url: str) -> None:
    poll = {"chat": "g1", "from": "u1", "text": "发起投票 装在哪？ | 东门 | 西门"}
    shown = run_console(db_url, [*RESIDENTS, poll])[5]
    assert "1. 东门 —— 0 票（0%）\n" in shown["text"] and "回复" not in shown["text"]
    assert shown["buttons"] == [["东门"], ["西门"]]


def test_a_vote_may_name_the_option_in_words(db_url: str) -> None:
    events = [
        *RESIDENTS,
        {"chat": "g1", "from": "u1", "text": "发起投票 装在哪？ | 东门充电桩 | 西门充电桩 | 南门"},
        {"chat": "g1", "from": "u2", "text": "投票 南门"},
        {"chat": "g1", "from": "u3", "text": "投票 充电桩"},
        {"chat": "g1", "from": "u3", "text": "投票 北门"},
        {"chat": "g1", "from": "u1", "text": "结束投票 1"},
        {"chat": "g1", "from": "u1", "text": "发起投票 装充电桩吗 | 表决"},
        {"chat": "g1", "from": "u3", "text": "投票 同意"},
    ]
    out = run_console(db_url, events)
    assert out[6] == {"id": 7, "to": "u2", "text": "已投票（#1）：南门。", "at": out[6]["at"]}
    ambiguous, unknown = out[7]["text"], out[8]["text"]
    assert "「充电桩」" in ambiguous and "「投票 1 1」" in ambiguous and "「投票 1 2」" in ambiguous
    assert "「投票 1 3」" not in ambiguous
    assert "「北门」" in unknown and "3. 南门" in unknown
    assert out[-1]["to"] == "u3" and out[-1]["text"] == "已投票（#2）：同意。"


def test_seconding_edits_the_topic_message_instead_of_posting_a_new_one(db_url: str) -> None:
    events = [
        *RESIDENTS,
        {"chat": "g1", "from": "u4", "name": "赵六", "text": "登记 3-2-303 同意"},
        {"chat": "g1", "from": "sec", "text": "/threshold 3"},
        {"chat": "g1", "from": "u2", "text": "提议 修路灯"},
        {"chat": "g1", "from": "u3", "press": [9, "附议"]},
        {"chat": "g1", "from": "u4", "press": [9, "附议"]},
    ]
    out = run_console(db_url, events)
    assert out[8]["id"] == 9 and out[8]["buttons"] == [["附议"]]
    pressed = out[9:]
    assert pressed[0]["to"] == "u3" and "2/3" in pressed[0]["toast"]
    assert pressed[1]["edit"] == 9 and "目前 2 户支持" in pressed[1]["text"]
    assert pressed[1]["buttons"] == [["附议"]]
    assert [o.get("edit") for o in out if "id" not in o and "toast" not in o] == [9, 9]
    last = next(o for o in out[11:] if o.get("edit") == 9)
    assert "列入议程" in last["text"] and "buttons" not in last
    assert not [o for o in out[9:] if o.get("chat") == "g1" and "id" in o and "附议" in str(o)]


def test_typed_seconding_in_text_style_answers_in_one_line_and_edits_the_topic(
    db_url: str,
) -> None:
    events = [
        *RESIDENTS,
        {"chat": "g1", "from": "sec", "text": "/threshold 3"},
        {"chat": "g1", "from": "u2", "text": "提议 修路灯"},
        {"chat": "g1", "from": "u3", "text": "附议 1"},
    ]
    out = run_console(db_url, events, "--style", "text")
    assert out[6]["id"] == 7 and "「附议 1」" in out[6]["text"]
    answer, edit = out[7], out[8]
    assert answer["chat"] == "g1" and "2/3" in answer["text"] and "回复" not in answer["text"]
    assert edit["edit"] == 7 and "目前 2 户支持" in edit["text"]
