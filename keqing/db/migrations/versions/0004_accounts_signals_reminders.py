"""accounts, people's roles, account news (signals), reminders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mem_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("rep_id", "key", name="uq_mem_accounts_rep_key"),
    )
    with op.batch_alter_table("mem_customers") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("role", sa.String(20), nullable=True))
        batch.add_column(sa.Column("placeholder", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("last_contact_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key("fk_mem_customers_account", "mem_accounts", ["account_id"], ["id"], ondelete="SET NULL")
    op.create_table(
        "mem_signals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("mem_customers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),  # opportunity | regression
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("message", sa.Text(), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "mem_relations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("mem_customers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("other_id", sa.Integer(), sa.ForeignKey("mem_customers.id", ondelete="CASCADE"), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),  # conflict | supports | opposes | reports_to
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "mem_reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rep_id", sa.Integer(), sa.ForeignKey("mem_reps.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("mem_customers.id", ondelete="SET NULL"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),  # a worker took it (exactly-once delivery)
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("mem_reminders")
    op.drop_table("mem_relations")
    op.drop_table("mem_signals")
    with op.batch_alter_table("mem_customers") as batch:
        batch.drop_constraint("fk_mem_customers_account", type_="foreignkey")
        batch.drop_column("last_contact_at")
        batch.drop_column("placeholder")
        batch.drop_column("role")
        batch.drop_column("account_id")
    op.drop_table("mem_accounts")
