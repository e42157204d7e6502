"""A file sent with a notice, within the size limits of every platform it goes to."""

from __future__ import annotations

from pathlib import Path

from bot.errors import DomainError
from bot.messages import Media, MediaKind

MB = 1024 * 1024
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})
# Telegram bots upload photos up to 10 MB and files up to 50 MB; WeChat sends files up to 25 MB.
PHOTO_LIMITS = {"telegram": 10 * MB, "wechat": 25 * MB}
FILE_LIMITS = {"telegram": 50 * MB, "wechat": 25 * MB}
# A typed file path names a file on the bot's own machine: only its operator, at the
# console, may name one; elsewhere it could leak the machine's files into groups.
LOCAL_PLATFORMS = frozenset({"console"})


def attachment(
    typed: str | None, platform: str, chats: dict[str, int], media: Media | None = None
) -> tuple[str | None, str | None]:
    """(image, document): the picture or file sent with the notice, else the file typed;
    refused when it is missing or over a platform's limit."""
    if media is not None:
        return sent_along(media, chats)
    if typed is None:
        return None, None
    if platform not in LOCAL_PLATFORMS:
        raise DomainError("notices.file_console_only")
    path = Path(typed).expanduser()
    if not path.is_file():
        raise DomainError("notices.no_file", name=typed[:60])
    size = path.stat().st_size
    picture = path.suffix.lower() in IMAGE_SUFFIXES and all(
        size <= PHOTO_LIMITS.get(p, size) for p in chats
    )
    _within_limits(path.name, size, chats)
    return (str(path.resolve()), None) if picture else (None, str(path.resolve()))


def sent_along(media: Media, chats: dict[str, int]) -> tuple[str | None, str | None]:
    """(image, document) for a picture or file sent with the notice. One the platform keeps
    (Telegram's file_id) goes again by its id, so only to that platform's chats."""
    others = [p for p in chats if p != media.platform]
    if not media.saved and others:
        raise DomainError("notices.file_one_platform", where=others[0])
    name = media.name or str(media.kind)
    _within_limits(name, media.size, chats)
    picture = media.kind == MediaKind.PHOTO and all(
        media.size <= PHOTO_LIMITS.get(p, media.size) for p in chats
    )
    ref = str(media.as_path())
    return (ref, None) if picture else (None, ref)


def _within_limits(name: str, size: int, chats: dict[str, int]) -> None:
    """Refuse a file over the limit of a platform it would go to."""
    for p in chats:
        limit = FILE_LIMITS.get(p)
        if limit is not None and size > limit:
            raise DomainError("notices.file_too_big", name=name[:40], where=p, limit=limit // MB)
