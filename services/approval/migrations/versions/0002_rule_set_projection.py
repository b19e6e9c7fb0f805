"""approval's numbers and calendar become a projection of the city's one rule set

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:40:00

Scoring owns the rule set (holidays, approver points, reminder and escalation days,
objection window) and publishes it with `scoring.rule_set_published` 1.1. The holiday
table goes: a city lists its holidays in the rule set, so approval's calendar and
payroll's are the same one.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('rule_set_projection',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('source_id', sa.Integer(), nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=True),
                    sa.Column('effective_from', sa.Date(), nullable=False),
                    sa.Column('holidays', sa.JSON(), nullable=False),
                    sa.Column('approver_points_per_decision', sa.Numeric(8, 2), nullable=False),
                    sa.Column('approver_daily_points_cap', sa.Numeric(8, 2), nullable=False),
                    sa.Column('remind_after_days', sa.Integer(), nullable=False),
                    sa.Column('escalate_after_days', sa.Integer(), nullable=False),
                    sa.Column('objection_window_days', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('source_id'))
    kept = op.get_bind().execute(sa.text("SELECT day, name FROM holiday ORDER BY day")).all()
    if kept:
        # Nothing lost: the upgrade stops until these are in the city's rule set (then
        # delete them from `holiday` and run the migration again).
        raise RuntimeError("approval 0002: the holiday table still holds "
                           + ", ".join(f"{d} {n}" for d, n in kept)
                           + "; add them to the city's rule set (holidays), delete them "
                             "from the table, and upgrade again (docs/DEPLOY.md)")
    op.drop_table('holiday')


def downgrade() -> None:
    op.create_table('holiday',
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('name', sa.String(length=200), nullable=False),
                    sa.PrimaryKeyConstraint('day'))
    op.drop_table('rule_set_projection')
