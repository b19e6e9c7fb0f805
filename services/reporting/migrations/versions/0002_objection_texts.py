"""keep the employee's objection and the dispute's outcome beside the superior's reason

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 20:40:00

Expand only: two nullable columns, so a running older instance keeps working.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('report') as batch:
        batch.add_column(sa.Column('objection_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('dispute_decision_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report') as batch:
        batch.drop_column('dispute_decision_reason')
        batch.drop_column('objection_reason')
