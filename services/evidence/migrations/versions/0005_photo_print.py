"""perceptual fingerprints of photos, indexed for the near-duplicate lookup

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:15:00

Expand only: a new table; photos stored before it have no fingerprint until the
backfill reads them (services/evidence/near_duplicates.py `remember`).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('photo_print',
                    sa.Column('evidence_id', sa.String(length=36), nullable=False),
                    sa.Column('owner_id', sa.Integer(), nullable=False),
                    sa.Column('dhash', sa.BigInteger(), nullable=False),
                    sa.Column('phash', sa.BigInteger(), nullable=False),
                    sa.Column('part0', sa.Integer(), nullable=False),
                    sa.Column('part1', sa.Integer(), nullable=False),
                    sa.Column('part2', sa.Integer(), nullable=False),
                    sa.Column('part3', sa.Integer(), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('evidence_id'))
    for n in range(4):
        op.create_index(f'ix_photo_print_part{n}', 'photo_print', [f'part{n}'])


def downgrade() -> None:
    op.drop_table('photo_print')
