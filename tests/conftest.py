"""Shared fixtures: a real database per test, on SQLite and on PostgreSQL.

PostgreSQL tests read GATHERBOT_TEST_DATABASE_URL. Without it they skip on a newcomer's
machine; under CI=true a missing database is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage import Database

PG_URL_ENV = "GATHERBOT_TEST_DATABASE_URL"


def postgres_url() -> str:
    url = os.environ.get(PG_URL_ENV, "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{PG_URL_ENV} is unset under CI=true: PostgreSQL tests must run in CI")
        pytest.skip(
            f"PostgreSQL tests need {PG_URL_ENV} (e.g. "
            "postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
        )
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        # Tests run in parallel workers (pytest-xdist): each gets a database of its own,
        # `test_gw0`, `test_gw1`..., since every test starts by dropping the schema.
        parsed = make_url(url)
        url = parsed.set(database=f"{parsed.database}_{worker}").render_as_string(False)
    return url


async def _create_missing(url: str) -> None:
    """Create the database of ``url`` if it is not there yet (a parallel worker's own)."""
    target = make_url(url)
    engine = create_async_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        async with engine.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await engine.dispose()


async def reset_postgres(url: str) -> None:
    """Start every PostgreSQL test from an empty schema."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        await _create_missing(url)
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


async def fresh_database_url(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'gatherbot.db'}"
    url = postgres_url()
    await reset_postgres(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database (no tables yet)."""
    return await fresh_database_url(request.param, tmp_path)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    db = Database(database_url)
    await db.upgrade()
    yield db
    await db.dispose()
