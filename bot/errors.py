"""Domain errors: each names the template that explains it to the user."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule was broken; `key` names a template in errors.j2, `data` fills it."""

    def __init__(self, key: str, **data: Any) -> None:
        super().__init__(key)
        self.key = key
        self.data = data


class PrivateRefusal(DomainError):
    """A refusal whose words are the sender's alone (what a member has left): never said in a
    group, but privately."""
