"""Approval's numbers and city settings, from config.yml (environment)."""
import datetime as dt
from decimal import Decimal

from nameko.extensions import DependencyProvider

from ekinerja_contract import clock


class Settings(DependencyProvider):
    def setup(self):
        self.load(self.container.config.get("APPROVAL") or {})

    def load(self, cfg: dict) -> "Settings":
        self.points_per_decision = Decimal(str(cfg.get("POINTS_PER_DECISION", 2)))
        self.daily_points_cap = Decimal(str(cfg.get("DAILY_POINTS_CAP", 40)))
        self.remind_after = int(cfg.get("REMIND_AFTER_DAYS", 3))
        self.escalate_after = int(cfg.get("ESCALATE_AFTER_DAYS", 5))
        self.dispute_window = int(cfg.get("DISPUTE_WINDOW_DAYS", 14))
        self.dispute_heard_by = cfg.get("DISPUTE_HEARD_BY", "review_team")
        self.review_scope = cfg.get("REVIEW_SCOPE", "agency")
        return self

    def local_date(self, moment: dt.datetime) -> dt.date:
        return clock.local_date(moment)

    def today(self) -> dt.date:
        return clock.today()

    def get_dependency(self, worker_ctx):
        return self
