"""finance's payee on each employee: bank, account number, holder

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00

Expand only: four nullable columns (the last: when the account last changed), filled by the next organisation import that has them.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('employee') as batch:
        batch.add_column(sa.Column('bank_name', sa.String(length=60), nullable=True))
        batch.add_column(sa.Column('bank_account', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('bank_account_holder', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('bank_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('employee') as batch:
        batch.drop_column('bank_changed_at')
        batch.drop_column('bank_account_holder')
        batch.drop_column('bank_account')
        batch.drop_column('bank_name')
