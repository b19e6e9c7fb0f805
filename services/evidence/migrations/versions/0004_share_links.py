"""links to evidence a national reviewer opens without an account

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 10:00:00

Expand only: the signing key's table (empty: made on first use) and nullable columns.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('share_key',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('secret', sa.String(length=64), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('evidence_view') as batch:
        batch.add_column(sa.Column('via_link_until', sa.Date(), nullable=True))
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('revoked_at')
    with op.batch_alter_table('evidence_view') as batch:
        batch.drop_column('via_link_until')
    op.drop_table('share_key')
