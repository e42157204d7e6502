"""A file sent with a notice, within the size limits of every platform it goes to."""

from __future__ import annotations

from pathlib import Path

from bot.errors import DomainError

MB = 1024 * 1024
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"})
# Telegram bots upload photos up to 10 MB and files up to 50 MB; WeChat sends files up to 25 MB.
PHOTO_LIMITS = {"telegram": 10 * MB, "wechat": 25 * MB}
FILE_LIMITS = {"telegram": 50 * MB, "wechat": 25 * MB}
# A typed file path names a file on the bot's own machine: only its operator, at the
# console, may name one; elsewhere it could leak the machine's files into groups.
LOCAL_PLATFORMS = frozenset({"console"})


def attachment(
    typed: str | None, platform: str, chats: dict[str, int]
) -> tuple[str | None, str | None]:
    """(image, document): the file typed, sent as a picture where it is one and fits, else as
    a file; refused when it is missing or over a platform's limit."""
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
    for p in chats:
        limit = FILE_LIMITS.get(p)
        if limit is not None and size > limit:
            raise DomainError(
                "notices.file_too_big", name=path.name[:40], where=p, limit=limit // MB
            )
    return (str(path.resolve()), None) if picture else (None, str(path.resolve()))
