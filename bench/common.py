"""What the benchmarks share: percentiles, and each employee's free report slots."""
import datetime as dt

SLOTS_PER_DAY = 8             # one employee's report slots in a day (45 min each)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000 if values else float("nan")


class Slots:
    """Each employee's next free time slot: up to 8 a day on the open days of the month."""

    def __init__(self, today: dt.date):
        first = today.replace(day=1)
        if today.day <= 5:  # the previous month is still open until the deadline
            first = (first - dt.timedelta(days=1)).replace(day=1)
        self.days = [first + dt.timedelta(days=d) for d in range((today - first).days + 1)]
        self.used: dict[int, int] = {}

    def next(self, employee_id: int):
        k = self.used.get(employee_id, 0)
        day, n = divmod(k, SLOTS_PER_DAY)
        if day >= len(self.days):
            return None
        self.used[employee_id] = k + 1
        start = 7 * 60 + 30 + n * 50
        return self.days[day], f"{start // 60:02d}:{start % 60:02d}", \
            f"{(start + 45) // 60:02d}:{(start + 45) % 60:02d}"
