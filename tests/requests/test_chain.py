"""The chain seen (联系列表) and changed (取消联系): requests never left without an owner."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.app import App
from bot.errors import DomainError
from bot.messages import UserRef
from bot.services import requests
from bot.services.community.people import Named, people_named
from models import ChainNode, Layer, Place, PlaceKind, Request, RequestStatus, Resident
from tests.support.chain import chain_town, keeper, to
from tests.support.community import session_of
from tests.support.driver import PLATFORM, Driver

# Ideographic spaces: the tree's indent per step down.
INDENT = "\u3000"


@pytest.fixture
def town(app: App) -> Driver:
    """The test community with its request chain (see tests/support/chain.py)."""
    return chain_town(app)


def _request(app: App, number: int) -> tuple[RequestStatus, Layer, str]:
    with session_of(app) as session:
        found = session.scalars(select(Request).where(Request.number == number)).one()
        owner = found.owner.display_name if found.owner else ""
        return found.status, found.layer, owner


def _nodes(app: App, name: str) -> list[Layer]:
    with session_of(app) as session:
        query = select(ChainNode.layer).join(Resident).where(Resident.display_name == name)
        return list(session.scalars(query))


def test_a_keeper_sees_the_chain_as_a_tree_privately(town: Driver) -> None:
    answers = town.say("sec", "联系列表", "g1")
    assert [s.chat for s in answers] == ["sec", "g1"]
    lines = answers[0].text.splitlines()
    assert "社区：王书记" in lines
    order = [next(i for i, line in enumerate(lines) if name in line) for name in PEOPLE_ORDER]
    assert order == sorted(order)
    assert f"{INDENT}党支部 张书记" in lines
    assert f"{INDENT * 2}党员中心户 王中心户" in lines
    assert f"{INDENT * 3}联系党员 李党员：1号院/3号楼" in lines
    assert f"{INDENT}党员中心户 钱中心户" in lines
    assert f"{INDENT * 2}联系党员 赵党员：1号院/4号楼" in lines


def test_a_name_and_place_typed_in_traditional_characters_link_the_stored_ones(
    town: Driver,
) -> None:
    town.say("li", "大家好", "g1")
    answer = town.one("sec", "聯繫 @李黨員 1號院/4號樓", "g1")
    assert "李党员" in answer.text and "1号院/4号楼" in answer.text, answer.text
    lines = town.one("sec", "联系列表").text.splitlines()
    assert f"{INDENT * 3}联系党员 李党员：1号院/3号楼、1号院/4号楼" in lines, lines


def test_a_building_named_by_another_word_links_the_stored_one(town: Driver) -> None:
    answer = town.one("sec", "联系 @李党员 1号院4栋", "g1", mentions=("li",))
    assert "李党员" in answer.text and "1号院/4号楼" in answer.text, answer.text


# Branches first, each with what is under it, then central households nobody is over.
PEOPLE_ORDER = ["张书记", "王中心户", "李党员", "钱中心户", "赵党员"]


def test_removing_a_members_building_hands_their_requests_up_and_tells_the_new_owner(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("r1", "报修 楼道灯也不亮")
    town.say("li", "接单 2")
    answers = town.say("sec", "取消联系 @李党员 3号楼", mentions=("li",))
    mine = to(answers, "sec")
    assert "李党员 不再联系1号院/3号楼" in mine
    assert "诉求 1 已转给党员中心户王中心户" in mine and "诉求 2 已转给" in mine
    told = to(answers, "wang")
    assert "原来负责的党员不再联系这里，转给您" in told and "3号楼门口路灯坏了" in told
    assert "已转给党员中心户王中心户处理" in to(answers, "r1")
    assert _request(town.app, 1) == (RequestStatus.OPEN, Layer.CENTRAL, "王中心户")
    assert _request(town.app, 2) == (RequestStatus.OPEN, Layer.CENTRAL, "王中心户")
    assert _nodes(town.app, "李党员") == []
    assert "联系党员 李党员" not in town.one("sec", "联系列表").text
    assert "好的" not in town.one("li", "接单 1").text
    assert "好的" in to(town.say("wang", "接单 1"), "wang")
    assert "社区王书记" in to(town.say("r1", "报修 门口台阶坏了"), "r1")


def test_removing_one_of_two_places_keeps_the_other_places_requests(town: Driver) -> None:
    keeper(town, "联系 @李党员 3-2-302", "li")
    town.say("r1", "报修 家门口的灯坏了")
    town.say("r2", "报修 家门口的灯坏了")
    answers = town.say("sec", "取消联系 @李党员 3号楼", mentions=("li",))
    assert "诉求 1 已转给" in to(answers, "sec") and "诉求 2" not in to(answers, "sec")
    assert _request(town.app, 1)[2] == "王中心户"
    assert _request(town.app, 2) == (RequestStatus.OPEN, Layer.MEMBER, "李党员")
    assert _nodes(town.app, "李党员") == [Layer.MEMBER]
    assert "联系党员 李党员：1号院/3号楼/2单元/302" in town.one("sec", "联系列表").text


def test_a_central_household_over_members_is_kept_until_they_are_moved(town: Driver) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "上报 1 要换灯杆")
    before = town.snapshot()
    refused = town.one("sec", "取消联系 @王中心户", mentions=("wang",)).text
    assert "不能取消：王中心户 下面还有联系党员：李党员" in refused
    assert town.snapshot() == before
    keeper(town, "中心户 @钱中心户 @李党员", "qian", "li")
    answers = town.say("sec", "取消联系 @王中心户", mentions=("wang",))
    assert "王中心户 已不在联系链里" in to(answers, "sec")
    assert "诉求 1 已转给党支部张书记" in to(answers, "sec")
    assert "原来负责的党员不再联系这里" in to(answers, "zhang")
    assert _request(town.app, 1) == (RequestStatus.OPEN, Layer.BRANCH, "张书记")
    assert _nodes(town.app, "王中心户") == []
    listed = town.one("sec", "联系列表").text
    assert f"{INDENT * 2}联系党员 李党员" in listed and "王中心户" not in listed


def test_bad_input_to_the_chain_is_refused_and_changes_nothing(town: Driver) -> None:
    before = town.snapshot()
    for user, text, mentions, expected in [
        ("sec", "取消联系", (), "请写要取消的人"),
        ("sec", "取消联系 @李党员 @王中心户", ("li", "wang"), "请写要取消的人"),
        ("sec", "取消联系 @r3", ("r3",), "r3 不在本社区的联系链里"),
        ("sec", "取消联系 @谁也不是", (), "没找到「谁也不是」"),
        ("sec", "取消联系 @赵党员 3号楼", ("zhao",), "赵党员 没有联系「3号楼」"),
        ("sec", "取消联系 @王中心户 3号楼", ("wang",), "王中心户 没有联系「3号楼」"),
        ("sec", "取消联系 @李党员 9号楼", ("li",), "没有找到「9号楼」"),
        ("sec", "取消联系 @李党员 3-2-399", ("li",), "没有找到「3-2-399」"),
        ("sec", "联系列表 全部", (), "全部"),
        ("r1", "取消联系 @李党员 3号楼", ("li",), "只有社区书记或网格员"),
        ("r1", "联系列表", (), "只有社区书记或网格员"),
    ]:
        answer = town.one(user, text, mentions=mentions)
        assert expected in answer.text, (text, answer.text)
    assert town.snapshot() == before


def test_a_link_removed_in_a_group_is_answered_privately(town: Driver) -> None:
    answers = town.say("sec", "取消联系 @赵党员 4号楼", "g1", mentions=("zhao",))
    assert [s.chat for s in answers] == ["sec", "g1"]
    assert "赵党员 不再联系1号院/4号楼" in answers[0].text


def test_the_services_take_the_names_typed_and_return_what_they_did(app: App) -> None:
    town = chain_town(app)
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    with session_of(app) as session:
        secretary = _resident(session, "王书记")
        community = _community(session)
        seen = requests.chain_view(session, secretary, community)
        assert [(r.depth, r.layer, r.name) for r in seen.rows[:3]] == [
            (0, "branch", "张书记"),
            (1, "central", "王中心户"),
            (2, "member", "李党员"),
        ]
        assert seen.rows[2].covered == ("1号院/3号楼",) and seen.more == 0
        named = Named(users=(_user("li"),), rest=("3号楼",))
        done = requests.unlink(
            session, app.clock.now(), app.settings, secretary, community, None, named, "zh-Hans"
        )
        assert done.places == ("1号院/3号楼",)
        assert done.moved == (requests.Moved(1, "王中心户", "central"),)
        assert {e.target.chat_id for e in done.envelopes} == {"wang", "r1"}
        linked = requests.link_place(session, app.clock.now(), secretary, community, None, named)
        assert (linked.name, linked.covered) == ("李党员", ["1号院/3号楼"])


def test_bad_input_to_the_services_is_a_domain_error(app: App) -> None:
    chain_town(app)
    now = app.clock.now()
    with session_of(app) as session:
        secretary, resident = _resident(session, "王书记"), _resident(session, "r1")
        community = _community(session)
        for actor, named, key in [
            (resident, Named(users=(_user("li"),)), "requests.keepers_only"),
            (secretary, Named(), "requests.unlink_usage"),
            (secretary, Named(users=(_user("r3"),)), "requests.not_linked"),
            (
                secretary,
                Named(users=(_user("zhao"),), rest=("3号楼",)),
                "requests.not_linked_there",
            ),
            (secretary, Named(users=(_user("wang"),)), "requests.still_over"),
        ]:
            with pytest.raises(DomainError) as refused:
                requests.unlink(
                    session, now, app.settings, actor, community, None, named, "zh-Hans"
                )
            assert refused.value.key == key
        with pytest.raises(DomainError) as refused:
            requests.chain_view(session, resident, community)
        assert refused.value.key == "requests.keepers_only"
        with pytest.raises(DomainError) as refused:
            people_named(session, now, community, None, Named(names=("谁也不是",)))
        assert refused.value.key == "people.no_such_member"


def _resident(session: Session, name: str) -> Resident:
    return session.scalars(select(Resident).where(Resident.display_name == name)).one()


def _community(session: Session) -> Place:
    return session.scalars(
        select(Place).where(Place.kind == PlaceKind.COMMUNITY, Place.name == "红旗里社区")
    ).one()


def _user(user: str) -> UserRef:
    return UserRef(PLATFORM, user)


def test_a_member_who_erases_themselves_hands_their_requests_up_as_unlinking_does(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("r1", "报修 楼道灯也不亮")
    town.say("li", "接单 2")
    answers = town.say("li", "注销 确认")
    told = to(answers, "wang")
    assert "原来负责的党员不再联系这里，转给您" in told and "3号楼门口路灯坏了" in told
    assert "已转给党员中心户王中心户处理" in to(answers, "r1")
    assert _request(town.app, 1) == (RequestStatus.OPEN, Layer.CENTRAL, "王中心户")
    assert _request(town.app, 2) == (RequestStatus.OPEN, Layer.CENTRAL, "王中心户")
    # The report stays seen from above, where it was first routed.
    assert "3号楼门口路灯坏了" in town.one("zhang", "诉求 1").text


def test_a_central_household_who_erases_themselves_leaves_their_members_under_the_branch(
    town: Driver,
) -> None:
    town.say("r1", "报修 3号楼门口路灯坏了", "g1")
    town.say("li", "上报 1 要换灯杆")
    answers = town.say("wang", "注销 确认")
    assert "原来负责的党员不再联系这里" in to(answers, "zhang")
    assert _request(town.app, 1) == (RequestStatus.OPEN, Layer.BRANCH, "张书记")
    listed = town.one("sec", "联系列表").text
    assert f"{INDENT * 2}联系党员 李党员" in listed and "王中心户" not in listed
