"""knowledge base tables

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _item_fk() -> sa.ForeignKey:
    return sa.ForeignKey("kb_items.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "kb_items",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("authored", sa.Boolean(), nullable=False),
        sa.Column("compliance", sa.Text(), nullable=True),
        sa.Column("file", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.String(100), nullable=True),
        sa.Column("group", sa.String(40), nullable=True),
        sa.Column("cadence", sa.String(100), nullable=True),
        sa.Column("cadence_days", sa.Integer(), nullable=True),
        sa.Column("raw", sa.JSON(), nullable=False),
    )
    op.create_index("ix_kb_items_kind", "kb_items", ["kind"])

    op.create_table(
        "kb_aliases",
        sa.Column("item_id", sa.String(100), _item_fk(), primary_key=True),
        sa.Column("alias", sa.String(100), primary_key=True),
        sa.Column("norm", sa.String(100), nullable=False),
    )
    op.create_index("ix_kb_aliases_norm", "kb_aliases", ["norm"])

    op.create_table(
        "kb_cues",
        sa.Column("item_id", sa.String(100), _item_fk(), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("dimension", sa.String(20), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.Column("phrase", sa.String(100), nullable=False),
    )
    op.create_index("ix_kb_cues_dimension", "kb_cues", ["dimension"])

    op.create_table(
        "kb_item_texts",
        sa.Column("item_id", sa.String(100), _item_fk(), primary_key=True),
        sa.Column("field", sa.String(40), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
    )

    op.create_table(
        "kb_stages",
        sa.Column("item_id", sa.String(100), _item_fk(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("order", sa.Integer(), nullable=False, unique=True),
        sa.Column("share_min", sa.Float(), nullable=False),
        sa.Column("share_max", sa.Float(), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
    )

    op.create_table(
        "kb_steps",
        sa.Column("item_id", sa.String(100), _item_fk(), primary_key=True),
        sa.Column("order", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("authored", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("item_id", "key"),
    )

    op.create_table(
        "kb_opportunities",
        sa.Column("item_id", sa.String(100), _item_fk(), primary_key=True),
        sa.Column("order", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.UniqueConstraint("item_id", "key"),
    )

    op.create_table(
        "kb_compliance",
        sa.Column("item_id", sa.String(100), _item_fk(), primary_key=True),
        sa.Column("refusal", sa.Text(), nullable=False),
        sa.Column("law", sa.Text(), nullable=False),
    )

    op.create_table(
        "kb_meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "kb_meta",
        "kb_compliance",
        "kb_opportunities",
        "kb_steps",
        "kb_stages",
        "kb_item_texts",
        "kb_cues",
        "kb_aliases",
        "kb_items",
    ):
        op.drop_table(table)
