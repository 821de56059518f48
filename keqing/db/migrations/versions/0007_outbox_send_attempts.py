"""channel outbox: a reply part's send attempts (the ambiguous "being sent" state)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_outbox") as batch:
        batch.add_column(sa.Column("send_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("attempted_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_outbox") as batch:
        batch.drop_column("attempted_at")
        batch.drop_column("send_attempts")
