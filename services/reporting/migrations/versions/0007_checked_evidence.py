"""what evidence said of each upload it read whole (evidence.checked)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:00:00

Expand only: a new table. Empty after the upgrade: a report naming evidence that is not in
it asks evidence (checked_facts), as before.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('checked_evidence',
                    sa.Column('evidence_id', sa.String(length=36), nullable=False),
                    sa.Column('owner_id', sa.Integer(), nullable=False),
                    sa.Column('sha256', sa.String(length=64), nullable=False),
                    sa.Column('problem', sa.String(length=60), nullable=True),
                    sa.PrimaryKeyConstraint('evidence_id'))


def downgrade() -> None:
    op.drop_table('checked_evidence')
