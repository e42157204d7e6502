"""Command routing: slash commands and Chinese keywords, after NFKC normalisation.

Commands are recognised in the folded text; the arguments go to handlers as typed. The
sentence punctuation a message ends with (。！？) is no part of a keyword or of arguments
that are read, only of a command's free text, kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches

from bot.context import Context
from bot.messages import Envelope, Reply
from bot.services.common.keywords import (
    APOLOGY,
    THANKS,
    normalise,
    starts_with_number,
    without_ending,
)

_SLASH = re.compile(r"^/([A-Za-z][A-Za-z0-9_]*)(?:@([A-Za-z0-9_]+))?(?=$|\s)(.*)$", re.DOTALL)
_SEPARATORS = " :：,，"
# A command's English name typed without its slash, then what the slash form would take.
_NAMED = re.compile(r"^([A-Za-z]+)[.!?。！？]*(?=$|\s)(.*)$", re.DOTALL)
# What people say before a keyword: 我要报名 2, 请帮我登记 3-2-301, 您好，报修 …, 麻烦您 报名 2.
_ASKING = re.compile(
    r"(?:(?:您好|你好|(?:麻烦|麻煩)(?:您|你)?|我想要|我要|我想|帮我|幫我|请|請)[\s,，、!！~～]*)+"
)
# "I", before a command that does something: 我报名2, 我签到 (not 我值班, which tells).
_I = "我"
# A look-up verb, before a command that only reads: 查积分, 看看值班表, 问一下我的诉求, 請問積分.
_LOOKING = re.compile(r"(?:查一下|看一下|问一下|問一下|查看|看看|问问|問問|查|看|问|問)\s*")
# A private question how to do something, asking help about its words: 怎么投票, 请问如何报名,
# 积分怎么用, how do I vote.
_HOW = (
    re.compile(
        r"(?:请问|請問|问一下|問一下|我想问一下|我想問一下|我想问|我想問)?[\s,，]*我?(?:该|該|要)?"
        r"(?:怎么|怎麼|怎样|怎樣|如何)(?:才能|才可以|可以|能|才)?\s*(.+?)(?:呢|啊|呀|吗|嗎)?"
    ),
    re.compile(r"(.+?)(?:该|該|要)?(?:怎么|怎麼|怎样|怎樣)(?:用|弄|操作|搞)(?:呢|啊|呀)?"),
    re.compile(r"how (?:do i|can i|should i|do we|to) (.+)", re.IGNORECASE),
)
# Words that go on with a verb rather than start what is reported: 报修一下, 投诉过了.
_PARTICLES = ("一下", "了", "过", "過", "吗", "嗎", "呢", "吧", "啊", "的")
# Quotes copied along with a command from a reply (发送「报名 3」), or put around its words.
_PAIRS = {"「": "」", "『": "』", "“": "”", "‘": "’", '"': '"', "'": "'"}
_AFTER_KEYWORD = _SEPARATORS + "@" + "".join(_PAIRS)
_NO_QUOTES = str.maketrans("", "", "".join(_PAIRS) + "".join(_PAIRS.values()))
# Thanks or an apology after a command (报名 2，谢谢您了！, 取消报名 2 不好意思) is no part
# of what it reads.
_APART = " ,，、.。!！~～"
_THANKS = re.compile(rf"[\s,，、.。!！~～]*(?:{THANKS}|{APOLOGY})$", re.IGNORECASE)

# Words that buttons' commands carry, as typed in traditional Chinese and in English; the
# commands take every form.
_TYPED_WORDS = {
    "确认": {"zh-Hant": "確認", "en": "confirm"},
    "现在": {"zh-Hant": "現在", "en": "now"},
    "同意": {"en": "agree"},
    "全部": {"en": "all"},
    "要": {"en": "yes"},
    "不要": {"en": "no"},
    "本楼": {"zh-Hant": "本樓", "en": "this building"},
    "本群": {"en": "here"},
}


@dataclass(frozen=True)
class Command:
    """A command: its slash name, keywords, handler, and who sees it in /help.

    `keywords[0]` is the simplified-Chinese form shown to zh-Hans users and
    `keywords[1]` the traditional form shown to zh-Hant users. `listed_in` names the
    templates whose `help_line` describes it in /help and in menus; `menus` names the
    platform command menus ("private", "group") that list it. A command that `reads`
    only may be answered without storing the answer first: losing it in a crash is
    harmless (one asks again); if it writes after all, it is done again durably. Such a
    command that needs only the sender's row (`Context.member`) says `by_row`: their
    identity and resident are then read as one row rather than loaded as objects. A
    command whose arguments end in the sender's own words (a report, a topic, a reply)
    says `free_text`: punctuation ending them is kept, and so are thanks, but for a `record`
    (a report, a topic: thanks there are said to the bot, not words for others to read).
    One whose arguments are all such words says `glued` too: in a private chat its keyword
    may run straight into them. `phrases` are whole private messages that ask for it alone
    (帮帮我 for help), from those it is `visible` to only (a notice's sender's 发送; anyone
    else's is not understood). One whose keyword is everyday chat (取消, 我不去了) gives `everyday`:
    whether the words after it make it a command (numbers, nothing); the sender's open
    dialog reads it first, as chat. `sentence` matches a whole message that asks for it in
    words of its own (我投同意): its first group is what the command reads. A guided
    dialog's step says `answer`: where there are no buttons its choices are typed as the
    answer alone (本楼), which the open dialog reads. `glued_words` are words its keyword may
    run straight into, in a group too, as into a number (通知本楼 明天停水, 通知全部): only from
    those the command is `visible` to; from anyone else it is chat (see Route), and so is
    its keyword run straight into a number (通知3号楼的人). In a group
    bound to no circle only a command usable `anywhere` is answered (help, binding it, what
    answers the sender privately): a community's matters are not for such a group (see
    Dispatcher). One whose keywords residents type as ordinary chat (收到, 我不去了) says
    `chat_words`: typed so in such a group it is that group's chat, left unanswered, while
    its slash form is told the group is not bound. One whose help line in lists is cut short
    says `full_form`: its templates' `help_line` with `form=true` gives the whole form, shown
    where help is asked about it (帮助 通知). Help says `how`: a private question how to do
    something (怎么投票, how do I vote) asks it about those words, where they name a command.
    `asking` matches a whole private message that asks for it in words of its own (报名明天的值班),
    after words such as 我想: its first group is what the command reads. `synonyms` are
    English slash names it may be meant by (/endpoll for /close): suggested, never run.
    `told` are keywords that tell it is done (签到了, 已签到, 我到了): with a question mark
    after them (签到了？) they ask whether it is, and are chat. `unseen_help` answers help
    about it asked by someone it is hidden from (怎么登记, from someone registered).
    """

    name: str
    keywords: tuple[str, ...]
    handler: Callable[[Context, str], Reply | Sequence[Reply | Envelope]]
    visible: Callable[[Context], bool] = field(default=lambda ctx: True)
    listed_in: str = ""
    menus: tuple[str, ...] = ()
    reads: bool = False
    by_row: bool = False
    free_text: bool = False
    record: bool = False
    glued: bool = False
    phrases: tuple[str, ...] = ()
    everyday: Callable[[str], bool] | None = None
    sentence: re.Pattern[str] | None = None
    answer: bool = False
    glued_words: frozenset[str] = frozenset()
    anywhere: bool = False
    chat_words: bool = False
    full_form: bool = False
    how: bool = False
    asking: re.Pattern[str] | None = None
    synonyms: tuple[str, ...] = ()
    told: tuple[str, ...] = ()
    unseen_help: Callable[[Context], Reply] | None = None

    @property
    def help_key(self) -> str:
        """Where /help finds its line: `<templates>.<name>`; empty when it is not listed."""
        return f"{self.listed_in}.{self.name}" if self.listed_in else ""

    @property
    def names(self) -> tuple[str, ...]:
        """Its English name and those it may be meant by."""
        return (self.name, *self.synonyms)


@dataclass(frozen=True)
class Route:
    """A matched command and the text after it, as typed; `prefixed` when words such as
    我要 or 请 came before its keyword; `glued` when its keyword ran into one of its
    `glued_words`, or into a number where it has such words; `phrase` when the whole text
    was one of its `phrases`."""

    command: Command
    args: str
    prefixed: bool = False
    glued: bool = False
    phrase: bool = False


class Router:
    """Finds the command a text invokes, if any."""

    def __init__(self, commands: Iterable[Command]) -> None:
        self.commands = list(commands)
        self._by_name = {c.name: c for c in self.commands}
        listed = [c for c in self.commands if c.listed_in]
        # The slash names a mistyped one is compared with, and the command each suggests.
        self._near = {n: c.name for c in listed for n in c.names}
        pairs = [(normalise(k), c) for c in self.commands for k in c.keywords]
        # Longest keyword first, so 取消报名 wins over 取消.
        self._keywords = sorted(pairs, key=lambda pair: -len(pair[0]))
        # English phrases are matched in any case: Hello, hello.
        self._phrases = {normalise(p).casefold(): c for c in self.commands for p in c.phrases}
        self._sentences = [c for c in self.commands if c.sentence is not None]
        self._how = next((c for c in self.commands if c.how), None)
        self._asking = [(c, c.asking) for c in self.commands if c.asking is not None]
        self._told = frozenset(normalise(k) for c in self.commands for k in c.told)

    def command(self, name: str) -> Command | None:
        """The command with this slash name."""
        return self._by_name.get(name)

    def route(self, text: str, bot_username: str = "") -> Route | None:
        """The command `text` invokes; None for plain chat or a command meant for another bot."""
        text = unquoted(text)
        cleaned = _bare(normalise(text))
        slash = _SLASH.match(cleaned)
        if slash:
            name, target, rest = slash.groups()
            if target and bot_username and target.lower() != bot_username.lower():
                return None
            found = self._by_name.get(name.lower())
            if found is None:
                return Route(UNKNOWN, " ".join([name, *self._like(name)]))
            return _route(found, len(cleaned) - len(rest), text)
        # A question (签到了？) takes no keyword that tells something is done.
        told = frozenset() if is_question(text) else self._told
        matched = self._keyword(cleaned, 0, told=told)
        if matched is not None:
            command, end, glued = matched
            return _route(command, end, text, glued=glued)
        # After 我要 or 请 only a keyword makes a command: 我要去买菜 stays chat.
        asked = _ASKING.match(cleaned)
        if asked is not None:
            matched = self._keyword(cleaned, asked.end(), told=told)
        elif cleaned.startswith(_I):
            matched = self._keyword(cleaned, len(_I), doing=True, told=told)
        looking = _LOOKING.match(cleaned, asked.end() if asked else 0)
        if matched is None and looking is not None:
            matched = self._keyword(cleaned, looking.end(), reading=True, told=told)
        if matched is None:
            return self._sentence(cleaned)
        command, end, glued = matched
        return _route(command, end, text, prefixed=True, glued=glued)

    def _like(self, name: str) -> list[str]:
        """The listed command whose slash name, or synonym, is nearest a mistyped one
        (/results: result, /endpoll: close)."""
        near = get_close_matches(name.lower(), self._near, n=1, cutoff=0.8)
        return [self._near[n] for n in near]

    def _sentence(self, cleaned: str) -> Route | None:
        """The command a whole sentence asks for, with the words it names (see Command)."""
        for command in self._sentences:
            said = command.sentence.fullmatch(cleaned) if command.sentence else None
            if said is not None:
                return Route(command, said.group(1), prefixed=True)
        return None

    def named(self, text: str) -> Route | None:
        """The command whose English name `text` opens with, typed without the slash: `help`;
        or the one a whole phrase asks for: 帮帮我."""
        text = unquoted(text)
        cleaned = _bare(normalise(text))
        asked = _ASKING.match(cleaned)
        # A greeting alone (你好) is a phrase of its own, not words before a command.
        phrase = self._phrases.get(cleaned.casefold()) or self._phrases.get(
            cleaned[asked.end() if asked else 0 :].casefold()
        )
        if phrase is not None:
            return Route(phrase, "", phrase=True)
        for command, asking in self._asking:
            said = asking.fullmatch(cleaned, asked.end() if asked else 0)
            if said is not None:
                return Route(command, said.group(1), prefixed=True)
        how = self._asked_how(cleaned)
        if how is not None:
            return how
        match = _NAMED.match(cleaned)
        found = self._by_name.get(match.group(1).lower()) if match else None
        if match is None or found is None:
            return None
        return _route(found, len(cleaned) - len(match.group(2)), text)

    def _asked_how(self, cleaned: str) -> Route | None:
        """Help about the words a question how to do something names (怎么投票 -> 投票), when
        they hold a command's keyword or begin its English name; else None (怎么办 is chat)."""
        if self._how is None:
            return None
        for pattern in _HOW:
            asked = pattern.fullmatch(cleaned)
            words = asked.group(1).strip() if asked else ""
            folded = words.lower().replace(" ", "")
            named = any(keyword in folded for keyword, _ in self._keywords) or (
                len(folded) >= 3
                and any(n.startswith(folded[:4]) for c in self.commands for n in c.names)
            )
            if words and named:
                return Route(self._how, words, prefixed=True)
        return None

    def glued(self, text: str) -> Route | None:
        """The command whose keyword `text` runs straight into its words: 报修楼道灯坏了."""
        text = unquoted(text)
        cleaned = _bare(normalise(text))
        asked = _ASKING.match(cleaned)
        start = asked.end() if asked else 0
        for keyword, command in self._keywords:
            end = start + len(keyword)
            if not command.glued or not cleaned.startswith(keyword, start):
                continue
            if end < len(cleaned) and not cleaned.startswith(_PARTICLES, end):
                return _route(command, end, text, prefixed=asked is not None)
        return None

    def _keyword(
        self,
        cleaned: str,
        start: int,
        reading: bool = False,
        doing: bool = False,
        told: frozenset[str] = frozenset(),
    ) -> tuple[Command, int, bool] | None:
        """The command whose keyword `cleaned` has at `start`, where the keyword ends, and
        whether it runs into one of the command's `glued_words`; `reading` takes only commands
        that read, `doing` only those that do something; `told` are keywords it may take
        (those that tell something is done, but in a question)."""
        for keyword, command in self._keywords:
            if (doing and command.reads) or (keyword in self._told and keyword not in told):
                continue
            if cleaned.startswith(keyword, start) and (command.reads or not reading):
                end = start + len(keyword)
                rest = cleaned[end:]
                runs_into = _runs_into(rest, command.glued_words)
                # A keyword that takes scope words run into it takes a place run into it
                # (通知3号楼的人) the same way.
                glued = runs_into or (bool(command.glued_words) and not _apart_from(rest))
                if _apart_from(rest) or starts_with_number(rest) or runs_into:
                    words = rest.lstrip(_SEPARATORS).translate(_NO_QUOTES)
                    if command.everyday is None or command.everyday(words):
                        return command, end, glued
        return None

    def typed_form(self, command_line: str, language: str) -> str:
        """What a user types for a slash command line where there are no buttons, its words
        (确认, 现在) in their language too."""
        match = _SLASH.match(command_line)
        found = self._by_name.get(match.group(1)) if match else None
        if match is None or found is None:
            return command_line
        args = " ".join(_TYPED_WORDS.get(w, {}).get(language, w) for w in match.group(3).split())
        if found.answer:
            return args
        if not found.keywords or language == "en":
            return f"/{found.name} {args}".strip()
        keyword = found.keywords[1 if language == "zh-Hant" and len(found.keywords) > 1 else 0]
        return f"{keyword} {args}".strip()


def is_question(text: str) -> bool:
    """Whether `text` ends with a question mark: 签到了？"""
    typed = normalise(text)
    return "?" in typed[len(without_ending(typed)) :]


def _apart_from(rest: str) -> bool:
    """Whether `rest`, what follows a keyword, stands apart from it: nothing, or a space, a
    separator or a quote first."""
    return not rest or rest[0] in _AFTER_KEYWORD


def _runs_into(rest: str, words: frozenset[str]) -> bool:
    """Whether `rest` opens with one of `words` (English in any case), standing apart from
    what follows: 本楼 明天停水, not 本楼的人."""
    return any(
        rest[: len(word)].lower() == word and _apart_from(rest[len(word) :]) for word in words
    )


def _route(
    command: Command, folded_length: int, text: str, prefixed: bool = False, glued: bool = False
) -> Route:
    """`command` with what follows the first `folded_length` folded characters of `text`:
    sentence punctuation, thanks and quotes are dropped, but for free text."""
    typed = _typed_after(text, folded_length)
    bare = _bare(typed)
    if command.free_text and bare:
        kept = typed if not command.record or bare == without_ending(typed) else bare
        return Route(command, kept, prefixed, glued)
    return Route(command, bare.translate(_NO_QUOTES).strip(), prefixed, glued)


def unquoted(text: str) -> str:
    """`text` without a pair of quotes around all of it: 「报名 3」。 -> 报名 3。"""
    typed = text.strip()
    body = without_ending(typed)
    if len(body) < 2:
        return typed
    opening, closing = normalise(body[0]), normalise(body[-1])
    if _PAIRS.get(opening) != closing:
        return typed
    return body[1:-1] + typed[len(body) :]


def _bare(text: str) -> str:
    """`text` without the sentence punctuation, spaces, thanks and apology it ends with."""
    bare = without_ending(text)
    thanks = _THANKS.search(bare)
    while thanks is not None and _apart(bare, thanks.start()):
        bare = without_ending(bare[: thanks.start()])
        thanks = _THANKS.search(bare)
    return bare


def _apart(text: str, start: int) -> bool:
    """Whether thanks starting at `start` stand apart from the words before them: after a
    space, a mark, a number or a quote (报名 2 谢谢, 报名2谢谢), not run into a word, for
    值班辛苦了 thanks those on duty and asks for nothing."""
    before = text[start - 1] if start else ""
    return not before or not before.isalpha() or text[start] in _APART


def _typed_after(text: str, folded_length: int) -> str:
    """What follows, in `text` as typed, the part whose folded form is `folded_length` long."""
    typed = text.strip()
    index = length = 0
    while index < len(typed) and length < folded_length:
        length += len(unicodedata.normalize("NFKC", typed[index]))
        index += 1
    rest = typed[index:]
    while rest and (rest[0].isspace() or normalise(rest[0]) in _SEPARATORS):
        rest = rest[1:]
    return rest.strip()


def _unknown(ctx: Context, args: str) -> Reply:
    """An unknown slash command: `args` is its name, then the likeliest known one, if any."""
    name, _, like = args.partition(" ")
    return Reply("core.unknown_command", {"name": name[:32], "like": like})


UNKNOWN = Command(name="", keywords=(), handler=_unknown, reads=True, anywhere=True)
