"""Start, help, language and quiet hours."""

from __future__ import annotations

from bot.context import Context
from bot.errors import DomainError
from bot.messages import Choice, Reply
from bot.routing import Command
from bot.services.common.arguments import bounded
from bot.services.common.quiet import default_quiet, quiet_setting
from bot.services.community.people import parse_language, set_language
from handlers import access
from handlers.community.circles import me

QUIET_ARGUMENT = 40
LANGUAGE_CHOICES = [
    [Choice("简体中文", "/lang zh-Hans"), Choice("繁體中文", "/lang zh-Hant")],
    [Choice("English", "/lang en")],
]


def start(ctx: Context, args: str) -> Reply:
    """Welcome in a private chat, and how to register."""
    if ctx.is_group:
        return Reply("core.start_group")
    if args.strip() == "me":
        # The deep link a group's pointer carries: open the private chat and answer /me.
        return me(ctx, "")
    return Reply("core.start", {"name": ctx.resident.display_name})


def help_(ctx: Context, args: str) -> Reply:
    """The commands this person may use in this chat."""
    visible = [c.help_key for c in ctx.commands if c.help_key and c.visible(ctx)]
    return Reply("core.help", {"keys": visible, "group": ctx.is_group})


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
    circle = ctx.require_circle()
    if not access.admin_here(ctx):
        raise DomainError("core.lang_admins_only")
    circle.language = language
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
        "start",
        access.PRIVATE,
    ),
    Command("help", ("帮助", "幫助"), help_, help_key="help", menus=access.BOTH),
    Command("lang", ("语言", "語言"), lang, help_key="lang", menus=access.BOTH),
    Command("quiet", ("免打扰", "免打擾"), quiet, access.secretary_here, "quiet"),
]
