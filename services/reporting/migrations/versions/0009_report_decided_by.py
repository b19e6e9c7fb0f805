"""who decided a report (for the national Progres Harian: the superior's approval)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:30:00

Expand only: a nullable column; reports decided before it name their routed approver.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('report') as batch:
        batch.add_column(sa.Column('decided_by', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report') as batch:
        batch.drop_column('decided_by')
