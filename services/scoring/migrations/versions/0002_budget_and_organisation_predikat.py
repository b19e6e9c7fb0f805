"""agencies' yearly TPP budget ceilings (pagu) and their own predikat

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 09:00:00

Expand only: two new tables, empty until an admin sets a ceiling (`set_budget`,
`payroll.budget_set`) or an agency's predikat (`set_organisation_predikat`,
`appraisal.organisation_predikat_set`). One row per agency and year in each.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('agency_budget',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('year', sa.Integer(), nullable=False),
                    sa.Column('ceiling', sa.BigInteger(), nullable=False),
                    sa.Column('set_by', sa.Integer(), nullable=False),
                    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('agency_id', 'year'))
    op.create_table('organisation_predikat',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('year', sa.Integer(), nullable=False),
                    sa.Column('predikat', sa.String(length=20), nullable=False),
                    sa.Column('set_by', sa.Integer(), nullable=False),
                    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('agency_id', 'year'))


def downgrade() -> None:
    op.drop_table('organisation_predikat')
    op.drop_table('agency_budget')
