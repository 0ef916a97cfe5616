"""users.email: where a user's job notifications go (optional)

Revision ID: 0004_user_email
Revises: 0003_pending_notify
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_user_email"
down_revision = "0003_pending_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("email")
