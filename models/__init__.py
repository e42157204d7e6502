"""SQLAlchemy models of Linli; importing this package registers every table."""

from models.audit import AuditEntry
from models.base import Base
from models.circles import Circle, CircleChat, CircleKind, Membership
from models.delivery import Button, OutboxMessage, OutboxState, ProcessedUpdate
from models.grid import Place, PlaceKind
from models.people import Identity, Resident
from models.roles import Role, RoleGrant

__all__ = [
    "AuditEntry",
    "Base",
    "Button",
    "Circle",
    "CircleChat",
    "CircleKind",
    "Identity",
    "Membership",
    "OutboxMessage",
    "OutboxState",
    "Place",
    "PlaceKind",
    "ProcessedUpdate",
    "Resident",
    "Role",
    "RoleGrant",
]
