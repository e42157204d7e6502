"""Public standings (积分榜): the top of a programme where the community posts one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.services.common import access, audit
from bot.services.points import ledger
from models import Place, PointsAccount, RankOptOut, Resident

TOP = 10


@dataclass(frozen=True)
class Board:
    """One programme's top members; an empty name is a member who asked not to be named."""

    code: str
    title: str
    lines: list[tuple[str, int]]


def standings(
    session: Session, now: datetime, reader: Resident, community: Place, code: str | None
) -> list[Board]:
    """The boards the community posts (or the one asked for), each its top members; where
    none is posted, a points admin is told how to post one."""
    posted = [p for p in ledger.programmes(session, now, community) if p.ranked]
    if code is not None:
        posted = [p for p in posted if p.code == code]
    if not posted:
        may_post = access.is_points_admin(session, reader.id, community)
        raise DomainError("points.no_board", may_post=may_post)
    boards = []
    for programme in posted:
        rows = session.execute(
            select(Resident.display_name, RankOptOut.resident_id, PointsAccount.balance)
            .join(Resident, Resident.id == PointsAccount.resident_id)
            .outerjoin(RankOptOut, RankOptOut.resident_id == PointsAccount.resident_id)
            .where(PointsAccount.programme_id == programme.id, PointsAccount.balance > 0)
            .order_by(PointsAccount.balance.desc(), PointsAccount.id)
            .limit(TOP)
        ).all()
        lines = [("" if hidden else name, balance) for name, hidden, balance in rows]
        boards.append(Board(programme.code, programme.title, lines))
    return boards


def show_me(session: Session, now: datetime, member: Resident, shown: bool) -> None:
    """A member opts out of being named on points boards (`积分榜 不显示我`), or back in."""
    session.execute(delete(RankOptOut).where(RankOptOut.resident_id == member.id))
    if not shown:
        session.add(RankOptOut(resident_id=member.id, since=now))
    audit.record(session, now, "points_rank_named", actor_id=member.id, shown=shown)
