"""SQLAlchemy models of Linli; importing this package registers every table."""

from models.audit import AuditEntry
from models.base import Base
from models.binding import BindingRequest, BindingStatus
from models.circles import Circle, CircleChat, CircleKind, Membership
from models.deliberation import (
    Ballot,
    BallotMark,
    BallotVoter,
    Decision,
    DeliberationRules,
    Poll,
    PollKind,
    PollOption,
    PollPosting,
    PollStatus,
    ProgressNote,
    Topic,
    TopicSecond,
    TopicStatus,
)
from models.delivery import Button, DeliveryRules, OutboxMessage, OutboxState, ProcessedUpdate
from models.dialogs import Dialog
from models.grid import Place, PlaceKind
from models.households import HouseholdRules, JoinRequest, JoinStatus
from models.people import Identity, Resident
from models.roles import Role, RoleGrant
from models.volunteering import (
    DutyReminder,
    HoursSource,
    ReminderKind,
    RosterPost,
    Shift,
    ShiftStatus,
    SignUp,
    SignUpStatus,
    VolunteerHours,
    VolunteerProject,
    VolunteerRules,
)

__all__ = [
    "AuditEntry",
    "Ballot",
    "BallotMark",
    "BallotVoter",
    "Base",
    "BindingRequest",
    "BindingStatus",
    "Button",
    "Circle",
    "CircleChat",
    "CircleKind",
    "Decision",
    "DeliberationRules",
    "DeliveryRules",
    "Dialog",
    "DutyReminder",
    "HoursSource",
    "HouseholdRules",
    "Identity",
    "JoinRequest",
    "JoinStatus",
    "Membership",
    "OutboxMessage",
    "OutboxState",
    "Place",
    "PlaceKind",
    "Poll",
    "PollKind",
    "PollOption",
    "PollPosting",
    "PollStatus",
    "ProcessedUpdate",
    "ProgressNote",
    "ReminderKind",
    "Resident",
    "Role",
    "RoleGrant",
    "RosterPost",
    "Shift",
    "ShiftStatus",
    "SignUp",
    "SignUpStatus",
    "Topic",
    "TopicSecond",
    "TopicStatus",
    "VolunteerHours",
    "VolunteerProject",
    "VolunteerRules",
]
