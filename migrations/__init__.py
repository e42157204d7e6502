"""Alembic migrations of Linli's schema."""
