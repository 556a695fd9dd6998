"""Alembic migrations of the vybory schema (run by vybory.store.migrate)."""
