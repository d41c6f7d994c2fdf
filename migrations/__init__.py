"""Alembic migrations, shipped inside the package so `gatherbot db upgrade` works anywhere."""
