"""grace windows opened by the system itself, and revoked by an admin

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:40:00

Expand only: nullable columns and one with a default; windows before it were opened by
an admin and never revoked.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('grace_window') as batch:
        batch.add_column(sa.Column('automatic', sa.Boolean(), server_default='0', nullable=False))
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('revoked_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('revoke_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('grace_window') as batch:
        batch.drop_column('revoke_reason')
        batch.drop_column('revoked_by')
        batch.drop_column('revoked_at')
        batch.drop_column('automatic')
