"""the report's agency and why a review team may open the evidence

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 21:00:00

Expand only: two nullable columns.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('review', sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('review')
        batch.drop_column('agency_id')
