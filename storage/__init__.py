"""Persistence: SQLAlchemy models, the database, repositories and the unit of work."""

from storage.database import Database, DatabaseError, redact_url
from storage.unit_of_work import UnitOfWork

__all__ = ["Database", "DatabaseError", "UnitOfWork", "redact_url"]
