"""Deliberation: topics and their support, polls and ballots, decisions and follow-up."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UtcDateTime, str_enum
from models.circles import Circle
from models.grid import Place
from models.people import Resident


class TopicStatus(enum.StrEnum):
    """Where a topic is on its way from raised to solved."""

    RAISED = "raised"
    AGENDA = "agenda"
    DELIBERATION = "deliberation"
    VOTING = "voting"
    DECIDED = "decided"
    IN_PROGRESS = "in_progress"
    SOLVED = "solved"
    REJECTED = "rejected"


class PollKind(enum.StrEnum):
    """What a voter chooses."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    YES_NO = "yes_no"
    RATING = "rating"


class PollStatus(enum.StrEnum):
    """Open for votes, or closed with a final result."""

    OPEN = "open"
    CLOSED = "closed"


class DeliberationRules(Base):
    """A community's own deliberation rules, where they differ from the settings."""

    __tablename__ = "deliberation_rules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("places.id", ondelete="CASCADE"), primary_key=True
    )
    seconds_needed: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Topic(Base):
    """A topic (议题) raised in a circle; `number` counts topics within its community."""

    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="SET NULL"), index=True
    )
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    status: Mapped[TopicStatus] = mapped_column(
        str_enum(TopicStatus, "topic_status"),
        default=TopicStatus.RAISED,
    )
    hot: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(300))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    agenda_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    solved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    circle: Mapped[Circle | None] = relationship()
    place: Mapped[Place] = relationship(foreign_keys=[place_id])
    proposer: Mapped[Resident | None] = relationship()


class TopicSecond(Base):
    """A household's support (附议) for a topic: one per household, and one per person."""

    __tablename__ = "topic_seconds"
    __table_args__ = (
        UniqueConstraint("topic_id", "household_id"),
        UniqueConstraint("topic_id", "resident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Decision(Base):
    """The outcome of a topic: what was decided, who answers for it, and by when.

    `remind_at` is when its owner is next reminded of an overdue follow-up.
    """

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(String(500))
    owner_name: Mapped[str] = mapped_column(String(64), default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    topic: Mapped[Topic] = relationship()
    owner: Mapped[Resident | None] = relationship(foreign_keys=[owner_id])
    decided_by: Mapped[Resident | None] = relationship(foreign_keys=[decided_by_id])


class ProgressNote(Base):
    """A follow-up note on a topic, in deliberation or after its decision."""

    __tablename__ = "progress_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    author: Mapped[Resident | None] = relationship()


class Poll(Base):
    """A poll, standalone or on a topic; `number` counts polls within its community.

    Without `scope_place_id`, the registered members of the circles it is posted in
    may vote; with it, the registered residents of that place. `remind_at` and
    `refresh_at` are when its reminder and its next live-count edit fall due.
    `unpublished` holds, for an anonymous poll, an unlinkable token of each ballot
    changed since its count was last shown (at most a batch's worth), and `published` the
    counts last shown (`votes` per option in order, `ballots`): what chats see until the
    next batch.
    With `verified_only` (a one-vote-per-household poll opened while the community
    verifies households) only verified households vote. `eligible_households` and
    `voted_households` keep the final turnout in the poll's unit: households, or
    residents on a one-vote-per-person poll. `results_at` is when the result of a poll
    that closed in quiet hours is posted (the morning), unless `night_results` asked
    for it at once.
    """

    __tablename__ = "polls"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_polls_status_closes_at", "status", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    circle_id: Mapped[int | None] = mapped_column(ForeignKey("circles.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(String(300))
    kind: Mapped[PollKind] = mapped_column(str_enum(PollKind, "poll_kind"))
    max_choices: Mapped[int] = mapped_column(Integer, default=1)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    per_household: Mapped[bool] = mapped_column(Boolean, default=True)
    changeable: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_only: Mapped[bool] = mapped_column(Boolean, default=False)
    scope_place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="RESTRICT"))
    quorum_percent: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[PollStatus] = mapped_column(
        str_enum(PollStatus, "poll_status"), default=PollStatus.OPEN
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )
    remind_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    refresh_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unpublished: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    published: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    eligible_households: Mapped[int | None] = mapped_column(Integer)
    voted_households: Mapped[int | None] = mapped_column(Integer)
    chart: Mapped[str | None] = mapped_column(String(500))
    night_results: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    results_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)

    circle: Mapped[Circle | None] = relationship()
    topic: Mapped[Topic | None] = relationship()
    owner: Mapped[Resident | None] = relationship(foreign_keys=[owner_id])
    scope_place: Mapped[Place | None] = relationship(foreign_keys=[scope_place_id])
    options: Mapped[list[PollOption]] = relationship(
        order_by="PollOption.position", back_populates="poll"
    )
    postings: Mapped[list[PollPosting]] = relationship(
        order_by="PollPosting.id", back_populates="poll"
    )


class PollOption(Base):
    """One option of a poll, numbered from 1, with its running count of votes."""

    __tablename__ = "poll_options"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(60))
    votes: Mapped[int] = mapped_column(Integer, default=0)

    poll: Mapped[Poll] = relationship(back_populates="options")


class PollPosting(Base):
    """A chat a poll was posted in; its message there is named `poll:<id>` for edits."""

    __tablename__ = "poll_postings"
    __table_args__ = (UniqueConstraint("poll_id", "platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))

    poll: Mapped[Poll] = relationship(back_populates="postings")
    circle: Mapped[Circle] = relationship()


class Ballot(Base):
    """One voter's ballot: `voter_key` is an HMAC of the voter under the server's secret.

    On an anonymous poll the resident, household and time stay empty, so a ballot
    says only that some voter voted.
    """

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("poll_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(64))
    resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    household_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", ondelete="SET NULL"))
    cast_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class BallotMark(Base):
    """That a voter chose an option, as an HMAC of both under the server's secret.

    No id, voter or time: without the secret a mark cannot be tied to a ballot's
    voter or to an option. It lets a voter change a vote without anyone else knowing it.
    """

    __tablename__ = "ballot_marks"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    mark: Mapped[str] = mapped_column(String(64), primary_key=True)


class BallotVoter(Base):
    """That a person cast or changed the ballot under `voter_key`, as HMACs of both.

    One row per person and poll, so a person touches at most one ballot however often
    they move; no id, resident or time, so without the secret it names nobody.
    """

    __tablename__ = "ballot_voters"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    voter_key: Mapped[str] = mapped_column(String(64))
