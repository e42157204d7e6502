"""Getting replies out: button tokens, the durable outbox, quiet hours, redelivery guards."""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Exists,
    Integer,
    Row,
    ScalarSelect,
    String,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.db import connection_of, in_slices, insert_row, rows
from bot.errors import DomainError
from bot.messages import ChatKind, Choice, Envelope, PlatformTraits, Reply, Target
from bot.queries import Query
from bot.services.common import menus
from bot.services.common.quiet import QuietHours, recipients_quiet
from models import (
    Button,
    Identity,
    Menu,
    OutboxMessage,
    OutboxPiece,
    OutboxState,
    ProcessedUpdate,
)

UNSENT = (OutboxState.PENDING, OutboxState.FAILED)

TOKEN_ALPHABET = string.ascii_letters + string.digits
TOKEN_LENGTH = 10
# What an erased person's name (or address) becomes in messages still waiting to go out.
ERASED = "—"
DEFAULT_TRAITS = PlatformTraits()
_OUTBOX = OutboxMessage.metadata.tables[OutboxMessage.__tablename__]


def new_token() -> str:
    """A short, unguessable button token (well inside Telegram's 64-byte callback data)."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def resolve_button(session: Session, platform: str, chat_id: str, user_id: str, token: str) -> str:
    """The command behind a pressed button; stale, foreign or someone else's buttons refuse."""
    button = session.get(Button, token[:16]) if token else None
    if button is None or button.platform != platform or button.chat_id != chat_id:
        raise DomainError("core.stale_button")
    if button.owner_user_id is not None and button.owner_user_id != user_id:
        raise DomainError("core.not_your_button")
    return button.command


# Each backend's INSERT that records a delivery unless it is recorded already, built once.
_FIRST_DELIVERY = {
    name: Query(
        dialect_insert(ProcessedUpdate)
        .values(key=bindparam("delivery"), processed_at=bindparam("at"))
        .on_conflict_do_nothing(index_elements=[ProcessedUpdate.key])
        .returning(ProcessedUpdate.key)
    )
    for name, dialect_insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


def first_delivery(session: Session, key: str, now: datetime) -> bool:
    """Record a platform delivery; False when it was already handled (one statement)."""
    connection = connection_of(session)
    statement = _FIRST_DELIVERY[connection.dialect.name]
    return bool(statement.run(connection, {"delivery": key, "at": now}))


class PostOffice:
    """Prepares envelopes in the caller's transaction: tokens for buttons, rows for durability.

    With `quiet` (the default quiet hours), a private push (anything private not meant
    for the person who just wrote) that falls in its recipient's quiet hours is held:
    staged with the end of those hours as its time, and left out of what goes now.
    """

    def __init__(
        self,
        traits: Mapping[str, PlatformTraits],
        quiet: QuietHours | None = None,
        labels: Callable[[Choice, str], str] | None = None,
    ) -> None:
        self.traits = dict(traits)
        self.quiet = quiet
        # A choice's label as its reader sees it in a language; without it a menu is
        # remembered for its numbers alone.
        self.labels = labels
        # The platforms where the bot may write privately to anyone, opened chat or not.
        self.always_open = frozenset(n for n, t in self.traits.items() if t.private_always_open)

    def of(self, platform: str) -> PlatformTraits:
        """The traits of a platform."""
        return self.traits.get(platform, DEFAULT_TRAITS)

    def prepare(
        self,
        session: Session,
        envelopes: list[Envelope],
        now: datetime,
        owner: str | None,
        claim: timedelta | None = None,
        direct: bool = False,
        platform: str | None = None,
    ) -> list[Envelope]:
        """The envelopes that can go out, with button tokens issued and durable ones staged.

        With `claim`, the staged rows the caller will hand its outbox worker (see
        `handed`) are claimed for that long, so that no query for due rows takes them.
        With `direct`, those that would be staged are marked `direct` instead (an answer
        to a command that only reads; see Dispatcher.handle). Both apply only to envelopes
        to `platform`, the caller's: its worker cannot send another platform's.

        Edits are dropped where the platform cannot edit, and private messages where
        the platform lets the bot write only to people who opened a chat with it.
        Numbered choices sent without buttons to a private chat, or to a group for the
        sender alone, are remembered there; where there are buttons, only those that may be
        picked `by_number` (a ballot), and other choices shown so make it forgotten.
        """
        kept = []
        staged: list[tuple[Envelope, dict[str, Any]]] = []
        deliverable = self._deliverable(session, envelopes)
        quiet = self._quiet_hours(session, deliverable, owner)
        for envelope in deliverable:
            traits = self.of(envelope.target.platform)
            reader = _menu_reader(envelope, owner)
            if envelope.reply.choices and reader is not None:
                target = envelope.target
                where = (target.platform, target.chat_id, reader)
                if not traits.buttons or envelope.reply.by_number:
                    choices = [c for row in envelope.reply.choices for c in row]
                    labels = self.labels
                    shown = [labels(c, envelope.language) for c in choices] if labels else None
                    menus.remember(session, now, where, [c.command for c in choices], shown)
                else:
                    # Newer buttons are what a typed number would mean: not an older ballot.
                    menus.drop(session, where)
            if envelope.reply.choices and traits.buttons and not envelope.toast:
                # A personal button belongs to the person the envelope is for.
                holder = envelope.to_user or owner
                envelope.reply.choices = [
                    [self._issue(session, envelope.target, choice, holder, now) for choice in row]
                    for row in envelope.reply.choices
                ]
            held = self._held_until(envelope, now, owner, quiet)
            if held is not None:
                staged.append((envelope, outbox_row(envelope, now, held)))
                continue
            mine = envelope.target.platform == platform and _handable(envelope)
            if traits.durable and not envelope.toast and direct and mine:
                envelope.direct = True
            elif traits.durable and not envelope.toast:
                until = now + claim if claim is not None and mine else None
                staged.append((envelope, outbox_row(envelope, now, claimed_until=until)))
            kept.append(envelope)
        # Every row staged at once (a notice stages one per chat).
        ids = stage_rows(session, [row for _, row in staged])
        for (envelope, _), outbox_id in zip(staged, ids, strict=True):
            envelope.outbox_id = outbox_id
        return kept

    def release(self, session: Session, now: datetime) -> list[Envelope]:
        """Held messages due by `now` for platforms that send without an outbox worker;
        they are marked sent in the caller's transaction."""
        envelopes = []
        for row in session.scalars(
            select(OutboxMessage)
            .where(*self._held_here(), OutboxMessage.not_before <= now)
            .order_by(OutboxMessage.not_before, OutboxMessage.id)
        ).all():
            envelopes.append(envelope_of(row))
            row.state, row.sent_at = OutboxState.SENT, now
            scrub(session, row)
        return envelopes

    def next_release(self, session: Session) -> datetime | None:
        """When the next held message for a platform without an outbox worker falls due."""
        return session.scalar(select(func.min(OutboxMessage.not_before)).where(*self._held_here()))

    def _held_here(self) -> tuple[ColumnElement[bool], ...]:
        durable = [name for name, traits in self.traits.items() if traits.durable]
        return (
            OutboxMessage.platform.not_in(durable),
            OutboxMessage.state == OutboxState.PENDING,
        )

    def _pushed_at_night(self, envelope: Envelope, owner: str | None) -> bool:
        """Whether quiet hours apply to an envelope: a private push to someone other than
        the one whose message it answers (toasts, edits and urgent alerts never wait)."""
        return not (
            self.quiet is None
            or envelope.target.kind != ChatKind.PRIVATE
            or envelope.toast
            or envelope.edit
            or envelope.urgent
            or _recipient(envelope) == owner
        )

    def _quiet_hours(
        self, session: Session, envelopes: list[Envelope], owner: str | None
    ) -> dict[tuple[str, str], QuietHours]:
        """The quiet hours of each recipient of a push, by platform and account."""
        if self.quiet is None:
            return {}
        wanted: dict[str, set[str]] = {}
        for envelope in envelopes:
            if self._pushed_at_night(envelope, owner):
                wanted.setdefault(envelope.target.platform, set()).add(_recipient(envelope))
        return {
            (platform, account): hours
            for platform, accounts in wanted.items()
            for account, hours in recipients_quiet(session, platform, accounts, self.quiet).items()
        }

    def _held_until(
        self,
        envelope: Envelope,
        now: datetime,
        owner: str | None,
        quiet: Mapping[tuple[str, str], QuietHours],
    ) -> datetime | None:
        """The end of the recipient's quiet hours, for a private push that falls in them."""
        if not self._pushed_at_night(envelope, owner):
            return None
        hours = quiet[(envelope.target.platform, _recipient(envelope))]
        return hours.over(now) if hours.holds(now) else None

    def _deliverable(self, session: Session, envelopes: list[Envelope]) -> list[Envelope]:
        """The envelopes that can go out: no edits where the platform cannot edit, and
        private messages only to people who opened a chat where the platform needs that."""
        asked: dict[str, set[str]] = {}
        for envelope in envelopes:
            if self._needs_open_chat(envelope):
                asked.setdefault(envelope.target.platform, set()).add(envelope.target.chat_id)
        opened = {
            (platform, account)
            for platform, accounts in asked.items()
            for account in _open_chats(session, platform, accounts)
        }
        return [
            envelope
            for envelope in envelopes
            if not (envelope.edit and not self.of(envelope.target.platform).edits)
            and (
                not self._needs_open_chat(envelope)
                or (envelope.target.platform, envelope.target.chat_id) in opened
            )
        ]

    def _needs_open_chat(self, envelope: Envelope) -> bool:
        private = envelope.target.kind == ChatKind.PRIVATE and not envelope.toast
        opened = envelope.target.platform in self.always_open or envelope.chat_open
        return private and not opened

    @staticmethod
    def _issue(
        session: Session, target: Target, choice: Choice, owner: str | None, now: datetime
    ) -> Choice:
        token = new_token()
        session.add(
            Button(
                token=token,
                platform=target.platform,
                chat_id=target.chat_id,
                owner_user_id=owner if choice.personal else None,
                command=choice.command,
                created_at=now,
            )
        )
        return replace(choice, token=token)


def _recipient(envelope: Envelope) -> str:
    """The account a private envelope is for."""
    return envelope.to_user or envelope.target.chat_id


_OPEN_CHATS = select(Identity.external_id).where(
    Identity.platform == bindparam("platform"),
    Identity.external_id.in_(bindparam("accounts", expanding=True)),
    Identity.private_chat_open,
)


def _open_chats(session: Session, platform: str, accounts: Collection[str]) -> set[str]:
    """Which of these accounts opened a private chat with the bot."""
    return {
        r.external_id
        for chunk in in_slices(sorted(accounts))
        for r in rows(session, _OPEN_CHATS, {"platform": platform, "accounts": chunk})
    }


def _handable(envelope: Envelope) -> bool:
    """An envelope that can go straight to the worker: neither an edit (it needs the id
    of the message it edits) nor a bulk message (replies go first)."""
    return not envelope.edit and not envelope.bulk


def handed(envelopes: list[Envelope], platform: str) -> list[Envelope]:
    """The envelopes `prepare` staged and claimed, or marked direct, for the worker of
    `platform` to be handed."""
    return [
        e
        for e in envelopes
        if e.target.platform == platform
        and (e.direct or (e.outbox_id is not None and _handable(e)))
    ]


def _menu_reader(envelope: Envelope, owner: str | None) -> str | None:
    """Who may pick a new message's numbered choices by number: the person in a private chat;
    in a group, the sender it answers, when every choice is theirs alone (the consent)."""
    if envelope.toast or envelope.edit:
        return None
    target = envelope.target
    if target.kind == ChatKind.PRIVATE:
        return envelope.to_user or target.chat_id
    personal = all(c.personal for row in envelope.reply.choices for c in row)
    return owner if personal and owner is not None else None


def stage(
    session: Session,
    envelope: Envelope,
    now: datetime,
    not_before: datetime | None = None,
    claimed_until: datetime | None = None,
) -> int:
    """Put an envelope in the outbox now (see `outbox_row`); the row's id."""
    return stage_rows(session, [outbox_row(envelope, now, not_before, claimed_until)])[0]


def outbox_row(
    envelope: Envelope,
    now: datetime,
    not_before: datetime | None = None,
    claimed_until: datetime | None = None,
) -> dict[str, Any]:
    """An envelope's outbox row, to go at `not_before` (else now); it is rendered and sent
    by the platform's worker, or released by the scheduler where there is none.
    A row `claimed_until` a time is the worker's it is handed to, not its query's."""
    reply = envelope.reply
    return {
        "platform": envelope.target.platform,
        "chat_id": envelope.target.chat_id,
        "chat_kind": envelope.target.kind.value,
        "template": reply.template,
        "data": reply.data,
        "choices": [[_choice_json(c) for c in row] for row in reply.choices],
        "language": envelope.language,
        "image": str(reply.image) if reply.image else None,
        "document": str(reply.document) if reply.document else None,
        "created_at": now,
        "not_before": not_before or now,
        "key": envelope.key or None,
        "edit": envelope.edit,
        "bulk": envelope.bulk,
        "claimed_until": claimed_until,
    }


_STAGE = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)


def stage_rows(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert outbox rows in the caller's transaction; their ids, in order.

    A plain INSERT rather than the ORM's unit of work, which cost three times as much
    for a row that refers to nothing.
    """
    if not rows:
        return []
    if len(rows) == 1:
        # A reply: one row, on the driver's cursor (see Query).
        return [insert_row(session, OutboxMessage, rows[0], "id").id]
    return list(session.scalars(_STAGE, rows))


def scrub(session: Session, row: OutboxMessage) -> None:
    """Forget what a sent (or failed) message said; edits need only its ids, key and state.

    A private message to someone no longer known (they erased themselves) goes entirely.
    """
    row.data = {}
    row.choices = []
    known = _someone_known(row.platform, row.chat_id)
    if row.chat_kind == ChatKind.PRIVATE and not session.scalar(select(known)):
        session.delete(row)


def _someone_known(platform: Any, chat_id: Any) -> Exists:
    """Whether a (platform, private chat id) belongs to someone still known."""
    return exists().where(Identity.platform == platform, Identity.external_id == chat_id)


# Rows marked sent by one statement at most: each count has a statement of its own.
MARKED_TOGETHER = 16
_MARKING: dict[int, Query] = {}


def _marking(count: int) -> Query:
    """The UPDATE marking `count` rows sent: one statement, where an executemany costs
    psycopg a pipeline of its own, four times a one-row UPDATE."""
    found = _MARKING.get(count)
    if found is None:
        ids = [bindparam(f"row_{at}", type_=Integer) for at in range(count)]
        whens = [
            (_OUTBOX.c.id == key, bindparam(f"message_{at}", type_=String))
            for at, key in enumerate(ids)
        ]
        found = _MARKING[count] = Query(
            update(_OUTBOX)
            .where(_OUTBOX.c.id.in_(ids))
            .values(
                state=OutboxState.SENT,
                sent_at=bindparam("at"),
                sent_message_id=case(*whens),
                claimed_until=None,
                attempts=_OUTBOX.c.attempts + 1,
                data={},
                choices=[],
            )
        )
    return found


_FORGET_UNKNOWN = delete(_OUTBOX).where(
    _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
    _OUTBOX.c.chat_kind == ChatKind.PRIVATE.value,
    ~_someone_known(_OUTBOX.c.platform, _OUTBOX.c.chat_id),
)


# The statements of a look for due rows (see `due` for what they bind), built once so
# that a look only binds its values.
_DUE = (
    _OUTBOX.c.platform == bindparam("of_platform"),
    _OUTBOX.c.state == OutboxState.PENDING,
    _OUTBOX.c.not_before <= bindparam("due_at"),
    or_(_OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until <= bindparam("due_at")),
)
_NOT_BUSY = _OUTBOX.c.chat_id.not_in(bindparam("busy_chats", expanding=True))
DUE_IN_BUSY = (
    select(_OUTBOX.c.chat_id)
    .where(*_DUE, _OUTBOX.c.chat_id.in_(bindparam("busy_chats", expanding=True)))
    .distinct()
)
# Whether chats not busy have due messages, and due edits.
DUE_KINDS = select(
    exists().where(*_DUE, _NOT_BUSY, ~_OUTBOX.c.edit),
    exists().where(*_DUE, _NOT_BUSY, _OUTBOX.c.edit),
)
# Each chat with due replies (neither edits nor bulk), and the newest of them.
DUE_REPLIES = (
    select(_OUTBOX.c.chat_id, func.max(_OUTBOX.c.id))
    .where(*_DUE, ~_OUTBOX.c.edit, ~_OUTBOX.c.bulk)
    .group_by(_OUTBOX.c.chat_id)
)
# Up to :at_most due edits, locked: replies before bulk, oldest first.
DUE_EDITS = (
    select(OutboxMessage)
    .where(*_DUE, _NOT_BUSY, OutboxMessage.edit)
    .order_by(OutboxMessage.bulk, OutboxMessage.id)
    .limit(bindparam("at_most", type_=Integer()))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id.in_(
            select(_OUTBOX.c.id)
            .where(*_DUE, _NOT_BUSY, ~_OUTBOX.c.edit)
            .order_by(_OUTBOX.c.bulk, _OUTBOX.c.id)
            .limit(bindparam("at_most", type_=Integer()))
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
    )
    .values(claimed_until=bindparam("claim_until"))
    .returning(*_OUTBOX.c)
)

# The rows of one message (:of_platform, :in_chat, :with_key) besides the edit :edit_id.
_SAME_MESSAGE = (
    _OUTBOX.c.platform == bindparam("of_platform"),
    _OUTBOX.c.chat_id == bindparam("in_chat"),
    _OUTBOX.c.key == bindparam("with_key"),
)
_BEFORE_EDIT = _OUTBOX.c.id < bindparam("edit_id")


def _original(column: ColumnElement[Any]) -> ScalarSelect[Any]:
    """A column of the message the edit edits: its newest row that is no edit."""
    return (
        select(column)
        .where(*_SAME_MESSAGE, ~_OUTBOX.c.edit, _BEFORE_EDIT)
        .order_by(_OUTBOX.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


# What an edit waits for, in one statement: a newer edit of its message, the latest time an
# older edit still waits for, and the state, time and sent id of the message it edits.
EDIT_STATE = select(
    exists().where(*_SAME_MESSAGE, _OUTBOX.c.edit, _OUTBOX.c.id > bindparam("edit_id")),
    select(func.max(_OUTBOX.c.not_before))
    .where(*_SAME_MESSAGE, _OUTBOX.c.edit, _OUTBOX.c.state == OutboxState.PENDING, _BEFORE_EDIT)
    .scalar_subquery(),
    _original(_OUTBOX.c.state),
    _original(_OUTBOX.c.not_before),
    _original(_OUTBOX.c.sent_message_id),
)


def due(platform: str, now: datetime, busy: Collection[str] = ()) -> dict[str, Any]:
    """The values the statements for due rows (DUE_IN_BUSY, DUE_KINDS, DUE_EDITS, DUE_REPLIES) bind:
    pending rows of `platform` due at `now` that no worker holds a claim on, of chats not
    in `busy` (DUE_IN_BUSY: of chats in `busy`)."""
    return {"of_platform": platform, "due_at": now, "busy_chats": list(busy)}


def claim_due(
    session: Session,
    platform: str,
    now: datetime,
    until: datetime,
    busy: Collection[str],
    limit: int,
) -> list[Row[Any]]:
    """Claim up to `limit` due messages but edits, of chats not in `busy`, `until` a time:
    replies before bulk, each chat's oldest first.

    One UPDATE ... RETURNING that reads no row into the session; on PostgreSQL it skips
    rows another worker is claiming at the same moment.
    """
    values = {**due(platform, now, busy), "claim_until": until, "at_most": limit}
    return sorted(session.execute(_CLAIM, values), key=lambda row: (row.bulk, row.id))


class Sent(NamedTuple):
    """An outbox row that went out: its id, the platform's id of the message, whether it
    went to a private chat, and the ids of all the messages it went out as."""

    row_id: int
    message_id: str | None
    private: bool
    pieces: Sequence[str] = ()


_PIECES = OutboxPiece.metadata.tables[OutboxPiece.__tablename__]
# A piece of a sent row's message, added only while the row is there: a private row may go
# with its person at any moment.
_ADD_PIECE = insert(_PIECES).from_select(
    ["outbox_id", "number", "message_id"],
    select(
        _OUTBOX.c.id,
        cast(bindparam("piece_number"), Integer),
        cast(bindparam("piece_id"), String(64)),
    ).where(_OUTBOX.c.id == bindparam("piece_row")),
)


def mark_sent(session: Session, now: datetime, sent: Collection[Sent]) -> None:
    """Mark rows sent (with the platform's message id) and `scrub` them, reading no row into
    the session: one statement, another for the pieces of those that went out in several,
    and one more when some went to private chats (such a row goes entirely when its person
    is no longer known). The sender marks every worker's."""
    if not sent:
        return
    connection = connection_of(session)
    for chunk in in_slices(list(sent), MARKED_TOGETHER):
        marks: dict[str, Any] = {"at": now}
        for at, row in enumerate(chunk):
            marks[f"row_{at}"] = row.row_id
            marks[f"message_{at}"] = row.message_id
        _marking(len(chunk)).run(connection, marks)
    pieces = [
        {"piece_row": row.row_id, "piece_number": number, "piece_id": piece}
        for row in sent
        if len(row.pieces) > 1
        for number, piece in enumerate(row.pieces, 1)
    ]
    if pieces:
        session.execute(_ADD_PIECE, pieces)
    private = [row.row_id for row in sent if row.private]
    if private:
        session.execute(_FORGET_UNKNOWN, {"ids": private})


def key_of_sent(session: Session, platform: str, chat_id: str, message_id: str) -> str:
    """The key the bot's message `message_id` in a chat was sent under, whichever of its
    pieces the id names; empty when it had none (or is not the bot's)."""
    pieces = select(OutboxPiece.outbox_id).where(OutboxPiece.message_id == message_id)
    sent = select(OutboxMessage.key).where(
        OutboxMessage.platform == platform,
        OutboxMessage.chat_id == chat_id,
        or_(OutboxMessage.sent_message_id == message_id, OutboxMessage.id.in_(pieces)),
        OutboxMessage.edit.is_(False),
    )
    return session.scalar(sent.limit(1)) or ""


def erase_person(
    session: Session, accounts: list[tuple[str, str]], names: set[str], addresses: set[str]
) -> None:
    """Forget someone in the outbox, buttons and menus: what was addressed to them goes, and
    messages still to be sent that name them lose their names and address."""
    for platform, external_id in accounts:
        session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.platform == platform,
                OutboxMessage.chat_kind == ChatKind.PRIVATE.value,
                OutboxMessage.chat_id == external_id,
            )
        )
        session.execute(
            delete(Button).where(
                Button.platform == platform,
                or_(Button.owner_user_id == external_id, Button.chat_id == external_id),
            )
        )
        session.execute(
            delete(Menu).where(
                Menu.platform == platform,
                or_(Menu.user_id == external_id, Menu.chat_id == external_id),
            )
        )
    words = names | {external_id for _, external_id in accounts}
    unsent = select(OutboxMessage).where(OutboxMessage.state.in_(UNSENT))
    for row in session.scalars(unsent):
        if _strings(row.data) & words:
            row.data = _replaced(row.data, words | addresses)


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(_strings(item) for item in items))


def _replaced(value: Any, words: set[str]) -> Any:
    if isinstance(value, str):
        return ERASED if value in words else value
    if isinstance(value, dict):
        return {key: _replaced(item, words) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item, words) for item in value]
    return value


def _choice_json(choice: Choice) -> dict[str, Any]:
    return {
        "label": choice.label,
        "command": choice.command,
        "translated": choice.translated,
        "token": choice.token,
    }


def envelope_of(row: OutboxMessage | Row[Any], message_id: str | None = None) -> Envelope:
    """The envelope an outbox row stands for; an edit carries the id of the message it edits."""
    reply = Reply(
        template=row.template,
        data=dict(row.data),
        choices=[
            [
                Choice(c["label"], c["command"], translated=c["translated"], token=c["token"])
                for c in choice_row
            ]
            for choice_row in row.choices
        ],
        image=Path(row.image) if row.image else None,
        document=Path(row.document) if row.document else None,
    )
    target = Target(row.platform, row.chat_id, ChatKind(row.chat_kind))
    return Envelope(
        target,
        reply,
        row.language,
        outbox_id=row.id,
        key=row.key or "",
        edit=row.edit,
        message_id=message_id,
        bulk=row.bulk,
    )
