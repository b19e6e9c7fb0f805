"""Our id of each item on the national side (its `idLokal`): one rule, used by those who
write the payloads (reporting, scoring) and by the sync adapter that pushes them, so a
payload and the item it belongs to always name the same thing. Stable across retries,
restarts and re-exports: made of what the item is, never of a row id that a restore
could change."""


def progress_id(report_id: int) -> str:
    """An approved report in BKN's Progres Harian."""
    return f"laporan-{report_id}"


def evaluation_id(employee_id: int, year: int, month_from: int, month_to: int) -> str:
    """An SKP evaluation in SIASN: the year's (1-12) or a periodic span of it."""
    return f"penilaian-{employee_id}-{year}-{month_from}-{month_to}"
