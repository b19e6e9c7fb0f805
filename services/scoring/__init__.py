"""Scoring: the points ledger and the monthly recap (TPP comes with the rule sets)."""
