"""Binding groups to places and registering households, at the service level."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from bot.app import App
from bot.clock import VirtualClock
from bot.config import LANGUAGES
from bot.db import Database
from bot.errors import DomainError
from bot.rendering import Renderer
from bot.routing import Router
from bot.services.common import access
from bot.services.common.names import clean_name
from bot.services.community import binding, circles
from bot.services.community.binding import BindOutcome
from bot.services.community.circles import ChatSpec, JoinOutcome
from bot.services.community.grid import (
    add_path,
    full_name,
    locate_household,
    parse_address,
    resolve_place,
)
from bot.services.community.people import ensure_identity, find_identity
from handlers.registry import COMMANDS
from models import (
    BindingRequest,
    Circle,
    CircleChat,
    CircleKind,
    Membership,
    Place,
    PlaceKind,
    Resident,
)
from tests.support.community import build, register, without_private_chats
from tests.support.driver import Driver


def _people(app: App, *names: str) -> list[Resident]:
    with app.db.transaction() as session:
        return [
            ensure_identity(session, "console", name, name, app.clock.now()).resident
            for name in names
        ]


def _bind(
    app: App,
    actor: Resident,
    chat: str,
    place: str,
    admin: bool = True,
    kind: CircleKind = CircleKind.NEIGHBOUR,
    platform: str = "console",
) -> Circle:
    """`actor` binds the chat; a platform admin's request is approved by the secretary."""
    with app.db.transaction() as session:
        who = session.get_one(Resident, actor.id)
        result = binding.bind(
            session,
            app.clock.now(),
            actor=who,
            platform_admin=admin,
            chat=ChatSpec(platform, chat, chat),
            place_query=place,
            kind=kind,
        )
        if result.request is None:
            assert result.binding is not None
            return result.binding.circle
        approver = find_identity(session, "console", "approver")
        assert approver is not None
        decided = binding.decide(
            session, app.clock.now(), approver.resident, result.request.number, approve=True
        )
        assert decided.binding is not None
        return decided.binding.circle


def _join(
    app: App,
    resident: Resident,
    circle: Circle,
    address: str,
    consent: bool = True,
    move: bool = False,
) -> JoinOutcome:
    with app.db.transaction() as session:
        who = session.get(Resident, resident.id)
        here = session.get(Circle, circle.id)
        assert who is not None and here is not None
        return circles.register(
            session, app.clock.now(), who, here, address, consent=consent, move=move
        ).outcome


@pytest.fixture
def grid(app: App) -> App:
    """The test grid, with `approver` the secretary of 红旗里社区."""
    driver = Driver(app)
    driver.seed_grid()
    driver.grant("approver", "secretary", "红旗里社区")
    return app


def test_a_platform_admin_binds_and_becomes_circle_admin(grid: App) -> None:
    (owner,) = _people(grid, "owner")
    circle = _bind(grid, owner, "g1", "1号院")
    with grid.db.transaction() as session:
        here = session.get(Circle, circle.id)
        assert here is not None
        assert here.place.name == "1号院"
        assert access.is_circle_admin(session, owner.id, here)


def test_a_secretary_binds_without_being_platform_admin(grid: App) -> None:
    (secretary,) = _people(grid, "approver")
    circle = _bind(grid, secretary, "g1", "红旗里社区", admin=False, kind=CircleKind.PARTY)
    assert circle.kind == CircleKind.PARTY
    with grid.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(BindingRequest)) == 0


def test_anyone_else_cannot_bind_and_nothing_is_stored(grid: App) -> None:
    (someone,) = _people(grid, "someone")
    Driver(grid).grant("someone", "secretary", "幸福社区")
    with pytest.raises(DomainError, match=r"circles\.bind_not_allowed"):
        _bind(grid, someone, "g1", "1号院", admin=False)
    with grid.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CircleChat)) == 0


def test_two_chats_on_two_platforms_share_one_circle(grid: App) -> None:
    (owner,) = _people(grid, "owner")
    telegram = _bind(grid, owner, "-1001", "1号院", platform="telegram")
    wechat = _bind(grid, owner, "room1@chatroom", "1号院", platform="wechat")
    assert telegram.id == wechat.id


def test_binding_again_to_the_same_place_changes_nothing(grid: App) -> None:
    (owner,) = _people(grid, "owner")
    _bind(grid, owner, "g1", "1号院")
    with grid.db.transaction() as session:
        again = binding.bind(
            session,
            grid.clock.now(),
            actor=session.get_one(Resident, owner.id),
            platform_admin=True,
            chat=ChatSpec("console", "g1", "g1"),
            place_query="1号院",
            kind=CircleKind.NEIGHBOUR,
        )
    assert again.outcome == BindOutcome.ALREADY


def test_binding_needs_an_unambiguous_place_at_a_bindable_level(grid: App) -> None:
    (owner,) = _people(grid, "owner")
    with pytest.raises(DomainError, match=r"grid\.place_ambiguous"):
        _bind(grid, owner, "g1", "1号楼")
    with pytest.raises(DomainError, match=r"circles\.bind_level"):
        _bind(grid, owner, "g1", "文化路街道")
    with pytest.raises(DomainError, match=r"grid\.place_not_found"):
        _bind(grid, owner, "g1", "不存在小区")
    bound = _bind(grid, owner, "g1", "2号院/1号楼")
    with grid.db.transaction() as session:
        assert session.get_one(Circle, bound.id).place.kind == PlaceKind.BUILDING


@pytest.mark.parametrize(
    "address",
    [
        "3-2-301",
        "3栋2单元301",
        "3号楼2单元301室",
        "３－２－３０１",
        "3-2-0301",
        "03-2-0301",
        "3座2單元301",
        "3 2 301",
        "3　2　301",
        "3幢2单元301室",
        "3-2-301室",
        "3 栋 2 单元 301 室",
        "1号院3号楼2单元301",
        "1號院 3-2-301",
        "1号院/3-2-301",
    ],
)
def test_every_address_form_registers_the_same_household(grid: App, address: str) -> None:
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院")
    assert _join(grid, resident, circle, address) == JoinOutcome.REGISTERED
    assert Driver(grid).household_of("r") == "301"


def test_registration_asks_for_consent_first_and_stores_nothing_until_given(grid: App) -> None:
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院")
    assert _join(grid, resident, circle, "3-2-301", consent=False) == JoinOutcome.NEEDS_CONSENT
    with grid.db.transaction() as session:
        households = select(func.count()).where(Place.kind == PlaceKind.HOUSEHOLD)
        assert session.scalar(households) == 0
        who = session.get(Resident, resident.id)
        assert who is not None and who.household_id is None and who.consent_at is None
    assert _join(grid, resident, circle, "3-2-301", consent=True) == JoinOutcome.REGISTERED
    with grid.db.transaction() as session:
        who = session.get(Resident, resident.id)
        assert who is not None and who.consent_at is not None


def test_a_second_join_elsewhere_asks_to_confirm_a_move(grid: App) -> None:
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院")
    _join(grid, resident, circle, "3-2-301")
    assert _join(grid, resident, circle, "3-1-101") == JoinOutcome.NEEDS_MOVE
    assert Driver(grid).household_of("r") == "301"
    assert _join(grid, resident, circle, "3-2-301") == JoinOutcome.ALREADY
    assert _join(grid, resident, circle, "3-1-101", move=True) == JoinOutcome.REGISTERED
    assert Driver(grid).household_of("r") == "101"


def test_a_second_join_in_a_group_tells_the_stored_address_only_privately(app: App) -> None:
    driver = build(app)
    told = driver.say("r2", "登记 3-2-305", "g1")
    (question,) = [s for s in told if not s.private]
    assert "302" not in question.text and "1号院/3号楼/2单元/305" in question.text
    moving = "要改为 1号院/3号楼/2单元/305，请在群里确认；不改就不用理会。"
    assert [(s.chat, s.text) for s in told if s.private] == [
        ("r2", f"您现在登记在 1号院/3号楼/2单元/302。{moving}")
    ]
    assert driver.household_of("r2") == "302"
    assert "已改为" in driver.press("r2", question, "确认搬迁", "g1").text
    assert driver.household_of("r2") == "305"


def test_the_questions_a_join_in_a_group_asks_its_sender_are_in_the_senders_language(
    app: App,
) -> None:
    driver = build(app)
    driver.say("newcomer", "/lang en", name="Ann")
    asked = driver.one("newcomer", "/join 3-2-305", "g1")
    assert not asked.private and "before I register 1号院/3号楼/2单元/305" in asked.text, asked
    done = driver.press("newcomer", asked, "I agree, register me", "g1")
    assert "you are registered at" in done.text, done.text
    driver.one("newcomer", "/lang zh-Hant")
    question, note = driver.say("newcomer", "/join 3-2-306", "g1")
    assert not question.private and "您已經登記在另一戶" in question.text, question.text
    assert note.private and "請在群裡確認" in note.text, note.text
    assert "登记 1号院/3号楼/2单元/307" in driver.one("r9", "/join 3-2-307", "g1").text


def test_a_registration_in_a_group_tells_it_nothing_of_the_flat(app: App) -> None:
    driver = build(app)
    driver.one("sec", "户核验 开", "g1")
    # 301 has residents (the request goes to them, and asked again, waits), 309 is empty (a
    # new household awaits verification): the group hears one note for each.
    for user, room in (("n1", "301"), ("n2", "309"), ("n1", "301")):
        told = driver.say(user, f"登记 3-2-{room} 同意", "g1", name=user)
        assert [(s.chat, s.text) for s in told if s.chat == "g1"] == [
            ("g1", f"{user}，详情已私聊发给您。")
        ], told
        assert any(s.private and s.chat == user for s in told), told
    assert driver.household_of("n2") == "309" and driver.household_of("n1") is None


def test_without_a_private_chat_a_registration_gets_one_pointer_whatever_the_flat(
    db: Database, clock: VirtualClock, tmp_path: Path
) -> None:
    driver = build(without_private_chats(db, clock, tmp_path))
    try:
        driver.one("sec", "户核验 开", "g1")
        pointer = "，这条回复只发给您本人：请先私聊我，发送「开始」，以后就能收到。"
        pointer += "刚才的事已办好，不用再发。"
        for user, room in (("n1", "301"), ("n2", "309")):
            told = driver.say(user, f"登记 3-2-{room} 同意", "g1", name=user)
            assert [s.text for s in told if s.chat == "g1"] == [user + pointer], told
    finally:
        driver.app.close()


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("99-9-999", "grid.outside_estate"),
        ("3-7-301", "grid.outside_estate"),
        ("3-301", "grid.unit_needed"),
        ("楼上那家", "grid.bad_address"),
    ],
)
def test_addresses_outside_the_circle_are_refused(grid: App, address: str, key: str) -> None:
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院")
    with pytest.raises(DomainError) as refused:
        _join(grid, resident, circle, address)
    assert refused.value.key == key


@pytest.mark.parametrize("room", ["9999", "0", "300", "10001", "331", "0A"])
def test_a_room_no_flat_could_have_is_refused_where_rooms_are_not_listed(
    grid: App, room: str
) -> None:
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院")
    with pytest.raises(DomainError, match=r"grid\.unlikely_room"):
        _join(grid, resident, circle, f"3-2-{room}")


@pytest.mark.parametrize("room", ["12", "101", "330", "1502A", "9901"])
def test_rooms_a_flat_or_a_bungalow_could_have_are_registered(grid: App, room: str) -> None:
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院")
    assert _join(grid, resident, circle, f"3-2-{room}") == JoinOutcome.REGISTERED


@pytest.mark.parametrize("twin", ["3栋", "3号楼/2号单元"])
def test_a_number_two_buildings_or_units_share_is_not_guessed(grid: App, twin: str) -> None:
    with grid.db.transaction() as session:
        add_path(session, f"文化路街道/红旗里社区/1号院/{twin}")
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院")
    with pytest.raises(DomainError, match=r"grid\.outside_estate"):
        _join(grid, resident, circle, "3-2-301")


def test_a_building_circle_only_takes_its_own_building(grid: App) -> None:
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "1号院/3号楼")
    with pytest.raises(DomainError, match=r"grid\.outside_estate"):
        _join(grid, resident, circle, "4-101")
    assert _join(grid, resident, circle, "3-1-101") == JoinOutcome.REGISTERED
    assert _join(grid, _people(grid, "s")[0], _bind(grid, owner, "g2", "1号院"), "4-101") == (
        JoinOutcome.REGISTERED
    )


def test_listed_rooms_are_the_only_rooms(grid: App) -> None:
    with grid.db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/2号院/1号楼/1单元/101")
    owner, resident = _people(grid, "owner", "r")
    circle = _bind(grid, owner, "g1", "2号院")
    with pytest.raises(DomainError, match=r"grid\.no_such_room"):
        _join(grid, resident, circle, "1-1-999")
    assert _join(grid, resident, circle, "1-1-101") == JoinOutcome.REGISTERED


def test_finding_an_address_loads_only_the_room_it_names(grid: App) -> None:
    """A unit's other households are not read: an address costs the same in a full unit."""
    with grid.db.transaction() as session:
        for room in range(101, 131):
            add_path(session, f"文化路街道/红旗里社区/2号院/1号楼/1单元/{room}室")
    loaded: list[str] = []

    def note(place: Place, _context: object) -> None:
        if place.kind == PlaceKind.HOUSEHOLD:
            loaded.append(place.name)

    event.listen(Place, "load", note)
    try:
        with grid.db.transaction() as session:
            estate = resolve_place(session, "2号院")
            spot = locate_household(session, estate, parse_address("1-1-105"))
            assert spot.household is not None and spot.household.name == "105室"
    finally:
        event.remove(Place, "load", note)
    assert loaded == ["105室"]


def _newcomer_registers(app: App) -> tuple[list[Place], list[str]]:
    """A newcomer registers 3-2-305: the places loaded, and the statements run."""
    driver = build(app)
    loaded: list[Place] = []
    statements: list[str] = []

    def note_place(place: Place, _context: object) -> None:
        loaded.append(place)

    def note_statement(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(Place, "load", note_place)
    event.listen(app.db.engine, "before_cursor_execute", note_statement)
    try:
        register(driver, "newcomer", "3-2-305")
    finally:
        event.remove(Place, "load", note_place)
        event.remove(app.db.engine, "before_cursor_execute", note_statement)
    return loaded, statements


def test_a_registration_reads_the_circle_with_its_chat_and_each_place_once(app: App) -> None:
    """A newcomer's /join reads no circle of its own, no place twice, no membership and no
    request to join a household (they have none yet), and stores consent with the household."""
    loaded, statements = _newcomer_registers(app)
    ids = [place.id for place in loaded]
    assert ids and len(ids) == len(set(ids))
    assert not [s for s in statements if s.startswith("SELECT circles.")]
    assert len([s for s in statements if s.startswith("UPDATE residents")]) == 1
    assert not [s for s in statements if s.startswith("SELECT memberships.")]
    assert not [s for s in statements if "join_requests" in s]


def test_a_registration_reads_its_address_in_one_statement_and_nothing_above_the_estate(
    app: App,
) -> None:
    """Building, unit and room come in one row; the street and community above the circle's
    estate are not read, as the reply names the household below them; the household is
    INSERTed with its path."""
    loaded, statements = _newcomer_registers(app)
    assert len([s for s in statements if s.startswith("SELECT") and "FROM places" in s]) == 1
    # The new household's path names its own id from the one INSERT.
    assert not [s for s in statements if s.startswith("UPDATE places")]
    kinds = {place.kind for place in loaded}
    assert PlaceKind.STREET not in kinds and PlaceKind.COMMUNITY not in kinds


def test_a_registration_reads_its_communitys_verification_rule_with_its_address(
    app: App,
) -> None:
    """Whether a new household waits for verification is read in the row of its building,
    unit and room: a statement of its own cost PostgreSQL a round trip."""
    _, statements = _newcomer_registers(app)
    rules = [s for s in statements if "household_rules" in s]
    assert len(rules) == 1 and "FROM places AS building" in rules[0]


def test_a_group_event_reads_its_sender_and_the_chats_binding_in_one_statement(
    app: App,
) -> None:
    """Who wrote and what the group is bound to come in one row: every group event needs
    both, and each statement costs a round trip to PostgreSQL."""
    _, statements = _newcomer_registers(app)
    reads = [s for s in statements if s.startswith("SELECT")]
    touching = [s for s in reads if "identities" in s or "circle_chats" in s]
    assert len(touching) == 1
    assert "FROM identities" in touching[0] and "FROM circle_chats" in touching[0]


def test_a_newcomers_resident_and_identity_are_one_insert_on_postgresql(app: App) -> None:
    """A new account costs PostgreSQL one statement for both rows (SQLite, which has no
    INSERT inside a WITH, two); the identity names its resident either way."""
    _, statements = _newcomer_registers(app)
    making = [
        s for s in statements if "INSERT INTO residents" in s or "INSERT INTO identities" in s
    ]
    assert len(making) == (1 if app.db.engine.dialect.name == "postgresql" else 2)
    with app.db.reading() as session:
        identity = find_identity(session, "console", "newcomer")
        assert identity is not None and identity.resident.display_name == "newcomer"


def test_a_newcomers_membership_of_the_group_is_made_with_them_on_postgresql(app: App) -> None:
    """Someone whose first words are in a circle's group is its member from then: PostgreSQL
    makes the membership in the statement that makes them (SQLite, a statement each)."""
    _, statements = _newcomer_registers(app)
    making = [s for s in statements if s.startswith(("INSERT", "WITH")) and "memberships" in s]
    assert len(making) == 1
    alone = "INSERT INTO residents" not in making[0]
    assert alone == (app.db.engine.dialect.name != "postgresql")
    with app.db.reading() as session:
        identity = find_identity(session, "console", "newcomer")
        assert identity is not None
        member = session.scalar(
            select(Membership).where(Membership.resident_id == identity.resident_id)
        )
        assert member is not None and member.first_seen_at == member.last_seen_at
        assert member.left_at is None


def test_a_newcomers_registration_runs_no_flush(app: App) -> None:
    """Their resident, identity, membership and household are INSERTed, and their resident
    UPDATEd, at once: a flush of the unit of work costs several times those statements."""
    driver = build(app)
    flushed: list[set[str]] = []

    def note(session: Session, *_: object) -> None:
        flushed.append({type(row).__name__ for row in [*session.new, *session.dirty]})

    event.listen(Session, "before_flush", note)
    try:
        register(driver, "newcomer", "3-2-305")
    finally:
        event.remove(Session, "before_flush", note)
    assert flushed == []
    with app.db.reading() as session:
        identity = find_identity(session, "console", "newcomer")
        assert identity is not None and identity.resident.household is not None
        household = identity.resident.household
        assert identity.resident.consent_at is not None
        assert household.path.endswith(f"/{household.id}/") and household.name == "305"
        assert session.scalars(
            select(Membership).where(Membership.resident_id == identity.resident.id)
        ).one()


def test_the_members_list_is_for_admins_and_splits_registered_from_not(grid: App) -> None:
    owner, registered, talker = _people(grid, "owner", "reg", "talk")
    circle = _bind(grid, owner, "g1", "1号院")
    _join(grid, registered, circle, "3-2-301")
    with grid.db.transaction() as session:
        here = session.get(Circle, circle.id)
        assert here is not None
        circles.touch_member(session, grid.clock.now(), here, session.get_one(Resident, talker.id))
        roster = circles.members(session, session.get_one(Resident, owner.id), here, False)
        assert [(m.name, m.address) for m in roster.registered] == [("reg", "3号楼/2单元/301")]
        assert [m.name for m in roster.unregistered] == ["talk"]
        with pytest.raises(DomainError, match=r"circles\.admins_only"):
            circles.members(session, session.get_one(Resident, talker.id), here, False)


def test_names_lose_control_and_bidi_characters_but_keep_emoji() -> None:
    assert clean_name("王\u202e五\x00\x07") == "王五"
    assert clean_name("👨\u200d👩\u200d👧 张") == "👨\u200d👩\u200d👧 张"
    assert clean_name("مرحبا") == "مرحبا"
    assert len(clean_name("长" * 500)) == 64


def test_parse_address_reads_the_usual_forms() -> None:
    assert str(parse_address("3-2-301")) == "3-2-301"
    assert str(parse_address("3幢2单元301")) == "3-2-301"
    assert str(parse_address("4-101")) == "4-101"
    assert str(parse_address("3号楼2单元1201室")) == "3-2-1201"
    assert str(parse_address("3-2-0301")) == "3-2-301" and str(parse_address("3-2-0")) == "3-2-0"


def test_parse_address_reads_english_forms_as_the_dashed_one() -> None:
    for typed in (
        "building 3 unit 2 room 301",
        "Bldg 3, Unit 2, Rm 301",
        "3/2/301",
        "3 / 2 / 301",
        "３／２／３０１",
        "block 3 unit 2 flat 301",
        "Building #3 Unit 2 Apt 301",
        "BLDG. No. 3, unit 02, room 0301",
        "3rd building 2nd unit room 301",
        "building 3 unit 2 301",
        "Flat 301, Unit 2, Block 3",
        "building 3/unit 2/room 301",
    ):
        assert str(parse_address(typed)) == "3-2-301", typed
    assert str(parse_address("Block 4 Flat 101")) == "4-101"
    assert str(parse_address("3/301")) == "3-301"
    assert str(parse_address("building 3 unit 2 room 301a")) == "3-2-301A"


def test_parse_address_asks_again_for_english_it_cannot_be_sure_of() -> None:
    for typed in (
        "building 3",
        "building 3 unit 2",
        "building 3 unit 301",
        "unit 2 room 301",
        "building 3 2 301",
        "building 3 301 unit 2",
        "building 3 building 4 room 301",
        "building 3 room 301 apt 302",
        "building 3a unit 2 room 301",
        "building 3 floor 2 room 301",
        "building 3-2-301",
        "building 3 unit 2 room 301 please",
        "building three unit two room 301",
    ):
        with pytest.raises(DomainError) as refused:
            parse_address(typed)
        assert refused.value.key == "grid.bad_address", typed


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unread_address_is_answered_with_two_examples_that_are_read(language: str) -> None:
    text = Renderer(Router(COMMANDS)).markup("grid.bad_address", {"text": "楼上那家"}, language)
    examples = re.split(" 或 | or ", re.split("例如 |for example ", text)[1].rstrip("。."))
    assert len(examples) == 2 and {str(parse_address(e)) for e in examples} == {"3-2-301"}


def test_parse_address_reads_a_room_in_chinese_numerals() -> None:
    assert str(parse_address("三号楼二单元二零一")) == "3-2-201"
    assert str(parse_address("3号楼2单元三百零一室")) == "3-2-301"
    assert str(parse_address("4号楼一零二")) == "4-102"


def test_resolve_place_takes_partial_paths(grid: App) -> None:
    with grid.db.transaction() as session:
        assert resolve_place(session, "红旗里社区/1号院/3号楼").kind == PlaceKind.BUILDING
        assert resolve_place(session, "幸福家园").kind == PlaceKind.ESTATE


@pytest.mark.parametrize(
    ("typed", "path"),
    [
        ("1号院3号楼", "文化路街道/红旗里社区/1号院/3号楼"),
        ("1号院3号楼2单元", "文化路街道/红旗里社区/1号院/3号楼/2单元"),
        ("红旗里社区1号院", "文化路街道/红旗里社区/1号院"),
        ("紅旗里社區1號院/3號樓", "文化路街道/红旗里社区/1号院/3号楼"),
        ("红旗里社区/1号院3号楼", "文化路街道/红旗里社区/1号院/3号楼"),
    ],
)
def test_place_names_run_together_find_the_deepest_place(grid: App, typed: str, path: str) -> None:
    with grid.db.transaction() as session:
        assert full_name(session, resolve_place(session, typed)) == path


@pytest.mark.parametrize("typed", ["1号院9号楼", "1号院3号楼9单元", "1号院3号楼2", "号院3号楼"])
def test_names_run_together_match_whole_names_only(grid: App, typed: str) -> None:
    with grid.db.transaction() as session, pytest.raises(DomainError, match=r"place_not_found"):
        resolve_place(session, typed)


@pytest.mark.parametrize(
    ("typed", "path"),
    [
        ("1号院/3栋", "文化路街道/红旗里社区/1号院/3号楼"),
        ("1号院3幢2单元", "文化路街道/红旗里社区/1号院/3号楼/2单元"),
        ("1號院/4棟", "文化路街道/红旗里社区/1号院/4号楼"),
        ("1号院/4座", "文化路街道/红旗里社区/1号院/4号楼"),
        ("1号院3号", "文化路街道/红旗里社区/1号院/3号楼"),
        ("2号院/1栋/1单元", "文化路街道/红旗里社区/2号院/1号楼/1单元"),
    ],
)
def test_a_buildings_word_may_be_any_of_its_words(grid: App, typed: str, path: str) -> None:
    with grid.db.transaction() as session:
        assert full_name(session, resolve_place(session, typed)) == path


@pytest.mark.parametrize(
    ("typed", "path"),
    [
        ("1号院/Building 3", "文化路街道/红旗里社区/1号院/3号楼"),
        ("Bldg. No. 4", "文化路街道/红旗里社区/1号院/4号楼"),
        ("1号院/block #3 unit 2", "文化路街道/红旗里社区/1号院/3号楼/2单元"),
        ("1号院/BLK 03/Unit 1", "文化路街道/红旗里社区/1号院/3号楼/1单元"),
        ("2号院/1st building", "文化路街道/红旗里社区/2号院/1号楼"),
    ],
)
def test_a_building_and_unit_named_in_english_are_found(grid: App, typed: str, path: str) -> None:
    with grid.db.transaction() as session:
        assert full_name(session, resolve_place(session, typed)) == path


@pytest.mark.parametrize("typed", ["1号院/Building", "1号院/Room 3", "1号院/Building 3 Room 301"])
def test_english_words_other_than_a_numbered_building_or_unit_find_nothing(
    grid: App, typed: str
) -> None:
    with grid.db.transaction() as session, pytest.raises(DomainError, match=r"place_not_found"):
        resolve_place(session, typed)


def test_a_building_stored_under_another_word_is_found_by_it(grid: App) -> None:
    with grid.db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/1号院/5栋")
        assert full_name(session, resolve_place(session, "1号院5号楼")).endswith("1号院/5栋")


def test_two_buildings_an_other_word_names_alike_are_asked_about(grid: App) -> None:
    with grid.db.transaction() as session:
        add_path(session, "文化路街道/红旗里社区/1号院/3栋")
        assert full_name(session, resolve_place(session, "1号院/3栋")).endswith("1号院/3栋")
        with pytest.raises(DomainError, match=r"place_ambiguous"):
            resolve_place(session, "1号院/3幢")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_example_of_a_place_not_found_is_found(grid: App, language: str) -> None:
    text = Renderer(Router(COMMANDS)).markup("grid.place_not_found", {"query": "9号院"}, language)
    example = re.findall(r"[「\"]([^」\"]+)[」\"]", text)[-1]
    with grid.db.transaction() as session:
        assert resolve_place(session, example).kind == PlaceKind.BUILDING


def test_places_typed_in_traditional_characters_find_the_stored_names(grid: App) -> None:
    (owner,) = _people(grid, "owner")
    bound = _bind(grid, owner, "g1", "紅旗里社區/1號院")
    with grid.db.transaction() as session:
        building = resolve_place(session, "１號院/3號樓")
        assert (building.kind, building.name) == (PlaceKind.BUILDING, "3号楼")
        assert full_name(session, session.get_one(Circle, bound.id).place) == (
            "文化路街道/红旗里社区/1号院"
        )
