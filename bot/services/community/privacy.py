"""What is stored about a resident, shown to them, and erasing them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.messages import Envelope
from bot.services import points, requests
from bot.services.common import access
from bot.services.community import circles, households, people, roles
from bot.services.community.grid import full_name
from bot.services.community.people import Member
from bot.services.volunteering.notices import Duty
from bot.services.volunteering.signups import release_all
from models import (
    Ballot,
    Place,
    Poll,
    Resident,
    Shift,
    SignUp,
    Topic,
    TopicSecond,
    VolunteerHours,
    VolunteerProject,
)


@dataclass(frozen=True)
class DutySignUp:
    """One of my duty sign-ups: the shift's number, project, start and my standing."""

    number: int
    project: str
    starts_at: datetime
    status: str


@dataclass(frozen=True)
class StoredData:
    """Everything Linli stores about one resident, for /mydata.

    `votes` are the polls voted in by name; anonymous polls keep nothing that names the voter;
    `asked` is the household a request to join waits for, while it waits, and `emptied` says
    nobody is registered there any more, so it waits for those who check households.
    """

    name: str
    accounts: list[str]
    household: str
    asked: str
    emptied: bool
    consent_at: datetime | None
    roles: list[tuple[str, str]]
    circles: list[str]
    signups: list[DutySignUp]
    minutes: int
    votes: list[tuple[int, str]]
    topics: list[tuple[int, str]]
    seconded: list[tuple[int, str]]
    requests: list[tuple[int, str, str, bool]]
    mediations: list[tuple[int, str, str]]
    points: list[points.EntryLine]


@dataclass(frozen=True)
class AboutMe:
    """What /me shows: my address, roles and circles, and my points balances."""

    profile: circles.Profile
    balances: list[points.Balance]


def about_me(session: Session, now: datetime, zone: ZoneInfo, member: Member) -> AboutMe:
    """My profile and my balances in every points programme."""
    return AboutMe(circles.profile(session, member), points.summary(session, now, zone, member))


def stored_data(session: Session, resident: Resident) -> StoredData:
    """Collect what is stored about `resident`."""
    household = resident.household
    stands = access.standing(session, resident)
    asked = session.get(Place, stands.waiting[0]) if stands.waiting else None
    return StoredData(
        name=resident.display_name,
        accounts=[f"{i.platform}:{i.external_id}" for i in resident.identities],
        household=full_name(session, household) if household else "",
        asked=full_name(session, asked) if asked else "",
        emptied=stands.emptied,
        consent_at=resident.consent_at,
        roles=roles.describe(session, resident.id),
        circles=[title for title, _ in circles.titles_of(session, resident.id)],
        signups=_signups(session, resident),
        minutes=session.scalar(
            select(func.coalesce(func.sum(VolunteerHours.minutes), 0)).where(
                VolunteerHours.resident_id == resident.id
            )
        )
        or 0,
        votes=_numbered(
            session,
            select(Poll.number, Poll.question)
            .join(Ballot, Ballot.poll_id == Poll.id)
            .where(Ballot.resident_id == resident.id, ~Poll.anonymous)
            .order_by(Poll.id),
        ),
        topics=_numbered(
            session,
            select(Topic.number, Topic.title)
            .where(Topic.proposer_id == resident.id)
            .order_by(Topic.id),
        ),
        seconded=_numbered(
            session,
            select(Topic.number, Topic.title)
            .join(TopicSecond, TopicSecond.topic_id == Topic.id)
            .where(TopicSecond.resident_id == resident.id)
            .order_by(Topic.id),
        ),
        points=points.my_entries(session, resident),
        requests=requests.reported_by(session, resident),
        mediations=requests.mediations_of(session, resident),
    )


def _signups(session: Session, resident: Resident) -> list[DutySignUp]:
    rows = session.execute(
        select(Shift.number, VolunteerProject.title, Shift.starts_at, SignUp.status)
        .join(Shift, Shift.id == SignUp.shift_id)
        .join(VolunteerProject, VolunteerProject.id == Shift.project_id)
        .where(SignUp.resident_id == resident.id)
        .order_by(Shift.starts_at, Shift.id)
    )
    return [DutySignUp(number, title, at, status.value) for number, title, at, status in rows]


def _numbered(session: Session, query: Select[int, str]) -> list[tuple[int, str]]:
    return [(number, text) for number, text in session.execute(query)]


@dataclass(frozen=True)
class Erased:
    """What erasing someone sends: the notices of the duty places they gave up, of the
    requests they reported (withdrawn) and handled (handed on), and the requests waiting for
    the household they were the last to leave."""

    notices: list[Envelope]
    stranded: list[households.Stranded]


def erase(
    session: Session,
    duty: Duty,
    settings: Settings,
    resident: Resident,
    always_open: Collection[str] = (),
) -> Erased:
    """Erase a resident after giving up their duty places (the waitlists move up), handing
    on the requests they handle, and anonymising their points entries and requests;
    `always_open` are the platforms where the bot writes to anyone privately."""
    released = release_all(session, duty, resident)
    points.forget_member(session, duty.now, resident)
    mediated = requests.forget_mediations(session, duty.now, settings, resident, duty.language)
    withdrawn = requests.forget_reporter(session, duty.now, resident, duty.language)
    handed = requests.forget_handler(session, duty.now, settings, resident, duty.language)
    home = resident.household
    people.forget(session, duty.now, resident)
    notices = released.notices + mediated + withdrawn + handed
    return Erased(notices, households.stranded(session, home, always_open))
