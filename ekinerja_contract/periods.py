"""Periods on the wire are calendar months written `YYYY-MM`."""
import datetime as dt
import re

from .errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_of(date: dt.date) -> str:
    return f"{date.year:04d}-{date.month:02d}"


def bounds(period: str) -> tuple[dt.date, dt.date]:
    """[first day, first day of the next month)."""
    m = _PERIOD.match(period or "")
    if not m:
        raise InvalidInput("period must be YYYY-MM", [{"field": "period", "reason": period}],
                           code="period_format")
    year, month = int(m.group(1)), int(m.group(2))
    if not 2000 <= year <= 2100:
        raise InvalidInput("period year must be between 2000 and 2100",
                           [{"field": "period", "reason": period}], code="period_year")
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, end
