"""what regional TPP rules need beyond work and attendance, and objections to pay lines

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:00:00

Expand only: one nullable column (attendance.leave_type) and new tables. Rows before it
are leave of no stated kind, which no rule deducts.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('attendance', sa.Column('leave_type', sa.String(length=12), nullable=True))
    op.create_table('employee_condition',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('employee_id', sa.Integer(), nullable=False),
                    sa.Column('kind', sa.String(length=24), nullable=False),
                    sa.Column('start_date', sa.Date(), nullable=False),
                    sa.Column('end_date', sa.Date(), nullable=True),
                    sa.Column('reference', sa.String(length=120), nullable=False),
                    sa.Column('recorded_by', sa.Integer(), nullable=False),
                    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_employee_condition_employee', 'employee_condition', ['employee_id', 'start_date'])
    op.create_table('budget_realisation',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('year', sa.Integer(), nullable=False),
                    sa.Column('quarter', sa.Integer(), nullable=False),
                    sa.Column('percent', sa.Numeric(precision=6, scale=2), nullable=False),
                    sa.Column('set_by', sa.Integer(), nullable=False),
                    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('agency_id', 'year', 'quarter'))
    op.create_table('approved_skp',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('employee_id', sa.Integer(), nullable=False),
                    sa.Column('year', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('employee_id', 'year'))
    op.create_table('tax_profile',
                    sa.Column('employee_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('ptkp', sa.String(length=5), nullable=False),
                    sa.Column('monthly_salary', sa.BigInteger(), nullable=False),
                    sa.Column('set_by', sa.Integer(), nullable=False),
                    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('employee_id'))
    op.create_table('pay_objection',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('employee_id', sa.Integer(), nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('period', sa.String(length=7), nullable=False),
                    sa.Column('snapshot_version', sa.Integer(), nullable=False),
                    sa.Column('step', sa.String(length=20), nullable=False),
                    sa.Column('reason', sa.Text(), nullable=False),
                    sa.Column('state', sa.String(length=10), nullable=False),
                    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('decided_by', sa.Integer(), nullable=True),
                    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('decision', sa.Text(), nullable=True),
                    sa.Column('correction_version', sa.Integer(), nullable=True),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_pay_objection_state', 'pay_objection', ['state', 'filed_at'])
    op.create_index(op.f('ix_pay_objection_employee_id'), 'pay_objection', ['employee_id'])


def downgrade() -> None:
    op.drop_table('pay_objection')
    op.drop_table('tax_profile')
    op.drop_table('approved_skp')
    op.drop_table('budget_realisation')
    op.drop_table('employee_condition')
    op.drop_column('attendance', 'leave_type')
