"""login throttling per username and a token version per account

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:30:00

Expand only: a new table and a column with a server default.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('login_throttle',
                    sa.Column('username', sa.String(length=60), nullable=False),
                    sa.Column('failures', sa.Integer(), nullable=False),
                    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
                    sa.PrimaryKeyConstraint('username'))
    with op.batch_alter_table('account') as batch:
        batch.add_column(sa.Column('token_version', sa.Integer(), server_default='0',
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('account') as batch:
        batch.drop_column('token_version')
    op.drop_table('login_throttle')
