"""harvest watermark (learning loop)

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "harvest_watermarks",
        sa.Column("tracker_key", sa.String(64), primary_key=True),
        sa.Column("tracker_url", sa.String(500), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("last_event_timestamp", sa.Float(), nullable=True),
        sa.Column("harvested_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("harvest_watermarks")
