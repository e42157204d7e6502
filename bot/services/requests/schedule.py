"""Request deadlines as due work: not taken or not solved in time, a request goes up a layer.

Each request keeps its next deadline in `due_at`. A tick takes the requests due with one
indexed query and moves each on in the scheduler's transaction, which also stages the
messages: the new deadline replaces the old one, so a restart repeats no step and loses
none. The clock runs through the night; the messages wait for the morning (quiet hours).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.messages import Envelope, Reply
from bot.services.common.outreach import secretaries, to_person
from bot.services.requests import chain
from bot.services.requests.desk import assign, owner_name, step, to_owner, to_reporter
from bot.services.requests.handling import escalated_notice
from bot.services.requests.rules import CONFIRM_WITHIN
from models import Request, RequestStatus, StepKind

DUE = (Request.due_at.is_not(None),)


class RequestDeadlines:
    """Moves every request whose deadline came: up a layer, or closed, and the reporter told,
    once their three days to confirm have passed."""

    name = "request-deadlines"

    def __init__(self, settings: Settings, language: str) -> None:
        self.settings = settings
        self.language = language

    def next_due(self, session: Session, after: datetime) -> datetime | None:
        """The earliest deadline."""
        return session.scalar(select(func.min(Request.due_at)).where(*DUE))

    def run_due(self, session: Session, now: datetime) -> list[Envelope]:
        """Each request due moves on exactly once."""
        due = session.scalars(
            select(Request)
            .where(*DUE, Request.due_at <= now)
            .order_by(Request.due_at, Request.id)
            .with_for_update()
        ).all()
        envelopes: list[Envelope] = []
        for request in due:
            if request.status == RequestStatus.RESOLVED:
                request.status, request.closed_at, request.due_at = RequestStatus.CLOSED, now, None
                step(session, now, request, StepKind.CLOSED, None)
                # Told privately; a close in the night is told in the morning (quiet hours).
                data = {"number": request.number, "days": CONFIRM_WITHIN.days}
                closed = Reply("requests.closed_unanswered", data)
                envelopes += to_reporter(request, closed, self.language)
            else:
                envelopes += self._late(session, now, request)
        return envelopes

    def _late(self, session: Session, now: datetime, request: Request) -> list[Envelope]:
        """Up past the layers its owner holds; with nobody else above, flagged overdue and the
        secretaries told once."""
        community = request.community
        current = chain.Owner(request.layer, request.node, request.owner)
        # A secretary who took it below her layer is not handed her own request.
        higher = chain.above_others(session, community, current, request.owner)
        if higher is None:
            request.due_at, request.overdue = None, True
            step(session, now, request, StepKind.OVERDUE, None)
            reply = Reply("requests.overdue_notice", {"number": request.number})
            return [
                e
                for s in secretaries(session, community)
                for e in to_person(s, reply, self.language)
            ]
        untaken = request.status == RequestStatus.OPEN
        assign(session, now, self.settings, request, higher)
        # Come late, it stays flagged until its new owner takes it or passes it on.
        request.overdue = True
        step(session, now, request, StepKind.ESCALATED, None)
        owner = owner_name(request)
        notice = escalated_notice(request.number, request.layer.value, owner, True, untaken)
        return to_owner(
            session, now, request, self.settings, self.language, StepKind.OVERDUE
        ) + to_reporter(request, notice, self.language)
