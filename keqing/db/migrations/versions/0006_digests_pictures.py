"""weekly digest: per-rep opt-out and the sent digests; pictures (the style map)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mem_reps") as batch:
        batch.add_column(sa.Column("weekly_digest", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "mem_digests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(100), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("rep_id", "week"),
    )
    op.create_table(
        "pictures",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("mime", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("pictures")
    op.drop_table("mem_digests")
    with op.batch_alter_table("mem_reps") as batch:
        batch.drop_column("weekly_digest")
