"""Exclusive locks on files, held by an open descriptor until it is closed or the process ends."""

from __future__ import annotations

import fcntl
import os


def exclusive(path: str | os.PathLike[str]) -> int | None:
    """An open descriptor holding an exclusive lock on `path` (created if missing); None when
    another process holds it. Other errors opening the file are raised."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        os.close(descriptor)
        if isinstance(error, BlockingIOError):
            return None
        raise
    return descriptor
