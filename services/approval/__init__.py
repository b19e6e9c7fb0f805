"""Approval: the superior's inbox, decisions, and approver points."""
