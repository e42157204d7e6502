"""Topics: raising, seconding, listing, deciding and following up."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Choice, Envelope, Reply
from bot.services.common.arguments import number_and_rest, numbers_in, split_items
from bot.services.common.outreach import (
    circle_admins,
    circles_within,
    secretaries,
    to_circle,
    to_person,
)
from bot.services.common.when import parse_when
from bot.services.community import circles, roles
from bot.services.community.people import ensure_identity
from bot.services.deliberation import topics
from handlers.access import actor_of, community_here
from handlers.deliberation.parsing import (
    bounded,
    one_number,
    topic_numbered,
    when_text,
)
from models import Place, Poll, Resident, Topic

_OWNER_WORDS = ("负责人", "負責人", "负责", "負責", "owner")


_DUE_WORDS = ("期限", "截止", "due")


def propose(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Raise a topic for deliberation in this circle."""
    circle = ctx.require_circle()
    needed = ctx.settings.deliberation.seconds_needed
    support = topics.propose(ctx.session, ctx.now, ctx.resident, circle, bounded(args), needed)
    return [_support_reply(support, "deliberation.proposed"), *_agenda_notices(ctx, support)]


def second(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Support a topic (附议): one per household."""
    topic = topic_numbered(ctx, one_number(args, "deliberation.second_usage"))
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
    numbers = numbers_in(bounded(args), "deliberation.topics_usage")
    if len(numbers) > 1:
        raise DomainError("deliberation.topics_usage")
    session = ctx.session
    community = community_here(ctx)
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
            "raised": when_text(ctx, topic.raised_at),
            "count": topics.support(session, topic),
            "needed": topics.seconds_needed(
                session, community, ctx.settings.deliberation.seconds_needed
            ),
            "hot": topic.hot,
            "reason": topic.reason or "",
            "decision": decision.text if decision else "",
            "owner": decision.owner_name if decision else "",
            "due": when_text(ctx, decision.due_at) if decision else "",
            "polls": [[p.number, p.status.value] for p in topic_polls],
            "notes": [
                [when_text(ctx, n.at), n.author.display_name if n.author else "", n.text]
                for n in topics.notes_of(session, topic)
            ],
        },
    )


def hot(ctx: Context, args: str) -> list[Reply | Envelope]:
    """A secretary pushes a topic to every circle of the community (the month's hot topic)."""
    topic = topic_numbered(ctx, one_number(args, "deliberation.hot_usage"))
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
    needed = one_number(args, "deliberation.threshold_usage")
    community = community_here(ctx)
    topics.set_seconds_needed(ctx.session, ctx.now, ctx.resident, community, needed)
    return Reply("deliberation.threshold_set", {"needed": needed, "community": community.name})


def decide(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Record a topic's outcome: `/decide 3 <decision> | 负责 物业 | 期限 12月31日`."""
    items = split_items(bounded(args)) or [""]
    number, text = number_and_rest(items[0], "deliberation.decide_usage")
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
    topic = topic_numbered(ctx, number)
    decision = topics.decide(
        ctx.session,
        ctx.now,
        actor_of(ctx),
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
        "due": when_text(ctx, decision.due_at),
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
    number, text = number_and_rest(bounded(args), "deliberation.progress_usage")
    topic = topic_numbered(ctx, number)
    topics.add_progress(ctx.session, ctx.now, actor_of(ctx), topic, text)
    return Reply(
        "deliberation.progress_added",
        {"number": topic.number, "title": topic.title, "status": topic.status.value},
    )


def done(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Mark a decided topic solved and tell its proposer and seconders."""
    topic = topic_numbered(ctx, one_number(args, "deliberation.done_usage"))
    told = topics.solve(ctx.session, ctx.now, actor_of(ctx), topic)
    data = {"number": topic.number, "title": topic.title}
    notice = Reply("deliberation.solved_notice", data)
    envelopes = [e for person in told for e in to_person(person, notice, ctx.default_language)]
    return [Reply("deliberation.solved", data | {"told": len(told)}), *envelopes]


def reject(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Close a topic without action, with the reason; its proposer is told."""
    number, reason = number_and_rest(bounded(args), "deliberation.reject_usage")
    topic = topic_numbered(ctx, number)
    topics.reject(ctx.session, ctx.now, actor_of(ctx), topic, reason)
    data = {"number": topic.number, "title": topic.title, "reason": topic.reason or ""}
    notice = Reply("deliberation.rejected_notice", data)
    told = to_person(topic.proposer, notice, ctx.default_language) if topic.proposer else []
    return [Reply("deliberation.rejected", data), *told]


def figures(ctx: Context, args: str) -> Reply:
    """The community's figures: topics raised, decided and solved, and days to solve."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    community = community_here(ctx)
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
