"""channels' durable inbox and outbox

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("rep", sa.String(200), nullable=False),
        sa.Column("message_key", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("busy_notified", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("channel", "message_key", name="uq_channel_inbox_channel_key"),
    )
    op.create_table(
        "channel_rep_lease",
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("rep", sa.String(200), primary_key=True),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_channel_inbox_rep_status", "channel_inbox", ["channel", "rep", "status"])
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inbox_id", sa.Integer(), sa.ForeignKey("channel_inbox.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("inbox_id", "position", name="uq_channel_outbox_inbox_position"),
    )


def downgrade() -> None:
    op.drop_table("channel_outbox")
    op.drop_table("channel_rep_lease")
    op.drop_index("ix_channel_inbox_rep_status", table_name="channel_inbox")
    op.drop_table("channel_inbox")
