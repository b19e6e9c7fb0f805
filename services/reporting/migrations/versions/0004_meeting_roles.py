"""the roles a meeting's organiser names or confirms

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 20:45:00

Expand only: one nullable column (None: nobody named yet).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('meeting') as batch:
        batch.add_column(sa.Column('roles', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('meeting') as batch:
        batch.drop_column('roles')
