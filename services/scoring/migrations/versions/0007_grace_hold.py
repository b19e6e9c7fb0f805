"""grace windows heard from reporting: a month is not closed while one is open

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:50:00

Expand only: a new table. Windows opened before it are not known here (reporting.grace_
window_opened 1.0 carried no id); they were admins' own, who close by hand.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('grace_hold',
                    sa.Column('window_id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('agency_id', sa.Integer(), nullable=False),
                    sa.Column('period', sa.String(length=7), nullable=False),
                    sa.Column('until', sa.Date(), nullable=False),
                    sa.Column('revoked', sa.Boolean(), nullable=False),
                    sa.PrimaryKeyConstraint('window_id'))


def downgrade() -> None:
    op.drop_table('grace_hold')
