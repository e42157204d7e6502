"""What replies offer to type, typed back by their reader, in their chat, on a copy of the
database: every 「…」 (or "…", or /command in English) that names a command or answers the
reader's open dialog, and every numbered choice line's number."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.app import App
from bot.config import LANGUAGES
from bot.messages import ChatKind, Envelope, EventKind, Incoming, UserRef
from bot.routing import UNKNOWN
from models import Dialog
from tests.support.driver import PLATFORM, Driver

_ZH_QUOTED = re.compile(r"「([^「」]+)」")
_EN_QUOTED = re.compile(r"\"([^\"]+)\"")
# An English command named without quotes: Send /me to see your details.
_EN_SLASH = re.compile(r"(?:^|(?<=[\s(]))(/[a-z]+)\b")
# Words a quote follows when it is a part to add to a command, not a command: 可以加「回执 …」.
_ADDING = re.compile(r"(?:加|加上|add|adding)\s*$")
# Words a number follows when it is to be typed: 例如回复「1」.
_REPLYING = re.compile(r"(?:回复|回覆|reply|send|for example)\s*$")
# Words that stand for what the reader fills in: 「报名 编号」「登记 楼号-单元-房号」.
PLACEHOLDERS = re.compile(
    r"编号|編號|内容|內容|楼号|樓號|房号|房號|原因|怎么办的|怎麼辦的|办理结果|辦理結果|地点|地點"
    r"|您的话|您的話|申请号|申請號|对方|對方|某人|哪里|哪裡|什么问题|什麼問題|理由|…|<|\["
    r"|building-unit-room|\bnumber\b|\btext\b|\bwhy\b|how it was|what was done|\bnote\b"
    r"|\boption\b|\bdecision\b|\breason\b|\bscope\b|your words|other side|where and what"
    r"|@someone|\bN\b"
)
# Words a quote follows when it is typed in reply to someone's message.
_IN_REPLY = re.compile(
    r"(?:回复那个人的消息|回覆那個人的訊息|reply to their message)[^「」\"]{0,6}$"
)
# Answers that say the typed words were not understood, or failed.
NOT_UNDERSTOOD = frozenset(
    {
        "core.unknown_command",
        "core.private_hint",
        "core.extra_arguments",
        "core.internal_error",
        "core.no_such_choice",
        "core.control_characters",
        "grid.bad_address",
        "when.unreadable",
        "deliberation.unknown_setting",
        "notices.bad_setting",
        "notices.bad_repeat",
        "points.rule_usage",
        "volunteering.unknown_item",
        "volunteering.bad_weekdays",
        "volunteering.rules_bad_value",
        "volunteering.window_unreadable",
    }
)


@dataclass(frozen=True)
class Offer:
    """Words a reply (template `key`, in `language`) shows `user` to type in `chat`."""

    key: str
    language: str
    text: str
    user: str
    chat: str | None
    in_reply: bool = False
    picks: str = ""


@dataclass
class Outcome:
    """An offer typed back and the templates of what came of it."""

    offer: Offer
    answers: list[str]
    expected: list[str] | None = None

    @property
    def failed(self) -> bool:
        """Nothing answered, or the answer says the words were not understood: a usage
        answer counts only for words beyond a bare keyword, whose answer usage is."""
        if not self.answers:
            return True
        if self.expected is not None:
            return self.answers != self.expected
        with_arguments = len(self.offer.text.split()) > 1
        return any(
            key in NOT_UNDERSTOOD or (with_arguments and key.rpartition(".")[2].endswith("usage"))
            for key in self.answers
        )


def quoted(text: str, language: str) -> list[tuple[str, str]]:
    """Each quoted piece of `text` (and English bare /commands), with the text before it."""
    pattern = _EN_QUOTED if language == "en" else _ZH_QUOTED
    found = [(m.group(1), text[: m.start()]) for m in pattern.finditer(text)]
    if language == "en":
        rest = pattern.sub("", text)
        found += [(m.group(1), rest[: m.start()]) for m in _EN_SLASH.finditer(rest)]
    return found


def left_out(item: str, before: str, said: str) -> bool:
    """Whether a quoted `item` after `before` is no offer: a pattern to fill in (「报名 编号」),
    a part to add to a command (可以加「回执 …」), a separator (用「|」隔开), or words the
    person just `said` (看不懂「每周八」). A number to reply (回复「1」) always is one."""
    if item.isdigit() and _REPLYING.search(before) is not None:
        return False
    return bool(
        PLACEHOLDERS.search(item)
        or _ADDING.search(before)
        or not re.search(r"\w", item)
        or _echoes(item, said)
    )


def _echoes(item: str, said: str) -> bool:
    """Whether `item` repeats words the person said (看不懂「每周八 8:00」)."""
    words, spoken = item.split(), re.split(r"[\s|]+", said)
    return any(spoken[i : i + len(words)] == words for i in range(len(spoken)))


@dataclass
class Replayer:
    """Types back every distinct offer of the main app's replies on a copy of its database."""

    main: App
    copy: App
    driver: Driver
    outcomes: list[Outcome] = field(default_factory=list)
    # Numbered choices shown in a group to everyone, which no bare number picks.
    unnumbered: set[str] = field(default_factory=set)
    seen: set[tuple[str, ...]] = field(default_factory=set)
    speakers: dict[str, str] = field(default_factory=dict)
    answered: dict[tuple[str, str | None, str, bool], list[str]] = field(default_factory=dict)

    def watch(self) -> None:
        """Replay after each event the main app handles and each scheduler tick."""
        handle = self.main.dispatcher.handle
        tick = self.main.scheduler.tick

        def handling(incoming: Incoming, *args: Any, **kw: Any) -> list[Envelope]:
            envelopes = handle(incoming, *args, **kw)
            user = incoming.user.user_id if incoming.user else None
            here = incoming.chat.chat_id if incoming.chat.kind == ChatKind.GROUP else None
            said = incoming.text if incoming.event == EventKind.MESSAGE else ""
            if here is not None and user is not None and said:
                self.speakers[here] = user
            self._replay(envelopes, user, here, said)
            return envelopes

        def ticking(now: datetime) -> list[Envelope]:
            envelopes = tick(now)
            self._replay(envelopes, None, None, "")
            return envelopes

        self.main.dispatcher.handle = handling  # type: ignore[method-assign]
        self.main.scheduler.tick = ticking  # type: ignore[method-assign]

    def _replay(
        self, envelopes: list[Envelope], owner: str | None, owner_chat: str | None, said: str
    ) -> None:
        # What each text typed now is answered with: the database is the same until the next.
        self.answered.clear()
        for envelope in envelopes:
            target = envelope.target
            chat = target.chat_id if target.kind == ChatKind.GROUP else None
            if chat is None:
                user: str | None = envelope.to_user or target.chat_id
            else:
                user = owner if owner is not None and owner_chat == chat else None
                user = user or self.speakers.get(chat)
            if user is None:
                continue
            offers = list(self._typed_offers(envelope, user, chat, said))
            offers += self._numbers(envelope, user, chat, owner)
            for offer in offers:
                self.outcomes.append(self._typed(offer))

    def _typed_offers(
        self, envelope: Envelope, user: str, chat: str | None, said: str
    ) -> Iterator[Offer]:
        key = envelope.reply.template
        in_dialog = self._in_dialog(user, chat)
        for language in LANGUAGES:
            rendered = self.main.renderer.render(
                envelope.reply, language, html_mode=False, buttons=False
            )
            for item, before in quoted(rendered.text, language):
                # In a dialog anything quoted answers it; elsewhere only what names a command.
                replied = item.isdigit() and _REPLYING.search(before) is not None
                if left_out(item, before, said) or not (
                    in_dialog or replied or self._names_a_command(item)
                ):
                    continue
                shape = (key, language, re.sub(r"\d+", "#", item), str(chat is None))
                if shape not in self.seen:
                    self.seen.add(shape)
                    in_reply = _IN_REPLY.search(before) is not None
                    yield Offer(key, language, item, user, chat, in_reply)
                    # Copied with its quotes, it does the same (「」 read alike in both scripts).
                    if language != "zh-Hant":
                        marks = '""' if language == "en" else "「」"
                        copied = marks[0] + item + marks[1]
                        yield Offer(key, language, copied, user, chat, in_reply, picks=item)

    def _numbers(
        self, envelope: Envelope, user: str, chat: str | None, owner: str | None
    ) -> Iterator[Offer]:
        """A bare number for each numbered choice its reader may pick by number."""
        choices = [c for row in envelope.reply.choices for c in row]
        if not choices or envelope.toast:
            return
        key = envelope.reply.template
        if chat is not None and not (owner == user and all(c.personal for c in choices)):
            self.unnumbered.add(key)
            return
        for number, choice in enumerate(choices, start=1):
            shape = (key, "number", str(number), str(chat is None))
            if shape not in self.seen:
                self.seen.add(shape)
                yield Offer(key, envelope.language, str(number), user, chat, picks=choice.command)

    def _names_a_command(self, item: str) -> bool:
        if item.startswith("/"):
            return True
        route = self.main.router.route(item)
        return route is not None and route.command is not UNKNOWN and not route.prefixed

    def _in_dialog(self, user: str, chat: str | None) -> bool:
        """Whether `user` is in a guided dialog in `chat`, which reads what they type next."""
        with self.main.db.transaction() as session:
            found = session.scalar(
                select(Dialog.id).where(
                    Dialog.platform == PLATFORM,
                    Dialog.chat_id == (chat or user),
                    Dialog.user_id == user,
                )
            )
        return found is not None

    def _typed(self, offer: Offer) -> Outcome:
        """`offer` typed by its reader on a fresh copy of the main database; a number is
        expected to do what its choice's command does."""
        answers = self._answers(offer, offer.text)
        expected = self._answers(offer, offer.picks) if offer.picks else None
        return Outcome(offer, answers, expected)

    def _answers(self, offer: Offer, text: str) -> list[str]:
        """The templates of what `text`, typed as `offer` says, is answered with."""
        typed = (offer.user, offer.chat, text, offer.in_reply)
        if typed not in self.answered:
            self.answered[typed] = self._replayed(offer, text)
        return self.answered[typed]

    def _replayed(self, offer: Offer, text: str) -> list[str]:
        source = self.main.db.engine.raw_connection()
        target = self.copy.db.engine.raw_connection()
        try:
            source.driver_connection.backup(target.driver_connection)  # type: ignore[union-attr]
        finally:
            source.close()
            target.close()
        driver = Driver(self.copy, buttons=False)
        driver.names, driver.titles, driver.admins = (
            self.driver.names,
            self.driver.titles,
            self.driver.admins,
        )
        incoming = driver.incoming(offer.user, text, offer.chat)
        if offer.in_reply:
            incoming = replace(incoming, reply_to=UserRef(PLATFORM, "r2", "r2"))
        driver.received(self.copy.dispatcher.handle(incoming))
        return [e.reply.template for e in driver.answers]
