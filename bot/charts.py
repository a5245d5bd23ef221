"""Report charts as PNG, drawn with matplotlib's headless Agg backend.

matplotlib is imported only when a chart is asked for: it costs a few hundred
milliseconds and many megabytes, which every other command and the bot's replies should
not pay. Charts are made to be read on a phone in a chat app: a tall image, large type,
at most eight playbooks by name (the rest summed as 'other'), money with its currency
symbol on the axis.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.models import Money
from bot.money import currency_exponent, format_money, to_major
from bot.reports import NO_PLAYBOOK, Report

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MAX_SERIES = 8  # more colours than this cannot be told apart on a small screen
OTHER = "other"
# Okabe–Ito, distinguishable with the common kinds of colour blindness, and two of Tol's;
# grey is kept for 'other'.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#882255",
    "#44AA99",
)
OTHER_COLOUR = "#BBBBBB"
FONT_SIZE = 15
# 900 px wide: crisp on a phone, a small file. The spend panel is taller: its legend
# sits below it. Heights in inches, at DPI pixels an inch.
WIDTH_IN, SPEND_HEIGHT_IN, ESCALATION_HEIGHT_IN, DPI = 7.5, 6.5, 4.5, 120


def chart_png(report: Report, titles: dict[str | None, str] | None = None) -> bytes:
    """The report's chart as PNG bytes (for uploading to Slack or Teams).

    ``titles`` maps playbook ids to the names shown in the legend; by default the
    report's own per-playbook labels are used.
    """
    import io

    buffer = io.BytesIO()
    _draw(report, titles).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_chart(report: Report, path: Path) -> Path:
    """Write the chart to ``path`` as PNG, whatever its extension says."""
    path.write_bytes(chart_png(report))
    return path


def _draw(report: Report, titles: dict[str | None, str] | None) -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)  # never a window, never a display server
    from matplotlib.figure import Figure

    # A Figure made directly is not registered with pyplot, so a long-running bot that
    # draws many charts does not accumulate them (pyplot keeps every figure it made).
    heights = [SPEND_HEIGHT_IN]
    if report.escalations is not None:
        heights.append(ESCALATION_HEIGHT_IN)
    fig = Figure(figsize=(WIDTH_IN, sum(heights)), layout="constrained")
    axes = fig.subplots(len(heights), 1, squeeze=False, height_ratios=heights)[:, 0]
    labels = titles or {r.key: r.label for r in report.playbooks}
    _spend_panel(axes[0], report, labels)
    if report.escalations is not None:
        _escalation_panel(axes[1], report)
    return fig


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=FONT_SIZE + 3, loc="left", fontweight="bold")
    ax.tick_params(labelsize=FONT_SIZE)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def _x(days: list[date]) -> list[float]:
    """Days as matplotlib's date numbers (days since its epoch), which every plot accepts."""
    from matplotlib.dates import date2num

    return [float(v) for v in date2num(days)]


def _legend_below(ax: Axes, days: list[date]) -> dict[str, Any]:
    """Legend placement under the day axis, the same gap whatever the panel's height."""
    from matplotlib.transforms import ScaledTranslation

    figure = ax.get_figure()
    assert figure is not None
    # Two-line day labels ("Mon" over "14") for a week, one line otherwise, then "Day".
    inches = 1.05 if len(days) <= 8 else 0.8
    shift = ScaledTranslation(0, -inches, figure.dpi_scale_trans)
    return {
        "loc": "upper center",
        "bbox_to_anchor": (0.5, 0.0),
        "bbox_transform": ax.transAxes + shift,
    }


def _day_axis(ax: Axes, days: list[date]) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, DayLocator

    if len(days) <= 8:  # a week: every day by name
        ax.xaxis.set_major_locator(DayLocator())
        ax.xaxis.set_major_formatter(DateFormatter("%a\n%d"))
    else:
        locator = AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    x = _x(days)
    ax.set_xlim(x[0] - 0.5, x[-1] + 0.5)
    ax.set_xlabel("Day", fontsize=FONT_SIZE)


def _series(report: Report) -> list[tuple[str | None, list[int]]]:
    """Per-playbook approved minor units per day: the biggest eight, then 'other'."""
    totals: dict[str | None, int] = {}
    for d in report.days:
        for pid, minor in d.approved_by_playbook:
            totals[pid] = totals.get(pid, 0) + minor
    ranked = sorted(totals, key=lambda pid: (-totals[pid], pid or ""))
    # Eight named series, or nine when the ninth is all that is left (no lone 'other').
    named = ranked if len(ranked) <= MAX_SERIES + 1 else ranked[:MAX_SERIES]
    series: list[tuple[str | None, list[int]]] = []
    for pid in named:
        per_day = [dict(d.approved_by_playbook).get(pid, 0) for d in report.days]
        series.append((pid, per_day))
    rest = set(ranked) - set(named)
    if rest:
        other = [sum(m for pid, m in d.approved_by_playbook if pid in rest) for d in report.days]
        series.append((OTHER, other))
    return series


def _spend_panel(ax: Axes, report: Report, labels: dict[str | None, str]) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    days = [d.day for d in report.days]
    currency = report.currency
    _style(ax, f"Approved spend per day ({currency})")
    series = _series(report)
    # Floats only for drawing: the figures themselves stay integer minor units.
    bottom = [0.0] * len(days)
    for i, (pid, minors) in enumerate(series):
        heights = [float(to_major(Money(m, currency))) for m in minors]
        name = OTHER if pid == OTHER else labels.get(pid, pid or NO_PLAYBOOK)
        ax.bar(
            _x(days),
            heights,
            bottom=bottom,
            width=0.8,
            label=_shorten(name),
            color=OTHER_COLOUR if pid == OTHER else PALETTE[i % len(PALETTE)],
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    if not series:
        ax.text(
            0.5,
            0.5,
            "No approved spend in this period",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 2,
            color="#555555",
        )
        ax.set_ylim(0, 1)
    else:
        # Below the plot, never over the bars: a busy day would hide behind it.
        ax.legend(
            fontsize=FONT_SIZE - 3,
            frameon=False,
            **_legend_below(ax, days),
            ncols=2,
            columnspacing=1.0,
            handlelength=1.2,
        )
        ax.set_ylim(0, max(bottom) * 1.1)

    def money_tick(value: float, _pos: int) -> str:
        # Ticks are drawn in major units; show them as the organisation writes money.
        minor = round(value * 10 ** currency_exponent(currency))
        return format_money(Money(minor, currency), compact=True)

    ax.yaxis.set_major_formatter(FuncFormatter(money_tick))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    ax.set_ylabel(f"Spend ({_symbol(currency)})", fontsize=FONT_SIZE)
    _day_axis(ax, days)


def _escalation_panel(ax: Axes, report: Report) -> None:
    from matplotlib.ticker import MaxNLocator

    esc = report.escalations
    assert esc is not None
    days = [d.day for d in esc.days]
    _style(ax, "Escalations per day")
    ax.bar(_x(days), [d.opened for d in esc.days], width=0.8, color="#999999", label="opened")
    ax.bar(
        _x(days),
        [d.acknowledged for d in esc.days],
        width=0.5,
        color="#0072B2",
        label="acknowledged",
    )
    ax.set_ylabel("Escalations", fontsize=FONT_SIZE)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.set_ylim(0, max([d.opened for d in esc.days] + [1]) * 1.1)

    minutes = [
        None if d.median_to_acknowledge is None else d.median_to_acknowledge.total_seconds() / 60
        for d in esc.days
    ]
    right = ax.twinx()
    right.tick_params(labelsize=FONT_SIZE, colors="#D55E00")
    right.spines[["top"]].set_visible(False)
    points = [(x, m) for x, m in zip(_x(days), minutes, strict=True) if m is not None]
    if points:
        right.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            color="#D55E00",
            marker="D",
            markersize=10,
            linestyle="none",  # dots: a line across quiet days would invent values
            label="median minutes to acknowledge",
        )
        right.set_ylim(0, max(p[1] for p in points) * 1.1)
        right.yaxis.set_major_locator(MaxNLocator(nbins=5, min_n_ticks=3))
    else:
        right.set_yticks([])  # nothing acknowledged: a bare 0–1 scale would mislead
    right.set_ylabel("Median minutes to acknowledge", fontsize=FONT_SIZE, color="#D55E00")
    handles, names = ax.get_legend_handles_labels()
    more, more_names = right.get_legend_handles_labels()
    ax.legend(
        handles + more,
        names + more_names,
        fontsize=FONT_SIZE - 3,
        frameon=False,
        **_legend_below(ax, days),
        ncols=2,
        numpoints=1,
        handlelength=1.2,
    )
    if esc.opened == 0:
        ax.text(
            0.5,
            0.5,
            "No escalations in this period",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=FONT_SIZE + 2,
            color="#555555",
        )
    _day_axis(ax, days)


def _shorten(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _symbol(currency: str) -> str:
    # format_money puts the symbol (or the code, for currencies without one) before the
    # digits; whatever precedes the first digit is what the axis label should say.
    shown = format_money(Money(0, currency), compact=True)
    return shown.rstrip("0").strip() or currency


__all__ = ["chart_png", "save_chart"]


# --------------------------------------------------------------------------- recovery

RECOVERY_HEIGHT_IN = 7.0


def recovery_chart_path(spend_chart: Path) -> Path:
    """Where `coachbot report --chart X.png` puts the recovery chart: X-recovery.png."""
    return spend_chart.with_name(f"{spend_chart.stem}-recovery{spend_chart.suffix or '.png'}")


def recovery_chart_png(report: Report) -> bytes:
    """Win-back rate by spend band and by playbook: "does spending more win more?".

    A separate image, so the spend chart every existing reader knows stays as it was.
    """
    import io

    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    rec = report.recovery
    if rec is None:
        raise ValueError("this report has no recovery figures")
    fig = Figure(figsize=(WIDTH_IN, RECOVERY_HEIGHT_IN), layout="constrained")
    top, bottom = fig.subplots(2, 1, squeeze=True)
    for ax, rows, title in (
        (top, rec.by_spend_band, "Won back, by spend on the incident"),
        (bottom, rec.by_playbook[:MAX_SERIES], "Won back, by playbook"),
    ):
        labels = [_shorten(r.label) for r in rows]
        rates = [100 * (r.win_back_rate or 0.0) for r in rows]
        bars = ax.barh(labels, rates, color=PALETTE[0])
        for bar, r in zip(bars, rows, strict=True):
            # How many incidents stand behind each bar: 100% of 1 is not 100% of 40.
            ax.annotate(
                f" {r.won}/{r.decided}",
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                va="center",
                fontsize=FONT_SIZE - 3,
            )
        ax.set_xlim(0, 110)
        ax.invert_yaxis()
        ax.set_xlabel("% won back (of won, calmed or lost)", fontsize=FONT_SIZE - 3)
        _style(ax, title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_recovery_chart(report: Report, path: Path) -> Path:
    path.write_bytes(recovery_chart_png(report))
    return path
