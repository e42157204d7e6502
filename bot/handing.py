"""Rows handed to an outbox worker: each chat's in order, the chats by their oldest row."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import replace

from bot.messages import Envelope


class Handed:
    """Rows handed to a worker and not yet in flight.

    A chat's rows go one after another, in the order handed; among chats, the one whose
    waiting row was handed first goes first. Choosing what goes next costs a step per chat
    taken or passed over, not a step per row waiting: a busy group can have hundreds.
    """

    def __init__(self) -> None:
        self._order = itertools.count()
        self._chats: dict[str, deque[tuple[int, int, Envelope]]] = {}
        # One (order of its first row, chat) for each chat with rows waiting.
        self._heads: list[tuple[int, str]] = []

    def __bool__(self) -> bool:
        return bool(self._chats)

    def add(self, row_id: int, envelope: Envelope) -> None:
        """Hand a row, after those already handed."""
        chat = envelope.target.chat_id
        order = next(self._order)
        queue = self._chats.get(chat)
        if queue is None:
            queue = self._chats[chat] = deque()
            heapq.heappush(self._heads, (order, chat))
        queue.append((order, row_id, envelope))

    def add_found(self, row_id: int, envelope: Envelope) -> None:
        """Queue a row a look found: a reply goes before its chat's rows handed after it was
        staged (a greater id, or an answer never staged), in the place of the first of them."""
        queue = self._chats.get(envelope.target.chat_id, deque())
        later = [
            at
            for at, (_, handed_id, e) in enumerate(queue)
            if e.direct or (handed_id > row_id and not e.bulk)
        ]
        if envelope.bulk or not later:
            self.add(row_id, envelope)
            return
        # Each row from there on moves one place back, into the order of the one after it.
        behind = [queue.pop() for _ in range(len(queue) - later[0])][::-1]
        orders = [order for order, _, _ in behind] + [next(self._order)]
        rows = [(row_id, envelope)] + [(r, e) for _, r, e in behind]
        queue.extend((order, r, e) for order, (r, e) in zip(orders, rows, strict=True))

    def chats(self) -> set[str]:
        """The chats with rows waiting."""
        return set(self._chats)

    def next_up(self, busy: Iterable[str], room: int) -> list[tuple[int, Envelope]]:
        """The first row of each chat not `busy`, oldest first, `room` at most; taken out."""
        taken: list[tuple[int, Envelope]] = []
        passed: list[tuple[int, str]] = []
        busy = set(busy)
        while self._heads and len(taken) < room:
            head = heapq.heappop(self._heads)
            chat = head[1]
            if chat in busy:
                passed.append(head)
                continue
            queue = self._chats[chat]
            _, row_id, envelope = queue.popleft()
            taken.append((row_id, envelope))
            busy.add(chat)
            if queue:
                passed.append((queue[0][0], chat))
            else:
                del self._chats[chat]
        for head in passed:
            heapq.heappush(self._heads, head)
        return taken

    def take_all(self) -> list[Envelope]:
        """Every waiting envelope, in the order handed; none is left."""
        rows = sorted(row for queue in self._chats.values() for row in queue)
        self._chats.clear()
        self._heads.clear()
        return [envelope for _, _, envelope in rows]

    def follow(self, old: str, new: str) -> None:
        """Rows for chat `old` go to `new` (a group that became a supergroup), each keeping
        its place in the order handed."""
        queue = self._chats.pop(old, None)
        if queue is None:
            return
        moved = [
            (order, row_id, replace(e, target=replace(e.target, chat_id=new)))
            for order, row_id, e in queue
        ]
        self._chats[new] = deque(sorted([*self._chats.get(new, ()), *moved]))
        self._heads = [(rows[0][0], chat) for chat, rows in self._chats.items()]
        heapq.heapify(self._heads)
