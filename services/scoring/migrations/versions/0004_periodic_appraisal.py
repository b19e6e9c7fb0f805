"""periodic appraisals (a month, a quarter, a semester) and who appraised; the position and
unit on each placement (for SIASN's evaluation: the appraiser's jabatan and unor)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 11:00:00

Expand, then one swap: an appraisal from before covers months 1-12 (the year, as it
meant), so the one-per-year constraint is replaced by one per span in the same step.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

def _old_appraisal() -> sa.Table:
    """The table as 0001 made it, less its unnamed one-per-year constraint: SQLite's batch
    mode copies from this, which is how an unnamed constraint is dropped there."""
    return sa.Table('appraisal', sa.MetaData(),
                    sa.Column('id', sa.Integer(), primary_key=True),
                    sa.Column('employee_id', sa.Integer(), nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('year', sa.Integer(), nullable=False),
                    sa.Column('result_rating', sa.String(length=12), nullable=False),
                    sa.Column('behaviour_rating', sa.String(length=12), nullable=False),
                    sa.Column('predikat', sa.String(length=20), nullable=False),
                    sa.Column('set_by', sa.Integer(), nullable=False))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_constraint('appraisal_employee_id_year_key', 'appraisal', type_='unique')
    with op.batch_alter_table('appraisal', copy_from=None if postgres else _old_appraisal()) as batch:
        batch.add_column(sa.Column('month_from', sa.Integer(), server_default='1', nullable=False))
        batch.add_column(sa.Column('month_to', sa.Integer(), server_default='12', nullable=False))
        batch.add_column(sa.Column('appraiser_employee_id', sa.Integer(), nullable=True))
        batch.create_unique_constraint('uq_appraisal_span',
                                       ['employee_id', 'year', 'month_from', 'month_to'])
    with op.batch_alter_table('placement') as batch:
        batch.add_column(sa.Column('position_name', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('unit_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('placement') as batch:
        batch.drop_column('unit_name')
        batch.drop_column('position_name')
    with op.batch_alter_table('appraisal') as batch:
        batch.drop_constraint('uq_appraisal_span', type_='unique')
        batch.drop_column('appraiser_employee_id')
        batch.drop_column('month_to')
        batch.drop_column('month_from')
        batch.create_unique_constraint('appraisal_employee_id_year_key', ['employee_id', 'year'])
