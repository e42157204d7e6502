"""Topics: raising, seconding, listing, deciding and following up."""

from __future__ import annotations

import re
from datetime import datetime

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.services.common.arguments import number_and_rest, split_items
from bot.services.common.when import parse_when
from bot.services.deliberation import topics, votable
from bot.services.deliberation.polls import polls_here
from handlers.deliberation.parsing import (
    at_most_one_number,
    bounded,
    numbers_said,
    numbers_typed,
    one_number,
    when_shown,
    where,
)
from handlers.deliberation.replies import told
from handlers.offers import Item, Offer, offered
from models import Poll

# What 附议 alone offers: the topics here the household may still second.
_SECOND = Offer(
    "deliberation.second_this",
    "deliberation.second_yes",
    "deliberation.second_which",
    "deliberation.none_to_second",
    "/second",
)
_OWNER_WORDS = ("负责人", "負責人", "负责", "負責", "owner")


_DUE_WORDS = ("期限", "截止", "due")
# Without a bar the decision's text keeps its commas, but an owner or a deadline may follow
# it after one (决议 3 同意加装电梯，下月开工，负责 物业，期限 12月31日): only trailing items
# that begin with a Chinese owner or deadline word and a space or colon are read so.
_SETTING_AFTER_COMMA = re.compile(r"[，,]\s*((?:负责人|負責人|负责|負責|期限|截止)[\s:：][^，,]*)$")


def propose(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Raise a topic for deliberation in this circle; its message goes to the circle's chats."""
    ctx.require_circle()
    needed = ctx.settings.deliberation.seconds_needed
    raised = topics.raise_topic(ctx.session, where(ctx), bounded(args), needed)
    return list(raised.envelopes)


def second(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Support a topic (附议): one per household; the topic's message shows the new count.
    Typed alone, the sender is offered the topics they may still second here."""
    if not bounded(args):
        return _offer_topics(ctx)
    number = one_number(args, "deliberation.second_usage")
    needed = ctx.settings.deliberation.seconds_needed
    done = topics.support_topic(ctx.session, where(ctx), number, needed)
    support = done.support
    data = {
        "number": support.topic.number,
        "title": support.topic.title,
        "count": support.count,
        "needed": support.needed,
        "reached": support.reached,
    }
    # A press is answered to the presser alone: the topic's message shows the count.
    audience = Audience.TOAST if ctx.pressed else Audience.HERE if done.here else Audience.PRIVATE
    return [Reply("deliberation.seconded", data, audience=audience), *done.envelopes]


def _offer_topics(ctx: Context) -> list[Reply | Envelope]:
    items = [
        Item(t.number, f"#{t.number} {t.title}", {"number": t.number, "title": t.title})
        for t in topics.to_support(ctx.session, where(ctx))
    ]
    return [offered(_SECOND, items)]


def list_topics(ctx: Context, args: str) -> Reply:
    """Topics and their status; `/topics 3` shows one topic in full. Words that are no
    number (议题 装几个长椅) in a circle's chat are a topic to raise: asked, not raised."""
    title = bounded(args)
    # Only words are a topic to raise: a number, even mistyped (议题 1.5, 议题 一点五), is no title.
    worded = (
        numbers_typed(title) is None
        and not numbers_said(title)
        and any(ch.isalpha() for ch in title)
    )
    if ctx.circle is not None and worded:
        offer = Choice(
            "deliberation.propose_yes", f"/propose {title}", translated=True, personal=True
        )
        return Reply("deliberation.propose_this", {"title": title}, choices=[[offer]])
    number = at_most_one_number(args, "deliberation.topics_usage")
    needed = ctx.settings.deliberation.seconds_needed
    if number is not None:
        return _topic_detail(ctx, topics.topic_detail(ctx.session, where(ctx), number, needed))
    shown = topics.topic_list(ctx.session, where(ctx), needed)
    voting: list[Poll] = []
    others: list[Poll] = []
    if ctx.circle is not None and not shown.topics:
        # With no topics to show, a group is pointed at the polls it may vote in now.
        voting = list(reversed(polls_here(ctx.session, ctx.circle, open_only=True)))
    elif not ctx.is_group:
        # Privately, the sender is pointed at the polls they have still to vote in, and at the
        # results so far of the other open ones.
        voting, others = votable.voting_now(ctx.session, where(ctx), ctx.settings.secret)
    return Reply(
        "deliberation.topics",
        {
            "community": shown.community,
            "needed": shown.needed,
            "topics": [[t.number, t.title, t.status.value, n, t.hot] for t, n in shown.topics],
            "polls": [[poll.number, poll.question] for poll in voting],
            "others": [[poll.number, poll.question] for poll in others],
            "group": ctx.is_group,
        },
    )


def _topic_detail(ctx: Context, detail: topics.Detail) -> Reply:
    topic, decision = detail.topic, detail.decision
    reply = Reply(
        "deliberation.topic",
        {
            "number": topic.number,
            "title": topic.title,
            "status": topic.status.value,
            "proposer": topic.proposer.display_name if topic.proposer else "",
            "place": topic.place.name,
            "raised": when_shown(ctx, topic.raised_at),
            "count": detail.count,
            "needed": detail.needed,
            "hot": topic.hot,
            "reason": topic.reason or "",
            "decision": decision.text if decision else "",
            "owner": decision.owner_name if decision else "",
            "due": when_shown(ctx, decision.due_at) if decision else None,
            "polls": [list(poll) for poll in detail.polls],
            "pollable": detail.pollable,
            "notes": [
                [when_shown(ctx, n.at), n.author.display_name if n.author else "", n.text]
                for n in detail.notes
            ],
        },
    )
    if not detail.here:
        reply.audience = Audience.PRIVATE
    return reply


def hot(ctx: Context, args: str) -> list[Reply | Envelope]:
    """A secretary pushes a topic to every circle of the community (the month's hot topic)."""
    number = one_number(args, "deliberation.hot_usage")
    pushed = topics.make_hot(ctx.session, where(ctx), number)
    data = {"number": pushed.topic.number, "chats": pushed.told}
    return [Reply("deliberation.hot_pushed", data), *pushed.envelopes]


def threshold(ctx: Context, args: str) -> Reply:
    """A secretary sets how many households must second a topic in their community."""
    needed = one_number(args, "deliberation.threshold_usage")
    community = topics.set_threshold(ctx.session, where(ctx), needed)
    return Reply("deliberation.threshold_set", {"needed": needed, "community": community.name})


def decide(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Record a topic's outcome: `/decide 3 <decision> | 负责 物业 | 期限 12月31日`."""
    items = split_items(bounded(args)) or [""]
    if len(items) == 1:
        items = _settings_after_commas(items[0])
    number, text = number_and_rest(items[0], "deliberation.decide_usage")
    owner_name, due_at = _owner_and_due(ctx, items[1:])
    mentioned = ctx.incoming.mentions[0] if ctx.incoming.mentions else None
    owner = topics.Owner(owner_name or "", mentioned if owner_name is not None else None)
    done = topics.decide_topic(ctx.session, where(ctx), number, text, owner, due_at)
    data = topics.decision_data(done.topic, done.decision, ctx.zone, ctx.now)
    return [*told(ctx, Reply("deliberation.decided", data), done.here), *done.envelopes]


def _settings_after_commas(text: str) -> list[str]:
    """The decision and the owner and deadline items that follow it after commas."""
    settings: list[str] = []
    while (found := _SETTING_AFTER_COMMA.search(text)) is not None:
        settings.insert(0, found.group(1).strip())
        text = text[: found.start()]
    return [text, *settings]


def _owner_and_due(ctx: Context, items: list[str]) -> tuple[str | None, datetime | None]:
    owner_name: str | None = None
    due_at: datetime | None = None
    for item in items:
        owner_word = next((w for w in _OWNER_WORDS if item.lower().startswith(w)), None)
        due_word = next((w for w in _DUE_WORDS if item.lower().startswith(w)), None)
        if owner_word is not None:
            owner_name = item[len(owner_word) :].strip(" :：")
        elif due_word is not None:
            due_at = parse_when(item[len(due_word) :].strip(" :："), ctx.now, ctx.zone)
        else:
            raise DomainError("deliberation.decide_usage")
    return owner_name, due_at


def progress(ctx: Context, args: str) -> list[Reply]:
    """Add a follow-up note to a topic."""
    number, text = number_and_rest(bounded(args), "deliberation.progress_usage")
    noted = topics.note_progress(ctx.session, where(ctx), number, text)
    topic = noted.topic
    data = {"number": topic.number, "title": topic.title, "status": topic.status.value}
    return told(ctx, Reply("deliberation.progress_added", data), noted.here)


def done(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Mark a decided topic solved and tell its proposer and seconders. Words after the
    number (办结 1 修好了) are how a request was solved: 办结诉求 is shown."""
    number, how = number_and_rest(bounded(args), "deliberation.done_usage")
    if how:
        raise DomainError("deliberation.done_usage", number=number)
    solved = topics.solve_topic(ctx.session, where(ctx), number)
    data = {"number": solved.topic.number, "title": solved.topic.title, "told": solved.told}
    return [*told(ctx, Reply("deliberation.solved", data), solved.here), *solved.envelopes]


def reject(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Close a topic without action, with the reason; its proposer is told."""
    number, reason = number_and_rest(bounded(args), "deliberation.reject_usage")
    rejected = topics.reject_topic(ctx.session, where(ctx), number, reason)
    topic = rejected.topic
    data = {"number": topic.number, "title": topic.title, "reason": topic.reason or ""}
    return [*told(ctx, Reply("deliberation.rejected", data), rejected.here), *rejected.envelopes]


def figures(ctx: Context, args: str) -> Reply:
    """The community's figures: topics raised, decided and solved, and days to solve."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    community, found = topics.community_figures(ctx.session, where(ctx))
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
