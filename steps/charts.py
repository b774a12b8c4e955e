"""The trust-over-time chart, drawn on the server as SVG: no chart library, no JavaScript, and a
table beside it as its text alternative."""

from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from couples.models import Couple, Partnership
from steps.selectors import TrustPoint, get_trust_history

WIDTH = 640
HEIGHT = 240
LEFT = 36
RIGHT = 32
TOP = 16
BOTTOM = 32


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    points: str  # an SVG polyline's "x,y x,y" list
    dots: list[tuple[str, str, int]]  # x, y (formatted), value


@dataclass(frozen=True)
class TrustChart:
    width: int
    height: int
    series: list[Series]
    rows: list[tuple[TrustPoint, list[int | None]]]  # for the table: one value per partner
    names: list[str]
    gridlines: list[tuple[str, int]]  # y, label
    x_labels: list[tuple[str, str]]

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _y(value: int) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / 10)


def _coordinate(value: float) -> str:
    # Formatted here, once: the template engine would localize every number it prints, which
    # costs more than drawing the chart.
    return f"{value:.1f}"


def trust_chart(history: list[TrustPoint], partners: list[Partnership]) -> TrustChart:
    span = max(len(history) - 1, 1)
    plot_width = WIDTH - LEFT - RIGHT

    def x(index: int) -> float:
        if len(history) == 1:
            return LEFT + plot_width / 2
        return LEFT + plot_width * index / span

    series = []
    for seat, partnership in enumerate(partners, start=1):
        dots = [
            (
                round(x(i), 1),
                round(_y(point.trust_by_user[partnership.user_id]), 1),
                point.trust_by_user[partnership.user_id],
            )
            for i, point in enumerate(history)
            if partnership.user_id in point.trust_by_user
        ]
        series.append(
            Series(
                name=partnership.user.display_name,
                css_class=f"series-{seat}",
                points=" ".join(f"{dx},{dy}" for dx, dy, _ in dots),
                dots=dots,
            )
        )
    # Label a handful of rounds on the x axis: the first, the last, and a few between.
    step_every = max(1, len(history) // 5)
    x_labels = [
        (_coordinate(x(i)), point.revealed_at.strftime("%-d %b"))
        for i, point in enumerate(history)
        if i % step_every == 0 or i == len(history) - 1
    ]
    return TrustChart(
        width=WIDTH,
        height=HEIGHT,
        series=series,
        rows=[(point, [point.trust_by_user.get(p.user_id) for p in partners]) for point in history],
        names=[p.user.display_name for p in partners],
        gridlines=[(_coordinate(_y(v)), v) for v in (0, 5, 10)],
        x_labels=x_labels,
    )


def trust_chart_html(
    couple: Couple, partners: list[Partnership], stamp: tuple[int, int]
) -> SafeString:
    """The chart and its table as HTML, drawn once per history and reused until it changes.

    Drawing a long history costs milliseconds on every visit to the couple home (a row and two
    dots per round). The key holds everything the HTML shows: the history's stamp
    (get_trust_history_stamp), and the partners (the viewer's series first) with their names."""
    count, last = stamp
    # repr: a name may hold any character, so the partners go in quoted, never just joined.
    people = repr([(p.user_id, p.user.display_name) for p in partners])
    key = make_template_fragment_key("trust-chart", [couple.pk, count, last, people])
    fragments = caches["fragments"]
    html = fragments.get(key)
    if html is None:
        chart = trust_chart(get_trust_history(couple), partners)
        html = render_to_string("steps/trust_chart.html", {"chart": chart})
        fragments.set(key, html)
    return mark_safe(html)  # noqa: S308 (rendered by our own autoescaping template)
