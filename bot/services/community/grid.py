"""The grid: creating places by path, finding them, and reading addresses."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Boolean,
    ColumnElement,
    Dialect,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    insert,
    or_,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from bot.db import inserted_by, loaded, loaded_together, rows
from bot.errors import DomainError
from bot.queries import Query
from bot.services.common.keywords import (
    all_digits,
    normalise,
    simplified,
    spellings,
    squeezed,
    with_digits,
)
from models import HouseholdRules, Place, PlaceKind

LEVELS: tuple[PlaceKind, ...] = (
    PlaceKind.STREET,
    PlaceKind.COMMUNITY,
    PlaceKind.ESTATE,
    PlaceKind.BUILDING,
    PlaceKind.UNIT,
    PlaceKind.HOUSEHOLD,
)
MAX_NAME = 100
# Building, unit and room numbers as residents write them: 3, 2, 1502A.
MAX_ADDRESS_PART = 6
# The highest floor and door on a floor a room not listed by the operator may have: 9999
# is a typing slip, not a flat.
MAX_FLOOR = 99
MAX_DOOR = 30
# Place numbers are stored as 32-bit integers; longer numbers are not addresses.
_MAX_NUMBER_DIGITS = 9
_NUMBER = re.compile(r"\d+")
_TYPED_ROOM = r"(\d+[A-Za-z]?)(?:室|号|號)?"
_ADDRESS_DASHED = re.compile(rf"^(\d+)-(\d+)-{_TYPED_ROOM}$")
_ADDRESS_DASHED_NO_UNIT = re.compile(rf"^(\d+)-{_TYPED_ROOM}$")
# 座 is Hong Kong's word for a building (3座2單元301).
_ADDRESS_WORDS = re.compile(
    rf"^(\d+)(?:号楼|號樓|栋|棟|幢|座|号|號|楼|樓)(?:(\d+)(?:单元|單元))?{_TYPED_ROOM}$"
)
# Numbers typed apart (3 2 301) are the parts of a dashed address.
_SPACE_BETWEEN_NUMBERS = re.compile(r"(?<=\d)\s+(?=\d)")
# The English words naming each part of an address: building 3 unit 2 room 301, Bldg 3 Rm 301,
# block 3 flat 301. Every part is named, so they may come in any order.
BUILDING_WORDS = ("building", "bldg", "block", "blk")
UNIT_WORDS = ("unit",)
ROOM_WORDS = ("room", "rm", "flat", "apartment", "apt")
ENGLISH_ADDRESS_WORDS = BUILDING_WORDS + UNIT_WORDS + ROOM_WORDS
_ENGLISH_KINDS = {"building": BUILDING_WORDS, "unit": UNIT_WORDS, "room": ROOM_WORDS}
_ENGLISH_WORD = "|".join(ENGLISH_ADDRESS_WORDS)
# An English part: a word then its number (Building #3, bldg. no. 3, unit 2nd, room 301A), or
# an ordinal then the word (3rd building); the room's number may stand last on its own.
_ENGLISH_PART = re.compile(
    rf"(?:({_ENGLISH_WORD})\.?\s*(?:#|no\.?)?\s*(\d+)(?:st|nd|rd|th|([a-z]))?"
    rf"|(\d+)(?:st|nd|rd|th)\s*({_ENGLISH_WORD})\.?|#?(\d+)([a-z])?)(?![a-z\d])[\s,;/-]*"
)


def _english_named(words: tuple[str, ...]) -> str:
    """A pattern of a part named in English by one of `words`: its word then its number
    (Building 3, bldg. no. 3), or an ordinal then its word (3rd building)."""
    word = f"(?:{'|'.join(words)})"
    return rf"(?:{word}\.?\s*(?:#|no\.?)?\s*\d+|\d+(?:st|nd|rd|th)\s*{word}\.?)"


# A building named in English, then maybe its unit (Building 3, bldg. no. 3 unit 2, 3rd
# building), as a scope word is typed: apart from the words after it by a space.
ENGLISH_BUILDING = (
    rf"{_english_named(BUILDING_WORDS)}(?:\s*{_english_named(UNIT_WORDS)})?(?![a-z\d])"
)
# The Chinese word after the number of a building or unit named in English.
_CHINESE_WORD = {"building": "号楼", "unit": "单元"}
_HAS_ENGLISH_WORD = re.compile(rf"(?<![a-z])(?:{_ENGLISH_WORD})(?![a-z])")
# A word that goes on an address typed with spaces: 2, 2单元, 301室, 栋, unit, Rm, #3, 3rd, No.
_ADDRESS_PART = re.compile(
    rf"^(?:\d+[A-Za-z]*|[-—/#,，.号號楼樓栋棟幢座室]|单元|單元|no\.?|{_ENGLISH_WORD})+$",
    re.IGNORECASE,
)


# The words after a building's number that name one building: 3号楼, 3栋, 3幢, 3座 and 3号. 号
# is one only at a name's end or before the next number (3号2单元), so 1号院 stays an estate.
_BUILDING_WORDS = ("号楼", "栋", "幢", "座", "号")
_BUILDING_NAMED = re.compile(
    r"(\d+)(?:" + "|".join(w if w != "号" else r"号(?=\d|$)" for w in _BUILDING_WORDS) + ")"
)


def number_in(name: str) -> int | None:
    """The first number in a place's name (3号楼 -> 3), used to match addresses."""
    match = _NUMBER.search(normalise(name))
    if match is None or len(match.group().lstrip("0")) > _MAX_NUMBER_DIGITS:
        return None
    return int(match.group())


def split_path(path: str) -> list[str]:
    """Split `a/b/c` (half- or full-width slashes) into clean names."""
    return [part for part in (normalise(p) for p in normalise(path).split("/")) if part]


def add_path(session: Session, path: str | list[str]) -> Place:
    """Create the place at `path` and every missing level above it; returns the deepest."""
    names = split_path(path) if isinstance(path, str) else [normalise(n) for n in path]
    if not names:
        raise DomainError("grid.empty_path")
    if len(names) > len(LEVELS):
        raise DomainError("grid.too_deep", levels=len(LEVELS))
    parent: Place | None = None
    for depth, name in enumerate(names):
        if not name or len(name) > MAX_NAME or "/" in name:
            raise DomainError("grid.bad_name", name=name[:40])
        parent = _child(session, parent, LEVELS[depth], name)
    assert parent is not None
    return parent


# Built once: registrations walk the grid, and building a statement cost as much as running it.
_ROOT = select(Place).where(Place.parent_id.is_(None), Place.name == bindparam("name"))
_NAMED_CHILD = select(Place).where(
    Place.parent_id == bindparam("parent"), Place.name == bindparam("name")
)
_NUMBERED_CHILD = Query(
    select(*Place.__table__.c)
    .where(Place.parent_id == bindparam("parent"), Place.number == bindparam("number"))
    .limit(2)
)
_A_UNIT = Query(
    select(Place.id)
    .where(Place.parent_id == bindparam("parent"), Place.kind == PlaceKind.UNIT)
    .limit(1)
)
# Place names are stored normalised, so a room 301 is named 301 or 301室 (the first made).
_NAMED_ROOM = or_(Place.name == bindparam("room"), Place.name == bindparam("suffixed"))


def _first_room(parent: ColumnElement[int], *columns: Any) -> Select[Any]:
    """The room named, else a room the operator listed: then no other room may be registered."""
    return (
        select(*columns)
        .where(
            Place.parent_id == parent,
            Place.kind == PlaceKind.HOUSEHOLD,
            or_(_NAMED_ROOM, Place.listed),
        )
        .order_by(case((_NAMED_ROOM, 0), else_=1), Place.id)
        .limit(1)
    )


_ROOM = Query(_first_room(bindparam("parent"), *Place.__table__.c))
_NAME_AT = Place.__table__.c.keys().index("name")
# A place's path holds one id per level at most, from a street down to a household.
PATH_LENGTH = len(PlaceKind)


def path_binds() -> list[BindParameter[int]]:
    """The parameters of an IN list of a path's ids (see `path_values`)."""
    return [bindparam(f"id{n}") for n in range(PATH_LENGTH)]


# Only a community has rules, so the rule of a place's community is the one on its path.
_VERIFY_RULE = select(HouseholdRules.verify).where(HouseholdRules.community_id.in_(path_binds()))
_VERIFY = Query(_VERIFY_RULE)


_BUILDING, _UNIT, _IN_UNIT = (Place.__table__.alias(name) for name in ("building", "unit", "room"))
# An address's building, unit and room (each NULL where missing) in one row, the room as
# _ROOM finds it, and the community's rule on verifying households; a second row says the
# building, or the unit, is not one place.
_BUILDING_UNIT_ROOM = Query(
    select(
        *_BUILDING.c,
        *_UNIT.c,
        *_IN_UNIT.c,
        _VERIFY_RULE.limit(1).scalar_subquery().label("verifying"),
    )
    .select_from(
        _BUILDING.outerjoin(
            _UNIT, and_(_UNIT.c.parent_id == _BUILDING.c.id, _UNIT.c.number == bindparam("unit"))
        ).outerjoin(_IN_UNIT, _IN_UNIT.c.id == _first_room(_UNIT.c.id, Place.id).scalar_subquery())
    )
    .where(_BUILDING.c.parent_id == bindparam("parent"), _BUILDING.c.number == bindparam("number"))
    .limit(2)
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)


def path_values(ids: Sequence[int]) -> dict[str, int]:
    """A path's ids as the values of `path_binds`, padded with the first id: a statement
    with a fixed number of parameters is built once."""
    if not ids or len(ids) > PATH_LENGTH:
        raise ValueError("a path has one to PATH_LENGTH ids")
    return {f"id{n}": ids[n] if n < len(ids) else ids[0] for n in range(PATH_LENGTH)}


_PLACES = Query(select(*Place.__table__.c).where(Place.id.in_(path_binds())))


def verifying(session: Session, place: Place) -> bool:
    """Whether the community of `place` counts only verified households per household."""
    found = rows(session, _VERIFY, path_values(path_ids(place.path)))
    return bool(found) and found[0].verify


class _NextPlaceId(FunctionElement[int]):
    """The id the next place gets: taken here, its path can name it in the same INSERT."""

    type = Integer()
    inherit_cache = True


@compiles(_NextPlaceId)
def _next_place_id(_element: _NextPlaceId, _compiler: Any, **_: Any) -> str:
    # Under SQLite's write lock nobody else adds a row meanwhile.
    return "(SELECT coalesce(max(places.id), 0) + 1 FROM places)"


@compiles(_NextPlaceId, "postgresql")
def _next_place_id_pg(_element: _NextPlaceId, _compiler: Any, **_: Any) -> str:
    return "nextval(pg_get_serial_sequence('places', 'id'))"


class _Pattern(TypeDecorator[str]):
    """A path bound as the pattern `inside` matches it with."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return value + ("*" if dialect.name == "sqlite" else "%")


class _Inside(FunctionElement[bool]):
    """See `inside`."""

    type = Boolean()
    inherit_cache = True
    # A comparison, which a WHERE takes as it is (not `= 1`, which no index serves).
    _is_implicitly_boolean = True


@compiles(_Inside)
def _like(element: _Inside, compiler: Any, **kw: Any) -> str:
    column, pattern = element.clauses
    return f"{compiler.process(column, **kw)} LIKE {compiler.process(pattern, **kw)}"


@compiles(_Inside, "sqlite")
def _glob(element: _Inside, compiler: Any, **kw: Any) -> str:
    # SQLite's index on paths serves a GLOB of a prefix, and its LIKE (which ignores case)
    # only where the index does too.
    column, pattern = element.clauses
    return f"{compiler.process(column, **kw)} GLOB {compiler.process(pattern, **kw)}"


def inside(path: str) -> ColumnElement[bool]:
    """Places at `path` or below it: a prefix of their paths, as the index on paths serves it.
    Paths hold only digits and slashes, so nothing in one is a wildcard."""
    return _Inside(Place.__table__.c.path, bindparam(None, path, type_=_Pattern()))


_NEW_ID = select(_NextPlaceId().label("id")).subquery("taken")
_COLUMNS = Place.__table__.c
# A place, its path ending with its own id, in one statement.
_NEW_PLACE = Query(
    insert(Place)
    .from_select(
        ["id", "parent_id", "kind", "name", "number", "listed", "path"],
        select(
            _NEW_ID.c.id,
            *(
                bindparam(name, type_=_COLUMNS[name].type)
                for name in ("parent_id", "kind", "name", "number", "listed")
            ),
            bindparam("parent_path", type_=String()) + cast(_NEW_ID.c.id, String()) + "/",
        ),
    )
    .returning(*_COLUMNS)
)
_NAMES = select(Place.id, Place.kind, Place.name).where(Place.id.in_(bindparam("ids")))
_PATH = Query(select(Place.path).where(Place.id == bindparam("id")))
_KEPT = "places read by the grid"


def _child(session: Session, parent: Place | None, kind: PlaceKind, name: str) -> Place:
    parent_id = parent.id if parent else None
    if parent_id is None:
        found = session.scalar(_ROOT, {"name": name})
    else:
        found = session.scalar(_NAMED_CHILD, {"parent": parent_id, "name": name})
    return found if found is not None else _new_child(session, parent, kind, name)


def _new_child(
    session: Session, parent: Place | None, kind: PlaceKind, name: str, listed: bool = True
) -> Place:
    values = {
        "parent_id": parent.id if parent else None,
        "parent_path": parent.path if parent else "/",
        "kind": kind,
        "name": name,
        "number": number_in(name),
        "listed": listed,
    }
    return inserted_by(session, Place, _NEW_PLACE, values)


def ancestors(session: Session, place: Place, below: PlaceKind | None = None) -> list[Place]:
    """The places from the street down to `place`, inclusive, or only those under the level
    `below`; those the session holds already are not read again."""
    ids = path_ids(place.path)
    held: dict[int, Place] = {}
    for i in ids:
        known = session.identity_map.get(identity_key(Place, i))
        if known is not None:
            held[i] = known
    if below is not None:
        # Each place lies under its parent's level: above one just under `below`, none is.
        for index in range(len(ids) - 1, -1, -1):
            known = held.get(ids[index])
            if known is not None and known.kind.depth <= below.depth + 1:
                ids = ids[index:]
                break
    missing = [i for i in ids if i not in held]
    if missing:
        found = rows(session, _PLACES, path_values(missing))
        held.update((p.id, p) for p in _kept(session, [loaded(session, Place, r) for r in found]))
    chain = [held[i] for i in ids]
    return chain if below is None else [p for p in chain if p.kind.depth > below.depth]


def path_ids(path: str) -> list[int]:
    """The ids of the places on a place's path, from the top down, itself last."""
    return [int(part) for part in path.strip("/").split("/") if part]


def _kept(session: Session, places: Iterable[Place]) -> list[Place]:
    """`places`, kept for the event's later walks up the grid: the session holds what it
    read only while something else does."""
    found = list(places)
    session.info.setdefault(_KEPT, []).extend(found)
    return found


def ancestor_of_kind(session: Session, place: Place, kind: PlaceKind) -> Place | None:
    """The ancestor of `place` (or itself) at level `kind`."""
    return next((p for p in ancestors(session, place) if p.kind == kind), None)


def full_name(session: Session, place: Place, below: PlaceKind | None = None) -> str:
    """A readable path such as 红旗里社区/1号院/3号楼, from the level under `below`."""
    return _joined([(p.kind, p.name) for p in ancestors(session, place, below)], below)


def full_names(session: Session, paths: Sequence[str], below: PlaceKind | None = None) -> list[str]:
    """The readable name of each place `path`, as `full_name` gives it, from one query of rows."""
    named = _names_on(session, paths)
    return [_joined([named[i] for i in path_ids(path)], below) for path in paths]


def enclosing_names(
    session: Session, paths: Sequence[str], kind: PlaceKind, below: PlaceKind | None = None
) -> list[str]:
    """The readable name of each place's ancestor at level `kind` (or of its parent where it
    has none at that level), as `full_name` gives it, from one query of rows."""
    named = _names_on(session, paths)
    names = []
    for path in paths:
        ids = path_ids(path)
        depth = next((n for n, i in enumerate(ids) if named[i][0] == kind), len(ids) - 2)
        names.append(_joined([named[i] for i in ids[: depth + 1]], below))
    return names


def enclosing_ids(session: Session, paths: Sequence[str], kind: PlaceKind) -> list[int | None]:
    """The id of each place's ancestor at level `kind` (itself if of that kind), None where
    it has none, from one query of rows."""
    named = _names_on(session, paths)
    return [next((i for i in path_ids(p) if named[i][0] == kind), None) for p in paths]


def _names_on(session: Session, paths: Sequence[str]) -> dict[int, tuple[PlaceKind, str]]:
    """The kind and name of every place on `paths`, by id."""
    wanted = sorted({i for path in paths for i in path_ids(path)})
    if not wanted:
        return {}
    return {row.id: (row.kind, row.name) for row in rows(session, _NAMES, {"ids": wanted})}


def address_of(session: Session, household_id: int, below: PlaceKind | None = None) -> str:
    """A household's readable address, from two queries of rows (see `full_name`)."""
    path = rows(session, _PATH, {"id": household_id})[0].path
    return full_names(session, [path], below)[0]


def _joined(chain: list[tuple[PlaceKind, str]], below: PlaceKind | None) -> str:
    return "/".join(name for kind, name in chain if below is None or kind.depth > below.depth)


def find_places(session: Session, query: str) -> list[Place]:
    """Places whose path ends with the names in `query`, each typed alone or run into the
    next (1号院/3号楼, 1号院3号楼, 红旗里社区1号院, 1号院3号楼2单元)."""
    typed = [_in_chinese(name) for name in split_path(query)]
    if not typed:
        return []
    # Names match whatever script they are typed in: 1號院 finds 1号院.
    names = [simplified(name) for name in typed]
    last = typed[-1]
    ends = {
        spelling
        for at in range(len(last))
        for end in _building_words(last[at:])
        for spelling in spellings(end)
    }
    exact: list[Place] = []
    alike: list[Place] = []
    named = select(Place).where(Place.name.in_(ends))
    for place in session.scalars(named).all():
        chain = [simplified(p.name) for p in ancestors(session, place)]
        if _chain_ends_with(chain, names):
            exact.append(place)
        elif _chain_ends_with(_one_building_word(chain), _one_building_word(names)):
            alike.append(place)
    # A name typed as stored is that place, though another building's word names another too.
    return sorted(exact or alike, key=lambda p: p.path)


def _in_chinese(name: str) -> str:
    """A building or unit named with the English words of addresses (Building 3, bldg. no. 3
    unit 2, Unit 2, 3rd block) as its Chinese name (3号楼, 3号楼2单元, 2单元); any other name
    as typed."""
    chinese = ""
    for kind, number, letter in _english_parts(name.lower()):
        if kind not in _CHINESE_WORD or letter:
            return name
        chinese += f"{int(number)}{_CHINESE_WORD[kind]}"
    return chinese or name


def _building_words(name: str) -> list[str]:
    """`name` and, where it is a building's number and word (3栋), its number with each word."""
    match = _BUILDING_NAMED.fullmatch(simplified(name))
    return [name] if match is None else [name, *(match[1] + word for word in _BUILDING_WORDS)]


def _one_building_word(names: list[str]) -> list[str]:
    """Simplified `names` with every building's word after its number written 号楼."""
    return [_BUILDING_NAMED.sub(r"\1号楼", name) for name in names]


def _chain_ends_with(chain: list[str], names: list[str]) -> bool:
    """Whether the names on a path end with `names`, each one name or several run together."""
    at = len(chain)
    for name in reversed(names):
        glued = ""
        while len(glued) < len(name) and at > 0:
            at -= 1
            glued = chain[at] + glued
        if glued != name:
            return False
    return True


def resolve_place(session: Session, query: str) -> Place:
    """Exactly one place matching `query`, or a DomainError saying why not."""
    matches = find_places(session, query)
    if not matches:
        raise DomainError("grid.place_not_found", query=query[:60])
    if len(matches) > 1:
        raise several_places(session, query, matches)
    return matches[0]


def several_places(session: Session, query: str, matches: Sequence[Place]) -> DomainError:
    """The answer to a name that fits several places, naming the first five of them."""
    names = [full_name(session, p) for p in matches[:5]]
    return DomainError("grid.place_ambiguous", query=query[:60], candidates=names)


@dataclass(frozen=True)
class Address:
    """A household address as residents type it: building, unit and room."""

    building: int
    unit: int | None
    room: str

    def __str__(self) -> str:
        return (
            f"{self.building}-{self.unit}-{self.room}"
            if self.unit
            else (f"{self.building}-{self.room}")
        )


def address_first(text: str) -> tuple[str, str]:
    """The address at the start of typed arguments, even with spaces in it (3 2 301,
    3栋 2单元 301), and the words after it."""
    words = text.split()
    taken = 1
    while taken < len(words) and _goes_on_address(words[taken]):
        taken += 1
    return " ".join(words[:taken]), " ".join(words[taken:])


def _goes_on_address(word: str) -> bool:
    """Whether a word typed after the start of an address is part of it: 2, 2单元, 301室, unit."""
    return _ADDRESS_PART.match(with_digits(normalise(word))) is not None


def _numbered_part(word: str) -> bool:
    """Whether a word is typed as an address's part with its number: 3号楼, 2单元, #3, 2."""
    return _goes_on_address(word) and _NUMBER.search(with_digits(normalise(word))) is not None


def place_first(session: Session, words: Sequence[str]) -> tuple[str, list[str]]:
    """The place named by the first of `words` and those after it that go on its path, as a
    path (1号院 3号楼 2单元 -> 1号院/3号楼/2单元), and the words after it.

    A word goes on the path when it is typed as a numbered part of an address (3号楼, 2单元,
    3栋), so a building that is not there is not found rather than read as something else, or
    when it names a place under the words before it (红旗里社区 1号院). A part's word with no
    number (Block, 栋) names nothing, so 1号院 Block A leaves the circle's name Block A.
    """
    taken = 1
    while taken < len(words) and (
        _numbered_part(words[taken]) or find_places(session, "/".join(words[: taken + 1]))
    ):
        taken += 1
    return "/".join(words[:taken]), list(words[taken:])


def parse_address(text: str) -> Address:
    """Read 3-2-301, 3/2/301, 3 2 301, 3栋2单元301, 3座2單元301, 三号楼二单元二零一室,
    building 3 unit 2 room 301 (or 3-301 without a unit)."""
    spaced = all_digits(normalise(text)).replace("—", "-").replace("－", "-").replace("/", "-")
    if _HAS_ENGLISH_WORD.search(spaced.lower()):
        return _english_address(text, spaced.lower())
    cleaned = re.sub(r"\s+", "", _SPACE_BETWEEN_NUMBERS.sub("-", spaced))
    for pattern in (_ADDRESS_DASHED, _ADDRESS_WORDS):
        match = pattern.match(cleaned)
        if match:
            building, unit, room = match.groups()
            return _address(building, unit, room)
    match = _ADDRESS_DASHED_NO_UNIT.match(cleaned)
    if match:
        return _address(match.group(1), None, match.group(2))
    raise DomainError("grid.bad_address", text=text[:40])


def _english_address(text: str, typed: str) -> Address:
    """An address whose parts are named in English; a part named twice, a number named by
    nothing but the room's, or no building or room, is not read."""
    parts: dict[str, tuple[str, str]] = {}
    for kind, number, letter in _english_parts(typed):
        if not kind or kind in parts or (letter and kind != "room"):
            raise DomainError("grid.bad_address", text=text[:40])
        parts[kind] = (number, letter)
    if "building" not in parts or "room" not in parts:
        raise DomainError("grid.bad_address", text=text[:40])
    unit = parts["unit"][0] if "unit" in parts else None
    return _address(parts["building"][0], unit, "".join(parts["room"]))


def _english_parts(typed: str) -> Iterator[tuple[str, str, str]]:
    """The parts of lower-case text naming an address's parts in English, each as its kind
    (building, unit, room), number and letter; a part that does not read has no kind, and
    is the last."""
    at = 0
    while at < len(typed):
        match = _ENGLISH_PART.match(typed, at)
        if match is None or match.end() == at:
            yield "", "", ""
            return
        at = match.end()
        word, number, letter, ordinal, ordinal_word, bare, bare_letter = match.groups()
        if bare is not None:
            # Only the room's number may stand unnamed, and only last: building 3 unit 2 301.
            yield "room" if at == len(typed) else "", bare, bare_letter or ""
            continue
        kind = next((k for k, words in _ENGLISH_KINDS.items() if (word or ordinal_word) in words))
        yield kind, number or ordinal, letter or ""


def address_within(session: Session, within: Place, text: str) -> Address:
    """`parse_address`, reading past the estate's own name typed in front of the address
    (1号院3号楼2单元502, 1號院 3-2-502 in 1号院's circle); another estate's name there is
    told apart from a bad address."""
    estate = within if within.kind == PlaceKind.ESTATE else None
    estate = estate or ancestor_of_kind(session, within, PlaceKind.ESTATE)
    typed = squeezed(text)
    name = squeezed(estate.name) if estate is not None else ""
    if name and typed.startswith(name) and len(typed) > len(name):
        return parse_address(typed[len(name) :].lstrip("/-—，,、"))
    try:
        return parse_address(text)
    except DomainError:
        other = _other_estate_named(session, estate, typed) if estate is not None else None
        if other is not None:
            raise DomainError("circles.join_other_estate", estate=other) from None
        raise


def estate_written(typed: str, estates: Sequence[str], which: str) -> str:
    """Of the estates someone acts in from a private chat (by name), the one whose name the
    typed address starts with, else their only one; several and none named are refused with
    `which`, which names them."""
    word = squeezed(typed)
    named = [name for name in estates if word.startswith(squeezed(name))]
    if len(estates) > 1 and not named:
        raise DomainError(which, estates=list(estates))
    return max(named, key=len) if named else estates[0]


def estates_at(session: Session, place: Place) -> list[Place]:
    """The estate holding `place` (or `place` itself), else the estates under it."""
    if place.kind.depth >= PlaceKind.ESTATE.depth:
        estate = ancestor_of_kind(session, place, PlaceKind.ESTATE)
        return [estate] if estate is not None else []
    under = select(Place).where(Place.kind == PlaceKind.ESTATE, inside(place.path))
    return list(session.scalars(under.order_by(Place.id)))


def _other_estate_named(session: Session, estate: Place, typed: str) -> str | None:
    """The name of another estate of `estate`'s community that `typed` starts with."""
    community = ancestor_of_kind(session, estate, PlaceKind.COMMUNITY)
    siblings = children(session, community) if community is not None else []
    named = [
        p.name
        for p in siblings
        if p.kind == PlaceKind.ESTATE and p.id != estate.id and typed.startswith(squeezed(p.name))
    ]
    return max(named, key=len) if named else None


def _address(building: str, unit: str | None, room: str) -> Address:
    if any(len(part) > MAX_ADDRESS_PART for part in (building, unit or "", room)):
        raise DomainError("grid.address_too_long", limit=MAX_ADDRESS_PART)
    # 0301 is room 301, as 03 is building 3: one flat must not register as two households.
    room = str(int(room)) if room.isdecimal() else room.upper()
    return Address(int(building), int(unit) if unit else None, room)


def children(session: Session, parent: Place) -> list[Place]:
    """The places directly under `parent`."""
    return list(
        session.scalars(select(Place).where(Place.parent_id == parent.id).order_by(Place.id))
    )


@dataclass(frozen=True)
class HouseholdSpot:
    """Where an address lands: its household if it exists, else the unit and room to create."""

    holder: Place
    room: str
    household: Place | None
    # Whether the community counts only verified households (see `verifying`).
    verifying: bool


def locate_household(session: Session, within: Place, address: Address) -> HouseholdSpot:
    """Find `address` inside `within` (an estate, building or unit) without changing anything.

    Buildings and units must exist in the grid. Where the operator listed a unit's
    rooms, the room must be one of them; otherwise it is created on registration.
    """
    estate = within if within.kind == PlaceKind.ESTATE else None
    estate = estate or ancestor_of_kind(session, within, PlaceKind.ESTATE)
    if estate is None:
        raise DomainError("circles.join_needs_estate")
    outside = DomainError("grid.outside_estate", address=str(address), estate=estate.name)
    names = {"room": address.room, "suffixed": f"{address.room}室"}
    if address.unit is not None:
        holder, found, verified_only = _unit_and_room(session, estate, address, names)
        if holder is None:
            raise outside
    else:
        building = _numbered_child(session, estate, address.building)
        if building is None:
            raise outside
        if rows(session, _A_UNIT, {"parent": building.id}):
            raise DomainError("grid.unit_needed", address=str(address))
        holder = building
        found = list(rows(session, _ROOM, {"parent": holder.id, **names}))
        verified_only = verifying(session, estate)
    if not holder.contains(within) and not within.contains(holder):
        area = full_name(session, within, PlaceKind.COMMUNITY)
        raise DomainError("grid.outside_estate", address=str(address), estate=area)
    room = (
        loaded(session, Place, found[0]) if found and found[0][_NAME_AT] in names.values() else None
    )
    if room is None and found:
        raise DomainError("grid.no_such_room", address=str(address))
    if room is None and not likely_room(address.room):
        raise DomainError("grid.unlikely_room", address=str(address))
    return HouseholdSpot(holder, address.room, room, verified_only)


def likely_room(room: str) -> bool:
    """Whether a room not listed could be a flat: its floor, then its door on that floor."""
    digits = room.rstrip(string.ascii_uppercase)
    number = int(digits) if digits.isdecimal() else 0
    if number < 100:
        # Bungalows and old courtyards number their doors alone: 3-12.
        return number > 0
    floor, door = divmod(number, 100)
    return floor <= MAX_FLOOR and 0 < door <= MAX_DOOR


def _unit_and_room(
    session: Session, estate: Place, address: Address, names: dict[str, str]
) -> tuple[Place | None, list[Sequence[Any]], bool]:
    """The address's unit, if its building and unit are each one place, the row of its
    room as _ROOM finds it (none or one), and the community's rule (see `verifying`)."""
    values = {"parent": estate.id, "number": address.building, "unit": address.unit, **names}
    values |= path_values(path_ids(estate.path))
    found = rows(session, _BUILDING_UNIT_ROOM, values)
    width = len(Place.__table__.c)
    if len(found) != 1 or found[0][width] is None:
        return None, [], False
    row = found[0]
    _, unit = _kept(session, loaded_together(session, row[: 2 * width], Place, Place))
    room = row[2 * width : -1]
    return unit, [room] if room[0] is not None else [], bool(row[-1])


def ensure_household(session: Session, spot: HouseholdSpot) -> Place:
    """The household of `spot`, created (unlisted) when it does not exist yet."""
    if spot.household is not None:
        return spot.household
    return _new_child(session, spot.holder, PlaceKind.HOUSEHOLD, spot.room, listed=False)


def _numbered_child(session: Session, parent: Place, number: int) -> Place | None:
    found = rows(session, _NUMBERED_CHILD, {"parent": parent.id, "number": number})
    matches = _kept(session, [loaded(session, Place, row) for row in found])
    return matches[0] if len(matches) == 1 else None


def render_tree(session: Session, query: str | None = None) -> list[str]:
    """The grid (or the part under `query`) as indented lines."""
    roots = (
        [resolve_place(session, query)]
        if query
        else list(
            session.scalars(select(Place).where(Place.parent_id.is_(None)).order_by(Place.id))
        )
    )
    lines: list[str] = []

    def walk(place: Place, depth: int) -> None:
        lines.append(f"{'  ' * depth}{place.name}  [{place.kind.value}]")
        for child in children(session, place):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return lines
