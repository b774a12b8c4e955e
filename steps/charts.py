"""The trust-over-time chart, drawn on the server as SVG: no chart library, no JavaScript, and a
table beside it as its text alternative."""

from dataclasses import dataclass
from itertools import pairwise

from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from couples.models import Couple, Partnership
from steps.selectors import TrustPoint, get_trust_history

# The chart is drawn in percentages of its plot area, not in a viewBox: a viewBox scales the
# labels with the drawing, to 6 px on a phone. This way the lines and dots stretch to any width
# while the labels keep the page's own font size (the stylesheet leaves room around the plot
# for them). At most this many rounds are named under the chart, so that the dates never
# overlap on a phone.
MAX_X_LABELS = 4


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    segments: list[tuple[str, str, str, str]]  # x1, y1, x2, y2 of each line between two rounds
    dots: list[tuple[str, str, int]]  # x, y (formatted as percentages), value


@dataclass(frozen=True)
class TrustChart:
    series: list[Series]
    rows: list[tuple[TrustPoint, list[int | None]]]  # for the table: one value per partner
    names: list[str]
    gridlines: list[tuple[str, int]]  # y, label
    x_labels: list[tuple[str, str]]  # x, label

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _percent(value: float) -> str:
    # Formatted here, once: the template engine would localize every number it prints, which
    # costs more than drawing the chart.
    return f"{value:.2f}%"


def _y(value: int) -> str:
    return _percent(100 * (1 - value / 10))


def _labelled_rounds(count: int) -> list[int]:
    """The first round, the last, and evenly spaced ones between: MAX_X_LABELS at most."""
    if count <= MAX_X_LABELS:
        return list(range(count))
    last = count - 1
    return sorted({round(last * k / (MAX_X_LABELS - 1)) for k in range(MAX_X_LABELS)})


def trust_chart(history: list[TrustPoint], partners: list[Partnership]) -> TrustChart:
    span = max(len(history) - 1, 1)

    def x(index: int) -> str:
        return _percent(50 if len(history) == 1 else 100 * index / span)

    series = []
    for seat, partnership in enumerate(partners, start=1):
        user_id = partnership.user_id
        dots = [
            (x(i), _y(point.trust_by_user[user_id]), point.trust_by_user[user_id])
            for i, point in enumerate(history)
            if user_id in point.trust_by_user
        ]
        series.append(
            Series(
                name=partnership.user.display_name,
                css_class=f"series-{seat}",
                segments=[(x1, y1, x2, y2) for (x1, y1, _), (x2, y2, _) in pairwise(dots)],
                dots=dots,
            )
        )
    return TrustChart(
        series=series,
        rows=[(point, [point.trust_by_user.get(p.user_id) for p in partners]) for point in history],
        names=[p.user.display_name for p in partners],
        gridlines=[(_y(v), v) for v in (0, 5, 10)],
        x_labels=[
            (x(i), history[i].revealed_at.strftime("%-d %b"))
            for i in _labelled_rounds(len(history))
        ],
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
