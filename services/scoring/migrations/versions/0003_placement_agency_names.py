"""the agency's code and name on each placement (org.placement_changed 1.1)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 19:00:00

Expand only: two nullable columns, filled by placements heard from now on (a 1.0
message, or one heard before, leaves them empty: the export then shows the id).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('placement') as batch:
        batch.add_column(sa.Column('agency_code', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('agency_name', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('placement') as batch:
        batch.drop_column('agency_name')
        batch.drop_column('agency_code')
