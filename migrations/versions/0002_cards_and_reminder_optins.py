"""posted cards and personal reminder opt-ins

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "posted_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("network", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_posted_cards_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posted_cards")),
        sa.UniqueConstraint(
            "platform", "network", "chat_id", "message_id", name=op.f("uq_posted_cards_platform")
        ),
    )
    with op.batch_alter_table("posted_cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posted_cards_event_id"), ["event_id"], unique=False)

    op.create_table(
        "reminder_optins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_reminder_optins_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_reminder_optins_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_optins")),
        sa.UniqueConstraint("event_id", "person_id", name=op.f("uq_reminder_optins_event_id")),
    )
    with op.batch_alter_table("reminder_optins", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminder_optins_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reminder_optins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_optins_person_id"))

    op.drop_table("reminder_optins")
    with op.batch_alter_table("posted_cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posted_cards_event_id"))

    op.drop_table("posted_cards")
