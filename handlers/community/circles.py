"""Binding, registration, members, roles and membership events."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict
from functools import partial

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Audience, ChatKind, Choice, Envelope, Reply, Target
from bot.services.common import outreach
from bot.services.common.arguments import as_number, bounded, words_in
from bot.services.common.keywords import NUMERALS
from bot.services.common.outreach import to_identities, to_person
from bot.services.community import binding, circles, households, privacy, roles
from bot.services.community.binding import BindOutcome, RequestView
from bot.services.community.circles import (
    ChatSpec,
    JoinOutcome,
    JoinPlace,
    JoinResult,
    Roster,
)
from bot.services.community.grid import ENGLISH_ADDRESS_WORDS, address_first
from bot.services.community.households import Asking, Stranded
from handlers.access import shows_join, to_sender
from handlers.points.commands import balance_data, named_in, named_or_first
from models import Identity

MAX_ARGUMENT = 200

split_words = partial(words_in, limit=MAX_ARGUMENT)

# An address as said in a sentence: maybe an estate's name, then numbers and their words
# (幸福家园3号楼2单元502, 2-1-101, 三号楼二单元二零一室), or its parts named in English.
_ADDRESS_SAID = (
    rf"(?:[\u4e00-\u9fff]{{2,12}}?\s*)?[\d{NUMERALS}]"
    rf"[\d{NUMERALS}\s\-—/#号號楼樓栋棟幢座院单元單室]*?[A-Za-z]?"
)
_ENGLISH_PART = rf"(?:{'|'.join(ENGLISH_ADDRESS_WORDS)}|no|#?\d+(?:st|nd|rd|th|[a-z])?)"
_ENGLISH_SAID = rf"{_ENGLISH_PART}(?:[\s,.#/-]*{_ENGLISH_PART})*"
# Telling the bot in private that one has moved to an address (我搬到2号楼1单元101了,
# I moved to building 2 unit 1 room 101) moves one's registration there, as 搬家 does.
MOVED_SAID = re.compile(
    rf"(?:(?:我家|我)(?:已经|已經)?搬家?到|i(?:'ve|\s+have)?(?:\s+just)?\s+moved\s+(?:to|into))"
    rf"\s*({_ADDRESS_SAID}|{_ENGLISH_SAID})\s*(?:了|啦)?",
    re.IGNORECASE,
)
# Telling the bot in private where one lives (我住3号楼2单元301, 我家是3-2-301, 我是3-2-301的,
# I live at 3-2-301) registers there, as 登记 does.
JOINED_SAID = re.compile(
    rf"(?:我家?(?:就)?住在?|我家(?:就)?(?:在|是)|我是|i\s+live\s+(?:at|in))"
    rf"\s*({_ADDRESS_SAID}|{_ENGLISH_SAID})\s*(?:的)?",
    re.IGNORECASE,
)


def bind(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Bind this group to a place (secretaries, grid workers), or ask them to (group admins)."""
    if not ctx.is_group:
        raise DomainError("core.group_only")
    place, kind, name = circles.parse_bind_args(ctx.session, split_words(args, circles.BIND_WORDS))
    chat = ctx.incoming.chat
    result = binding.bind(
        ctx.session,
        ctx.now,
        actor=ctx.resident,
        platform_admin=ctx.incoming.is_platform_admin,
        chat=ChatSpec(chat.platform, chat.chat_id, chat.title),
        place_query=place,
        kind=kind,
        name=name,
    )
    if result.request is not None:
        data = _request_data(result.request)
        if result.outcome == BindOutcome.WAITING:
            return [Reply("circles.bind_request_waiting", data)]
        notice = Reply("circles.bind_request_notice", data, choices=_decide_choices(result.request))
        told = [
            e
            for person in result.deciders
            for e in outreach.to_person(person, notice, ctx.default_language)
        ]
        return [Reply("circles.bind_requested", data), *told]
    assert result.circle is not None
    ctx.binding = result.binding
    changed = result.outcome == BindOutcome.BOUND
    return [Reply("circles.bound" if changed else "circles.already_bound", asdict(result.circle))]


def _request_data(request: RequestView) -> dict[str, object]:
    return {
        "number": request.number,
        "title": request.title,
        "place": request.place,
        "kind": request.kind,
        "name": request.name,
        "requester": request.requester,
    }


def _decide_choices(request: RequestView) -> list[list[Choice]]:
    return [
        [
            Choice(
                "circles.approve_bind_button", f"/approvebind {request.number}", translated=True
            ),
            Choice("circles.reject_bind_button", f"/rejectbind {request.number}", translated=True),
        ]
    ]


def approve_bind(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Approve a group's binding request (secretaries, grid workers)."""
    return _decide_bind(ctx, args, approve=True)


def reject_bind(ctx: Context, args: str) -> list[Reply | Envelope]:
    """Reject a group's binding request (secretaries, grid workers)."""
    return _decide_bind(ctx, args, approve=False)


def _decide_bind(ctx: Context, args: str, *, approve: bool) -> list[Reply | Envelope]:
    words = split_words(args, 1)
    number = as_number(words[0]) if words else None
    if number is None:
        raise DomainError("circles.bind_decide_usage")
    decided = binding.decide(ctx.session, ctx.now, ctx.resident, number, approve=approve)
    data = _request_data(decided.request)
    if decided.binding is None or decided.circle is None:
        group = Target(decided.request.platform, decided.request.chat_id, ChatKind.GROUP)
        told = Envelope(group, Reply("circles.bind_request_rejected", data), ctx.default_language)
        return [Reply("circles.bind_rejected", data), told]
    bound = Reply("circles.bound", asdict(decided.circle))
    return [
        Reply("circles.bind_approved", data),
        outreach.to_chat(decided.binding, bound, ctx.default_language),
    ]


def bind_requests(ctx: Context, args: str) -> Reply:
    """The binding requests waiting for my decision (secretaries, grid workers)."""
    split_words(args, 0)
    waiting = binding.waiting_for(ctx.session, ctx.resident)
    return Reply(
        "circles.bind_requests",
        {"requests": [_request_data(r) for r in waiting]},
        audience=Audience.PRIVATE,
    )


def join(ctx: Context, args: str) -> Reply | list[Reply | Envelope]:
    """Register my household in this circle's estate (asks for consent the first time); in
    private, through my circle's estate. Typed alone by someone registered, it says where
    (privately) and how to register a move."""
    if not bounded(args, MAX_ARGUMENT):
        return registering(ctx)
    typed, consent = circles.consent_in(args)
    address = address_typed(typed, "circles.join_usage")
    place = _join_place(ctx, address)
    result = circles.register(
        ctx.session,
        ctx.now,
        ctx.resident,
        place.circle,
        address,
        consent=consent,
        always_open=ctx.always_open,
    )
    return _joined(ctx, result, "circles.registered", place.estate)


def registering(ctx: Context) -> Reply:
    """What 登记 alone, or help about registering where it is not offered, tells the sender:
    where they are registered and how to register a move (privately), else how to register
    or where they can."""
    registered = circles.greeting(ctx.session, ctx.resident).address
    if registered:
        audience = Audience.PRIVATE if ctx.is_group else Audience.HERE
        return Reply("circles.registered_already", {"address": registered}, audience=audience)
    if ctx.unbound_group:
        raise DomainError("circles.join_unbound")
    if not shows_join(ctx):
        raise DomainError("circles.join_in_group")
    raise DomainError("circles.join_usage")


def move(ctx: Context, args: str) -> Reply | list[Reply | Envelope]:
    """Confirm moving my registration to another household."""
    if not bounded(args, MAX_ARGUMENT) and ctx.resident.household_id is None:
        return registering(ctx)
    address = address_typed(args, "circles.move_usage")
    place = _join_place(ctx, address)
    result = circles.register(
        ctx.session,
        ctx.now,
        ctx.resident,
        place.circle,
        address,
        consent=False,
        move=True,
        always_open=ctx.always_open,
    )
    return _joined(ctx, result, "circles.moved", place.estate)


def address_typed(args: str, usage: str) -> str:
    """The address that is a command's one argument, however spaced (3栋 2单元 301,
    building 3 unit 2 room 301); `usage` answers when none is typed."""
    address, extra = address_first(bounded(args, MAX_ARGUMENT))
    if extra:
        raise DomainError("core.extra_arguments", extra=extra[:40])
    if not address:
        raise DomainError(usage)
    return address


def _join_place(ctx: Context, address: str) -> JoinPlace:
    """The group's circle, or in private the circle the service picks for the address."""
    if ctx.is_group:
        if ctx.circle is None:
            raise DomainError("circles.join_unbound")
        return JoinPlace(ctx.circle, "")
    return circles.circle_to_join(ctx.session, ctx.resident, address)


def _joined(
    ctx: Context, result: JoinResult, done: str, estate: str
) -> Reply | list[Reply | Envelope]:
    """The answer to /join or /move: a question, or the registration and who must agree;
    the commands it offers name the `estate` where the sender's circles lie in several."""
    data = {"name": result.name, "address": result.address, "household": result.household}
    where = f"{estate} {result.address}".strip()
    if result.outcome == JoinOutcome.NEEDS_CONSENT:
        command = f"/join {where} 同意"
        asked = data | {"address": where}
        consent = [[_mine("circles.consent_yes", command)]]
        return [to_sender(ctx, Reply("circles.consent", asked, choices=consent))]
    if result.outcome == JoinOutcome.NEEDS_MOVE:
        yes = [[_mine("circles.move_yes", f"/move {where}")]]
        now = data | {"address": where, "current": result.current}
        if not ctx.is_group:
            return Reply("circles.confirm_move", now, choices=yes)
        ask = to_sender(ctx, Reply("circles.confirm_move", data, choices=yes))
        # Where someone is registered now is told to them alone, never to the group.
        return [ask, Reply("circles.registered_now", now, audience=Audience.PRIVATE)]
    # Whether a household has registered members, and who, is told to the asker alone: from
    # a group, every outcome for the address goes privately, so the group cannot tell them apart.
    if result.outcome == JoinOutcome.ALREADY:
        return Reply("circles.already_registered", data, audience=Audience.PRIVATE)
    if result.request is None:
        registered: list[Reply | Envelope] = [Reply(done, data, audience=Audience.PRIVATE)]
        if result.unverified:
            registered.append(
                Reply("households.awaits_verification", data, audience=Audience.PRIVATE)
            )
        # A move that left a household empty sends on the requests that waited for it.
        return [*registered, *stranded_pushes(result.stranded, ctx.default_language)]
    request = result.request
    # The asker is told whether the household could be asked, or sees it when they write.
    waited = data | {"number": request.id, "reached": result.reached}
    if result.again:
        # Asked before: only the asker hears it is still waiting, by the same note as the rest.
        audience = Audience.TOAST if ctx.pressed else Audience.PRIVATE
        return Reply("households.join_still_waiting", waited, audience=audience)
    told = waited | {"checked": bool(result.checkers)}
    waiting = Reply("households.join_waiting", told, audience=Audience.PRIVATE)
    asking = Asking(request.id, result.name, result.household)
    ask = join_question(asking)
    instead = join_question(asking, "households.unheard_request")
    return [
        waiting,
        *(e for m in result.ask for e in to_person(m, ask, ctx.default_language)),
        *_to_checkers(result.checkers, instead, ctx.default_language),
    ]


def join_question(asking: Asking, template: str = "households.join_request") -> Reply:
    """The question a household is asked about a request to join it, with its two answers;
    `households.unheard_request` or `households.emptied_request` asks someone who checks
    households in its stead."""
    number = asking.number
    return Reply(
        template,
        {"name": asking.name, "household": asking.household, "number": number},
        choices=[
            [
                _mine("households.join_yes", f"/confirmjoin {number}"),
                _mine("households.join_no", f"/refusejoin {number}"),
            ]
        ],
    )


def stranded_pushes(stranded: Iterable[Stranded], default_language: str) -> list[Envelope]:
    """For each request waiting for a household its last member has left: the question to
    those who check the household, and a private note to the asker."""
    pushed: list[Envelope] = []
    for each in stranded:
        asking = each.asking
        noted = {
            "name": asking.name,
            "household": asking.household,
            "number": asking.number,
            "checked": bool(each.checkers),
        }
        note = Reply("households.members_left", noted)
        pushed += to_person(each.asker, note, default_language)
        question = join_question(asking, _instead(asking))
        pushed += _to_checkers(each.checkers, question, default_language)
    return pushed


def _to_checkers(
    accounts: Iterable[Identity], question: Reply, default_language: str
) -> list[Envelope]:
    """A question pushed privately to each of these accounts of those who check households."""
    return [
        envelope
        for account in accounts
        for envelope in to_identities(account.resident, [account], question, default_language)
    ]


def questions_to_me(ctx: Context) -> list[Reply]:
    """In a private chat, the questions about joining the sender's household that wait for
    its answer: asked again whenever they come, as a push may never have reached them."""
    if ctx.is_group:
        return []
    waiting = households.asking_to_join(ctx.session, ctx.member.household_id)
    return [join_question(asking) for asking in waiting]


def unheard_questions(ctx: Context) -> list[Reply]:
    """In a private chat, to a building head, unit head or grid worker, the requests to join
    a household in their places that none of its members can hear of."""
    if ctx.is_group:
        return []
    unheard = households.unheard_in_checked_places(ctx.session, ctx.member.id, ctx.always_open)
    return [join_question(asking, _instead(asking)) for asking in unheard]


def _instead(asking: Asking) -> str:
    """The question to one who checks a household, asked in its members' stead: because
    they cannot hear of it, or because none is left."""
    return "households.emptied_request" if asking.emptied else "households.unheard_request"


def _mine(label: str, command: str) -> Choice:
    """A translated button only the person asked may press."""
    return Choice(label, command, translated=True, personal=True)


def me(ctx: Context, args: str) -> Reply:
    """My address, roles and circles, answered privately."""
    split_words(args, 0)
    mine = privacy.about_me(ctx.session, ctx.now, ctx.zone, ctx.member)
    return Reply(
        "circles.me",
        {
            "name": mine.profile.name,
            "address": mine.profile.address,
            "roles": mine.profile.roles,
            "circles": mine.profile.circles,
            "waiting": mine.profile.waiting,
            "emptied": mine.profile.emptied,
            "points": [balance_data(b) for b in mine.balances],
            "here": mine.profile.registers_here,
        },
        audience=Audience.PRIVATE,
    )


def members(ctx: Context, args: str) -> Reply | list[Reply]:
    """Counts in the group; names with addresses privately to the admin who asked. In
    private, the roster of the admin's circle, or `成员 2` for the second of theirs."""
    if not ctx.is_group:
        return _members_privately(ctx, args)
    split_words(args, 0)
    circle = ctx.require_circle()
    roster = circles.members(ctx.session, ctx.resident, circle, ctx.platform_admin)
    counts = {
        "circle": roster.circle,
        "households": len({m.household for m in roster.registered}),
        "people": len(roster.registered),
        "unregistered": len(roster.unregistered),
    }
    return [
        Reply("circles.member_counts", counts),
        Reply("circles.members", _names(roster), audience=Audience.PRIVATE),
    ]


def _members_privately(ctx: Context, args: str) -> Reply:
    words = split_words(args, 1)
    number = as_number(words[0]) if words else None
    if words and number is None:
        raise DomainError("circles.members_usage")
    found = circles.members_privately(ctx.session, ctx.resident, number)
    if found.roster is not None:
        return Reply("circles.members", _names(found.roster))
    choices = [
        [Choice(f"{position}. {title}", f"/members {position}")]
        for position, (title, _) in enumerate(found.circles, start=1)
    ]
    return Reply("circles.my_circles", {"circles": found.circles}, choices=choices)


def _names(roster: Roster) -> dict[str, object]:
    """The private part of /members: names with addresses, and the households not yet claimed."""
    return {
        "circle": roster.circle,
        "registered": [(m.name, m.address) for m in roster.registered],
        "unregistered": [m.name for m in roster.unregistered],
        "unclaimed": roster.unclaimed,
    }


def role(ctx: Context, args: str) -> Reply:
    """Grant (`/role @name 楼长`, `/role name 楼长`) or revoke (`/role name -楼长`) a role."""
    circle = ctx.require_circle()
    named = named_or_first(ctx, args)
    # 设角色 楼长 alone names no one: its word is the role.
    if not named.rest and not named_in(ctx, args).count:
        raise DomainError("circles.role_usage")
    # A role is given to one person at a time.
    if named.count > 1:
        raise DomainError("circles.role_one_person")
    person = named.users[0] if named.users else None
    name = " ".join([*named.names, *named.rest[:-1]])
    if not named.rest:
        grantor = roles.Grantor(ctx.resident.id, circle, ctx.platform_admin)
        return Reply(
            "circles.role_choices",
            {
                "name": name or (person.display_name if person else ""),
                "by_name": bool(name or ctx.incoming.mentions),
                "roles": [role.value for role in roles.grantable_in(ctx.session, grantor, circle)],
            },
        )
    role_word = named.rest[-1]
    revoking = role_word.startswith("-")
    wanted = roles.parse_role(role_word.lstrip("-"))
    changed = roles.change_in_circle(
        ctx.session,
        ctx.now,
        roles.Grantor(ctx.resident.id, circle, ctx.platform_admin),
        circle,
        wanted,
        revoking=revoking,
        mention=person,
        named=name,
    )
    return Reply(
        "circles.role_revoked" if changed.revoked else "circles.role_granted",
        {"name": changed.name, "role": changed.role, "where": changed.where},
    )


def seen(ctx: Context) -> None:
    """Every message in a bound group counts the sender as seen in its circle."""
    if ctx.circle is not None and ctx.identity is not None:
        circles.touch_member(ctx.session, ctx.now, ctx.circle, ctx.resident)


def on_joined(ctx: Context) -> list[Reply]:
    """Welcome a newcomer to a bound group and prompt them to register."""
    subject = ctx.incoming.subject or ctx.incoming.user
    if ctx.circle is None or subject is None:
        return []
    welcome = circles.newcomer(ctx.session, ctx.now, ctx.circle, subject)
    return [Reply("circles.welcome", asdict(welcome))]


def on_left(ctx: Context) -> list[Reply]:
    """Note that someone left a bound group."""
    subject = ctx.incoming.subject or ctx.incoming.user
    if ctx.circle is not None and subject is not None:
        circles.member_left(ctx.session, ctx.now, ctx.circle, subject)
    return []


def on_bot_added(ctx: Context) -> list[Reply]:
    """Greet a group the bot was added to, and ask an admin to bind it."""
    if ctx.circle is not None:
        return [Reply("circles.bot_back", {"circle": roles.circle_title(ctx.session, ctx.circle)})]
    return [Reply("circles.bot_added")]


def on_bot_removed(ctx: Context) -> list[Reply]:
    """A group's binding becomes inactive; a private chat is closed until they write again."""
    if not ctx.is_group:
        if ctx.identity is not None:
            ctx.identity.private_chat_open = False
        return []
    circles.unbind_chat(ctx.session, ctx.now, ctx.incoming.chat.platform, ctx.incoming.chat.chat_id)
    return []


def on_migrated(ctx: Context) -> list[Reply]:
    """The group became a supergroup with a new id: its circle follows it."""
    chat = ctx.incoming.chat
    circles.move_chat(ctx.session, ctx.now, chat.platform, chat.chat_id, ctx.incoming.text)
    return []
