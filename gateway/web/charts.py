"""Small charts as inline SVG, drawn on the server (no chart library, no CDN), and
the month arithmetic the pages need for them."""
import datetime as dt

from markupsafe import Markup, escape

from ekinerja_contract.periods import bounds

from .formatting import number, rupiah


def month_days(period: str, today: dt.date) -> list[dict]:
    """Every day of a month up to today: its date, weekday and whether it is a weekend."""
    start, end = bounds(period)
    days = []
    for i in range((end - start).days):
        day = start + dt.timedelta(days=i)
        if day > today:
            break
        days.append({"date": day.isoformat(), "weekend": day.weekday() >= 5})
    return days


def shift_period(period: str, months: int) -> str:
    year, month = (int(p) for p in period.split("-"))
    index = year * 12 + month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def bars(per_day: dict[str, int], period: str, height: int = 120) -> str:
    start, end = bounds(period)
    days = [(start + dt.timedelta(days=i)) for i in range((end - start).days)]
    top = max([*per_day.values(), 450])
    width = 10 * len(days)
    parts = [f'<svg viewBox="0 0 {width} {height + 14}" role="img" class="chart" '
             f'aria-label="menit per hari">']
    for i, day in enumerate(days):
        minutes = per_day.get(day.isoformat(), 0)
        h = round(height * minutes / top)
        fill = "#9aa5b1" if day.weekday() >= 5 else "#1d6f42"
        parts.append(f'<rect x="{i * 10 + 1}" y="{height - h}" width="8" height="{h}" fill="{fill}">'
                     f'<title>{day.isoformat()}: {minutes} menit</title></rect>')
        if day.day in (1, 10, 20) or day == days[-1]:
            parts.append(f'<text x="{i * 10}" y="{height + 12}" font-size="9">{day.day}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- the leaders' pages -------------------------------------------------------------------------
# Each chart is an <svg role="img"> with a title for screen readers; the page puts the same
# figures in a table right under it. Labels are escaped: names come from the personnel import.

GREEN, AMBER, RED, GREY, BLUE = "#1d6f42", "#b7791f", "#b42318", "#9aa5b1", "#2563a6"


def _pct(value) -> str:
    """12,5% (as the tables under the charts write it)."""
    return "—" if value is None else f"{number(float(value) * 100, 1)}%"


def _short(text: str, room: int = 34) -> str:
    """A label that fits a phone-wide chart; the whole of it is in the bar's <title>."""
    return text if len(text) <= room else text[:room - 1].rstrip() + "…"


def _row_bars(rows: list[tuple[str, float, str]], label: str, extra: str = "") -> Markup:
    """Rows of (caption, length 0..1, colour): the caption above its bar, as a phone reads
    them top to bottom. No links in it: to assistive technology a chart is one image (the
    table under it links its rows)."""
    width, row_h, room = 320, 38, 300
    height = row_h * len(rows) + 8
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" class="chart hbars" '
             f'aria-label="{escape(label)}">']
    for i, (caption, length, colour) in enumerate(rows):
        y = i * row_h
        body = (f'<text x="0" y="{y + 14}" font-size="13">{escape(_short(caption))}</text>'
                f'<rect x="0" y="{y + 19}" width="{max(1, round(length * room))}" height="12" '
                f'fill="{colour}"><title>{escape(caption)}</title></rect>')
        parts.append(body)
    parts.append(extra.replace("HEIGHT", str(height)) + "</svg>")
    return Markup("".join(parts))


def share_bars(rows: list[dict], label: str, target: float | None = None) -> Markup:
    """A share (0..1) per row {label, value}; amber under the target, red under
    half of it; the target as a dashed line."""
    bars = []
    for row in rows:
        value = float(row["value"] or 0)
        colour = GREEN if target is None or value >= target else AMBER if value >= target / 2 else RED
        bars.append((f'{row["label"]} — {_pct(row["value"])}', value, colour))
    extra = ""
    if target is not None:
        x = round(target * 300)
        extra = (f'<line x1="{x}" y1="0" x2="{x}" y2="HEIGHT" stroke="{GREY}" '
                 f'stroke-dasharray="3 3"><title>target {_pct(target)}</title></line>')
    return _row_bars(bars, label, extra)


def count_bars(rows: list[dict], label: str) -> Markup:
    """A count per row {label, value, warn?}; red where `warn`."""
    top = max([r["value"] for r in rows] + [1])
    return _row_bars([(f'{r["label"]} — {r["value"]}', r["value"] / top,
                       RED if r.get("warn") else BLUE) for r in rows], label)


def month_bars(trend: list[dict], label: str) -> Markup:
    """Twelve months of TPP as columns (red above its ceiling), each month's ceiling (its
    year's pagu ÷ 12) as a dashed tick over its column."""
    width, height, col = 336, 150, 28
    top = max([m["gross"] for m in trend] + [m["ceiling"] or 0 for m in trend] + [1])
    parts = [f'<svg viewBox="0 0 {width} {height + 16}" role="img" class="chart" '
             f'aria-label="{escape(label)}">']
    for i, m in enumerate(trend):
        h = round(height * m["gross"] / top)
        over = m["ceiling"] is not None and m["gross"] > m["ceiling"]
        parts.append(f'<rect x="{i * col + 2}" y="{height - h}" width="{col - 6}" height="{h}" '
                     f'fill="{RED if over else GREEN}"><title>{escape(m["period"])}: '
                     f'{escape(m["gross_text"])}</title></rect>'
                     f'<text x="{i * col + 4}" y="{height + 12}" font-size="9">'
                     f'{escape(m["short"])}</text>')
        if m["ceiling"]:
            y = height - round(height * m["ceiling"] / top)
            parts.append(f'<line x1="{i * col}" y1="{y}" x2="{i * col + col - 2}" y2="{y}" '
                         f'stroke="{AMBER}" stroke-width="2" stroke-dasharray="4 2">'
                         f'<title>pagu per bulan</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


def predikat_curve(shares: dict[str, float], limits: dict[str, tuple], label: str) -> Markup:
    """The share of each predikat as a column, with the pattern's max (▼) and min (▲)."""
    names = list(shares)
    width, height, col = 320, 140, 64
    parts = [f'<svg viewBox="0 0 {width} {height + 30}" role="img" class="chart" '
             f'aria-label="{escape(label)}">']
    for i, name in enumerate(names):
        value = float(shares[name] or 0)
        low, high = limits.get(name, (None, None))
        broken = (high is not None and value > high) or (low is not None and value < low)
        h = round(height * value)
        x = i * col + 6
        parts.append(f'<rect x="{x}" y="{height - h}" width="{col - 16}" height="{h}" '
                     f'fill="{RED if broken else BLUE}"><title>{escape(name)}: {_pct(value)}</title></rect>')
        for limit, colour in ((high, AMBER), (low, GREEN)):
            if limit is not None:
                y = height - round(height * limit)
                parts.append(f'<line x1="{x - 4}" y1="{y}" x2="{x + col - 12}" y2="{y}" stroke="{colour}" '
                             f'stroke-width="3"><title>batas {_pct(limit)}</title></line>')
        words = name.split(" ")
        for k, word in enumerate(words):
            parts.append(f'<text x="{x}" y="{height + 13 + 12 * k}" font-size="11">{escape(word)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def intervals(rows: list[dict], label: str) -> Markup:
    """Each appraiser's rate as a dot with its 95% interval, the peers' rate as a tick: an
    interval that holds the tick is no evidence of a difference."""
    width, row_h = 320, 30
    height = row_h * len(rows) + 8
    scale = width - 20
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" class="chart" aria-label="{escape(label)}">']
    for i, row in enumerate(rows):
        y = i * row_h + 20
        parts.append(f'<text x="0" y="{y - 8}" font-size="12">{escape(row["label"])}</text>')
        if row["value"] is None:
            continue
        low, high = row.get("low"), row.get("high")
        colour = RED if row["verdict"] in ("above", "below") else GREY
        if low is not None and high is not None:
            parts.append(f'<line x1="{10 + low * scale:.0f}" y1="{y}" x2="{10 + high * scale:.0f}" '
                         f'y2="{y}" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<circle cx="{10 + row["value"] * scale:.0f}" cy="{y}" r="4" fill="{colour}">'
                     f'<title>{escape(row["label"])}: {_pct(row["value"])}</title></circle>')
        if row.get("peers") is not None:
            x = 10 + row["peers"] * scale
            parts.append(f'<line x1="{x:.0f}" y1="{y - 6}" x2="{x:.0f}" y2="{y + 6}" stroke="{BLUE}" '
                         f'stroke-width="2"><title>rekan {_pct(row["peers"])}</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))


def paired_bars(rows: list[dict], label: str) -> Markup:
    """Per row {label, old, new, budget}: the old amount (grey) over the new one (green, red
    above its budget), both on one scale; the budget as an amber tick on the new bar."""
    width, row_h, room = 320, 50, 300
    top = max([max(r["old"], r["new"], r["budget"] or 0) for r in rows] + [1])
    parts = [f'<svg viewBox="0 0 {width} {row_h * len(rows) + 8}" role="img" class="chart hbars" '
             f'aria-label="{escape(label)}">']
    for i, r in enumerate(rows):
        y = i * row_h
        over = r["budget"] is not None and r["new"] > r["budget"]
        parts.append(f'<text x="0" y="{y + 14}" font-size="13">{escape(_short(r["label"]))}</text>'
                     f'<rect x="0" y="{y + 19}" width="{max(1, round(r["old"] / top * room))}" '
                     f'height="10" fill="{GREY}"><title>berlaku {escape(rupiah(r["old"]))}</title></rect>'
                     f'<rect x="0" y="{y + 31}" width="{max(1, round(r["new"] / top * room))}" '
                     f'height="10" fill="{RED if over else GREEN}"><title>draf {escape(rupiah(r["new"]))}'
                     f'</title></rect>')
        if r["budget"]:
            x = round(r["budget"] / top * room)
            parts.append(f'<line x1="{x}" y1="{y + 17}" x2="{x}" y2="{y + 43}" stroke="{AMBER}" '
                         f'stroke-width="2"><title>pagu {escape(rupiah(r["budget"]))}</title></line>')
    parts.append("</svg>")
    return Markup("".join(parts))
