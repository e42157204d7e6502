"""Result charts: bars labelled with the options' own words in a CJK font found at run time."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from bot.services.deliberation import charts
from bot.services.deliberation.standings import OptionCount, Standing, shown_percent

STANDING = Standing(
    [OptionCount(1, "东门充电桩", 3, "60"), OptionCount(2, "西門", 2, "40")], 5, None
)


@pytest.fixture(autouse=True)
def fresh_lookup() -> Iterator[None]:
    """Each test looks for the font afresh (the lookup is kept for the process)."""
    charts.cjk_family.cache_clear()
    yield
    charts.cjk_family.cache_clear()


def _glyph_warnings(
    caught: list[warnings.WarningMessage], caplog: pytest.LogCaptureFixture
) -> list[str]:
    said = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    return [text for text in said if "missing from font" in text]


def test_a_chart_labels_its_bars_with_the_options_words_in_a_cjk_font(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = charts.draw(STANDING, "#1  n=5", tmp_path / "chart.png", rating=False, named=True)
    assert chart.path.read_bytes()[:4] == b"\x89PNG"
    assert chart.labels == ["1. 东门充电桩", "2. 西門"]
    assert chart.family is not None
    found = font_manager.findfont(
        font_manager.FontProperties(family=chart.family), fallback_to_default=False
    )
    font = FT2Font(found)
    assert all(font.get_char_index(ord(c)) for c in "东门充电桩西門")
    assert _glyph_warnings(caught, caplog) == []


def test_without_a_cjk_font_bars_carry_numbers_and_one_line_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(charts, "_cjk_font_files", lambda: [])
    caplog.set_level(logging.INFO, logger=charts.__name__)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = charts.draw(STANDING, "#1  n=5", tmp_path / "a.png", rating=False, named=True)
        again = charts.draw(STANDING, "#1  n=5", tmp_path / "b.png", rating=False, named=True)
    assert first.family is None and first.labels == again.labels == ["1", "2"]
    assert again.path.read_bytes()[:4] == b"\x89PNG"
    logged = [r for r in caplog.records if r.name == charts.__name__]
    assert len(logged) == 1 and "fonts-wqy-microhei" in logged[0].getMessage()
    assert _glyph_warnings(caught, caplog) == []


def test_a_rating_chart_keeps_its_scores_as_labels(tmp_path: Path) -> None:
    scores = Standing(
        [OptionCount(n, str(n), n, shown_percent(n, 15)) for n in range(1, 6)], 15, 3.7
    )
    chart = charts.draw(scores, "#2", tmp_path / "r.png", rating=True, named=False)
    assert chart.labels == ["1", "2", "3", "4", "5"]
