"""customer memory tables

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _customer_fk() -> sa.ForeignKey:
    return sa.ForeignKey("mem_customers.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "mem_reps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(50), nullable=False),
        sa.Column("sender_id", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("channel", "sender_id"),
    )

    op.create_table(
        "mem_customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("touched_seq", sa.Integer(), nullable=False),
        sa.UniqueConstraint("rep_id", "key"),
    )
    op.create_index("ix_mem_customers_rep_id", "mem_customers", ["rep_id"])

    op.create_table(
        "mem_assessments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), _customer_fk(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_mem_assessments_customer_id", "mem_assessments", ["customer_id"])

    op.create_table(
        "mem_assessment_values",
        sa.Column(
            "assessment_id",
            sa.Integer(),
            sa.ForeignKey("mem_assessments.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("value", sa.String(50), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
    )

    op.create_table(
        "mem_stage_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), _customer_fk(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_mem_stage_history_customer_id", "mem_stage_history", ["customer_id"])

    op.create_table(
        "mem_playbook_positions",
        sa.Column("customer_id", sa.Integer(), _customer_fk(), primary_key=True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("step_order", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "mem_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), _customer_fk(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(20), nullable=False),
        sa.Column("old_value", sa.String(50), nullable=True),
        sa.Column("new_value", sa.String(50), nullable=False),
        sa.Column("original_message", sa.Text(), nullable=False),
        sa.Column("correction_message", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_mem_corrections_customer_id", "mem_corrections", ["customer_id"])

    op.create_table(
        "mem_notes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), _customer_fk(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_mem_notes_customer_id", "mem_notes", ["customer_id"])

    op.create_table(
        "mem_next_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), _customer_fk(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_mem_next_actions_customer_id", "mem_next_actions", ["customer_id"])


def downgrade() -> None:
    for table in (
        "mem_next_actions",
        "mem_notes",
        "mem_corrections",
        "mem_playbook_positions",
        "mem_stage_history",
        "mem_assessment_values",
        "mem_assessments",
        "mem_customers",
        "mem_reps",
    ):
        op.drop_table(table)
