"""the approver's inbox by one index: (approver_id, state, submitted_at)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 02:00:00

Expand, safe under load: the inbox asks for an approver's pending tasks, oldest first;
the new index answers that in one range scan. Built CONCURRENTLY on PostgreSQL, so
decisions and new tasks are not blocked while it builds (it runs outside a transaction;
an interrupted build leaves an INVALID index, which this drops and builds again).
The code of the version before and after works with and without it.
"""
from typing import Sequence, Union

from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = "ix_task_inbox"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")  # a build cut off before
        op.create_index(NAME, "approval_task", ["approver_id", "state", "submitted_at"],
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(NAME, table_name="approval_task", postgresql_concurrently=True)
