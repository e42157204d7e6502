"""Waiting on something unless the adapter is told to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class Stopped(BaseException):
    """`stop` was set while waiting; a BaseException, so broad error handlers let it through."""


async def unless_stopped(stop: asyncio.Event, awaitable: Awaitable[T]) -> T:
    """Await `awaitable`, or cancel it and raise Stopped when `stop` comes first."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    if task.cancelled():
        raise Stopped
    return task.result()
