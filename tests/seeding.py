"""Rows written straight to the database in bulk, for benchmarks and fault tests that need
thousands of events faster than commands would make them."""

from __future__ import annotations

from typing import Any

from storage.models import Base


def bulk_values(row: Base) -> dict[str, Any]:
    """``row``'s column values for a bulk INSERT. A column the row leaves empty gets the
    model's default, as a row added through a session would: a bulk INSERT of dictionaries
    applies none, and a column added later (``events.sequence``) would otherwise fail the
    seeding as NOT NULL."""
    values = {}
    for column in type(row).__table__.columns:
        value = getattr(row, column.key)
        default = column.default
        if value is None and default is not None and default.is_scalar and not column.nullable:
            value = default.arg
        values[column.key] = value
    return values
