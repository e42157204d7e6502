"""Residents and their platform identities."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.config import LANGUAGES
from bot.errors import DomainError
from models import Dialog, Identity, Resident

MAX_NAME = 64
_KEEP_FORMAT = {"\u200d"}  # zero-width joiner, which emoji sequences need


def clean_name(name: str) -> str:
    """A display name without control or bidi-override characters, at most 64 long."""
    kept = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch in _KEEP_FORMAT
    )
    return " ".join(kept.split())[:MAX_NAME]


def find_identity(session: Session, platform: str, external_id: str) -> Identity | None:
    """The identity of a platform account, if known."""
    return session.scalar(
        select(Identity).where(Identity.platform == platform, Identity.external_id == external_id)
    )


def ensure_identity(
    session: Session,
    platform: str,
    external_id: str,
    display_name: str,
    now: datetime,
    username: str = "",
) -> Identity:
    """The identity of a platform account, created with its resident on first sight."""
    name = clean_name(display_name)
    handle = clean_name(username).lstrip("@") or None
    identity = find_identity(session, platform, external_id)
    if identity is None:
        name = name or clean_name(external_id)
        resident = Resident(display_name=name, created_at=now)
        identity = Identity(
            resident=resident,
            platform=platform,
            external_id=external_id,
            display_name=name,
            username=handle,
        )
        session.add_all([resident, identity])
        session.flush()
        return identity
    if name and identity.display_name != name:
        identity.display_name = name
        identity.resident.display_name = name
    if handle and identity.username != handle:
        identity.username = handle
    return identity


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
        "中文": "zh-Hans",
        "zh-hant": "zh-Hant",
        "zh-tw": "zh-Hant",
        "zh-hk": "zh-Hant",
        "繁体": "zh-Hant",
        "繁體": "zh-Hant",
        "繁体中文": "zh-Hant",
        "繁體中文": "zh-Hant",
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


@dataclass(frozen=True)
class StoredData:
    """Everything Linli stores about one resident, for /mydata."""

    name: str
    accounts: list[str]
    household: str
    consent_at: datetime | None
    roles: list[tuple[str, str]]
    circles: list[str]


def stored_data(session: Session, resident: Resident) -> StoredData:
    """Collect what is stored about `resident`."""
    from bot.services import circles, roles
    from bot.services.grid import full_name

    household = resident.household
    return StoredData(
        name=resident.display_name,
        accounts=[f"{i.platform}:{i.external_id}" for i in resident.identities],
        household=full_name(session, household) if household else "",
        consent_at=resident.consent_at,
        roles=roles.describe(session, roles.active_grants(session, resident.id)),
        circles=[roles.circle_title(session, c) for c in circles.circles_of(session, resident)],
    )


def forget(session: Session, now: datetime, resident: Resident) -> None:
    """Erase a resident: identities, memberships and roles go with them; audit keeps no name."""
    from bot.services import audit

    audit.record(session, now, "resident.forget", actor_id=None)
    session.flush()
    # Unfinished dialogs are keyed by platform account, not by resident: erase them too.
    for identity in resident.identities:
        session.execute(
            delete(Dialog).where(
                Dialog.platform == identity.platform, Dialog.user_id == identity.external_id
            )
        )
    # The database cascades to identities, memberships and grants, and blanks audit links.
    gone = [resident, *resident.identities]
    session.execute(delete(Resident).where(Resident.id == resident.id))
    for item in gone:
        session.expunge(item)
