"""Requests commands: report, the lists, owners' and reporters' verbs, the chain, the rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Envelope, Reply, carried
from bot.services import requests
from bot.services.common.arguments import bounded, leads_with_number, number_and_rest
from bot.services.common.keywords import clipped, without_ending
from bot.services.common.when import moment_data
from bot.services.requests.categories import emergency, sounds_like_report
from handlers.access import community_here
from handlers.offers import LABEL, Item, Offer, offered
from handlers.points.commands import named_in
from models import Layer, Place

MAX_ARGUMENT = 600
# What 撤回 alone offers: the reporter's requests still in hand.
_WITHDRAW = Offer(
    "requests.withdraw_this",
    "requests.withdraw_yes",
    "requests.withdraw_which",
    "requests.none_to_withdraw",
    "/cancelrequest",
)
# A score typed alone says it is one (评价 5分, 评价 五星), not a request number.
_SCORE_WORDS = ("分", "星")
Verb = Callable[[Context, str], list[Reply | Envelope]]


def _due(ctx: Context, done: requests.Acted | requests.Urged) -> list[int | str] | None:
    return moment_data(done.due_at, ctx.zone, ctx.now) if done.due_at else None


def report(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`报修 3号楼门口路灯坏了`: the number and who handles it; in a group, details privately;
    sent again with a photo, the photo is added to it."""
    done = requests.report(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        ctx.circle,
        bounded(args, MAX_ARGUMENT),
        ctx.default_language,
        ctx.incoming.media,
    )
    if isinstance(done, requests.Attached):
        added = Reply("requests.photo_added", {"number": done.number}, audience=Audience.PRIVATE)
        return [added, *done.envelopes]
    data = {
        "number": done.number,
        "category": done.category,
        "owner": done.owner,
        "layer": done.layer,
        "due": _due(ctx, done),
        "place": done.place,
    }
    answer = Reply("requests.reported", data, audience=Audience.PRIVATE)
    # Danger comes first: the numbers to call, where the resident wrote.
    urgent = [Reply("requests.emergency")] if done.emergency else []
    if not ctx.is_group:
        return [*urgent, answer, *done.envelopes]
    here = {"number": done.number, "name": ctx.resident.display_name}
    line = Reply("requests.reported_here", {**here, "sent": ctx.reaches_privately})
    return [*urgent, line, answer, *done.envelopes]


def unread(ctx: Context, text: str) -> list[Reply | Envelope]:
    """Private words no command reads: danger gets the emergency numbers first, and words
    telling of a problem are shown how to report it."""
    urgent = [Reply("requests.emergency")] if emergency(text) else []
    return [*urgent, Reply("core.private_hint", {"report": sounds_like_report(text)})]


def photo_only(ctx: Context, text: str) -> list[Reply | Envelope] | None:
    """A picture or file with no words: it goes with the sender's report of a moment ago
    (WeChat pictures have no caption); else, privately, a question what is wrong."""
    media = ctx.incoming.media
    if media is None or text.strip():
        return None
    added = requests.attach_later(
        ctx.session, ctx.now, ctx.settings, ctx.resident, media, ctx.default_language
    )
    if added is not None:
        kept = Reply("requests.photo_added", {"number": added.number}, audience=Audience.PRIVATE)
        return [kept, *added.envelopes]
    return None if ctx.is_group else [Reply("requests.photo_needs_words")]


def listing(ctx: Context, args: str) -> Reply:
    """`诉求`: mine, those I handle, my layer's, the overdue, and those I passed up;
    `诉求 3` shows one, with its photo; privately."""
    if args.strip():
        return _one(ctx, args)
    seen = requests.listing(ctx.session, ctx.resident, community_here(ctx))
    data = {
        "mine": [requests.line_data(x, ctx.zone, ctx.now) for x in seen.mine],
        "handling": [requests.line_data(x, ctx.zone, ctx.now) for x in seen.handling],
        "below": [requests.line_data(x, ctx.zone, ctx.now) for x in seen.below],
        "overdue": [requests.line_data(x, ctx.zone, ctx.now) for x in seen.overdue],
        "passed": [requests.line_data(x, ctx.zone, ctx.now) for x in seen.passed],
    }
    return Reply("requests.listing", data, audience=Audience.PRIVATE)


def _one(ctx: Context, args: str) -> Reply:
    """`诉求 3`: request 3 in full, its photo with it where this platform can send it."""
    number, rest = _number(args, "requests.show_usage")
    if rest:
        raise DomainError("core.extra_arguments", extra=rest[:40])
    community = community_here(ctx)
    data, image, document = requests.shown(
        ctx.session, ctx.now, ctx.settings, ctx.resident, community, number
    )
    platform = ctx.incoming.chat.platform
    return Reply(
        "requests.shown",
        data,
        audience=Audience.PRIVATE,
        image=carried(image, platform),
        document=carried(document, platform),
    )


def _number(args: str, usage: str) -> tuple[int, str]:
    return number_and_rest(bounded(args, MAX_ARGUMENT), usage)


def take(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`接单 3`: I handle request 3; the reporter is told. Privately `接单` alone takes the one
    request waiting for me to take it, or asks which of several."""
    number, rest = _waiting(ctx, args, "requests.take_usage")
    if rest:
        raise DomainError("requests.take_usage")
    done = requests.take(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        community_here(ctx),
        number,
        ctx.default_language,
    )
    taken = Reply("requests.taken", {"number": done.number, "due": _due(ctx, done)})
    return [taken, *done.envelopes]


def reply(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`回复 3 明天上午来修`: my words go privately to the reporter."""
    number, text = _number(args, "requests.reply_usage")
    done = requests.reply(
        ctx.session, ctx.now, ctx.resident, community_here(ctx), number, text, ctx.default_language
    )
    return [Reply("requests.replied", {"number": number}), *done.envelopes]


def escalate(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`上报 3 需要物业出面`: one layer up; the new owner and the reporter are told."""
    number, why = _number(args, "requests.escalate_usage")
    done = requests.escalate(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        community_here(ctx),
        number,
        why,
        ctx.default_language,
    )
    data = {"number": number, "owner": done.owner, "layer": done.layer}
    return [Reply("requests.escalated", data), *done.envelopes]


def resolve(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`办结诉求 3 路灯已换新`: solved; the reporter confirms or reopens. Privately the words
    alone (`办结诉求 路灯已换新`) solve the one request I have taken, or ask which of several."""
    number, how = _waiting(ctx, args, "requests.resolve_usage")
    done = requests.resolve(
        ctx.session, ctx.now, ctx.resident, community_here(ctx), number, how, ctx.default_language
    )
    return [Reply("requests.resolved", {"number": done.number}), *done.envelopes]


def send_back(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`退回 3 重复了，见 2 号`: not ours or a duplicate; the reporter is told why."""
    number, why = _number(args, "requests.sendback_usage")
    done = requests.send_back(
        ctx.session, ctx.now, ctx.resident, community_here(ctx), number, why, ctx.default_language
    )
    return [Reply("requests.sent_back", {"number": number}), *done.envelopes]


def _waiting(ctx: Context, args: str, usage: str) -> tuple[int | None, str]:
    """The request number and the words after it; privately, with no number first, None and
    the words: the one request waiting for the sender's word is meant."""
    text = bounded(args, MAX_ARGUMENT)
    if not ctx.is_group and not leads_with_number(text):
        return None, text
    return number_and_rest(text, usage)


def solved(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`确认解决 3`: the reporter confirms; the request closes. Privately `确认解决` alone
    confirms the one request waiting for it, or asks which of several."""
    number, rest = _waiting(ctx, args, "requests.solved_usage")
    if rest:
        raise DomainError("requests.solved_usage")
    done = requests.confirm(
        ctx.session, ctx.now, ctx.resident, community_here(ctx), number, ctx.default_language
    )
    return [Reply("requests.confirmed", {"number": done.number}), *done.envelopes]


def reopen(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`重新办理 3 灯还是不亮`: back to its owner, to be taken again. Privately `重新办理`
    alone reopens the one request waiting for the reporter's word, or asks which of several."""
    number, why = _waiting(ctx, args, "requests.reopen_usage")
    done = requests.reopen(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        community_here(ctx),
        number,
        why,
        ctx.default_language,
    )
    data = {"number": done.number, "owner": done.owner, "layer": done.layer}
    return [Reply("requests.reopened", data), *done.envelopes]


def withdraw(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`撤回 3 [我自己修好了]`: the reporter withdraws it; whoever handles it is told. Privately
    `撤回` alone asks about the reporter's one request still in hand, or which of several:
    撤回 also means taking back one's own chat message, so it is asked, not done."""
    if not args.strip() and not ctx.is_group:
        return [_offer_withdrawal(ctx)]
    number, why = _number(args, "requests.withdraw_usage")
    done = requests.withdraw(
        ctx.session, ctx.now, ctx.resident, community_here(ctx), number, why, ctx.default_language
    )
    return [Reply("requests.withdrawn", {"number": number}), *done.envelopes]


def _offer_withdrawal(ctx: Context) -> Reply:
    """The reporter's one request still in hand asked about, several to pick, or none."""
    items = [
        Item(
            r.number, f"#{r.number} {r.text}", {"number": r.number, "text": clipped(r.text, LABEL)}
        )
        for r in requests.to_withdraw(ctx.session, community_here(ctx), ctx.resident)
    ]
    return offered(_WITHDRAW, items)


def urge(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`催办 3`: the reporter reminds the handler privately, once a day. Privately `催办` alone
    urges the reporter's one request still in hand, or asks which of several."""
    number, rest = _waiting(ctx, args, "requests.urge_usage")
    if rest:
        raise DomainError("requests.urge_usage")
    done = requests.urge(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        community_here(ctx),
        number,
        ctx.default_language,
    )
    data = {
        "number": done.number,
        "owner": done.owner,
        "layer": done.layer,
        "due": _due(ctx, done),
        "held": moment_data(done.held_until, ctx.zone, ctx.now) if done.held_until else None,
        "state": done.state,
    }
    return [Reply("requests.urged", data), *done.envelopes]


def _said(verb: Verb) -> Verb:
    """The bot's own words for `verb` (`解决了 3`, `没解决 3`), and privately the words alone,
    as `verb`; alone in a group they are chat, but the slash form alone is shown its usage."""

    def said(ctx: Context, args: str) -> list[Reply | Envelope]:
        if ctx.is_group and not ctx.slashed and not args.strip():
            return []
        return verb(ctx, args)

    return said


solved_said = _said(solved)
reopen_said = _said(reopen)
withdraw_said = _said(withdraw)
urge_said = _said(urge)


def said_alone_or_numbered(words: str) -> bool:
    """Whether the words after the bot's own 解决了 or 没解决 make it a command: a number, or
    nothing."""
    return not without_ending(words) or leads_with_number(words)


def rate(ctx: Context, args: str) -> Reply:
    """`评价 3 5`: how satisfied I am, 1 to 5; a score is the reporter's to tell, so a group
    does not hear it, nor why one was refused (rated already, not theirs)."""
    try:
        number, stars = _scored(args)
        given = requests.rate(
            ctx.session, ctx.now, ctx.resident, community_here(ctx), number, stars
        )
    except DomainError as refusal:
        if not ctx.is_group:
            raise
        # It changed nothing: once their private chat is open, they may send it again.
        ctx.reading = True
        return Reply(refusal.key, refusal.data, audience=Audience.PRIVATE)
    data = {"number": given.number, "stars": given.stars}
    return Reply("requests.rated", data, audience=Audience.PRIVATE)


def _scored(args: str) -> tuple[int | None, str]:
    """The request number and the score; a score alone, with its 分 or 星 (评价 5分), is for
    the one request waiting for it."""
    words = bounded(args, MAX_ARGUMENT).split()
    if len(words) == 1 and words[0].endswith(_SCORE_WORDS):
        return None, words[0]
    number, stars = _number(args, "requests.rate_usage")
    if not stars.strip():
        raise DomainError("requests.rate_usage")
    return number, stars


def link(ctx: Context, args: str) -> Reply:
    """`联系 @李党员 3号楼` (or 3-2-301): the party member covers that place."""
    done = requests.link_place(
        ctx.session, ctx.now, ctx.resident, community_here(ctx), ctx.circle, named_in(ctx, args)
    )
    return Reply("requests.linked", {"name": done.name, "covered": done.covered, "level": "member"})


def _over(ctx: Context, args: str, layer: Layer) -> Reply:
    community = community_here(ctx)
    named = named_in(ctx, args)
    done = requests.link_over(
        ctx.session, ctx.now, ctx.resident, community, ctx.circle, layer, named
    )
    data = {"name": done.name, "covered": done.covered, "level": layer.value}
    return Reply("requests.linked", data)


def central(ctx: Context, args: str) -> Reply:
    """`中心户 @王 @李党员 @赵党员`: a central household over party members."""
    return _over(ctx, args, Layer.CENTRAL)


def branch(ctx: Context, args: str) -> Reply:
    """`支部 @张书记 @王`: a party branch over central households."""
    return _over(ctx, args, Layer.BRANCH)


def chain(ctx: Context, args: str) -> Reply:
    """`联系列表`: the community's chain as a tree, privately."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    seen = requests.chain_view(ctx.session, ctx.resident, community_here(ctx))
    data = {
        "community": seen.community,
        "secretary": seen.secretary,
        "rows": [asdict(row) for row in seen.rows],
        "more": seen.more,
    }
    return Reply("requests.chain", data, audience=Audience.PRIVATE)


def unlink(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`取消联系 @李党员 [3号楼]`: a link removed; what they handled goes up, its owner told."""
    done = requests.unlink(
        ctx.session,
        ctx.now,
        ctx.settings,
        ctx.resident,
        community_here(ctx),
        ctx.circle,
        named_in(ctx, args),
        ctx.default_language,
    )
    data = {"name": done.name, "places": done.places, "moved": [asdict(m) for m in done.moved]}
    return [Reply("requests.unlinked", data, audience=Audience.PRIVATE), *done.envelopes]


def rules(ctx: Context, args: str) -> Reply:
    """`诉求规则`: the community's deadlines and routes; the secretary changes one."""
    community = community_here(ctx)
    text = bounded(args, MAX_ARGUMENT)
    current = requests.request_rules(ctx.session, ctx.now, ctx.resident, community, text)
    data = {
        "accept_hours": current.accept_hours,
        "solve_days": {c.value: d for c, d in current.solve_days.items()},
        "grid": sorted(c.value for c in current.grid),
        "changed": bool(text),
    }
    return Reply("requests.rules", data)


def stats(ctx: Context, args: str) -> list[Reply]:
    """`诉求统计`: this month's counts; the secretaries' and grid workers' figures privately."""
    if args.strip():
        raise DomainError("core.extra_arguments", extra=args.strip()[:40])
    seen = requests.figures(ctx.session, ctx.now, ctx.zone, ctx.resident, community_here(ctx))
    when = {"community": seen.community, "year": seen.year, "month": seen.month}
    told = {"received": seen.total.received, "solved": seen.total.solved}
    counts = Reply("requests.counts", when | told | {"withdrawn": seen.withdrawn})
    if not seen.full:
        return [counts]
    data = when | {
        "total": asdict(seen.total),
        "layers": [asdict(t) for t in seen.layers],
        "overdue": seen.overdue,
        "withdrawn": seen.withdrawn,
    }
    full = Reply("requests.figures", data, audience=Audience.PRIVATE)
    return [counts, full] if ctx.is_group else [full]


# The words after `调解 n` that relay, record the agreed outcome, or end a mediation.
SAY = ("说", "說", "say")
OUTCOME = ("结果", "結果", "outcome")
END = ("结束", "結束", "end")


def mediate(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`调解 3 @对方 [@调解员]`, `调解 3 说 …`, `调解 3 结果 …`, `调解 3 结束。`: privately."""
    number, rest = _number(args, "requests.mediate_usage")
    word, _, text = rest.strip().partition(" ")
    community, language = community_here(ctx), ctx.default_language
    if word.lower() in SAY:
        done = requests.relay(ctx.session, ctx.resident, community, number, text, language)
        answer = "requests.mediation_relayed"
    elif word.lower() in OUTCOME:
        done = requests.agree(ctx.session, ctx.now, ctx.resident, community, number, text, language)
        answer = "requests.mediation_recorded"
    elif without_ending(word).lower() in END:
        if without_ending(text).strip():
            raise DomainError("requests.mediate_usage")
        done = requests.end(
            ctx.session, ctx.now, ctx.settings, ctx.resident, community, number, language
        )
        answer = "requests.mediation_ended"
    else:
        done = _open_mediation(ctx, community, number, rest)
        answer = "requests.mediation_opened"
    data: dict[str, object] = {"number": number}
    if answer == "requests.mediation_relayed":
        data["role"] = done.role
    if answer == "requests.mediation_opened":
        data |= {"role": done.role, "mediator": done.mediator}
    return [Reply(answer, data, audience=Audience.PRIVATE), *done.envelopes]


def _open_mediation(ctx: Context, community: Place, number: int, rest: str) -> requests.Mediated:
    return requests.open_mediation(
        ctx.session,
        ctx.now,
        ctx.resident,
        community,
        ctx.circle,
        number,
        named_in(ctx, rest),
        ctx.default_language,
    )
