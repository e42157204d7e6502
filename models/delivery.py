"""Delivery: the durable outbox, button tokens, processed updates, and quiet hours."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UtcDateTime, str_enum


class OutboxState(enum.StrEnum):
    """Where an outgoing message is in its life."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """A reply waiting to be sent (or sent), rendered only when it goes out.

    A message with a `key` can be edited later: an `edit` row with the same
    platform, chat and key replaces its text and buttons. A worker claims a row
    (`claimed_until`) before sending it, so that two workers never send it twice.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "platform", "state", "not_before"),
        Index("ix_outbox_key", "platform", "chat_id", "key"),
        # A notice's rows in every chat, for its sender's figures.
        Index("ix_outbox_key_alone", "key"),
        Index("ix_outbox_sent_at", "sent_at"),
        Index("ix_outbox_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    chat_kind: Mapped[str] = mapped_column(String(8))
    template: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    choices: Mapped[list[Any]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8))
    image: Mapped[str | None] = mapped_column(String(500))
    document: Mapped[str | None] = mapped_column(String(500))
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, "outbox_state"),
        default=OutboxState.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_message_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(300))
    key: Mapped[str | None] = mapped_column(String(64))
    edit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # One of many messages of a broadcast: replies to residents go before it.
    bulk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class OutboxPiece(Base):
    """One of the platform messages an outbox row went out as, when it took several (a
    long text cut in pieces, a picture and its text, a file after its text): a reply to
    any of them answers the row's message."""

    __tablename__ = "outbox_pieces"
    __table_args__ = (Index("ix_outbox_pieces_message", "message_id"),)

    outbox_id: Mapped[int] = mapped_column(
        ForeignKey("outbox.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64))


class Button(Base):
    """A button shown in a chat: its short token stands for the command it runs."""

    __tablename__ = "buttons"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    owner_user_id: Mapped[str | None] = mapped_column(String(128))
    command: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class ProcessedUpdate(Base):
    """A platform update already handled, so a redelivery has no second effect."""

    __tablename__ = "processed_updates"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class DeliveryRules(Base):
    """A community's own quiet hours ("21:30-07:30", "" for none); NULL means the default."""

    __tablename__ = "delivery_rules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    quiet_hours: Mapped[str | None] = mapped_column(String(11))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
