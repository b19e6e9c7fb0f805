"""Small charts as inline SVG, drawn on the server (no chart library, no CDN), and
the month arithmetic the pages need for them."""
import datetime as dt

from ekinerja_contract.periods import bounds


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
