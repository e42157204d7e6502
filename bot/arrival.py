"""What a stored event reads first, in one statement: whether its delivery is new (on
PostgreSQL), who sent it, what the group it came from is bound to, and the sender's
membership of that group's circle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    LABEL_STYLE_DISAMBIGUATE_ONLY,
    FromClause,
    Select,
    and_,
    bindparam,
    exists,
    literal,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.orm import Session

from bot.db import connection_of, rows
from bot.delivery import first_delivery
from bot.queries import Query
from bot.services.common import dialogs, menus
from bot.services.community.circles import BOUND_ROW, binding_of, member_read
from bot.services.community.people import (
    IDENTITY_ROW,
    SENDER_ROW,
    Sender,
    identity_of,
    sender_of,
)
from models import CircleChat, Dialog, Identity, Membership, ProcessedUpdate


def _one_row(*parts: FromClause) -> Select[tuple[object, ...]]:
    """The columns of `parts`, each one row or none, as exactly one row: LEFT JOINs on a row
    of its own. Its columns are read by place, so they carry no labels of their own:
    psycopg converts a statement longer than 4,096 characters anew at every run."""
    joined: FromClause = select(literal(1).label("one")).subquery("one")
    for part in parts:
        joined = joined.outerjoin(part, true())
    columns = [column for part in parts for column in part.c]
    return select(*columns).select_from(joined).set_label_style(LABEL_STYLE_DISAMBIGUATE_ONLY)


_KNOWN = IDENTITY_ROW.subquery("known")
_BINDING = BOUND_ROW.subquery("binding")
# PostgreSQL records the delivery in the same statement; a redelivery adds no row and
# returns no key. Each statement costs a round trip to the server.
_RECORDED = (
    postgresql_insert(ProcessedUpdate)
    .values(key=bindparam("delivery"), processed_at=bindparam("at"))
    .on_conflict_do_nothing(index_elements=[ProcessedUpdate.key])
    .returning(ProcessedUpdate.key)
    .cte("recorded")
)
# The sender's membership of the group's circle: nearly every group event touches it.
_MEMBER = Membership.__table__
_MEMBER_OF_SENDER = and_(
    _MEMBER.c.circle_id == _BINDING.c.circles_id, _MEMBER.c.resident_id == _KNOWN.c.residents_id
)
# Whether the sender has a guided dialog open in the group: every command with words asks,
# for a dialog waiting for the sender's own words takes them (see handlers/dialogs).
_DIALOG_OPEN = (
    exists()
    .where(
        Dialog.platform == bindparam("platform"),
        Dialog.chat_id == bindparam("chat_id"),
        Dialog.user_id == bindparam("external_id"),
    )
    .label("dialog_open")
)
_READS: dict[tuple[bool, bool], Query] = {}
# A reading command in a group: its sender as a row, the group's binding, and whether the
# sender was shown a menu there.
_SENDER = SENDER_ROW.subquery("sender")
_READING_IN_GROUP = Query(_one_row(_SENDER, _BINDING).add_columns(menus.MENU_SHOWN_HERE))
# A reading command in private: its sender as a row, and whether they were shown a menu there.
_READING_IN_PRIVATE = Query(_one_row(_SENDER).add_columns(menus.MENU_SHOWN))


@dataclass(frozen=True)
class Arrival:
    """A stored event's first reading: `fresh` is False for a delivery handled before (then
    nothing else is read); the sender's identity, if known; the group's binding, if any."""

    fresh: bool
    identity: Identity | None = None
    binding: CircleChat | None = None


def arrive(
    session: Session,
    now: datetime,
    platform: str,
    user_id: str,
    chat_id: str | None,
    delivery: str,
) -> Arrival:
    """Record `delivery` (if any), and read the account `user_id` and, for a group's
    `chat_id`, its binding, as one row."""
    recording = bool(delivery) and connection_of(session).dialect.name == "postgresql"
    if delivery and not recording and not first_delivery(session, delivery, now):
        return Arrival(fresh=False)
    group = chat_id is not None
    params: dict[str, object] = {"platform": platform, "external_id": user_id, "chat_id": chat_id}
    if recording:
        params |= {"delivery": delivery, "at": now}
    (found,) = rows(session, _read(group, recording), params)
    if recording and found[0] is None:
        return Arrival(fresh=False)
    row = tuple(found[1:] if recording else found)
    known, bound = len(_KNOWN.c), len(_KNOWN.c) + len(_BINDING.c)
    identity = identity_of(session, row[:known])
    if chat_id is None:
        if not row[-1]:
            menus.none_shown(session, (platform, user_id, user_id))
        return Arrival(True, identity)
    binding = binding_of(session, row[known:bound])
    member_read(session, row[bound:-2])
    if not row[-2]:
        dialogs.none_open(session, platform, chat_id, user_id)
    if not row[-1]:
        menus.none_shown(session, (platform, chat_id, user_id))
    return Arrival(True, identity, binding)


def reading_in_group(
    session: Session, platform: str, user_id: str, chat_id: str
) -> tuple[Sender | None, CircleChat | None]:
    """For a reading command in a group: its sender as a row (see `find_sender`), and the
    group's binding, read together with whether the sender has a menu there."""
    params = {"platform": platform, "external_id": user_id, "chat_id": chat_id}
    (row,) = rows(session, _READING_IN_GROUP, params)
    if not row[-1]:
        menus.none_shown(session, (platform, chat_id, user_id))
    sender = sender_of(row[: len(_SENDER.c)])
    return sender, binding_of(session, row[len(_SENDER.c) : -1])


def reading_in_private(session: Session, platform: str, user_id: str) -> Sender | None:
    """For a reading command in a private chat: its sender as a row (see `find_sender`),
    read with whether they have a menu there."""
    params = {"platform": platform, "external_id": user_id}
    (row,) = rows(session, _READING_IN_PRIVATE, params)
    if not row[-1]:
        menus.none_shown(session, (platform, user_id, user_id))
    return sender_of(row[:-1])


def _read(group: bool, recording: bool) -> Query:
    """The statement for an event in a group or not, recording its delivery or not."""
    found = _READS.get((group, recording))
    if found is None:
        found = _READS[group, recording] = Query(_statement(group, recording))
    return found


def _statement(group: bool, recording: bool) -> Select[tuple[object, ...]]:
    parts: list[FromClause] = [_RECORDED] if recording else []
    parts += [_KNOWN, _BINDING] if group else [_KNOWN]
    if not group:
        return _one_row(*parts).add_columns(menus.MENU_SHOWN)
    member = _one_row(*parts).outerjoin(_MEMBER, _MEMBER_OF_SENDER).add_columns(*_MEMBER.c)
    return member.add_columns(_DIALOG_OPEN, menus.MENU_SHOWN_HERE)
