"""The status page's timeline of client secret expiries: inline SVG, one marker per
client coloured by its expiry check, today and the warning window marked; each marker's
<title> names the client and the date (browsers show it on hover, no script needed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .markup import escape

WIDTH, LEFT, RIGHT, TOP, LANE, AXIS = 1000, 20, 20, 30, 20, 34
MAX_LANES = 14
LABELLED = 40  # more clients than this: markers only (their titles still name them)


@dataclass(frozen=True)
class Marker:
    client: str
    at: datetime
    status: str  # of the client's secret expiry check
    source: str


def timeline_svg(markers: Sequence[Marker], now: datetime, warning_days: int) -> str:
    if not markers:
        return '<p class="sub">No client secret expiry is known.</p>'
    ordered = sorted(markers, key=lambda m: m.at)
    start = min(now - timedelta(days=30), ordered[0].at - timedelta(days=15))
    end = max(now + timedelta(days=max(90, 2 * warning_days)), ordered[-1].at + timedelta(days=30))
    span = (end - start).total_seconds()

    def x(moment: datetime) -> float:
        return LEFT + (moment - start).total_seconds() / span * (WIDTH - LEFT - RIGHT)

    labelled = len(ordered) <= LABELLED
    lanes = _lanes([x(m.at) for m in ordered], [m.client for m in ordered], labelled)
    height = TOP + LANE * (max(lanes) + 1) + AXIS
    axis_y = height - AXIS + 8
    parts = [
        f'<svg class="timeline" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="timeline-title">',
        '<title id="timeline-title">Client secret expiries</title>',
        f'<rect class="past" x="{LEFT}" y="0" width="{x(now) - LEFT:.1f}" height="{axis_y}"/>',
        f'<rect class="soon" x="{x(now):.1f}" y="0" '
        f'width="{x(now + timedelta(days=warning_days)) - x(now):.1f}" height="{axis_y}"/>',
        f'<line class="axis" x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}"/>',
        *_ticks(start, end, x, axis_y),
        f'<line class="today" x1="{x(now):.1f}" y1="0" x2="{x(now):.1f}" y2="{axis_y}"/>',
        f'<text class="tick" x="{x(now) + 4:.1f}" y="11">today</text>',
    ]
    for marker, lane in zip(ordered, lanes, strict=True):
        cx, cy = x(marker.at), TOP + LANE * lane
        when = marker.at.strftime("%Y-%m-%d")
        title = escape(f"{marker.client}: secret expires {when} ({marker.source}, {marker.status})")
        parts.append(
            f'<g class="marker" data-client="{escape(marker.client)}"><title>{title}</title>'
            f'<circle class="m-{marker.status}" cx="{cx:.1f}" cy="{cy}" r="6"/>'
        )
        if labelled:
            # near the right edge the name goes to the marker's left
            left = cx + _label_width(marker.client) > WIDTH - RIGHT
            at, anchor = (cx - 9, "end") if left else (cx + 9, "start")
            parts.append(
                f'<text class="label" x="{at:.1f}" y="{cy + 4}" text-anchor="{anchor}">'
                f"{escape(marker.client)}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _lanes(xs: Sequence[float], names: Sequence[str], labelled: bool) -> list[int]:
    """A lane per marker so that neither markers nor labels overlap (as far as the lanes
    go: beyond MAX_LANES they are reused)."""
    ends: list[float] = []
    lanes = []
    for index, (position, name) in enumerate(zip(xs, names, strict=True)):
        width = 14 + (_label_width(name) if labelled else 0)
        lane = next((i for i, end in enumerate(ends) if end < position - 7), None)
        if lane is None and len(ends) < MAX_LANES:
            lane = len(ends)
            ends.append(0.0)
        if lane is None:
            lane = index % MAX_LANES
        ends[lane] = position + width
        lanes.append(lane)
    return lanes


def _label_width(name: str) -> float:
    return len(name) * 6.5 + 10


def _ticks(
    start: datetime, end: datetime, x: Callable[[datetime], float], axis_y: float
) -> list[str]:
    """Month starts along the axis, labelled so that labels stay apart."""
    months: list[datetime] = []
    moment = datetime(start.year, start.month, 1, tzinfo=UTC)
    while moment <= end:
        if moment >= start:
            months.append(moment)
        following = moment.year + moment.month // 12, moment.month % 12 + 1
        moment = datetime(*following, 1, tzinfo=UTC)
    step = max(1, -(-len(months) * 70 // (WIDTH - LEFT - RIGHT)))
    parts = []
    year = None
    for index, month in enumerate(months):
        position = x(month)
        parts.append(
            f'<line class="axis" x1="{position:.1f}" y1="{axis_y}" x2="{position:.1f}" '
            f'y2="{axis_y + 4}"/>'
        )
        if index % step == 0 and position < WIDTH - RIGHT - 50:  # room for the label
            label = month.strftime("%b" if month.year == year else "%b %Y")
            year = month.year
            parts.append(
                f'<text class="tick" x="{position + 2:.1f}" y="{axis_y + 16}">{label}</text>'
            )
    return parts
