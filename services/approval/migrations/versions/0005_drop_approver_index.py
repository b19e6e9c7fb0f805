"""contract: the single-column index on approval_task.approver_id goes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 02:00:01

Contract, once every instance runs with 0004 in place: ix_task_inbox starts with
approver_id, so it serves every lookup the old index served; one index fewer to keep
up on each new task and decision. Dropped CONCURRENTLY on PostgreSQL (no lock that
waits on the inbox's reads).
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = "ix_approval_task_approver_id"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="approval_task", postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(NAME, "approval_task", ["approver_id"], postgresql_concurrently=True)
