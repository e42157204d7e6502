"""Rows handed to an outbox worker go one at a time per chat, the oldest waiting first."""

from __future__ import annotations

from dataclasses import replace

from bot.handing import Handed
from bot.messages import ChatKind, Envelope, Reply, Target


def _envelope(chat: str) -> Envelope:
    return Envelope(Target("telegram", chat, ChatKind.GROUP), Reply("core.private_hint"), "zh-Hans")


def _handed(rows: list[tuple[int, str]]) -> Handed:
    handed = Handed()
    for row_id, chat in rows:
        handed.add(row_id, _envelope(chat))
    return handed


def _ids(taken: list[tuple[int, Envelope]]) -> list[int]:
    return [row_id for row_id, _ in taken]


def test_each_chat_sends_one_row_at_a_time_in_the_order_handed() -> None:
    handed = _handed([(1, "a"), (2, "a"), (3, "b"), (4, "a"), (5, "c")])
    assert _ids(handed.next_up(set(), 10)) == [1, 3, 5]
    assert _ids(handed.next_up(set(), 10)) == [2]
    assert _ids(handed.next_up(set(), 10)) == [4]
    assert not handed and handed.next_up(set(), 10) == []


def test_chats_go_by_their_oldest_waiting_row_and_busy_chats_wait() -> None:
    handed = _handed([(1, "a"), (2, "b"), (3, "a"), (4, "c"), (5, "b")])
    # a's second row was handed before c's first and b's second: it goes first.
    assert _ids(handed.next_up({"b"}, 1)) == [1]
    assert _ids(handed.next_up({"b"}, 2)) == [3, 4]
    assert handed.chats() == {"b"}
    assert _ids(handed.next_up(set(), 5)) == [2]
    assert _ids(handed.next_up(set(), 5)) == [5]


def test_a_chat_that_moved_keeps_each_rows_place() -> None:
    handed = _handed([(1, "old"), (2, "new"), (3, "old"), (4, "x")])
    handed.follow("old", "new")
    assert handed.chats() == {"new", "x"}
    taken = handed.next_up(set(), 5)
    assert _ids(taken) == [1, 4] and taken[0][1].target.chat_id == "new"
    assert _ids(handed.next_up(set(), 5)) == [2]
    assert _ids(handed.next_up(set(), 5)) == [3]


def test_taking_all_gives_every_row_in_the_order_handed() -> None:
    handed = _handed([(1, "a"), (2, "b"), (3, "a")])
    handed.next_up(set(), 1)
    assert [e.target.chat_id for e in handed.take_all()] == ["b", "a"]
    assert not handed and handed.chats() == set()


def test_a_found_reply_goes_before_the_rows_of_its_chat_handed_after_it_was_staged() -> None:
    """A look may find an older reply of a chat that has newer ones handed: it goes in the
    place of the first newer one (or of an answer never staged), and keeps the chat's turn."""
    handed = _handed([(5, "a"), (2, "b"), (9, "a")])
    handed.add(-1, replace(_envelope("a"), direct=True))
    handed.add_found(7, _envelope("a"))
    handed.add_found(12, _envelope("a"))
    handed.add_found(3, replace(_envelope("a"), bulk=True))
    handed.add_found(1, _envelope("c"))
    assert _ids(handed.next_up(set(), 5)) == [5, 2, 1]
    assert [_ids(handed.next_up(set(), 5)) for _ in range(5)] == [[7], [9], [12], [-1], [3]]
    assert not handed


def test_a_found_reply_older_than_all_a_chat_was_handed_takes_the_chats_turn() -> None:
    handed = _handed([(8, "a"), (9, "b")])
    handed.add_found(4, _envelope("a"))
    assert [_ids(handed.next_up(set(), 1)) for _ in range(3)] == [[4], [9], [8]]
