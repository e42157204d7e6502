"""Cutting replies into pieces: one function for Telegram (HTML, UTF-16) and WeChat (plain)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.telegram import MAX_TEXT as TELEGRAM_TEXT
from bot.adapters.telegram import html_pieces, visible_length
from bot.adapters.text import HTML_ATOM, split_text
from bot.adapters.wechat import MAX_TEXT as WECHAT_TEXT
from bot.rendering import to_plain


def plain(text: str, limit: int) -> list[str]:
    """WeChat's way: characters."""
    return split_text(text, limit)


def html(text: str, limit: int) -> list[str]:
    """Telegram's way: visible UTF-16 units, never cutting a tag or an entity."""
    return split_text(text, limit, visible_length, HTML_ATOM)


Split = Callable[[str, int], list[str]]
BOTH = [plain, html]


@pytest.mark.parametrize(
    ("split", "text", "limit", "pieces"),
    [
        (plain, "", 10, []),
        (html, "", 10, []),
        (plain, "\n\n", 10, []),
        (plain, "ab\ncd", 5, ["ab\ncd"]),
        (plain, "ab\ncd", 4, ["ab", "cd"]),
        (plain, "abcdef", 4, ["abcd", "ef"]),
        (plain, "好\n\n\n坏", 10, ["好\n\n\n坏"]),
        # Where the copies differed: Telegram's sent the line break and blank lines at a cut,
        # even as an empty message, which Telegram refuses; WeChat's left them out. Kept: out.
        (plain, "aaaa\n\nbbbb", 4, ["aaaa", "bbbb"]),
        (html, "aaaa\n\nbbbb", 4, ["aaaa", "bbbb"]),
        (plain, "aa\n\nbb", 3, ["aa", "bb"]),
        (html, "aa\n\nbb", 3, ["aa", "bb"]),
        (html, "  \nab", 2, ["ab"]),
        (html, "&amp;&amp;&amp;", 2, ["&amp;&amp;", "&amp;"]),
        (html, "<b>ab</b>", 1, ["<b>a", "b</b>"]),
        (html, "👵" * 3000, 4096, ["👵" * 2048, "👵" * 952]),
        (plain, "👵" * 3, 2, ["👵👵", "👵"]),
    ],
)
def test_split_text(split: Split, text: str, limit: int, pieces: list[str]) -> None:
    assert split(text, limit) == pieces


@pytest.mark.parametrize(("split", "length"), [(plain, len), (html, visible_length)])
@given(text=st.text(alphabet=st.sampled_from("好ab \n😀"), max_size=400), limit=st.integers(2, 40))
def test_every_character_goes_in_pieces_within_the_limit(
    split: Split, length: Callable[[str], int], text: str, limit: int
) -> None:
    pieces = split(text, limit)
    assert all(0 < length(piece) <= limit and piece.strip() for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


@pytest.mark.parametrize("split", BOTH)
def test_lines_stay_whole_and_a_20000_character_line_is_cut(split: Split) -> None:
    lines = [f"第{n}行" + "字" * 96 for n in range(40)]
    pieces = split("\n".join(lines), 500)
    assert all(len(p) <= 500 for p in pieces)
    assert [line for p in pieces for line in p.split("\n")] == lines
    long = split("长" * 20_000, WECHAT_TEXT)
    assert [len(p) for p in long] == [WECHAT_TEXT] * 13 + [20_000 - 13 * WECHAT_TEXT]


@pytest.mark.parametrize("size", [4097, 20_000])
def test_html_never_exceeds_the_limit_nor_cuts_an_entity(size: int) -> None:
    text = ("&amp;" * 7 + "x" * 13 + "\n") * (size // 21) + "y" * size
    pieces = html(text, TELEGRAM_TEXT)
    assert all(len(to_plain(p)) <= TELEGRAM_TEXT for p in pieces)
    assert "".join(to_plain(p).replace("\n", "") for p in pieces) == to_plain(text).replace(
        "\n", ""
    )
    assert all(p.count("&") == p.count(";") for p in pieces)


def test_an_empty_text_is_one_empty_piece_on_telegram_which_refuses_it() -> None:
    assert html_pieces("") == [""] and html_pieces("\n") == [""]
