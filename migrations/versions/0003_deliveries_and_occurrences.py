"""deliveries (reminders, notices), channel defaults, answers per occurrence

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cancelled_occurrences",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=512), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_cancelled_occurrences_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "occurrence", name=op.f("pk_cancelled_occurrences")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("occurrence", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "claimed",
                "sent",
                "skipped",
                "failed",
                name="deliverystate",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.id"],
            name=op.f("fk_deliveries_channel_id_channels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_deliveries_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_deliveries_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("key", name=op.f("uq_deliveries_key")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_event_id"), ["event_id"], unique=False)
        batch_op.create_index("ix_deliveries_state_due", ["state", "due_at"], unique=False)

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminders", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("digest", sa.String(length=32), nullable=True))

    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        # Existing answers belong to events that happen once: occurrence "".
        batch_op.add_column(
            sa.Column("occurrence", sa.String(length=10), nullable=False, server_default="")
        )
        batch_op.drop_index(batch_op.f("ix_rsvps_event_status"))
        batch_op.create_index(
            "ix_rsvps_event_status", ["event_id", "occurrence", "status"], unique=False
        )
        batch_op.drop_constraint(batch_op.f("uq_rsvps_event_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_rsvps_event_id"), ["event_id", "occurrence", "person_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("rsvps", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_rsvps_event_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_rsvps_event_id"), ["event_id", "person_id"]
        )
        batch_op.drop_index("ix_rsvps_event_status")
        batch_op.create_index(
            batch_op.f("ix_rsvps_event_status"), ["event_id", "status"], unique=False
        )
        batch_op.drop_column("occurrence")

    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("digest")
        batch_op.drop_column("reminders")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_state_due")
        batch_op.drop_index(batch_op.f("ix_deliveries_event_id"))

    op.drop_table("deliveries")
    op.drop_table("cancelled_occurrences")
