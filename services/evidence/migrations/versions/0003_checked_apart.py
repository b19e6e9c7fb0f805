"""the uploader's declared SHA-256, and the full check done apart from the upload

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:00:00

Expand only: three nullable columns. Evidence kept before this was checked whole while it
was uploaded, so it counts as checked from when it was stored.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('declared_sha256', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('problem', sa.String(length=60), nullable=True))
    op.execute("UPDATE evidence SET checked_at = stored_at WHERE status IN ('stored', 'linked')")


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('problem')
        batch.drop_column('checked_at')
        batch.drop_column('declared_sha256')
