"""channel outbox: a fingerprint of each reply part, kept (without the part) for WeCom's duplicate-check window

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_outbox") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))
    op.create_index("ix_channel_outbox_content_hash", "channel_outbox", ["content_hash"])


def downgrade() -> None:
    op.drop_index("ix_channel_outbox_content_hash", table_name="channel_outbox")
    with op.batch_alter_table("channel_outbox") as batch:
        batch.drop_column("content_hash")
