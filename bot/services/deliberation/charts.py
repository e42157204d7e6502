"""Result charts drawn with matplotlib (Agg): bars for choices, a distribution for ratings.

Bars carry the options' own words in a CJK font found at run time (fontconfig's fonts
for Chinese, or one matplotlib already knows). Where the server has none, they carry
option numbers, which the caption sent with the chart names, and one line is logged.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bot.services.common.keywords import clipped
from bot.services.deliberation.standings import Standing

log = logging.getLogger(__name__)

BAR = "#2f6db5"
WIDTH_INCHES = 6.4
DPI = 100
# Longer option texts are cut on the chart; the caption holds them whole.
LABEL_CHARACTERS = 14
# Families preferred when several CJK fonts are installed, best first.
PREFERRED = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)


@dataclass(frozen=True)
class Chart:
    """A drawn chart: where it is, the bars' labels and values (count and percent, in option
    order), and the CJK font family used (if any)."""

    path: Path
    labels: list[str]
    values: list[str]
    family: str | None


def _cjk_font_files() -> list[str]:
    """Font files holding Chinese: what fontconfig lists, and those matplotlib knows by name."""
    # matplotlib is imported late: about a second, and only a poll's result needs it.
    from matplotlib import font_manager

    files: list[str] = []
    listing = shutil.which("fc-list")
    if listing is not None:
        done = subprocess.run(
            [listing, ":lang=zh", "file"], capture_output=True, text=True, timeout=30, check=False
        )
        files = [line.strip().rstrip(":") for line in done.stdout.splitlines() if line.strip()]
    known = [f.fname for f in font_manager.fontManager.ttflist if f.name in PREFERRED]
    return list(dict.fromkeys([*files, *known]))


@functools.cache
def cjk_family() -> str | None:
    """The font family chart labels in Chinese are drawn in; None (logged once) without one."""
    # matplotlib is imported late: about a second, and only a poll's result needs it.
    from matplotlib import font_manager

    names = []
    for path in _cjk_font_files():
        try:
            font_manager.fontManager.addfont(path)
            names.append(font_manager.FontProperties(fname=path).get_name())
        except (OSError, RuntimeError):
            continue
    family = next((n for n in PREFERRED if n in names), names[0] if names else None)
    if family is None:
        log.warning(
            "no CJK font found: result charts label bars with numbers "
            "(Debian: install fonts-wqy-microhei or fonts-noto-cjk)"
        )
    return family


def _label(position: int, text: str) -> str:
    return f"{position}. {clipped(text, LABEL_CHARACTERS)}"


def draw(standing: Standing, title: str, path: Path, *, rating: bool, named: bool) -> Chart:
    """Draw `standing` into a PNG at `path` (its folder is created); `named` bars carry
    the options' words where a CJK font is found."""
    # matplotlib is imported late: about a second, and only a poll's result needs it.
    from matplotlib import rc_context

    family = cjk_family() if named else None
    if family is not None:
        labels = [_label(o.position, o.label) for o in standing.options]
    else:
        labels = [str(o.position) for o in standing.options]
    values = [f"{o.votes} ({o.percent}%)" for o in standing.options]
    if family is None:
        _plot(standing, title, path, labels, values, rating)
    else:
        with rc_context({"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"]}):
            _plot(standing, title, path, labels, values, rating)
    return Chart(path, labels, values, family)


def _plot(
    standing: Standing, title: str, path: Path, labels: list[str], values: list[str], rating: bool
) -> None:
    # matplotlib is imported late: about a second, and only a poll's result needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = [o.votes for o in standing.options]
    height = 3.2 if rating else 1.2 + 0.45 * len(counts)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    top = max(counts, default=0) or 1
    if rating:
        bars = axes.bar(labels, counts, color=BAR)
        axes.set_ylim(0, top * 1.25)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("1 - 5")
        if standing.average is not None:
            axes.axvline(standing.average - 1, color="#c0392b", linestyle="--", linewidth=1.5)
    else:
        bars = axes.barh(list(reversed(labels)), list(reversed(counts)), color=BAR)
        axes.set_xlim(0, top * 1.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.bar_label(bars, labels=values if rating else list(reversed(values)), padding=3)
    axes.set_title(title)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
