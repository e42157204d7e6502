"""Result charts drawn with matplotlib (Agg): bars for choices, a distribution for ratings.

Labels are option numbers, not option texts: a chart must draw the same on a server
without Chinese fonts, and the caption sent with it names every numbered option.
"""

from __future__ import annotations

from pathlib import Path

from bot.services.deliberation.polls import Standing

BAR = "#2f6db5"
WIDTH_INCHES = 6.4
DPI = 100


def draw(standing: Standing, rating: bool, title: str, path: Path) -> Path:
    """Draw `standing` into a PNG at `path` (its folder is created) and return the path."""
    # matplotlib takes about a second to import; only a poll's result needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    counts = [o.votes for o in standing.options]
    numbers = [str(o.position) for o in standing.options]
    height = 3.2 if rating else 1.2 + 0.45 * len(counts)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    top = max(counts, default=0) or 1
    if rating:
        bars = axes.bar(numbers, counts, color=BAR)
        axes.set_ylim(0, top * 1.25)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("1 - 5")
        if standing.average is not None:
            axes.axvline(standing.average - 1, color="#c0392b", linestyle="--", linewidth=1.5)
    else:
        rows = list(reversed(numbers))
        bars = axes.barh(rows, list(reversed(counts)), color=BAR)
        axes.set_xlim(0, top * 1.3)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    shares = [o.percent for o in standing.options]
    labels = [f"{c} ({p:.0f}%)" for c, p in zip(counts, shares, strict=True)]
    axes.bar_label(bars, labels=labels if rating else list(reversed(labels)), padding=3)
    axes.set_title(title)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
