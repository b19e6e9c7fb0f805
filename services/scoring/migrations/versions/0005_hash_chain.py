"""the tamper-evident record: each chain's head and its links (ekinerja_contract/chain.py)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:00:00

Expand only: two new tables; the chains start empty at their genesis hash. Rows written
before this are outside the chain (the verifier counts them apart).
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CHAINS = ("ledger", "snapshot_lines",)
GENESIS = "0" * 64


def upgrade() -> None:
    heads = op.create_table('chain_head',
                            sa.Column('name', sa.String(length=40), nullable=False),
                            sa.Column('hash', sa.String(length=64), nullable=False),
                            sa.Column('rows', sa.Integer(), nullable=False),
                            sa.PrimaryKeyConstraint('name'))
    op.create_table('chain_link',
                    sa.Column('chain', sa.String(length=40), nullable=False),
                    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False,
                              nullable=False),
                    sa.Column('row_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('chain', 'seq'))
    op.create_index('ix_chain_link_row', 'chain_link', ['chain', 'row_id'])
    # the head rows exist before any writer locks them
    op.bulk_insert(heads, [{"name": name, "hash": GENESIS, "rows": 0} for name in CHAINS])


def downgrade() -> None:
    op.drop_table('chain_link')
    op.drop_table('chain_head')
