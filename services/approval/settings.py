"""Approval's deployment settings, from config.yml (environment), and its clock."""
import datetime as dt
import logging
import os

from nameko.extensions import DependencyProvider

from ekinerja_contract import clock

log = logging.getLogger(__name__)
RETIRED = ("APPROVAL_POINTS_PER_DECISION", "APPROVAL_DAILY_POINTS_CAP", "APPROVAL_REMIND_AFTER_DAYS",
           "APPROVAL_ESCALATE_AFTER_DAYS", "APPROVAL_DISPUTE_WINDOW_DAYS")


class Settings(DependencyProvider):
    def setup(self):
        self.load(self.container.config.get("APPROVAL") or {})

    def load(self, cfg: dict) -> "Settings":
        # The numbers (points, reminder days, objection window) are the city's rule set's
        # (rule_set.py); what stays here is how this deployment hears disputes.
        retired = [k for k in RETIRED if os.environ.get(k)]
        if retired:
            log.warning("%s no longer apply: these numbers are the city's rule set's now "
                        "(POST /api/v1/admin/payroll-rule-sets)", ", ".join(retired))
        self.dispute_heard_by = cfg.get("DISPUTE_HEARD_BY", "review_team")
        self.review_scope = cfg.get("REVIEW_SCOPE", "agency")
        return self

    def local_date(self, moment: dt.datetime) -> dt.date:
        return clock.local_date(moment)

    def today(self) -> dt.date:
        return clock.today()

    def get_dependency(self, worker_ctx):
        return self
