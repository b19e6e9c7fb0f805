"""reporting's numbers become a projection of the city's one rule set

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:30:00

Scoring owns the rule set now and publishes each one with `scoring.rule_set_published`
1.1; reporting keeps the numbers it applies, per agency, with the approver of agency
heads. Reporting's own earlier rows are not copied (they would outrank scoring's sets);
after the upgrade `python -m services.scoring.manage announce-rule-sets` fills the
projection.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('rule_set_projection',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('source_id', sa.Integer(), nullable=True),
                    sa.Column('agency_id', sa.Integer(), nullable=True),
                    sa.Column('effective_from', sa.Date(), nullable=False),
                    sa.Column('daily_cap_minutes', sa.Integer(), nullable=False),
                    sa.Column('input_deadline_day', sa.Integer(), nullable=False),
                    sa.Column('head_approver', sa.String(length=100), nullable=True),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('source_id'))
    old = op.get_bind().execute(sa.text(
        "SELECT effective_from, daily_cap_minutes, input_deadline_day FROM reporting_rule_set"
    )).all()
    if old:
        # Not copied: a copy would outrank the sets scoring owns. Their numbers belong in
        # the city's rule set; `services.scoring.manage announce-rule-sets` fills the
        # projection from scoring after the upgrade (docs/DEPLOY.md).
        print("reporting 0006: reporting's own rule sets are retired; publish these numbers "
              "in the city's rule set if scoring's differ: "
              + "; ".join(f"{r[0]}: cap {r[1]} min, deadline day {r[2]}" for r in old))
    op.drop_table('reporting_rule_set')


def downgrade() -> None:
    op.create_table('reporting_rule_set',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('effective_from', sa.Date(), nullable=False),
                    sa.Column('daily_cap_minutes', sa.Integer(), nullable=False),
                    sa.Column('input_deadline_day', sa.Integer(), nullable=False),
                    sa.Column('created_by', sa.Integer(), nullable=True),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('effective_from'))
    op.execute("INSERT INTO reporting_rule_set (effective_from, daily_cap_minutes, "
               "input_deadline_day) SELECT effective_from, max(daily_cap_minutes), "
               "max(input_deadline_day) FROM rule_set_projection WHERE agency_id IS NULL "
               "GROUP BY effective_from")
    op.drop_table('rule_set_projection')
