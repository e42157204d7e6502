"""Residents, their platform identities, and whom a command names."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    LABEL_STYLE_TABLENAME_PLUS_COL,
    Integer,
    String,
    bindparam,
    delete,
    false,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.config import LANGUAGES
from bot.db import (
    connection_of,
    inserted,
    inserted_together,
    loaded_together,
    loaded_with,
    rows,
)
from bot.delivery import erase_person
from bot.errors import DomainError
from bot.messages import UserRef
from bot.queries import Query
from bot.services.common import audit
from bot.services.common.keywords import normalise, spellings
from bot.services.common.names import clean_name, leading_names
from bot.services.community.grid import full_name
from models import (
    AuditEntry,
    Ballot,
    Circle,
    Decision,
    Dialog,
    Identity,
    Membership,
    Place,
    PlaceKind,
    Resident,
)
from models.base import UtcDateTime

# Built once: every event looks up its sender, and building the statement cost as much
# as running it.
IDENTITY_ROW = (
    select(*Identity.__table__.c, *Resident.__table__.c)
    .join(Resident, Resident.id == Identity.resident_id)
    .where(
        Identity.platform == bindparam("platform"),
        Identity.external_id == bindparam("external_id"),
    )
    .set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)
_IDENTITY = Query(IDENTITY_ROW)


SENDER_ROW = (
    select(
        Identity.id.label("identity_id"),
        Identity.display_name.label("account_name"),
        Identity.username,
        Identity.private_chat_open,
        Resident.id,
        Resident.display_name,
        Resident.household_id,
        Resident.language,
    )
    .join(Resident, Resident.id == Identity.resident_id)
    .where(
        Identity.platform == bindparam("platform"),
        Identity.external_id == bindparam("external_id"),
    )
)
_SENDER = Query(SENDER_ROW)

# A new account's resident and identity in one statement on PostgreSQL, a round trip fewer
# for each (SQLite has no INSERT inside a WITH).
_MADE_RESIDENT = (
    insert(Resident)
    .values(display_name=bindparam("name", type_=String), created_at=bindparam("now"))
    .returning(*Resident.__table__.c)
    .cte("made_resident")
)
_MADE_IDENTITY = (
    insert(Identity)
    .from_select(
        ["resident_id", "platform", "external_id", "display_name", "username", "private_chat_open"],
        select(
            _MADE_RESIDENT.c.id,
            bindparam("platform", type_=String),
            bindparam("external_id", type_=String),
            bindparam("name", type_=String),
            bindparam("username", type_=String),
            false(),
        ),
    )
    .returning(*Identity.__table__.c)
    .cte("made_identity")
)
_NEWCOMER = Query(
    select(*_MADE_RESIDENT.c, *_MADE_IDENTITY.c).set_label_style(LABEL_STYLE_TABLENAME_PLUS_COL)
)
# A newcomer whose first words are in a circle's chat is its member from then on: the
# membership goes in the same statement, another round trip fewer.
_MADE_MEMBERSHIP = (
    insert(Membership)
    .from_select(
        ["circle_id", "resident_id", "first_seen_at", "last_seen_at"],
        select(
            bindparam("circle", type_=Integer),
            _MADE_RESIDENT.c.id,
            bindparam("now", type_=UtcDateTime),
            bindparam("now", type_=UtcDateTime),
        ),
    )
    .returning(*Membership.__table__.c)
    .cte("made_membership")
)
_NEWCOMER_IN_CIRCLE = Query(
    select(*_MADE_RESIDENT.c, *_MADE_IDENTITY.c, *_MADE_MEMBERSHIP.c).set_label_style(
        LABEL_STYLE_TABLENAME_PLUS_COL
    )
)


class Member(Protocol):
    """What reading about a resident needs of them: a Resident, or a Sender."""

    @property
    def id(self) -> int:
        """The resident's id."""

    @property
    def display_name(self) -> str:
        """The resident's name."""

    @property
    def household_id(self) -> int | None:
        """The household they registered in, if any."""


@dataclass(frozen=True)
class Sender:
    """A platform account and its resident as one row: what an answer that only reads
    needs of whoever asked, without loading them as objects."""

    identity_id: int
    account_name: str
    username: str | None
    private_chat_open: bool
    id: int
    display_name: str
    household_id: int | None
    language: str | None

    @classmethod
    def of(cls, identity: Identity) -> Sender:
        """The sender as `identity` and its resident stand now."""
        resident = identity.resident
        return cls(
            identity.id,
            identity.display_name,
            identity.username,
            identity.private_chat_open,
            resident.id,
            resident.display_name,
            resident.household_id,
            resident.language,
        )


# The residents an event made, by id (see `made_now`).
_MADE = "residents made this event"
_MADE_MEMBER = "the membership made with this event's newcomer"


def find_sender(session: Session, platform: str, external_id: str) -> Sender | None:
    """A known platform account and its resident, read as one row."""
    found = rows(session, _SENDER, {"platform": platform, "external_id": external_id})
    return sender_of(found[0]) if found else None


def sender_of(row: Sequence[Any]) -> Sender | None:
    """The sender read as `SENDER_ROW`'s columns, or None for a row of NULLs."""
    return Sender(*row) if row[0] is not None else None


def unchanged(sender: Sender, display_name: str, username: str = "") -> bool:
    """Whether `ensure_identity` would leave the account as it is (see there)."""
    name, handle = _cleaned(display_name, username)
    return not (name and sender.account_name != name) and not (handle and sender.username != handle)


def _cleaned(display_name: str, username: str) -> tuple[str, str | None]:
    """The name and handle an account is known by, from what the platform says."""
    return clean_name(display_name), clean_name(username).lstrip("@") or None


def find_identity(session: Session, platform: str, external_id: str) -> Identity | None:
    """The identity of a platform account, if known (its resident loaded with it)."""
    found = rows(session, _IDENTITY, {"platform": platform, "external_id": external_id})
    return identity_of(session, found[0]) if found else None


def made_now(session: Session, resident: Resident) -> bool:
    """Whether `resident` was first seen in the session's event (see `ensure_identity`): a
    newcomer has no rows of their own yet but those the event made."""
    return resident.id in session.info.get(_MADE, ())


def made_member(session: Session, resident: Resident, circle_id: int) -> Membership | None:
    """The membership of the circle made with `resident` in the session's event, if any
    (see `settle_identity`)."""
    made: Membership | None = session.info.get(_MADE_MEMBER)
    if made is None or made.resident_id != resident.id or made.circle_id != circle_id:
        return None
    return made


def ensure_identity(
    session: Session,
    platform: str,
    external_id: str,
    display_name: str,
    now: datetime,
    username: str = "",
) -> Identity:
    """The identity of a platform account, created with its resident on first sight."""
    found = find_identity(session, platform, external_id)
    return settle_identity(
        session, found, UserRef(platform, external_id, display_name, username), now
    )


def identity_of(session: Session, row: Sequence[Any]) -> Identity | None:
    """The identity and resident read as `IDENTITY_ROW`'s columns, or None for a row of NULLs."""
    if row[0] is None:
        return None
    identity: Identity
    identity, resident = loaded_together(session, row, Identity, Resident)
    loaded_with(identity, "resident", resident)
    return identity


def settle_identity(
    session: Session,
    identity: Identity | None,
    account: UserRef,
    now: datetime,
    circle_id: int | None = None,
) -> Identity:
    """`identity`, as `find_identity` found `account`'s, kept up to date with the account's
    name; a new one with its resident if it was None, a member of `circle_id` if given
    (see `made_member`)."""
    name, handle = _cleaned(account.display_name, account.username)
    if identity is None:
        name = name or clean_name(account.user_id)
        resident, identity = _newcomer(session, now, account, name, handle, circle_id)
        session.info.setdefault(_MADE, set()).add(resident.id)
        # The identity holds its resident, which the session alone would let go of.
        set_committed_value(identity, "resident", resident)
        set_committed_value(resident, "identities", [identity])
        return identity
    if name and identity.display_name != name:
        identity.display_name = name
        identity.resident.display_name = name
    if handle and identity.username != handle:
        identity.username = handle
    return identity


def _newcomer(
    session: Session,
    now: datetime,
    account: UserRef,
    name: str,
    handle: str | None,
    circle_id: int | None,
) -> tuple[Resident, Identity]:
    """A new account's resident and identity, INSERTed at once (named `name` and `handle`);
    on PostgreSQL with its membership of `circle_id` when given."""
    values = {"platform": account.platform, "external_id": account.user_id, "username": handle}
    connection = connection_of(session)
    if connection.dialect.name == "postgresql":
        given = values | {"name": name, "now": now, "circle": circle_id}
        if circle_id is None:
            (row,) = _NEWCOMER.run(connection, given)
            resident, identity = inserted_together(session, row, Resident, Identity)
            return resident, identity
        (row,) = _NEWCOMER_IN_CIRCLE.run(connection, given)
        resident, identity, member = inserted_together(session, row, Resident, Identity, Membership)
        session.info[_MADE_MEMBER] = member
        return resident, identity
    resident = inserted(session, Resident, {"display_name": name, "created_at": now})
    made = {"resident_id": resident.id, "display_name": name}
    identity = inserted(session, Identity, values | made)
    return resident, identity


def mentioned(session: Session, now: datetime, user: UserRef) -> Resident:
    """The resident behind an account someone mentioned or replied to, known from now on."""
    return ensure_identity(session, user.platform, user.user_id, user.display_name, now).resident


def close_private_chat(session: Session, platform: str, external_id: str) -> None:
    """The user blocked the bot: personal answers go back to pointers until they write again."""
    identity = find_identity(session, platform, external_id)
    if identity is not None:
        identity.private_chat_open = False


def parse_language(text: str) -> str:
    """A language code from what people type (zh-Hant, 繁体, English, ...)."""
    key = text.strip().lower().replace("_", "-")
    aliases = {
        "zh-hans": "zh-Hans",
        "zh-cn": "zh-Hans",
        "zh": "zh-Hans",
        "简体": "zh-Hans",
        "简体中文": "zh-Hans",
        "簡體": "zh-Hans",
        "簡體中文": "zh-Hans",
        "简体字": "zh-Hans",
        "簡體字": "zh-Hans",
        "中文简体": "zh-Hans",
        "中文簡體": "zh-Hans",
        "简中": "zh-Hans",
        "中文": "zh-Hans",
        "zh-hant": "zh-Hant",
        "zh-tw": "zh-Hant",
        "zh-hk": "zh-Hant",
        "繁体": "zh-Hant",
        "繁體": "zh-Hant",
        "繁体中文": "zh-Hant",
        "繁體中文": "zh-Hant",
        "繁体字": "zh-Hant",
        "繁體字": "zh-Hant",
        "中文繁体": "zh-Hant",
        "中文繁體": "zh-Hant",
        "繁中": "zh-Hant",
        "正体": "zh-Hant",
        "正體": "zh-Hant",
        "正体中文": "zh-Hant",
        "正體中文": "zh-Hant",
        "正体字": "zh-Hant",
        "正體字": "zh-Hant",
        "台湾": "zh-Hant",
        "台灣": "zh-Hant",
        "臺灣": "zh-Hant",
        "香港": "zh-Hant",
        "en": "en",
        "english": "en",
        "英文": "en",
        "英语": "en",
        "英語": "en",
    }
    language = aliases.get(key)
    if language is None or language not in LANGUAGES:
        raise DomainError("people.bad_language", text=text[:20])
    return language


def set_language(session: Session, resident: Resident, language: str) -> None:
    """Remember a resident's language."""
    resident.language = language


def forget(session: Session, now: datetime, resident: Resident) -> None:
    """Erase a resident: every row that names or addresses them goes or loses them.

    Identities, memberships, grants and sign-ups go with the resident (the database
    cascades); ballots, decisions, hours and the audit log keep their counts without them.
    """
    accounts = [(i.platform, i.external_id) for i in resident.identities]
    names = {resident.display_name} | {i.display_name for i in resident.identities}
    names |= {i.username for i in resident.identities if i.username}
    names |= {"@" + name for name in names}
    erase_person(session, accounts, names, _addresses(session, resident))
    for platform, external_id in accounts:
        session.execute(
            delete(Dialog).where(
                Dialog.platform == platform,
                or_(Dialog.user_id == external_id, Dialog.chat_id == external_id),
            )
        )
    _unlink(session, resident)
    audit.record(session, now, "resident.forget", actor_id=None)
    session.flush()
    gone = [resident, *resident.identities]
    session.execute(delete(Resident).where(Resident.id == resident.id))
    for item in gone:
        session.expunge(item)


def _addresses(session: Session, resident: Resident) -> set[str]:
    """A household's address in every form messages show it (from the street down)."""
    household = resident.household
    if household is None:
        return set()
    levels = (None, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.ESTATE)
    return {full_name(session, household, below) for below in levels}


def _unlink(session: Session, resident: Resident) -> None:
    """Records that outlive a resident keep no trace of them (their rows hold only counts)."""
    session.execute(
        update(Ballot)
        .where(Ballot.resident_id == resident.id)
        .values(resident_id=None, household_id=None, cast_at=None)
    )
    session.execute(update(Decision).where(Decision.owner_id == resident.id).values(owner_name=""))
    audit.write_pending(session)
    if resident.household_id is not None:
        session.execute(
            update(AuditEntry)
            .where(
                or_(AuditEntry.actor_id == resident.id, AuditEntry.target_id == resident.id),
                AuditEntry.place_id == resident.household_id,
            )
            .values(place_id=None)
        )
    for entry in session.scalars(select(AuditEntry).where(AuditEntry.action == "shift.confirm")):
        confirmed = entry.details.get("confirmed", [])
        if resident.id in confirmed:
            kept = [other for other in confirmed if other != resident.id]
            entry.details = entry.details | {"confirmed": kept}


def find_member_by_name(session: Session, circle: Circle, name: str) -> Resident:
    """The one member of the circle with this display name."""
    wanted = normalise(name).lstrip("@")
    # Names match whatever script they are typed in: @馬文博 finds 马文博.
    forms = spellings(wanted)
    found = session.scalars(
        select(Resident)
        .join(Membership, Membership.resident_id == Resident.id)
        .where(
            Membership.circle_id == circle.id,
            or_(
                Resident.display_name.in_(forms),
                Resident.id.in_(select(Identity.resident_id).where(Identity.username.in_(forms))),
            ),
        )
        .distinct()
    ).all()
    if not found:
        raise DomainError("circles.no_such_member", name=wanted[:30])
    if len(found) > 1:
        raise DomainError("circles.ambiguous_member", name=wanted[:30])
    return found[0]


@dataclass(frozen=True)
class Named:
    """The accounts a command mentions (or replies to), the `@name` words it starts with
    (besides such accounts only those typed among their mentions), and the words that follow."""

    users: tuple[UserRef, ...] = ()
    names: tuple[str, ...] = ()
    rest: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many people the command names."""
        return len(self.users) + len(self.names)


def member_named(session: Session, community: Place, circle: Circle | None, name: str) -> Resident:
    """The member called `name` (without its @): in this circle, else in the community."""
    if circle is not None:
        return find_member_by_name(session, circle, name)
    wanted = normalise(name).lstrip("@")
    found = [
        r
        for r in session.scalars(
            select(Resident).where(Resident.display_name.in_(spellings(wanted))).limit(5)
        )
        if r.household is not None and community.contains(r.household)
    ]
    if len(found) != 1:
        raise DomainError("people.no_such_member", name=wanted[:30])
    return found[0]


def member_called(session: Session, community: Place, circle: Circle | None, name: str) -> bool:
    """Whether `member_named` finds one member or more called `name`."""
    try:
        member_named(session, community, circle, name)
    except DomainError as error:
        return error.key == "circles.ambiguous_member"
    return True


def names_leading(
    session: Session,
    community: Place,
    circle: Circle | None,
    words: Sequence[str],
    ends: Callable[[str], bool],
) -> tuple[list[str], int]:
    """The names that open a command's words up to the word that `ends` them (see
    `leading_names`), read against the members here, and how many words they take."""
    return leading_names(words, lambda name: member_called(session, community, circle, name), ends)


def people_named(
    session: Session, now: datetime, community: Place, circle: Circle | None, named: Named
) -> list[Resident]:
    """The residents a command names: those mentioned, then those named by their words."""
    return [mentioned(session, now, user) for user in named.users] + [
        member_named(session, community, circle, name) for name in named.names
    ]
