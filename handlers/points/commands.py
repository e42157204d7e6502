"""Points commands: my points, awards, recycling records, rules and duties."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.services import points
from bot.services.common.arguments import after_mentions, as_number, bounded
from bot.services.common.keywords import CONFIRMING, folded, normalise, starts_with_number
from bot.services.common.outreach import to_person
from bot.services.community.grid import parse_address
from bot.services.community.people import Named
from handlers.access import community_here, to_sender

MAX_ARGUMENT = 200
SHIFT_WORDS = frozenset({"班次", "shift"})
# A comma (、：；) between a name, an amount and a reason parts them; between digits it is none.
_APART = re.compile(r"[、:：;；]+|(?<!\d)[,，]+|[,，]+(?!\d)")
# An amount in digits run into a name that ends in a Chinese character (马文博5分, 马文博-3):
# a username's digits (bob2) stay its own.
_GLUED_AMOUNT = re.compile(r"(@?.*[\u4e00-\u9fff])([+-]?\d+分?)")


def named_in(ctx: Context, args: str) -> Named:
    """Whom a command names (mentions, a reply, or leading `@name` words), and the rest."""
    incoming = ctx.incoming
    text = bounded(args, MAX_ARGUMENT)
    typed: list[str] = []
    if incoming.mentions:
        text = after_mentions(text, incoming.mentioned_as)
        # A person chosen from the list and an @username typed among them are both named,
        # where it is known how the mentions are written.
        while incoming.mentioned_as and _at_name(
            first := text.split(maxsplit=1)[0] if text else ""
        ):
            typed.append(first[1:])
            text = after_mentions(text.lstrip()[len(first) :], incoming.mentioned_as)
    words = text.split()
    named = [w for w in words if _at_name(w)]
    rest = tuple(words[len(named) :] if words[: len(named)] == named else words)
    # A reply names whom it answers only where no one is named in it: 加分 @张三 5, sent as
    # a reply to 李四's message, is 张三's.
    replied = (incoming.reply_to,) if incoming.reply_to and not named else ()
    users = tuple(incoming.mentions) or replied
    if users:
        return Named(users=users, names=tuple(typed), rest=rest)
    return Named(names=tuple(n[1:] for n in named), rest=rest)


def _at_name(word: str) -> bool:
    """Whether a word is a name typed with its @ (`@bob`)."""
    return word.startswith("@") and len(word) > 1


def named_or_first(ctx: Context, args: str) -> Named:
    """Whom a command names as `named_in` reads it; else its first word, unless a number, is a
    name typed without the @ (`加分 马文博 5`)."""
    named = named_in(ctx, _first_apart(args))
    first = named.rest[0] if named.rest else ""
    if named.count or not first or starts_with_number(normalise(first).lstrip("+-")):
        return named
    return Named(names=(first,), rest=named.rest[1:])


def _first_apart(text: str) -> str:
    """`text` with its first word parted where a comma runs it into the next: `马文博，5` is
    `马文博 5`, as is an amount run into a Chinese name, `马文博5分`."""
    words = text.split(maxsplit=1)
    if not words:
        return text
    parted = [w for w in _APART.split(words[0], maxsplit=1) if w]
    glued = _GLUED_AMOUNT.fullmatch(normalise(parted[0]))
    if glued is not None:
        parted[:1] = glued.groups()
    return " ".join(parted + words[1:])


def show(ctx: Context, args: str) -> Reply:
    """My balances, recent entries and what expires soon (or a member's, for those allowed:
    `积分 @张三`, `积分 张三`)."""
    community = community_here(ctx)
    named = named_or_first(ctx, args)
    address = named.rest[0] if len(named.rest) == 1 and _an_address(named) else ""
    try:
        view = points.points_of(
            ctx.session, ctx.now, ctx.zone, ctx.resident, community, ctx.circle, named, address
        )
    except DomainError as error:
        # A word after 积分 that names no one (积分 查询) gets the usage, not "no such person".
        unknown = error.key in ("people.no_such_member", "circles.no_such_member")
        if unknown and not named_in(ctx, args).count:
            raise DomainError("points.show_usage") from None
        raise
    return Reply(
        "points.view",
        {
            "name": view.name,
            "own": view.own,
            "balances": [balance_data(b) for b in view.balances],
            "recent": [entry_data(ctx, e) for e in view.recent],
            "registered": view.registered,
            "waiting": view.waiting,
            "emptied": view.emptied,
            "here": view.here,
            "earns": list(view.earns),
        },
        audience=Audience.PRIVATE,
    )


def balance_data(balance: points.Balance) -> dict[str, object]:
    expires = balance.expires_on
    return {
        "code": balance.code,
        "title": balance.title,
        "balance": balance.balance,
        "held": balance.held,
        "household": balance.household,
        "expires": [expires.month, expires.day] if expires else None,
    }


def entry_data(ctx: Context, entry: points.EntryLine) -> dict[str, object]:
    local = entry.at.astimezone(ctx.zone)
    return {
        "date": [local.month, local.day],
        "amount": entry.amount,
        "category": entry.category,
        "reason": entry.reason,
        "code": entry.code,
        "expired": entry.source == "expiry",
    }


def award(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`加分 @张三 5 巡逻` or `加分 张三 5 巡逻` (negative deducts), or `加分 班次 3 5 值守` for
    everyone on shift 3."""
    return _award(ctx, args, deduct=False)


def deduct(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`扣分 @张三 3 迟到`: 加分 with the amount taken off."""
    return _award(ctx, args, deduct=True)


def _award(ctx: Context, args: str, deduct: bool) -> list[Reply | Envelope]:
    """An award, or with `deduct` a deduction, as typed after 加分 or 扣分; `加分 确认 12` gives
    again what award 12 gave, as its question offers."""
    community = community_here(ctx)
    words = bounded(args, MAX_ARGUMENT).split()
    if words[:1] and folded(words[0]) in CONFIRMING:
        earlier = [as_number(word) for word in words[1:]]
        numbers = [n for n in earlier if n is not None]
        if not numbers or len(numbers) != len(earlier):
            raise DomainError(points.award_usage(deduct))
        again = points.award_again(ctx.session, ctx.now, ctx.resident, community, numbers)
        return _told(ctx, again)
    if words[:1] and words[0].lower() in SHIFT_WORDS:
        number = as_number(words[1]) if len(words) > 1 else None
        if number is None or len(words) < 3:
            raise DomainError(points.award_usage(deduct))
        typed = points.Award(*_amount_first(words[2:]), shift=number, deduct=deduct)
    else:
        named = _awarded(ctx, args)
        if _an_address(named):
            amount, reason = _amount_first(named.rest[1:])
            typed = points.Award(amount, reason, address=named.rest[0], deduct=deduct)
        else:
            typed = points.Award(*_amount_first(named.rest), named=named, deduct=deduct)
    done = points.award_named(ctx.session, ctx.now, ctx.resident, community, ctx.circle, typed)
    return _told(ctx, done)


def _told(ctx: Context, done: points.Awarded) -> list[Reply | Envelope]:
    """What an award says: to the group (or the admin alone), to each member given it, and
    the question about those just given the same."""
    data = {"amount": done.amount, "category": done.category.value, "reason": done.reason}
    told: list[Reply | Envelope] = []
    if done.names:
        awarded = Reply("points.awarded", {"names": done.names, **data})
        told += [awarded] if done.praised else privately(ctx, awarded)
    for member, balance in zip(done.members, done.balances, strict=True):
        if member.id != ctx.resident.id:
            notice = Reply("points.awarded_you", {"balance": balance, **data})
            told += to_person(member, notice, ctx.default_language)
    if done.repeated:
        again = f"/award 确认 {' '.join(str(n) for n in done.earlier)}"
        yes = [[Choice("points.repeat_yes", again, translated=True, personal=True)]]
        question = Reply("points.award_repeated", {"names": done.repeated, **data}, choices=yes)
        if not done.praised:
            question.audience = Audience.PRIVATE
        told.append(to_sender(ctx, question) if done.praised else question)
    return told


def _awarded(ctx: Context, args: str) -> Named:
    """Whom 加分 names as `named_or_first` reads it, a name typed running over several words
    when they are a member's name (`加分 Mary Lee 3`)."""
    named = named_or_first(ctx, args)
    words = _first_apart(bounded(args, MAX_ARGUMENT)).split()
    if not named.names or starts_with_number(normalise(words[0]).lstrip("+-")):
        return named
    community = community_here(ctx)
    names, taken = points.names_awarded(ctx.session, ctx.resident, community, ctx.circle, words)
    return Named(names=tuple(names), rest=tuple(words[taken:]))


def _an_address(named: Named) -> bool:
    """Whether no one is named and the first word is a household's address (3-2-301)."""
    if named.count or not named.rest:
        return False
    try:
        parse_address(named.rest[0])
    except DomainError:
        return False
    return True


def _amount_first(words: Sequence[str]) -> tuple[str, str]:
    """The amount typed first and the reason after it; a 分 typed apart goes with the amount."""
    words = _first_apart(" ".join(words)).split()
    if [normalise(word) for word in words[1:2]] == ["分"]:
        words = [*words[:1], *words[2:]]
    return " ".join(words[:1]), " ".join(words[1:])


def recycle(ctx: Context, args: str) -> list[Reply | Envelope]:
    """`回收 @张三 电池` or `回收 3-2-301 大件`: recorded by bin duty or a points admin."""
    community = community_here(ctx)
    named = named_in(ctx, args)
    done = points.recycle(ctx.session, ctx.now, ctx.resident, community, ctx.circle, named)
    recycled = Reply(
        "points.recycled",
        {"name": done.name, "kind": done.kind, "points": done.points, "capped": done.capped},
    )
    # Who lives at an address typed in a group is not the group's to learn.
    return [recycled] if named.count else privately(ctx, recycled)


def privately(ctx: Context, reply: Reply) -> list[Reply | Envelope]:
    """`reply` for the sender alone; in a group, the group sees only that it is recorded."""
    reply.audience = Audience.PRIVATE
    if not ctx.is_group:
        return [reply]
    here = {"name": ctx.resident.display_name, "sent": ctx.reaches_privately}
    return [Reply("points.recorded_here", here), reply]


def rules(ctx: Context, args: str) -> Reply:
    """Show the community's points rules; points admins change one (`积分规则 值守 2/小时`)."""
    text = bounded(args, MAX_ARGUMENT)
    view = points.rules_of(ctx.session, ctx.now, ctx.zone, ctx.resident, community_here(ctx), text)
    current = view.settings
    return Reply(
        "points.rules",
        {
            "community": view.community,
            "per_hour": current.per_hour,
            "per_recycling": current.per_recycling,
            "daily_cap": current.daily_cap or 0,
            "award_cap": current.award_cap,
            "allow_negative": current.allow_negative,
            "by_household": current.by_household,
            "programmes": [asdict(p) for p in view.programmes],
            "changed": view.changed,
            "may_change": view.may_change,
        },
    )


def duty(ctx: Context, args: str) -> Reply:
    """The secretary grants `积分授权 @张三 守桶` / `管理员 [党员积分]`, or revokes `-守桶`."""
    community = community_here(ctx)
    named = named_in(ctx, points.english_phrases(args))
    changed = points.grant_duty(ctx.session, ctx.now, ctx.resident, community, ctx.circle, named)
    return Reply("points.duty_changed", asdict(changed))


NOT_SHOWN = frozenset({"不显示我", "不顯示我", "hide me"})
SHOWN = frozenset({"显示我", "顯示我", "show me"})


def rank(ctx: Context, args: str) -> Reply:
    """`积分榜 [居民积分]`: the boards the community posts; `积分榜 不显示我` opts out of them."""
    text = points.english_phrases(bounded(args, MAX_ARGUMENT))
    if text.lower() in NOT_SHOWN | SHOWN:
        shown = text.lower() in SHOWN
        points.show_me(ctx.session, ctx.now, ctx.resident, shown)
        return Reply("points.rank_named", {"shown": shown}, audience=Audience.PRIVATE)
    if len(text.split()) > 1:
        raise DomainError("points.rank_usage")
    code = points.programme_code(text) if text else None
    boards = points.standings(ctx.session, ctx.now, ctx.resident, community_here(ctx), code)
    return Reply(
        "points.board",
        {"boards": [{"code": b.code, "title": b.title, "lines": b.lines} for b in boards]},
    )


def export(ctx: Context, args: str) -> list[Reply]:
    """`积分导出`: the community's ledger and balances, as XLSX and CSV files, privately."""
    if bounded(args, MAX_ARGUMENT):
        raise DomainError("points.export_usage")
    folder = ctx.settings.data_path / "exports"
    done = points.export_for(
        ctx.session, ctx.now, ctx.zone, ctx.resident, community_here(ctx), folder
    )
    data = {"entries": done.entries, "accounts": done.accounts}
    return [
        Reply(
            "points.exported" if n == 0 else "points.exported_file",
            data | {"file": path.name},
            audience=Audience.PRIVATE,
            document=path,
        )
        for n, path in enumerate(done.files)
    ]
