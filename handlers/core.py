"""Start, help, language and quiet hours."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.context import Context, Listed
from bot.errors import DomainError
from bot.messages import Audience, Choice, Envelope, Reply
from bot.routing import Command
from bot.services.common.arguments import bounded
from bot.services.common.keywords import courtesy
from bot.services.common.quiet import default_quiet, quiet_setting
from bot.services.community.circles import greeting
from bot.services.community.circles import set_language as set_circle_language
from bot.services.community.people import parse_language, set_language
from handlers import access
from handlers.community.circles import me, questions_to_me, unheard_questions
from handlers.deliberation import dialog as poll_dialog
from handlers.points import hands_out
from handlers.requests.commands import unread as unread_problem

ALL_WORDS = frozenset({"全部", "所有", "all"})
# Polite words after help ask for nothing more: `help me`, `/help please`, `帮助 一下`.
POLITE_WORDS = frozenset(
    {"me", "please", "pls", "plz", "thanks", "我", "一下", "吧", "谢谢", "謝謝"}
)
# A group's 帮助 fits a phone screen: what residents and admins there do most, in this order.
GROUP_EVERYDAY = ("join", "vote", "propose", "second", "shifts", "signup", "poll", "shift", "me")
GROUP_LINES = 8
# So is a private 帮助: what a registered resident does most in a private chat...
PRIVATE_EVERYDAY = ("me", "vote", "shifts", "points", "report", "requests")
# ...or, before they belong to a household, how to register and in which language...
PRIVATE_UNSETTLED = ("join", "start", "me", "lang")
# ...but someone who works for the community without living in it (a secretary, a grid
# worker) has their work first, then their own lines, and registering in one line at the end.
PRIVATE_WORKING = ("me", "lang")
REGISTERING = ("join", "start")
# ...then the work of the roles they hold, one line a role first: building heads and
# secretaries send notices, request handlers take requests, secretaries and grid workers
# decide binding requests, circle admins see rosters, points admins hand out rewards.
PRIVATE_ROLES = ("notice", "take", "bindings", "members", "redemptions", "receipts")
ROLE_LINES = 3
# Role lines whose command everyone may use: shown only to those who hold the role.
ROLE_HOLDERS = {"redemptions": hands_out}
# An English word's ending, left off to find the command it names: voting, points, shifts.
_ENGLISH_ENDING = re.compile(r"(?:ing|es|s|ed)$")
QUIET_ARGUMENT = 40
# A language named alone in a private chat, or after words that change to it: 繁体, 换成英文.
LANGUAGE_SAID = re.compile(
    r"(?:换成|換成|改成|改为|改為|切换到|切換到|切换成|切換成|用)?\s*"
    r"((?:简体|簡體|繁体|繁體|正体|正體)(?:字|中文)?|英文|英语|英語|english)",
    re.IGNORECASE,
)
LANGUAGE_CHOICES = [
    [Choice("简体中文", "/lang zh-Hans"), Choice("繁體中文", "/lang zh-Hant")],
    [Choice("English", "/lang en")],
]


def start(ctx: Context, args: str) -> Reply | Sequence[Reply | Envelope]:
    """Welcome in a private chat, and where I am registered or how to register (after my
    roles' work when I hold some), after the questions about joining my household that wait
    for its answer; in a group, `开始 明天` typed to a guided poll asking for its settings is
    one of them."""
    if ctx.is_group:
        answered = poll_dialog.setting(ctx, args)
        return answered if answered is not None else Reply("core.start_group")
    if args.strip() == "me":
        # The deep link a group's pointer carries: open the private chat and answer /me.
        return me(ctx, "")
    greeted = greeting(ctx.session, ctx.resident)
    work: list[str] = []
    if not greeted.address and not greeted.waiting:
        # Someone who works for the community needs no household: their work comes first.
        visible = {
            c.name: c.help_key
            for c in ctx.commands
            if c.name in PRIVATE_ROLES and c.help_key and c.visible(ctx)
        }
        work = _work(ctx, visible)
    welcome = Reply(
        "core.start",
        {
            "name": ctx.resident.display_name,
            "address": greeted.address,
            "waiting": greeted.waiting,
            "emptied": greeted.emptied,
            "here": greeted.registers_here,
            "work": work,
        },
    )
    return [*questions_to_me(ctx), welcome]


def help_(ctx: Context, args: str) -> Reply | list[Reply]:
    """The commands this person may use here: those they use most, all of them on request;
    in private, after the questions about joining their household that wait for its answer,
    and those its members cannot hear of that wait in the places the sender checks."""
    typed = [w for w in re.split(r"[\s,，]+", args.strip().lower()) if w]
    word = " ".join(w for w in typed if w not in POLITE_WORDS)
    shown = [
        c
        for c in ctx.commands
        if c.help_key and c.visible(ctx) and (c.anywhere or not ctx.unbound_group)
    ]
    data = {"keys": [c.help_key for c in shown], "group": ctx.is_group, "short": False}
    if word and word not in ALL_WORDS:
        about = [c for c in shown if _about(c, word)]
        if not about:
            hidden = (c.unseen_help for c in ctx.commands if c.unseen_help and _about(c, word))
            unseen = next(hidden, None)
            if unseen is not None:
                return unseen(ctx)
            raise DomainError("core.help_nothing", word=word[:40])
        # Asked about, a command shows its whole form where its line in lists is cut short.
        forms = [c.help_key for c in about if c.full_form]
        keys = [c.help_key for c in about]
        return Reply("core.help", data | {"keys": keys, "topic": word[:40], "forms": forms})
    visible = {c.name: c.help_key for c in shown}
    if word or not ctx.is_group:
        # Answered privately, help leads with a request to join a household that waits.
        unsettled = ctx.resident.household_id is None
        greeted = greeting(ctx.session, ctx.resident) if unsettled else None
        waiting = {"waiting": greeted.waiting, "emptied": greeted.emptied} if greeted else {}
        if not word:
            work = _work(ctx, visible)
            if not unsettled:
                lines = _listed(visible, PRIVATE_EVERYDAY) + work
            elif work:
                lines = work + _listed(visible, PRIVATE_WORKING) + _listed(visible, REGISTERING)[:1]
            else:
                lines = _listed(visible, PRIVATE_UNSETTLED)
            data |= {"keys": lines, "short": True}
        listed = Reply("core.help", data | waiting, audience=Audience.PRIVATE)
        return [*questions_to_me(ctx), *unheard_questions(ctx), listed]
    # A registered resident has no use for registering among the few lines shown.
    common = [n for n in GROUP_EVERYDAY if n != "join" or ctx.resident.household_id is None]
    everyday = _listed(visible, common)[:GROUP_LINES]
    return Reply(
        "core.help", data | {"keys": everyday, "short": True, "unbound": ctx.unbound_group}
    )


def _work(ctx: Context, visible: dict[str, str]) -> list[str]:
    """The help keys of the work of the roles the sender holds, a few lines at most."""
    roles = [n for n in PRIVATE_ROLES if n not in ROLE_HOLDERS or ROLE_HOLDERS[n](ctx)]
    return _listed(visible, roles)[:ROLE_LINES]


def _listed(visible: dict[str, str], names: Sequence[str]) -> list[str]:
    """The help keys of those of `names` the sender sees here, in that order."""
    return [visible[name] for name in names if name in visible]


def _about(command: Listed, word: str) -> bool:
    """Whether `帮助 <word>` asks about the command: the word is in one of its keywords or
    holds one (帮助 怎么投票), or starts its English name, one it may be meant by or its
    section's (help voting, help register)."""
    folded = word.replace(" ", "")
    stem = _ENGLISH_ENDING.sub("", folded)
    if len(stem) >= 3 and any(n.startswith(stem) for n in (*command.names, command.listed_in)):
        return True
    return any(k in folded or folded in k for k in command.keywords)


def lang(ctx: Context, args: str) -> Reply:
    """Set my language (private) or the circle's (admins, in a group)."""
    if not args.strip():
        return Reply("core.lang_choose", choices=LANGUAGE_CHOICES)
    parts = args.split()
    if len(parts) > 1:
        raise DomainError("core.lang_usage")
    language = parse_language(parts[0])
    if not ctx.is_group:
        set_language(ctx.session, ctx.resident, language)
        return Reply("core.lang_mine", {"language": language})
    ctx.require_circle()
    set_circle_language(ctx.session, access.actor_of(ctx), language)
    return Reply("core.lang_circle", {"language": language})


def quiet(ctx: Context, args: str) -> Reply:
    """The community's quiet hours; a secretary changes them: `免打扰 21:30-07:30`, `免打扰 关`."""
    setting = quiet_setting(
        ctx.session,
        ctx.now,
        ctx.resident,
        access.community_here(ctx),
        bounded(args, QUIET_ARGUMENT),
        default_quiet(ctx.settings),
    )
    return Reply(
        "quiet.setting",
        {"community": setting.community, "span": setting.span, "changed": setting.changed},
    )


COMMANDS: list[Command] = [
    Command(
        "start",
        ("开始", "開始"),
        start,
        access.hidden_unless_private,
        "core",
        access.PRIVATE,
        anywhere=True,
        phrases=(
            "你好",
            "你好",
            "您好",
            "您好",
            "在吗",
            "在嗎",
            "hello",
            "hi",
            "hey",
            "good morning",
        ),
    ),
    Command(
        "help",
        ("帮助", "幫助", "使用说明", "使用說明"),
        help_,
        listed_in="core",
        menus=access.BOTH,
        reads=True,
        anywhere=True,
        how=True,
        phrases=(
            "帮帮我",
            "幫幫我",
            "帮助一下",
            "幫助一下",
            "怎么用",
            "怎麼用",
            "这个怎么用",
            "這個怎麼用",
            "help me",
        ),
        synonyms=("commands",),
    ),
    Command(
        "lang",
        ("语言", "語言"),
        lang,
        listed_in="core",
        menus=access.BOTH,
        anywhere=True,
        phrases=("language", "change language"),
        asking=LANGUAGE_SAID,
        synonyms=("language",),
    ),
    Command("quiet", ("免打扰", "免打擾"), quiet, access.secretary_here, "core"),
]


def unread(ctx: Context, text: str) -> list[Reply | Envelope]:
    """Private words no command reads: thanks are answered kindly and a plain 好的 not at all;
    anything else gets a hint (how to report a problem they tell of)."""
    said = courtesy(text)
    if said:
        return [Reply("core.welcome")] if said == "thanks" else []
    return unread_problem(ctx, text)
