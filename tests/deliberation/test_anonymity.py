"""Anonymous polls against an attacker who reads the whole database (not the secret).

The attacker knows who voted when (the timestamps) and takes every count it can find:
the live counts, counts kept in the outbox, counts posted in the chats. It then tries
every way the voters could have voted, keeps those that fit everything it saw, and
wins a voter -> choice pair when all of them agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import combinations

import numpy as np
import pytest
from sqlalchemy import select

from bot.app import App
from models import OutboxMessage, OutboxState, Poll
from tests.support.telegram_town import GROUP, OWNER, Town, moment

VOTERS = {
    f"700{n}": name for n, name in enumerate(["李一", "李二", "李三", "李四", "李五", "李六"], 1)
}
TALLIES = ("deliberation.poll", "deliberation.result")
Ballot = frozenset[int]


@dataclass
class Attack:
    """What one poll's attacker knows: the votes' times and voters, and what it read."""

    number: int
    space: list[Ballot]
    events: list[tuple[datetime, str, Ballot]] = field(default_factory=list)
    recovered: set[tuple[str, Ballot]] = field(default_factory=set)

    def guess(self, counts: list[tuple[datetime, tuple[int, ...]]]) -> None:
        """Every assignment of ballots to the votes that fits all `counts`; keep agreed pairs."""
        size, width = len(self.events), max(max(b) for b in self.space)
        grid = np.array(np.meshgrid(*[range(len(self.space))] * size, indexing="ij"))
        tried = grid.reshape(size, -1).T
        marks = np.array([[int(p in b) for p in range(1, width + 1)] for b in self.space])
        fits = np.ones(len(tried), dtype=bool)
        for at, seen in counts:
            latest = {voter: i for i, (when, voter, _) in enumerate(self.events) if when <= at}
            total = sum((marks[tried[:, i]] for i in latest.values()), np.zeros((1, width), int))
            fits &= (total == np.array(seen)).all(axis=1)
        truth = [self.space.index(ballot) for _, _, ballot in self.events]
        assert fits[(tried == truth).all(axis=1)].all(), "the attacker misread what it saw"
        for i, (_, voter, ballot) in enumerate(self.events):
            if len(set(tried[fits, i])) == 1:
                self.recovered.add((voter, ballot))

    def read(self, town: Town, now: datetime) -> None:
        """One copy of the database, taken now: every count in it, and any named choice."""
        tables = town.tables()
        poll = next(p for p in tables["polls"] if p["number"] == self.number)
        live = sorted(
            (o["position"], o["votes"])
            for o in tables["poll_options"]
            if o["poll_id"] == poll["id"]
        )
        counts = [(now, tuple(v for _, v in live))]
        for row in tables["outbox"]:
            data = row["data"] if isinstance(row["data"], dict) else {}
            if data.get("number") != self.number:
                continue
            if row["template"] == "deliberation.voted" and data.get("chosen"):
                self.recovered.add((row["chat_id"], frozenset(p for p, _ in data["chosen"])))
            if row["template"] in TALLIES and data["options"][0][2] is not None:
                counts.append((moment(row["created_at"]), tuple(o[2] for o in data["options"])))
        self.guess(counts)

    def watch(self, town: Town) -> None:
        """What the chats saw: every count posted or edited in, at the time it went out."""
        counts = [
            (at, tuple(o[2] for o in env.reply.data["options"]))
            for at, env in town.recorder.sent
            if env.reply.template in TALLIES
            and env.reply.data.get("number") == self.number
            and env.reply.data["options"][0][2] is not None
        ]
        self.guess(counts)


def _vote(town: Town, attack: Attack, user: str, picks: str, ballot: set[int]) -> None:
    town.clock.set(town.clock.now() + timedelta(seconds=1))  # never at the same time as a tick
    answers = town.say(user, f"投票 {attack.number} {picks}")
    assert [a.reply.template for a in answers] == ["deliberation.voted"], answers
    attack.events.append((town.clock.now(), user, frozenset(ballot)))
    town.advance(minutes=1)


@pytest.fixture
def town(app: App) -> Town:
    """Six households on Telegram, each voting from its private chat."""
    place = Town(app, VOTERS)
    for n, user in enumerate(VOTERS, 1):
        place.say(user, f"登记 3-2-30{n} 同意", GROUP)
        place.say(user, "/start")
    return place


def test_no_voter_choice_pair_can_be_read_from_the_database_or_the_counts(town: Town) -> None:
    single = Attack(1, [frozenset({n}) for n in (1, 2, 3)])
    town.say(OWNER, "/poll 装哪种充电桩？ | 快充 | 慢充 | 不装 | 匿名", GROUP, admin=True)
    town.advance(minutes=1)
    for user, pick in zip(VOTERS, [1, 2, 1, 3, 1, 2], strict=True):
        _vote(town, single, user, str(pick), {pick})
    town.advance(minutes=5)
    single.read(town, town.clock.now())
    town.advance(days=8)
    single.read(town, town.clock.now())
    single.watch(town)

    several = Attack(2, [frozenset(c) for k in (1, 2) for c in combinations((1, 2, 3), k)])
    town.say(
        OWNER,
        "/poll 周末办什么？ | 义诊 | 电影 | 跳蚤市场 | 多选 2 | 匿名 | 可改票",
        GROUP,
        admin=True,
    )
    town.advance(minutes=1)
    v1, v2, v3, v4 = list(VOTERS)[:4]
    for user, picks, ballot in [
        (v1, "1 2", {1, 2}),
        (v2, "2", {2}),
        (v3, "1 3", {1, 3}),
        (v1, "1", {2}),
        (v4, "3", {3}),
        (v2, "3", {2, 3}),
    ]:
        _vote(town, several, user, picks, ballot)
    town.advance(minutes=5)
    several.read(town, town.clock.now())
    town.advance(days=8)
    several.read(town, town.clock.now())
    several.watch(town)

    assert single.recovered == set() and several.recovered == set()
    shown = [at for at, env in town.recorder.sent if env.edit and env.reply.data["number"] == 1]
    assert len(shown) == 3, "two batches of three votes, then the final count"


def _sent_rows(app: App) -> list[OutboxMessage]:
    with app.db.transaction() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.state == OutboxState.SENT)
            ).all()
        )


def test_a_sent_message_keeps_only_what_later_edits_need(town: Town) -> None:
    town.say(OWNER, "/poll 装哪种充电桩？ | 快充 | 慢充 | 匿名", GROUP, admin=True)
    town.say("7001", "投票 1 1")
    sent = _sent_rows(town.app)
    assert sent and all(row.data == {} and row.choices == [] for row in sent)
    posted = next(row for row in sent if row.key == "poll:1")
    assert posted.sent_message_id and posted.chat_id == GROUP
    town.advance(days=8)
    final = [env for _, env in town.recorder.sent if env.edit and env.key == "poll:1"]
    assert final[-1].message_id == posted.sent_message_id


def test_an_anonymous_count_waits_for_three_changed_ballots_and_five_minutes(
    town: Town,
) -> None:
    town.say(OWNER, "/poll 装哪种充电桩？ | 快充 | 慢充 | 匿名 | 可改票", GROUP, admin=True)

    def edits() -> int:
        return sum(1 for _, env in town.recorder.sent if env.edit)

    for pick in ("1", "2", "1"):
        town.say("7001", f"投票 1 {pick}")
        town.advance(minutes=1)
    town.say("7002", "投票 1 2")
    town.advance(minutes=1)
    assert edits() == 0, "one voter changing three times is still one ballot"
    town.say("7003", "投票 1 1")
    town.advance(seconds=1)
    assert edits() == 1
    for user in ("7004", "7005", "7006"):
        town.say(user, "投票 1 2")
    town.advance(minutes=4)
    assert edits() == 1, "at most one count in five minutes"
    town.advance(minutes=1)
    assert edits() == 2
    with town.app.db.transaction() as session:
        poll = session.scalars(select(Poll)).one()
        assert poll.unpublished == [] and poll.refresh_at is None


def test_asking_for_the_result_of_an_open_anonymous_poll_shows_only_the_last_batch(
    town: Town,
) -> None:
    town.say(OWNER, "/poll 装哪种充电桩？ | 快充 | 慢充 | 匿名", GROUP, admin=True)

    def asked() -> list[int | None]:
        (answer,) = town.say("7006", "/result 1", GROUP)
        assert answer.reply.template == "deliberation.result"
        return [option[2] for option in answer.reply.data["options"]]

    town.say("7001", "投票 1 1")
    assert asked() == [None, None], "one vote must not show up the moment it is cast"
    town.say("7002", "投票 1 2")
    assert asked() == [None, None], "nor two"
    town.say("7003", "投票 1 1")
    town.advance(seconds=1)
    assert asked() == [2, 1], "a whole batch is shown once it is published"
    town.say("7004", "投票 1 2")
    assert asked() == [2, 1]
    town.advance(days=8)
    assert asked() == [2, 2], "the final result is exact"


def test_an_open_anonymous_polls_turnout_is_the_published_one_in_its_message_and_result(
    town: Town,
) -> None:
    town.say(OWNER, "/poll 装哪种充电桩？ | 快充 | 慢充 | 匿名", GROUP, admin=True)

    def result() -> tuple[int, int]:
        (answer,) = town.say("7006", "/result 1", GROUP)
        return answer.reply.data["ballots"], answer.reply.data["voted"]

    def message() -> int:
        posted = [env for _, env in town.recorder.sent if env.key == "poll:1"]
        ballots: int = posted[-1].reply.data["ballots"]
        return ballots

    town.say("7001", "投票 1 1")
    town.say("7002", "投票 1 2")
    assert message() == 0 and result() == (0, 0), "two votes must not show, not even as turnout"
    town.say("7003", "投票 1 1")
    town.advance(seconds=1)
    assert message() == 3 and result() == (3, 3)
    town.say("7004", "投票 1 2")
    assert message() == 3 and result() == (3, 3)
    town.advance(days=8)
    assert message() == 4 and result() == (4, 4), "the final turnout is exact"
