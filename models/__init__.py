"""Persistence: SQLAlchemy models, the engine and session factory, Alembic migrations.

Nothing here imports the rest of kichhoat; `services` and `ui` build on it.
"""
