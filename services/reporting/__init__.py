"""Reporting: the organisation, the activity catalogue and daily activity reports."""
