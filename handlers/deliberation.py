"""Deliberation: topics, seconding, polls and votes, decisions and follow-up.

Topics and polls are numbered within their community (议题 #3, 投票 #2), and those
numbers are what people type. `投票 1` with a single number picks option 1 of the
one open poll posted in this circle; with two or more numbers, the first is the
poll and the rest are options: `投票 2 1 3`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.services.common.outreach import (
    Actor,
    circle_admins,
    circles_within,
    community_of,
    home_community,
    secretaries,
    to_circle,
    to_person,
)
from bot.services.common.when import local_text, parse_when
from bot.services.community import circles, roles
from bot.services.community.people import ensure_identity
from bot.services.deliberation import poll_views, polls, topics
from bot.services.deliberation.poll_spec import PollSpec, parse_poll, parse_settings, split_items
from bot.services.deliberation.schedule import closing_envelopes
from models import Circle, Place, Poll, Resident, Topic

MAX_ARGUMENT = 1000
_NUMBER = re.compile(r"#?(\d{1,6})")
_LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")
_OWNER_WORDS = ("负责人", "負責人", "负责", "負責", "owner")
_DUE_WORDS = ("期限", "截止", "due")


def _limit(args: str) -> str:
    if len(args) > MAX_ARGUMENT:
        raise DomainError("core.argument_too_long", limit=MAX_ARGUMENT)
    return args.strip()


def _numbers(args: str, usage: str) -> list[int]:
    words = [w for w in _LIST_SEPARATORS.split(_limit(args)) if w]
    found = []
    for word in words:
        match = _NUMBER.fullmatch(word)
        if match is None:
            raise DomainError(usage)
        found.append(int(match.group(1)))
    return found


def _one_number(args: str, usage: str) -> int:
    numbers = _numbers(args, usage)
    if len(numbers) != 1:
        raise DomainError(usage)
    return numbers[0]


def _number_and_text(args: str, usage: str) -> tuple[int, str]:
    head, _, rest = _limit(args).partition(" ")
    match = _NUMBER.fullmatch(head)
    if match is None:
        raise DomainError(usage)
    return int(match.group(1)), rest.strip()


def _actor(ctx: Context) -> Actor:
    return Actor(ctx.resident, ctx.circle, ctx.platform_admin)


def _community(ctx: Context) -> Place:
    return topics.community_for(ctx.session, ctx.resident, ctx.circle)


def _topic(ctx: Context, number: int) -> Topic:
    return topics.find(ctx.session, _community(ctx), number)


def _when(ctx: Context, moment: datetime | None) -> str:
    return local_text(moment, ctx.zone) if moment else ""


# Topics -----------------------------------------------------------------------------


def propose(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Raise a topic for deliberation in this circle."""
    circle = ctx.require_circle()
    needed = ctx.settings.deliberation.seconds_needed
    support = topics.propose(ctx.session, ctx.now, ctx.resident, circle, _limit(args), needed)
    return [_support_reply(support, "deliberation.proposed"), *_agenda_notices(ctx, support)]


def second(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Support a topic (附议): one per household."""
    topic = _topic(ctx, _one_number(args, "deliberation.second_usage"))
    needed = ctx.settings.deliberation.seconds_needed
    support = topics.second(ctx.session, ctx.now, ctx.resident, topic, needed)
    return [_support_reply(support, "deliberation.seconded"), *_agenda_notices(ctx, support)]


def _support_reply(support: topics.Support, template: str) -> Reply:
    topic = support.topic
    data = {
        "number": topic.number,
        "title": topic.title,
        "count": support.count,
        "needed": support.needed,
        "reached": support.reached,
    }
    button = Choice("deliberation.second_button", f"/second {topic.number}", translated=True)
    return Reply(template, data, choices=[] if support.reached else [[button]])


def _agenda_notices(ctx: Context, support: topics.Support) -> list[Envelope]:
    if not support.reached:
        return []
    topic = support.topic
    session = ctx.session
    community = session.get_one(Place, topic.community_id)
    told: list[Resident] = []
    for person in [
        *(circle_admins(session, topic.circle) if topic.circle else []),
        *secretaries(session, community),
    ]:
        if person not in told:
            told.append(person)
    where = roles.circle_title(session, topic.circle) if topic.circle else community.name
    reply = Reply(
        "deliberation.agenda_notice",
        {"number": topic.number, "title": topic.title, "count": support.count, "circle": where},
    )
    return [e for person in told for e in to_person(person, reply, ctx.default_language)]


def list_topics(ctx: Context, args: str) -> Reply:
    """Topics and their status; `/topics 3` shows one topic in full."""
    numbers = _numbers(args, "deliberation.topics_usage")
    if len(numbers) > 1:
        raise DomainError("deliberation.topics_usage")
    session = ctx.session
    community = _community(ctx)
    if numbers:
        return _topic_detail(ctx, topics.find(session, community, numbers[0]))
    needed = topics.seconds_needed(session, community, ctx.settings.deliberation.seconds_needed)
    shown = topics.listed(session, community, ctx.circle)
    return Reply(
        "deliberation.topics",
        {
            "community": community.name,
            "needed": needed,
            "topics": [
                [t.number, t.title, t.status.value, topics.support(session, t), t.hot]
                for t in shown
            ],
        },
    )


def _topic_detail(ctx: Context, topic: Topic) -> Reply:
    session = ctx.session
    community = session.get_one(Place, topic.community_id)
    decision = topics.decision_of(session, topic)
    topic_polls = session.scalars(
        select(Poll).where(Poll.topic_id == topic.id).order_by(Poll.number)
    )
    return Reply(
        "deliberation.topic",
        {
            "number": topic.number,
            "title": topic.title,
            "status": topic.status.value,
            "proposer": topic.proposer.display_name if topic.proposer else "",
            "place": topic.place.name,
            "raised": _when(ctx, topic.raised_at),
            "count": topics.support(session, topic),
            "needed": topics.seconds_needed(
                session, community, ctx.settings.deliberation.seconds_needed
            ),
            "hot": topic.hot,
            "reason": topic.reason or "",
            "decision": decision.text if decision else "",
            "owner": decision.owner_name if decision else "",
            "due": _when(ctx, decision.due_at) if decision else "",
            "polls": [[p.number, p.status.value] for p in topic_polls],
            "notes": [
                [_when(ctx, n.at), n.author.display_name if n.author else "", n.text]
                for n in topics.notes_of(session, topic)
            ],
        },
    )


def hot(ctx: Context, args: str) -> list[Reply | Envelope]:
    """A secretary pushes a topic to every circle of the community (the month's hot topic)."""
    topic = _topic(ctx, _one_number(args, "deliberation.hot_usage"))
    community = topics.push_hot(ctx.session, ctx.now, ctx.resident, topic)
    notice = Reply(
        "deliberation.hot_topic",
        {"number": topic.number, "title": topic.title, "community": community.name},
    )
    envelopes = [
        e
        for circle in circles_within(ctx.session, community)
        for e in to_circle(ctx.session, circle, notice, ctx.default_language)
    ]
    return [
        Reply("deliberation.hot_pushed", {"number": topic.number, "chats": len(envelopes)}),
        *envelopes,
    ]


def threshold(ctx: Context, args: str) -> Reply:
    """A secretary sets how many households must second a topic in their community."""
    needed = _one_number(args, "deliberation.threshold_usage")
    community = _community(ctx)
    topics.set_seconds_needed(ctx.session, ctx.now, ctx.resident, community, needed)
    return Reply("deliberation.threshold_set", {"needed": needed, "community": community.name})


def decide(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Record a topic's outcome: `/decide 3 <decision> | 负责 物业 | 期限 12月31日`."""
    items = split_items(_limit(args))
    number, text = _number_and_text(items[0], "deliberation.decide_usage")
    owner_name, owner, due_at = "", None, None
    for item in items[1:]:
        owner_word = next((w for w in _OWNER_WORDS if item.lower().startswith(w)), None)
        due_word = next((w for w in _DUE_WORDS if item.lower().startswith(w)), None)
        if owner_word is not None:
            owner_name = item[len(owner_word) :].strip(" :：")
            owner = _person(ctx, owner_name)
        elif due_word is not None:
            due_at = parse_when(item[len(due_word) :].strip(" :："), ctx.now, ctx.zone)
        else:
            raise DomainError("deliberation.decide_usage")
    topic = _topic(ctx, number)
    decision = topics.decide(
        ctx.session,
        ctx.now,
        _actor(ctx),
        topic,
        text,
        owner_name=owner_name,
        owner=owner,
        due_at=due_at,
    )
    data = {
        "number": topic.number,
        "title": topic.title,
        "decision": decision.text,
        "owner": decision.owner_name,
        "due": _when(ctx, decision.due_at),
    }
    told = (
        to_person(owner, Reply("deliberation.you_own", data), ctx.default_language) if owner else []
    )
    return [Reply("deliberation.decided", data), *told]


def _person(ctx: Context, named: str) -> Resident | None:
    mentioned = ctx.incoming.mentions
    if mentioned:
        user = mentioned[0]
        return ensure_identity(
            ctx.session, user.platform, user.user_id, user.display_name, ctx.now
        ).resident
    if named.startswith("@") and len(named) > 1 and ctx.circle is not None:
        return circles.find_member_by_name(ctx.session, ctx.circle, named[1:])
    return None


def progress(ctx: Context, args: str) -> Reply:
    """Add a follow-up note to a topic."""
    number, text = _number_and_text(args, "deliberation.progress_usage")
    topic = _topic(ctx, number)
    topics.add_progress(ctx.session, ctx.now, _actor(ctx), topic, text)
    return Reply(
        "deliberation.progress_added",
        {"number": topic.number, "title": topic.title, "status": topic.status.value},
    )


def done(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Mark a decided topic solved and tell its proposer and seconders."""
    topic = _topic(ctx, _one_number(args, "deliberation.done_usage"))
    told = topics.solve(ctx.session, ctx.now, _actor(ctx), topic)
    data = {"number": topic.number, "title": topic.title}
    notice = Reply("deliberation.solved_notice", data)
    envelopes = [e for person in told for e in to_person(person, notice, ctx.default_language)]
    return [Reply("deliberation.solved", data | {"told": len(told)}), *envelopes]


def reject(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Close a topic without action, with the reason; its proposer is told."""
    number, reason = _number_and_text(args, "deliberation.reject_usage")
    topic = _topic(ctx, number)
    topics.reject(ctx.session, ctx.now, _actor(ctx), topic, reason)
    data = {"number": topic.number, "title": topic.title, "reason": topic.reason or ""}
    notice = Reply("deliberation.rejected_notice", data)
    told = to_person(topic.proposer, notice, ctx.default_language) if topic.proposer else []
    return [Reply("deliberation.rejected", data), *told]


def figures(ctx: Context, args: str) -> Reply:
    """The community's figures: topics raised, decided and solved, and days to solve."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    community = _community(ctx)
    found = topics.figures(ctx.session, community)
    return Reply(
        "deliberation.figures",
        {
            "community": community.name,
            "raised": found.raised,
            "decided": found.decided,
            "solved": found.solved,
            "rejected": found.rejected,
            "average_days": found.average_days,
        },
    )


# Polls ------------------------------------------------------------------------------


def poll(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Open a poll: `/poll 问题 | 选项 | 选项 | 截止 3天 | 匿名`."""
    circle = ctx.require_circle()
    return post_poll(ctx, circle, parse_poll(_limit(args), ctx.now, ctx.zone))


def post_poll(ctx: Context, circle: Circle, spec: PollSpec) -> list[Reply | Envelope]:
    """Open the poll `spec` describes from `circle` and post it wherever it belongs."""
    rules = ctx.settings.deliberation
    opened = polls.open_poll(
        ctx.session,
        ctx.now,
        _actor(ctx),
        circle,
        spec,
        default_days=rules.default_poll_days,
        reminder_hours=rules.reminder_hours,
    )
    reply = poll_views.poll_reply(ctx.session, opened, ctx.zone, ctx.now)
    envelopes = poll_views.to_postings(
        ctx.session, opened, reply, ctx.default_language, key=poll_views.message_key(opened)
    )
    if len(envelopes) <= 1:
        return list(envelopes)
    posted = Reply("deliberation.poll_posted", {"number": opened.number, "chats": len(envelopes)})
    return [*envelopes, posted]


def _poll(ctx: Context, number: int) -> Poll:
    if ctx.circle is not None:
        return polls.find_poll(ctx.session, community_of(ctx.session, ctx.circle.place), number)
    return polls.find_poll(ctx.session, home_community(ctx.session, ctx.resident), number)


def _poll_here(ctx: Context) -> Poll:
    if ctx.circle is None:
        raise DomainError("deliberation.poll_number_needed")
    return polls.only_open_poll(ctx.session, ctx.circle)


def vote(ctx: Context, args: str) -> Reply:
    """Vote: `投票 1` (option 1 of this circle's open poll) or `投票 2 1 3` (poll 2)."""
    numbers = _numbers(args, "deliberation.vote_usage")
    if not numbers:
        raise DomainError("deliberation.vote_usage")
    if len(numbers) == 1:
        target, picks = _poll_here(ctx), numbers
    else:
        target, picks = _poll(ctx, numbers[0]), numbers[1:]
    done_vote = polls.cast(
        ctx.session,
        ctx.now,
        ctx.settings.secret,
        ctx.resident,
        target,
        picks,
        refresh_every=timedelta(seconds=ctx.settings.deliberation.live_edit_seconds),
        batch_every=timedelta(minutes=ctx.settings.deliberation.anonymous_tally_minutes),
    )
    voted = done_vote.poll
    data: dict[str, Any] = {
        "number": voted.number,
        "question": voted.question,
        "kind": voted.kind.value,
        "anonymous": voted.anonymous,
        "changed": done_vote.changed,
        # An anonymous choice is never echoed: a confirmation may be stored in an outbox.
        "chosen": [] if voted.anonymous else [[o.position, o.label] for o in done_vote.chosen],
        "deadline": _when(ctx, voted.closes_at),
    }
    return Reply("deliberation.voted", data, audience=Audience.TOAST)


def result(ctx: Context, args: str) -> Reply:
    """Results so far, or final: `/result 2`, or the latest poll of this circle."""
    numbers = _numbers(args, "deliberation.result_usage")
    if len(numbers) > 1:
        raise DomainError("deliberation.result_usage")
    if numbers:
        shown = _poll(ctx, numbers[0])
    elif ctx.circle is not None:
        found = polls.polls_here(ctx.session, ctx.circle, open_only=False)
        if not found:
            raise DomainError("deliberation.no_poll_here")
        shown = found[0]
    else:
        raise DomainError("deliberation.poll_number_needed")
    polls.require_visible(shown)
    chart = Path(shown.chart) if shown.chart else None
    image = chart if chart is not None and chart.exists() else None
    return poll_views.result_reply(ctx.session, shown, ctx.zone, ctx.settings.secret, image)


def close(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Close a poll early (its owner, or an admin); the result goes where it was posted."""
    numbers = _numbers(args, "deliberation.close_usage")
    if len(numbers) > 1:
        raise DomainError("deliberation.close_usage")
    target = _poll(ctx, numbers[0]) if numbers else _poll_here(ctx)
    secret = ctx.settings.secret
    closed = polls.close_early(ctx.session, ctx.now, _actor(ctx), target, secret)
    envelopes = closing_envelopes(
        ctx.session,
        ctx.now,
        closed,
        secret,
        ctx.zone,
        ctx.settings.data_path,
        ctx.default_language,
    )
    return list(envelopes) or [Reply("deliberation.closed", {"number": closed.number})]


def pollset(ctx: Context, args: str) -> Reply:
    """Change an open poll's settings: `/pollset 2 截止 5天 | 匿名`."""
    number, rest = _number_and_text(args, "deliberation.pollset_usage")
    items = [item for item in split_items(rest) if item]
    if not items:
        raise DomainError("deliberation.pollset_usage")
    target = _poll(ctx, number)
    changes = parse_settings(items, ctx.now, ctx.zone)
    polls.change_settings(
        ctx.session,
        ctx.now,
        _actor(ctx),
        target,
        changes,
        reminder_hours=ctx.settings.deliberation.reminder_hours,
    )
    target.refresh_at = ctx.now
    return Reply(
        "deliberation.settings_changed",
        {
            "number": target.number,
            "deadline": _when(ctx, target.closes_at),
            "anonymous": target.anonymous,
            "hidden": target.hidden,
            "per_household": target.per_household,
            "changeable": target.changeable,
            "quorum": target.quorum_percent,
        },
    )


# Visibility -------------------------------------------------------------------------


def secretary_here(ctx: Context) -> bool:
    """True for a secretary of this circle's community."""
    circle = ctx.circle
    return circle is not None and roles.is_secretary_for(ctx.session, ctx.resident.id, circle.place)
